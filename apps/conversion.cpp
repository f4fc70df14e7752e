#include "apps/conversion.h"

#include <algorithm>
#include <cstdio>

#include "sw/common/error.h"
#include "sw/io/npz.h"
#include "sw/snn/evaluate.h"
#include "sw/train/ttfs_conversion.h"

namespace spiketlm::app {

nlohmann::json rate_convert_and_save(const train::Ann& ann, const train::RateSpec& spec, const data::ImageSet& calib,
                                     const data::ImageSet& test, double ann_acc, int threads, const std::string& out,
                                     io::ModelMeta meta) {
    std::vector<int> ts = spec.report_steps;
    if (std::find(ts.begin(), ts.end(), spec.steps) == ts.end()) ts.push_back(spec.steps);
    std::sort(ts.begin(), ts.end());
    nlohmann::json rows = nlohmann::json::array();
    double acc_at_steps = 0;
    train::RateConversion saved;
    const std::vector<double> lambda = train::rate_scales(ann, calib, spec);  // the same for every T
    for (int t : ts) {
        train::RateConversion rc = train::convert_rate_with_scales(ann, lambda, spec, t);
        const snn::Reference ref(rc.net);
        const snn::EvalTotals e = snn::evaluate(ref, test, spec.seed, threads);
        const double spf = e.frames ? static_cast<double>(e.spikes) / static_cast<double>(e.frames) : 0.0;
        std::printf("converted, T = %d (%d steps): test accuracy %.2f%%, undecided %llu, %.0f spikes/frame\n", t,
                    rc.net.timesteps, 100 * e.accuracy(), static_cast<unsigned long long>(e.undecided), spf);
        std::fflush(stdout);
        rows.push_back({{"steps", t},
                        {"timesteps", rc.net.timesteps},
                        {"test_accuracy", e.accuracy()},
                        {"undecided", e.undecided},
                        {"spikes_per_frame", spf}});
        if (t == spec.steps) {
            acc_at_steps = e.accuracy();
            saved = std::move(rc);
        }
    }
    io::QuantInfo qi;
    qi.input_window = 1.0;
    qi.delta = 1.0 / spec.steps;
    qi.weight_scale = saved.weight_scale;
    qi.theta_float.assign(saved.weight_scale.size(), 1.0);
    qi.float_test_accuracy = ann_acc;
    qi.quantized_test_accuracy = acc_at_steps;
    meta.quant = qi;
    meta.notes["method"] = "rate";
    std::string lam;
    for (double l : saved.lambda) lam += (lam.empty() ? "" : " ") + std::to_string(l);
    meta.notes["activation_scales"] = lam;
    io::save_model(out, saved.net, meta, ann_float_weights(ann));
    return {{"snn", rows},
            {"quantized_test_accuracy", acc_at_steps},
            {"steps", spec.steps},
            {"activation_scales", saved.lambda}};
}

std::vector<std::vector<float>> ann_float_weights(const train::Ann& ann) {
    std::vector<std::vector<float>> fw;
    for (const auto& w : ann.w) fw.push_back(train::row_major(w));
    return fw;
}

namespace {
std::vector<std::size_t> ann_weight_shape(const train::Ann& ann, int k) {
    const auto ks = static_cast<std::size_t>(k);
    if (ann.is_dense(k)) return {static_cast<std::size_t>(ann.w[ks].rows()), static_cast<std::size_t>(ann.w[ks].cols())};
    const snn::Conv2d& g = ann.conv[ks];
    return {static_cast<std::size_t>(g.out_c), static_cast<std::size_t>(g.in_c / g.groups), static_cast<std::size_t>(g.k_h),
            static_cast<std::size_t>(g.k_w)};
}
}  // namespace

void save_ann_npz(const train::Ann& ann, const std::string& path) {
    io::NpzArchive z;
    const auto fw = ann_float_weights(ann);
    for (int k = 0; k < ann.layers(); ++k) {
        const auto ks = static_cast<std::size_t>(k);
        z["layer" + std::to_string(k) + ".weight"] = io::NpyArray::from_float(ann_weight_shape(ann, k), fw[ks]);
        z["layer" + std::to_string(k) + ".bias"] = io::NpyArray::from_float(
            {static_cast<std::size_t>(ann.b[ks].size())}, std::vector<float>(ann.b[ks].data(), ann.b[ks].data() + ann.b[ks].size()));
    }
    io::write_npz(path, z);
}

train::Ann load_ann_npz(const train::RateSpec& spec, const std::string& path) {
    train::Ann ann = train::init_ann(spec);
    const io::NpzArchive z = io::read_npz(path);
    for (int k = 0; k < ann.layers(); ++k) {
        const auto ks = static_cast<std::size_t>(k);
        const std::string wn = "layer" + std::to_string(k) + ".weight", bn = "layer" + std::to_string(k) + ".bias";
        const auto wi = z.find(wn), bi = z.find(bn);
        if (wi == z.end() || bi == z.end())
            throw InputError(path + ": member '" + (wi == z.end() ? wn : bn) + "' is missing (the file does not match " +
                             spec.source + ")");
        if (wi->second.shape != ann_weight_shape(ann, k) ||
            bi->second.shape != std::vector<std::size_t>{static_cast<std::size_t>(ann.b[ks].size())})
            throw InputError(path + ": member '" + wn + "' has shape " + wi->second.shape_str() +
                             ", which does not match layer " + std::to_string(k) + " of " + spec.source);
        const auto w = wi->second.to_float();
        const Eigen::Index cols = ann.w[ks].cols();
        for (Eigen::Index o = 0; o < ann.w[ks].rows(); ++o)
            for (Eigen::Index i = 0; i < cols; ++i) ann.w[ks](o, i) = w[static_cast<std::size_t>(o * cols + i)];
        const auto b = bi->second.to_float();
        ann.b[ks] = Eigen::Map<const Eigen::VectorXf>(b.data(), static_cast<Eigen::Index>(b.size()));
    }
    if (z.count("layer" + std::to_string(ann.layers()) + ".weight"))
        throw InputError(path + ": has more layers than " + spec.source);
    return ann;
}

nlohmann::json ttfs_convert_and_save(const train::Ann& ann, const train::RateSpec& spec, const data::ImageSet& calib,
                                     const data::ImageSet& test, double ann_acc, int threads, const std::string& out,
                                     io::ModelMeta meta) {
    std::vector<int> ts = spec.report_steps;
    if (std::find(ts.begin(), ts.end(), spec.steps) == ts.end()) ts.push_back(spec.steps);
    std::sort(ts.begin(), ts.end());
    nlohmann::json rows = nlohmann::json::array();
    train::TtfsConversion saved;
    double acc_at_steps = 0;
    const double lambda = train::ttfs_hidden_scale(ann, calib, spec);  // the same for every T
    for (int t : ts) {
        const int th = spec.hidden_steps > 0 ? spec.hidden_steps : t;
        train::TtfsConversion c;
        try {
            c = train::convert_ttfs_with_scale(ann, lambda, spec, t, th);
        } catch (const InputError& e) {
            if (t == spec.steps) throw;  // the model to write must exist
            std::printf("converted (ttfs), T = %d, T_h = %d: not possible: %s\n", t, th, e.what());
            rows.push_back({{"steps", t}, {"hidden_steps", th}, {"error", e.what()}});
            continue;
        }
        const snn::Reference ref(c.net);
        const snn::EvalTotals e = snn::evaluate(ref, test, spec.seed, threads);
        const double spf = e.frames ? static_cast<double>(e.spikes) / static_cast<double>(e.frames) : 0.0;
        std::printf("converted (ttfs), T = %d, T_h = %d (%d steps): test accuracy %.2f%%, undecided %llu, "
                    "%.1f spikes/frame\n",
                    t, th, c.net.timesteps, 100 * e.accuracy(), static_cast<unsigned long long>(e.undecided), spf);
        std::fflush(stdout);
        rows.push_back({{"steps", t},
                        {"hidden_steps", th},
                        {"timesteps", c.net.timesteps},
                        {"test_accuracy", e.accuracy()},
                        {"undecided", e.undecided},
                        {"spikes_per_frame", spf},
                        {"input_spikes_per_frame", e.frames ? static_cast<double>(e.input_spikes) / e.frames : 0.0},
                        {"synops_per_frame", e.frames ? static_cast<double>(e.synops) / e.frames : 0.0}});
        if (t == spec.steps) {
            acc_at_steps = e.accuracy();
            saved = std::move(c);
        }
    }
    io::QuantInfo qi;
    qi.input_window = 1.0;
    qi.delta = 1.0 / spec.steps;
    qi.weight_scale = saved.weight_scale;
    // theta_float stays empty: a TTFS layer has no float threshold (the hidden scale is in notes).
    qi.float_test_accuracy = ann_acc;
    qi.quantized_test_accuracy = acc_at_steps;
    meta.quant = qi;
    meta.notes["method"] = "ttfs";
    meta.notes["hidden_scale"] = std::to_string(saved.lambda);
    meta.notes["hidden_steps"] = std::to_string(saved.hidden_steps);
    meta.notes["hidden_slope"] = std::to_string(saved.beta0);
    meta.notes["read_step"] = std::to_string(saved.input_steps + saved.k_window);
    io::save_model(out, saved.net, meta, saved.float_weights);  // a pooling folded into the output layer
    return {{"snn", rows},
            {"quantized_test_accuracy", acc_at_steps},
            {"steps", spec.steps},
            {"hidden_scale", saved.lambda},
            {"timesteps", saved.net.timesteps}};
}

}  // namespace spiketlm::app
