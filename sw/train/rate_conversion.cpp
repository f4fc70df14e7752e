#include "sw/train/rate_conversion.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>
#include <set>

#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/common/seed.h"
#include "sw/data/datasets.h"
#include "sw/train/conv.h"
#include "sw/train/spec_yaml.h"

namespace spiketlm::train {

namespace {

// The layers a spec describes: kind and geometry of each (the output layer last), checked.
std::vector<PlannedLayer> plan_layers(const RateSpec& s) {
    if (s.convolutional())
        return plan_layer_list(s.source.empty() ? s.name : s.source, s.inputs, s.input_shape, s.layers, s.outputs);
    std::vector<PlannedLayer> plan;
    const auto sizes = [&] {
        std::vector<int> z{s.inputs};
        z.insert(z.end(), s.hidden.begin(), s.hidden.end());
        z.push_back(s.outputs);
        return z;
    }();
    for (std::size_t k = 0; k + 1 < sizes.size(); ++k) plan.push_back({AnnLayerKind::dense, sizes[k], sizes[k + 1], {}});
    return plan;
}

}  // namespace

std::vector<PlannedLayer> plan_layer_list(const std::string& file, int inputs, const std::vector<int>& input_shape,
                                          const std::vector<LayerSpec>& layers, int outputs) {
    std::vector<PlannedLayer> plan;
    if (input_shape.size() != 3)
        throw InputError(file + ": network.input_shape must be [channels, height, width] for network.layers");
    for (int d : input_shape)
        if (d < 1) throw InputError(file + ": network.input_shape values must be >= 1");
    if (static_cast<long long>(input_shape[0]) * input_shape[1] * input_shape[2] != inputs)
        throw InputError(file + ": network.input_shape " + std::to_string(input_shape[0]) + "x" +
                         std::to_string(input_shape[1]) + "x" + std::to_string(input_shape[2]) +
                         " does not hold network.inputs = " + std::to_string(inputs) + " values");
    bool shaped = true;
    int c = input_shape[0], h = input_shape[1], w = input_shape[2], flat = inputs;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const LayerSpec& l = layers[i];
        const std::string where = file + (l.line > 0 ? ":" + std::to_string(l.line) : std::string()) +
                                  ": network.layers[" + std::to_string(i) + "] (" + l.type + ")";
        PlannedLayer p;
        p.in = flat;
        if (l.type == "conv" || l.type == "avgpool") {
            if (!shaped)
                throw InputError(where + ": a " + l.type + " layer cannot follow a dense layer (its data is flat)");
            snn::Conv2d& g = p.conv;
            g.in_c = c;
            g.in_h = h;
            g.in_w = w;
            g.k_h = g.k_w = l.kernel;
            if (l.type == "conv") {
                p.kind = AnnLayerKind::conv;
                if (l.channels < 1) throw InputError(where + ": channels must be >= 1");
                g.out_c = l.channels;
                g.stride_h = g.stride_w = l.stride > 0 ? l.stride : 1;
                g.pad_h = g.pad_w = l.padding;
                g.groups = l.groups;
            } else {
                p.kind = AnnLayerKind::avgpool;
                g.out_c = c;
                g.stride_h = g.stride_w = l.stride > 0 ? l.stride : l.kernel;
                g.groups = c;
            }
            if (l.stride < 0) throw InputError(where + ": stride must be >= 1");
            g.out_h = conv_out_dim(g.in_h, g.k_h, g.stride_h, g.pad_h);
            g.out_w = conv_out_dim(g.in_w, g.k_w, g.stride_w, g.pad_w);
            check_conv_geometry(g, where);
            c = g.out_c;
            h = g.out_h;
            w = g.out_w;
            p.out = flat = g.out_size();
        } else if (l.type == "dense") {
            if (l.units < 1) throw InputError(where + ": units must be >= 1");
            shaped = false;
            p.out = flat = l.units;
        } else {
            throw InputError(where + ": unknown layer type '" + l.type + "' (valid: conv, avgpool, dense)");
        }
        plan.push_back(p);
    }
    plan.push_back({AnnLayerKind::dense, flat, outputs, {}});
    return plan;
}

std::vector<int> RateSpec::layer_sizes() const {
    std::vector<int> s{inputs};
    if (!convolutional()) {
        s.insert(s.end(), hidden.begin(), hidden.end());
        s.push_back(outputs);
        return s;
    }
    for (const auto& p : plan_layers(*this)) s.push_back(p.out);
    return s;
}

int Ann::in_size(int k) const {
    return is_dense(k) ? static_cast<int>(w[static_cast<std::size_t>(k)].cols()) : conv[static_cast<std::size_t>(k)].in_size();
}
int Ann::out_size(int k) const {
    return is_dense(k) ? static_cast<int>(w[static_cast<std::size_t>(k)].rows()) : conv[static_cast<std::size_t>(k)].out_size();
}

void RateSpec::validate() const {
    const std::string where = source.empty() ? name : source;
    auto bad = [&](const std::string& what) { throw InputError(where + ": " + what); };
    if (inputs < 1) bad("network.inputs must be >= 1");
    if (outputs < 2) bad("network.outputs must be >= 2");
    for (int h : hidden)
        if (h < 1) bad("network.hidden sizes must be >= 1");
    if (convolutional() && !hidden.empty()) bad("network.hidden and network.layers exclude each other (give one)");
    plan_layers(*this);  // layer geometry, errors with file:line
    if (convolutional() && method == "ttfs") {
        // One hidden layer: [conv] or [conv, avgpool] (the pooling folds into the output layer),
        // or [dense]; the conv without padding (ttfs_conversion.h).
        const auto& ls = layers;
        const bool ok = (ls.size() == 1 && (ls[0].type == "conv" || ls[0].type == "dense")) ||
                        (ls.size() == 2 && ls[0].type == "conv" && ls[1].type == "avgpool");
        if (!ok)
            bad("network.layers: the TTFS conversion takes exactly one hidden layer: [conv], [conv, avgpool] (the "
                "pooling folds into the output layer) or [dense] (it has " + std::to_string(ls.size()) +
                " layers; docs/conversion.md)");
        if (ls[0].type == "conv" && ls[0].padding != 0)
            throw InputError(where + (ls[0].line > 0 ? ":" + std::to_string(ls[0].line) : std::string()) +
                ": network.layers[0] (conv): padding must be 0 for the TTFS conversion (a padding tap has no input "
                "spike, so the kernel's zero sum would not hold at the border)");
    }
    if (epochs < 1) bad("train.epochs must be >= 1");
    if (batch < 1) bad("train.batch must be >= 1");
    if (!(lr > 0)) bad("train.lr must be > 0");
    if (!(lr_min >= 0 && lr_min <= lr)) bad("train.lr_min must be in [0, train.lr]");
    if (augment_shift < 0 || augment_shift > 8) bad("train.augment_shift must be in 0..8");
    if (input_noise_steps < 0 || input_noise_steps > 65536) bad("train.input_noise_steps must be in 0..65536");
    if (!(weight_decay >= 0 && weight_decay < 1)) bad("train.weight_decay must be in [0, 1)");
    if (!(percentile > 0 && percentile <= 100)) bad("conversion.percentile must be in (0, 100]");
    if (!(output_percentile > 0 && output_percentile <= 100)) bad("conversion.output_percentile must be in (0, 100]");
    if (calibration_samples < 1) bad("conversion.calibration_samples must be >= 1");
    if (weight_bits < 2 || weight_bits > 16) bad("conversion.weight_bits must be in 2..16");
    if (state_bits < 8 || state_bits > 32) bad("conversion.state_bits must be in 8..32");
    if (steps < 1 || steps > 65536) bad("conversion.steps must be in 1..65536");
    if (hidden_steps < 0 || hidden_steps > 65536) bad("conversion.hidden_steps must be in 0..65536");
    if (hidden_rounding != "nearest" && hidden_rounding != "down")
        bad("conversion.hidden_rounding must be nearest or down (it is '" + hidden_rounding + "')");
    if (method == "ttfs" && !convolutional() && hidden.size() != 1)
        bad("network.hidden must have exactly one layer for the TTFS conversion (it has " +
            std::to_string(hidden.size()) + "; the exact mapping reads the hidden layer at one step, docs/conversion.md)");
    for (int t : report_steps)
        if (t < 1 || t > 65536) bad("conversion.report_steps values must be in 1..65536");
}

namespace {

using spec_yaml::check_keys;
using spec_yaml::fail;
using spec_yaml::get;
using spec_yaml::parse_layer_list;

}  // namespace

RateSpec parse_rate_spec(const std::string& text, const std::string& source, const std::string& method) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw InputError(source + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
    }
    if (!root.IsMap()) throw InputError(source + ": a rate-conversion model file must be a YAML mapping");
    RateSpec s;
    s.source = source;
    s.method = method;
    if (method == "ttfs") s.name = "ttfs-fc";
    check_keys(source, root, "", {"name", "network", "train", "conversion"});
    get(source, root, "name", "", s.name);
    if (const auto n = root["network"]) {
        check_keys(source, n, "network", {"inputs", "hidden", "outputs", "input_shape", "layers"});
        get(source, n, "inputs", "network", s.inputs);
        get(source, n, "hidden", "network", s.hidden);
        get(source, n, "outputs", "network", s.outputs);
        get(source, n, "input_shape", "network", s.input_shape);
        if (const auto ls = n["layers"]) {
            if (!n["hidden"]) s.hidden.clear();
            s.layers = parse_layer_list(source, n);
        }
    } else {
        throw InputError(source + ": missing key 'network'");
    }
    if (const auto t = root["train"]) {
        check_keys(source, t, "train",
                   {"seed", "epochs", "batch", "lr", "lr_min", "train_samples", "test_samples", "augment_shift",
                    "weight_decay", "input_noise_steps"});
        get(source, t, "input_noise_steps", "train", s.input_noise_steps);
        get(source, t, "augment_shift", "train", s.augment_shift);
        get(source, t, "weight_decay", "train", s.weight_decay);
        get(source, t, "seed", "train", s.seed);
        get(source, t, "epochs", "train", s.epochs);
        get(source, t, "batch", "train", s.batch);
        get(source, t, "lr", "train", s.lr);
        get(source, t, "lr_min", "train", s.lr_min);
        get(source, t, "train_samples", "train", s.train_samples);
        get(source, t, "test_samples", "train", s.test_samples);
    }
    if (const auto c = root["conversion"]) {
        if (method == "ttfs")
            check_keys(source, c, "conversion",
                       {"percentile", "calibration_samples", "weight_bits", "steps", "hidden_steps", "hidden_rounding",
                        "report_steps"});
        else
            check_keys(source, c, "conversion",
                       {"percentile", "output_percentile", "calibration_samples", "weight_bits", "state_bits", "steps",
                        "report_steps"});
        get(source, c, "hidden_steps", "conversion", s.hidden_steps);
        get(source, c, "hidden_rounding", "conversion", s.hidden_rounding);
        get(source, c, "percentile", "conversion", s.percentile);
        get(source, c, "output_percentile", "conversion", s.output_percentile);
        get(source, c, "calibration_samples", "conversion", s.calibration_samples);
        get(source, c, "weight_bits", "conversion", s.weight_bits);
        get(source, c, "state_bits", "conversion", s.state_bits);
        get(source, c, "steps", "conversion", s.steps);
        get(source, c, "report_steps", "conversion", s.report_steps);
    }
    s.validate();
    return s;
}

RateSpec load_rate_spec(const std::string& path, const std::string& method) {
    return parse_rate_spec(read_file(path), path, method);
}

Ann init_ann(const std::vector<int>& sizes, std::uint64_t seed) {
    Ann a;
    std::mt19937_64 rng(seed);
    for (std::size_t k = 0; k + 1 < sizes.size(); ++k) {
        std::normal_distribution<float> nd(0.0f, std::sqrt(2.0f / static_cast<float>(sizes[k])));
        Eigen::MatrixXf w(sizes[k + 1], sizes[k]);
        for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = nd(rng);
        a.w.push_back(std::move(w));
        a.b.push_back(Eigen::VectorXf::Zero(sizes[k + 1]));
    }
    return a;
}

Ann init_ann(const RateSpec& spec) {
    if (!spec.convolutional()) return init_ann(spec.layer_sizes(), spec.seed);
    Ann a;
    std::mt19937_64 rng(spec.seed);
    for (const auto& p : plan_layers(spec)) {
        a.kind.push_back(p.kind);
        a.conv.push_back(p.conv);
        if (p.kind == AnnLayerKind::dense) {
            std::normal_distribution<float> nd(0.0f, std::sqrt(2.0f / static_cast<float>(p.in)));
            Eigen::MatrixXf w(p.out, p.in);
            for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = nd(rng);
            a.w.push_back(std::move(w));
            a.b.push_back(Eigen::VectorXf::Zero(p.out));
            continue;
        }
        const snn::Conv2d& g = p.conv;
        const int fan_in = g.in_c / g.groups * g.k_h * g.k_w;
        Eigen::MatrixXf w(g.out_c, fan_in);
        if (p.kind == AnnLayerKind::avgpool) {
            w.setConstant(1.0f / static_cast<float>(g.k_h * g.k_w));
        } else {
            std::normal_distribution<float> nd(0.0f, std::sqrt(2.0f / static_cast<float>(fan_in)));
            for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = nd(rng);
        }
        a.w.push_back(std::move(w));
        a.b.push_back(Eigen::VectorXf::Zero(g.out_c));
    }
    return a;
}

Eigen::MatrixXf ann_layer_forward(const Ann& ann, int k, const Eigen::MatrixXf& x) {
    const auto ks = static_cast<std::size_t>(k);
    if (!ann.is_dense(k)) return conv_forward(ann.conv[ks], ann.w[ks], ann.b[ks], x);
    Eigen::MatrixXf z = ann.w[ks] * x;
    z.colwise() += ann.b[ks];
    return z;
}

std::vector<Eigen::MatrixXf> ann_forward(const Ann& ann, const Eigen::MatrixXf& x) {
    std::vector<Eigen::MatrixXf> acts;
    const Eigen::MatrixXf* in = &x;
    for (int k = 0; k < ann.layers(); ++k) {
        Eigen::MatrixXf z = ann_layer_forward(ann, k, *in);
        if (k + 1 < ann.layers()) z = z.cwiseMax(0.0f);
        acts.push_back(std::move(z));
        in = &acts.back();
    }
    return acts;
}

double ann_loss_grad(const Ann& ann, const Eigen::MatrixXf& x, const std::vector<int>& labels, Ann& grad,
                     bool use_bias) {
    const auto acts = ann_forward(ann, x);
    const Eigen::Index n = x.cols();
    const int L = ann.layers();
    // Softmax cross-entropy on the logits (stable: subtract the column max).
    Eigen::MatrixXf delta = acts.back();
    double loss = 0;
    for (Eigen::Index j = 0; j < n; ++j) {
        auto col = delta.col(j);
        const float m = col.maxCoeff();
        col = (col.array() - m).exp();
        const double sum = col.sum();
        loss -= std::log(static_cast<double>(col(labels[j])) / sum);
        col /= static_cast<float>(sum);
        col(labels[j]) -= 1.0f;
    }
    delta /= static_cast<float>(n);
    grad.w.resize(L);
    grad.b.resize(L);
    for (int k = L - 1; k >= 0; --k) {
        const Eigen::MatrixXf& in = k == 0 ? x : acts[k - 1];
        if (!ann.is_dense(k)) {
            Eigen::MatrixXf back;
            conv_backward(ann.conv[k], ann.w[k], in, delta, grad.w[k], grad.b[k], k > 0 ? &back : nullptr);
            if (!use_bias) grad.b[k].setZero();
            if (ann.kind_of(k) == AnnLayerKind::avgpool) grad.w[k].setZero();  // fixed weights
            if (k > 0) delta = (acts[k - 1].array() > 0.0f).select(back, 0.0f);
            continue;
        }
        grad.w[k] = delta * in.transpose();
        grad.b[k] = use_bias ? Eigen::VectorXf(delta.rowwise().sum()) : Eigen::VectorXf::Zero(delta.rows());
        if (k > 0) {
            Eigen::MatrixXf back = ann.w[k].transpose() * delta;
            delta = (acts[k - 1].array() > 0.0f).select(back, 0.0f);
        }
    }
    return loss / static_cast<double>(n);
}

Eigen::MatrixXf image_columns(const data::ImageSet& set, std::size_t first, std::size_t n) {
    const std::size_t d = set.pixels_per_image();
    return Eigen::Map<const Eigen::MatrixXf>(set.pixels.data() + first * d, static_cast<Eigen::Index>(d),
                                             static_cast<Eigen::Index>(n));
}

void ann_forward_chunks(const Ann& ann, const Eigen::MatrixXf& x, std::size_t chunk,
                        const std::function<void(std::size_t, const std::vector<Eigen::MatrixXf>&)>& on_chunk) {
    const auto n = static_cast<std::size_t>(x.cols());
    for (std::size_t first = 0; first < n; first += chunk) {
        const std::size_t m = std::min(chunk, n - first);
        on_chunk(first, ann_forward(ann, x.middleCols(static_cast<Eigen::Index>(first), static_cast<Eigen::Index>(m))));
    }
}

double ann_accuracy(const Ann& ann, const data::ImageSet& set) {
    std::size_t correct = 0;
    const std::size_t chunk = ann.kind.empty() ? 1000 : 250;
    for (std::size_t first = 0; first < set.count(); first += chunk) {
        const std::size_t n = std::min(chunk, set.count() - first);
        const auto acts = ann_forward(ann, image_columns(set, first, n));
        for (std::size_t j = 0; j < n; ++j) {
            Eigen::Index arg = 0;
            acts.back().col(static_cast<Eigen::Index>(j)).maxCoeff(&arg);
            if (arg == set.labels[first + j]) ++correct;
        }
    }
    return set.count() ? static_cast<double>(correct) / static_cast<double>(set.count()) : 0.0;
}

namespace {
// Every rows x cols plane of the d values at `in` shifted by (dx, dy) into `out`, zero fill.
void shift_planes(const float* in, std::size_t d, int rows, int cols, int dx, int dy, float* out) {
    const std::size_t plane = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
    for (std::size_t p0 = 0; p0 + plane <= d; p0 += plane)
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c) {
                const int sr = r - dy, sc = c - dx;
                out[p0 + static_cast<std::size_t>(r * cols + c)] =
                    sr >= 0 && sr < rows && sc >= 0 && sc < cols ? in[p0 + static_cast<std::size_t>(sr * cols + sc)] : 0.0f;
            }
}
}  // namespace

Ann train_ann(const RateSpec& spec, const data::ImageSet& train, const data::ImageSet& test,
              const std::function<void(const EpochStats&)>& on_epoch, const std::function<void(Ann&)>& constrain,
              const Ann* init) {
    Ann ann = init ? *init : init_ann(spec);
    if (constrain) constrain(ann);
    const int L = ann.layers();
    Ann m1, m2, g;
    for (int k = 0; k < L; ++k) {
        m1.w.push_back(Eigen::MatrixXf::Zero(ann.w[k].rows(), ann.w[k].cols()));
        m1.b.push_back(Eigen::VectorXf::Zero(ann.b[k].size()));
    }
    m2 = m1;
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    std::uint64_t t = 0;
    const std::size_t d = train.pixels_per_image();
    std::vector<std::size_t> order(train.count());
    const double pi = std::acos(-1.0);
    for (int epoch = 0; epoch < spec.epochs; ++epoch) {
        const auto t0 = std::chrono::steady_clock::now();
        const double f = spec.epochs > 1 ? static_cast<double>(epoch) / (spec.epochs - 1) : 0.0;
        const double lr = spec.lr_min + 0.5 * (spec.lr - spec.lr_min) * (1.0 + std::cos(pi * f));
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::mt19937_64 rng(spec.seed * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(epoch) + 1);
        std::shuffle(order.begin(), order.end(), rng);
        double loss_sum = 0;
        std::size_t batches = 0;
        for (std::size_t first = 0; first < order.size(); first += static_cast<std::size_t>(spec.batch)) {
            const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(spec.batch), order.size() - first);
            Eigen::MatrixXf x(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(n));
            std::vector<int> y(n);
            for (std::size_t j = 0; j < n; ++j) {
                const std::size_t idx = order[first + j];
                x.col(static_cast<Eigen::Index>(j)) =
                    Eigen::Map<const Eigen::VectorXf>(train.pixels.data() + idx * d, static_cast<Eigen::Index>(d));
                if (spec.augment_shift > 0) {
                    // Seeded per (epoch, sample): independent of the batch split.
                    std::mt19937_64 arng(derive_seed(spec.seed, "rate.augment",
                                                     static_cast<std::uint64_t>(epoch) * train.count() + idx));
                    const auto span = static_cast<std::uint64_t>(2 * spec.augment_shift + 1);
                    const int dx = static_cast<int>(arng() % span) - spec.augment_shift;
                    const int dy = static_cast<int>(arng() % span) - spec.augment_shift;
                    shift_planes(train.pixels.data() + idx * d, d, static_cast<int>(train.rows),
                                 static_cast<int>(train.cols), dx, dy, x.col(static_cast<Eigen::Index>(j)).data());
                }
                if (spec.input_noise_steps > 0) {
                    std::mt19937_64 nrng(derive_seed(spec.seed, "rate.input_noise",
                                                     static_cast<std::uint64_t>(epoch) * train.count() + idx));
                    float* px = x.col(static_cast<Eigen::Index>(j)).data();
                    for (std::size_t i = 0; i < d; ++i) {
                        std::binomial_distribution<int> bd(spec.input_noise_steps, std::clamp(px[i], 0.0f, 1.0f));
                        px[i] = static_cast<float>(bd(nrng)) / static_cast<float>(spec.input_noise_steps);
                    }
                }
                y[j] = train.labels[idx];
            }
            loss_sum += ann_loss_grad(ann, x, y, g, false);
            ++batches;
            ++t;
            const float c1 = static_cast<float>(lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t)));
            auto adam = [&](auto& p, auto& gm, auto& v1, auto& v2) {
                v1 = b1 * v1 + (1 - b1) * gm;
                v2 = b2 * v2 + (1 - b2) * gm.cwiseProduct(gm);
                p.array() -= c1 * v1.array() / (v2.array().sqrt() + static_cast<float>(eps));
            };
            for (int k = 0; k < L; ++k) {
                if (ann.kind_of(k) == AnnLayerKind::avgpool) continue;  // fixed pooling weights
                adam(ann.w[k], g.w[k], m1.w[k], m2.w[k]);
                if (spec.weight_decay > 0) ann.w[k] *= static_cast<float>(1.0 - lr * spec.weight_decay);
            }
            if (constrain) constrain(ann);
        }
        EpochStats s;
        s.epoch = epoch + 1;
        s.lr = lr;
        s.loss = batches ? loss_sum / static_cast<double>(batches) : 0;
        s.train_accuracy = ann_accuracy(ann, data::head(train, 10000));
        s.test_accuracy = ann_accuracy(ann, test);
        s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (on_epoch) on_epoch(s);
    }
    return ann;
}

std::vector<float> row_major(const Eigen::MatrixXf& m) {
    std::vector<float> v(static_cast<std::size_t>(m.size()));
    for (Eigen::Index o = 0; o < m.rows(); ++o)
        for (Eigen::Index i = 0; i < m.cols(); ++i) v[static_cast<std::size_t>(o * m.cols() + i)] = m(o, i);
    return v;
}

double positive_percentile(const Eigen::MatrixXf& a, double p) {
    std::vector<float> v;
    for (Eigen::Index i = 0; i < a.size(); ++i)
        if (a.data()[i] > 0) v.push_back(a.data()[i]);
    if (v.empty()) return 0.0;
    // Nearest rank: the smallest value with at least p % of the values <= it.
    std::size_t rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    rank = std::clamp<std::size_t>(rank, 1, v.size());
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank - 1), v.end());
    return v[rank - 1];
}

RateConversion convert_rate_with_scales(const Ann& ann, const std::vector<double>& lambda, const RateSpec& spec,
                                        int steps) {
    RateConversion rc;
    rc.lambda = lambda;
    snn::Network& net = rc.net;
    net.name = spec.name;
    net.inputs = ann.in_size(0);
    net.encoding.kind = "rate";
    net.encoding.steps = steps;
    net.encoding.threshold = 0.0;
    net.encoding.rate_max = 1.0;
    net.timesteps = steps + ann.layers();
    net.decode = snn::Decode::count;
    net.early_stop = false;
    const double qmax = std::ldexp(1.0, spec.weight_bits - 1) - 1;
    const double smax = std::ldexp(1.0, spec.state_bits - 1) - 1;
    double prev = 1.0;  // inputs: pixel values in [0, 1] are spike probabilities
    for (int k = 0; k < ann.layers(); ++k) {
        const double lam = lambda[static_cast<std::size_t>(k)];
        if (!(lam > 0))
            throw InputError("rate conversion: layer " + std::to_string(k) +
                             " has no positive activation on the calibration data (scale 0)");
        // Normalised layer: w' = w * lambda_{k-1} / lambda_k, threshold 1 (biases are not used:
        // the datapath's bias is one per layer, an ANN's is one per neuron).
        const Eigen::MatrixXd wn = ann.w[k].cast<double>() * (prev / lam);
        double wmax = wn.cwiseAbs().maxCoeff();
        if (!(wmax > 0)) wmax = 1.0;
        const double s = wmax / qmax;  // normalised weight = s * integer
        snn::Layer l;
        l.name = "fc" + std::to_string(k + 1);
        l.in = ann.in_size(k);
        l.out = ann.out_size(k);
        l.weight_bits = spec.weight_bits;
        if (!ann.is_dense(k)) {
            // conv2d (avgpool: depthwise, equal weights); the kernel (out_c, in_c/groups, k_h, k_w)
            // is the row-major weight matrix.
            l.kind = snn::LayerKind::conv2d;
            l.conv = ann.conv[static_cast<std::size_t>(k)];
            l.name = (ann.kind_of(k) == AnnLayerKind::avgpool ? "pool" : "conv") + std::to_string(k + 1);
        }
        l.weights.resize(static_cast<std::size_t>(wn.size()));
        for (Eigen::Index o = 0; o < wn.rows(); ++o)
            for (Eigen::Index i = 0; i < wn.cols(); ++i)
                l.weights[static_cast<std::size_t>(o * wn.cols() + i)] = static_cast<std::int32_t>(std::lround(wn(o, i) / s));
        l.neuron = snn::NeuronParams::defaults(snn::NeuronKind::if_);
        l.neuron.reset = snn::ResetMode::subtract;
        l.neuron.single_spike = false;
        l.neuron.refractory = 0;
        l.neuron.state_bits = spec.state_bits;
        const double theta = std::round(1.0 / s);
        if (theta > smax / 4)
            throw InputError("rate conversion: layer " + std::to_string(k) + " threshold " + std::to_string(theta) +
                             " does not fit conversion.state_bits " + std::to_string(spec.state_bits));
        l.neuron.theta = static_cast<std::int32_t>(std::max(1.0, theta));
        l.neuron.bias = 0;
        rc.weight_scale.push_back(s);
        net.layers.push_back(std::move(l));
        prev = lam;
    }
    return rc;
}

}  // namespace spiketlm::train

namespace spiketlm::train {

std::vector<std::vector<float>> positive_activations(const Ann& ann, const Eigen::MatrixXf& x, int layers) {
    std::vector<std::vector<float>> pos(static_cast<std::size_t>(layers));
    ann_forward_chunks(ann, x, 250, [&](std::size_t, const std::vector<Eigen::MatrixXf>& acts) {
        for (std::size_t k = 0; k < pos.size(); ++k)
            for (Eigen::Index i = 0; i < acts[k].size(); ++i)
                if (acts[k].data()[i] > 0) pos[k].push_back(acts[k].data()[i]);
    });
    return pos;
}

std::vector<double> rate_scales(const Ann& ann, const data::ImageSet& calibration, const RateSpec& spec) {
    const data::ImageSet cal = data::head(calibration, spec.calibration_samples);
    if (cal.count() == 0) throw InputError("rate conversion: no calibration images");
    auto pct = [&](int k) { return k + 1 < ann.layers() ? spec.percentile : spec.output_percentile; };
    std::vector<double> lambda;
    if (!ann.kind.empty()) {
        // Convolutional: the activations of all calibration images at once would be large; the
        // positive values of each layer are gathered chunk by chunk (same percentiles).
        auto pos = positive_activations(ann, image_columns(cal, 0, cal.count()), ann.layers());
        for (int k = 0; k < ann.layers(); ++k) {
            auto& v = pos[static_cast<std::size_t>(k)];
            lambda.push_back(positive_percentile(Eigen::Map<const Eigen::MatrixXf>(v.data(), static_cast<Eigen::Index>(v.size()), 1),
                                                 pct(k)));
            std::vector<float>().swap(v);
        }
        return lambda;
    }
    const auto acts = ann_forward(ann, image_columns(cal, 0, cal.count()));
    for (int k = 0; k < ann.layers(); ++k) lambda.push_back(positive_percentile(acts[static_cast<std::size_t>(k)], pct(k)));
    return lambda;
}

RateConversion convert_rate(const Ann& ann, const data::ImageSet& calibration, const RateSpec& spec, int steps) {
    return convert_rate_with_scales(ann, rate_scales(ann, calibration, spec), spec, steps);
}

}  // namespace spiketlm::train
