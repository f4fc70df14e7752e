#include "sw/train/bptt.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/common/seed.h"
#include "sw/snn/evaluate.h"
#include "sw/train/conv.h"
#include "sw/train/parallel.h"
#include "sw/train/spec_yaml.h"

namespace spiketlm::train {

// ---------------------------------------------------------------------------------------------
// Spec

std::vector<int> BpttSpec::layer_sizes() const {
    if (convolutional()) {
        std::vector<int> z{inputs};
        for (const auto& p : plan_bptt_layers(*this)) z.push_back(p.out);
        return z;
    }
    std::vector<int> s{inputs};
    s.insert(s.end(), hidden.begin(), hidden.end());
    s.push_back(outputs);
    return s;
}

int BpttSpec::initial_decay_i() const {
    if (decay_i >= 0) return decay_i;
    return kind == snn::NeuronKind::cuba_lif ? snn::NeuronParams::defaults(kind).decay_i : 0;
}

void BpttSpec::validate() const {
    auto bad = [&](const std::string& what) { throw InputError(source + ": " + what); };
    if (inputs < 1) bad("network.inputs must be >= 1");
    if (outputs < 2) bad("network.outputs must be >= 2");
    for (int h : hidden)
        if (h < 1) bad("network.hidden sizes must be >= 1");
    if (convolutional() && !hidden.empty()) bad("network.hidden and network.layers exclude each other (give one)");
    if (convolutional()) (void)plan_bptt_layers(*this);
    if (kind != snn::NeuronKind::lif && kind != snn::NeuronKind::cuba_lif)
        bad(std::string("neuron.kind must be lif or cuba_lif (it is ") + snn::to_string(kind) + ")");
    if (decay_v < 0 || decay_v > snn::kDecayOne) bad("neuron.decay_v must be in 0..4096 (Q12)");
    if (decay_i > snn::kDecayOne || decay_i < -1) bad("neuron.decay_i must be in 0..4096 (Q12)");
    if (kind == snn::NeuronKind::lif && decay_i > 0)
        bad("neuron.decay_i must be 0 for lif (a decaying current is neuron.kind cuba_lif)");
    if (encoding.steps < 1 || encoding.steps > 4096) bad("encoding.steps must be in 1..4096");
    try {
        (void)encode::make_encoder(encoding);
    } catch (const InputError& e) {
        bad(e.what());
    }
    if (epochs < 1) bad("train.epochs must be >= 1");
    if (batch < 1) bad("train.batch must be >= 1");
    if (!(lr > 0)) bad("train.lr must be > 0");
    if (!(lr_min >= 0 && lr_min <= lr)) bad("train.lr_min must be in [0, train.lr]");
    if (!(surrogate_slope > 0)) bad("train.surrogate_slope must be > 0");
    if (!(init_gain > 0)) bad("train.init_gain must be > 0");
    if (weight_bits < 2 || weight_bits > 16) bad("quantization.weight_bits must be in 2..16");
    if (state_bits < 8 || state_bits > 32) bad("quantization.state_bits must be in 8..32");
}

namespace {

using spec_yaml::check_keys;
using spec_yaml::fail;
using spec_yaml::get;
using spec_yaml::parse_layer_list;

// A named enum value: the parse helper's message gets the file:line of the value.
template <typename F>
void get_named(const std::string& source, const YAML::Node& map, const char* key, const std::string& section,
               F&& parse) {
    const YAML::Node n = map[key];
    if (!n) return;
    std::string s;
    get(source, map, key, section, s);
    parse(s, source + ":" + std::to_string(n.Mark().line + 1) + ": " + spec_yaml::key_path(section, key));
}

}  // namespace

BpttSpec parse_bptt_spec(const std::string& text, const std::string& source) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw InputError(source + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
    }
    if (!root.IsMap()) throw InputError(source + ": a BPTT model file must be a YAML mapping");
    BpttSpec s;
    s.source = source;
    check_keys(source, root, "", {"name", "network", "neuron", "encoding", "decode", "train", "quantization"});
    get(source, root, "name", "", s.name);
    if (const auto n = root["network"]) {
        check_keys(source, n, "network", {"inputs", "hidden", "outputs", "input_shape", "layers"});
        get(source, n, "inputs", "network", s.inputs);
        get(source, n, "hidden", "network", s.hidden);
        get(source, n, "outputs", "network", s.outputs);
        get(source, n, "input_shape", "network", s.input_shape);
        if (const auto ls = n["layers"]) {
            // The rate spec's layer syntax (docs/conversion.md): conv, avgpool, dense.
            if (!n["hidden"]) s.hidden.clear();
            s.conv_layers = parse_layer_list(source, n);
        }
    } else {
        throw InputError(source + ": missing key 'network'");
    }
    if (const auto n = root["neuron"]) {
        check_keys(source, n, "neuron", {"kind", "decay_v", "decay_i", "reset", "train_leak", "train_threshold"});
        get_named(source, n, "kind", "neuron",
                  [&](const std::string& v, const std::string& what) { s.kind = snn::parse_neuron_kind(v, what); });
        get(source, n, "decay_v", "neuron", s.decay_v);
        get(source, n, "decay_i", "neuron", s.decay_i);
        get_named(source, n, "reset", "neuron",
                  [&](const std::string& v, const std::string& what) { s.reset = snn::parse_reset_mode(v, what); });
        get(source, n, "train_leak", "neuron", s.train_leak);
        get(source, n, "train_threshold", "neuron", s.train_threshold);
        if (const auto k = n["kind"]; k && s.kind != snn::NeuronKind::lif && s.kind != snn::NeuronKind::cuba_lif)
            fail(source, k, "neuron.kind must be lif or cuba_lif for BPTT");
        if (const auto d = n["decay_i"]; d && (s.decay_i < 0 || s.decay_i > snn::kDecayOne))
            fail(source, d, "neuron.decay_i must be in 0..4096 (Q12)");
        if (const auto d = n["decay_i"]; d && s.kind == snn::NeuronKind::lif && s.decay_i > 0)
            fail(source, d, "neuron.decay_i must be 0 for lif (a decaying current is neuron.kind cuba_lif)");
        if (const auto d = n["decay_v"]; d && (s.decay_v < 0 || s.decay_v > snn::kDecayOne))
            fail(source, d, "neuron.decay_v must be in 0..4096 (Q12)");
    }
    if (const auto e = root["encoding"]) {
        check_keys(source, e, "encoding", {"kind", "steps", "threshold", "rate_max", "log_base", "delta_threshold"});
        get(source, e, "kind", "encoding", s.encoding.kind);
        get(source, e, "steps", "encoding", s.encoding.steps);
        get(source, e, "threshold", "encoding", s.encoding.threshold);
        get(source, e, "rate_max", "encoding", s.encoding.rate_max);
        get(source, e, "log_base", "encoding", s.encoding.log_base);
        get(source, e, "delta_threshold", "encoding", s.encoding.delta_threshold);
        try {
            (void)encode::make_encoder(s.encoding);
        } catch (const InputError& ex) {
            fail(source, e, ex.what());
        }
    }
    get_named(source, root, "decode", "",
              [&](const std::string& v, const std::string& what) { s.decode = snn::parse_decode(v, what); });
    if (const auto t = root["train"]) {
        check_keys(source, t, "train",
                   {"seed", "epochs", "batch", "lr", "lr_min", "surrogate_slope", "detach_reset", "init_gain",
                    "train_samples", "test_samples"});
        get(source, t, "seed", "train", s.seed);
        get(source, t, "epochs", "train", s.epochs);
        get(source, t, "batch", "train", s.batch);
        get(source, t, "lr", "train", s.lr);
        get(source, t, "lr_min", "train", s.lr_min);
        get(source, t, "surrogate_slope", "train", s.surrogate_slope);
        get(source, t, "detach_reset", "train", s.detach_reset);
        get(source, t, "init_gain", "train", s.init_gain);
        get(source, t, "train_samples", "train", s.train_samples);
        get(source, t, "test_samples", "train", s.test_samples);
    }
    if (const auto q = root["quantization"]) {
        check_keys(source, q, "quantization", {"weight_bits", "state_bits"});
        get(source, q, "weight_bits", "quantization", s.weight_bits);
        get(source, q, "state_bits", "quantization", s.state_bits);
    }
    s.validate();
    return s;
}

BpttSpec load_bptt_spec(const std::string& path) { return parse_bptt_spec(read_file(path), path); }

std::vector<BpttLayerPlan> plan_bptt_layers(const BpttSpec& s) {
    std::vector<BpttLayerPlan> plan;
    if (!s.convolutional()) {
        const auto sizes = s.layer_sizes();
        for (std::size_t k = 0; k + 1 < sizes.size(); ++k) plan.push_back({sizes[k], sizes[k + 1], {}, false});
        return plan;
    }
    for (const PlannedLayer& p :
         plan_layer_list(s.source.empty() ? s.name : s.source, s.inputs, s.input_shape, s.conv_layers, s.outputs))
        plan.push_back({p.in, p.out, p.conv, p.kind == AnnLayerKind::avgpool});
    return plan;
}

int BpttNet::in_size(int l) const {
    return is_conv(l) ? conv[static_cast<std::size_t>(l)].in_size() : static_cast<int>(w[static_cast<std::size_t>(l)].cols());
}

int bptt_timesteps(const BpttSpec& spec) {
    const auto enc = encode::make_encoder(spec.encoding);
    return static_cast<int>(enc->max_step()) + 1 + spec.layers();
}

// ---------------------------------------------------------------------------------------------
// Network, forward, backward

BpttNet init_bptt(const BpttSpec& spec) {
    BpttNet n;
    if (spec.convolutional()) {
        // He-normal over each layer's fan-in (a conv kernel: in_c/groups k_h k_w); pooling fixed.
        std::mt19937_64 rng(derive_seed(spec.seed, "bptt.init"));
        for (const auto& p : plan_bptt_layers(spec)) {
            const bool conv = p.conv.out_c > 0;
            const int fan_in = conv ? p.conv.in_c / p.conv.groups * p.conv.k_h * p.conv.k_w : p.in;
            Eigen::MatrixXf w(conv ? p.conv.out_c : p.out, fan_in);
            if (p.pool) {
                w.setConstant(1.0f / static_cast<float>(p.conv.k_h * p.conv.k_w));
            } else {
                std::normal_distribution<float> nd(
                    0.0f, static_cast<float>(spec.init_gain * std::sqrt(2.0 / static_cast<double>(fan_in))));
                for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = nd(rng);
            }
            n.w.push_back(std::move(w));
            n.conv.push_back(p.conv);
            n.fixed.push_back(p.pool ? 1 : 0);
            n.beta.push_back(spec.decay_v / 4096.0);
            n.alpha.push_back(spec.initial_decay_i() / 4096.0);
            n.theta.push_back(1.0);
        }
        return n;
    }
    const auto sizes = spec.layer_sizes();
    std::mt19937_64 rng(derive_seed(spec.seed, "bptt.init"));
    for (std::size_t k = 0; k + 1 < sizes.size(); ++k) {
        std::normal_distribution<float> nd(
            0.0f, static_cast<float>(spec.init_gain * std::sqrt(2.0 / static_cast<double>(sizes[k]))));
        Eigen::MatrixXf w(sizes[k + 1], sizes[k]);
        for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = nd(rng);
        n.w.push_back(std::move(w));
        n.beta.push_back(spec.decay_v / 4096.0);
        n.alpha.push_back(spec.initial_decay_i() / 4096.0);
        n.theta.push_back(1.0);
    }
    return n;
}

namespace {

BpttNet zero_like(const BpttNet& net) {
    BpttNet g;
    for (const auto& w : net.w) g.w.push_back(Eigen::MatrixXf::Zero(w.rows(), w.cols()));
    g.beta.assign(net.w.size(), 0.0);
    g.alpha.assign(net.w.size(), 0.0);
    g.theta.assign(net.w.size(), 0.0);
    return g;
}

// The input spikes as a (channels, tw - 1) raster: column t holds the spikes encoded at step t
// (they reach layer 0 at t + 1); spikes at t >= tw - 1 arrive after the window.
Eigen::MatrixXf input_raster(const encode::SpikeTrain& input, int channels, int tw) {
    Eigen::MatrixXf x = Eigen::MatrixXf::Zero(channels, std::max(tw - 1, 0));
    for (const auto& sp : input) {
        if (sp.input >= static_cast<std::uint32_t>(channels))
            throw InputError("bptt: input spike on channel " + std::to_string(sp.input) + " but the network has " +
                             std::to_string(channels) + " inputs");
        if (static_cast<int>(sp.step) + 1 < tw) x(sp.input, sp.step) += 1.0f;
    }
    return x;
}

// Weight of an output spike at step t in the logits.
float time_weight(const BpttSpec& spec, int t, int tw) {
    return spec.decode == snn::Decode::count ? 1.0f : static_cast<float>(tw - t) / static_cast<float>(tw);
}

}  // namespace

BpttTrace bptt_forward(const BpttNet& net, const BpttSpec& spec, const encode::SpikeTrain& input, bool smooth) {
    const int tw = bptt_timesteps(spec);
    const int L = net.layers();
    const float k = static_cast<float>(spec.surrogate_slope);
    const bool subtract = spec.reset == snn::ResetMode::subtract;
    BpttTrace tr;
    tr.in.resize(L);
    tr.i.resize(L);
    tr.u.resize(L);
    tr.s.resize(L);
    tr.v.resize(L);
    for (int l = 0; l < L; ++l) {
        const Eigen::MatrixXf& w = net.w[static_cast<std::size_t>(l)];
        const bool conv = net.is_conv(l);
        const Eigen::Index n = conv ? net.conv[static_cast<std::size_t>(l)].out_size() : w.rows();
        Eigen::MatrixXf& in = tr.in[l];
        in.setZero(n, tw);
        if (conv) {
            // The shared kernel over the spikes of the layer below (columns: steps), delivered
            // one step later as in a dense layer; layer 0 reads the input spikes as a raster.
            const snn::Conv2d& g = net.conv[static_cast<std::size_t>(l)];
            if (tw > 1) {
                Eigen::MatrixXf x;
                if (l == 0) {
                    x = input_raster(input, g.in_size(), tw);
                } else {
                    x = tr.s[l - 1].leftCols(tw - 1);
                }
                in.rightCols(tw - 1) = conv_forward(g, w, Eigen::VectorXf(), x);
            }
        } else if (l == 0) {
            // Event-driven: a spike encoded at step t reaches layer 0 at t + 1.
            for (const auto& sp : input) {
                if (sp.input >= static_cast<std::uint32_t>(w.cols()))
                    throw InputError("bptt: input spike on channel " + std::to_string(sp.input) + " but the network has " +
                                     std::to_string(w.cols()) + " inputs");
                const int t = static_cast<int>(sp.step) + 1;
                if (t < tw) in.col(t) += w.col(sp.input);
            }
        } else if (tw > 1) {
            in.rightCols(tw - 1).noalias() = w * tr.s[l - 1].leftCols(tw - 1);
        }
        const float a = static_cast<float>(net.alpha[l]), b = static_cast<float>(net.beta[l]);
        const float th = static_cast<float>(net.theta[l]);
        tr.i[l].resize(n, tw);
        tr.u[l].resize(n, tw);
        tr.s[l].resize(n, tw);
        tr.v[l].resize(n, tw);
        Eigen::ArrayXf i = Eigen::ArrayXf::Zero(n), v = Eigen::ArrayXf::Zero(n);
        for (int t = 0; t < tw; ++t) {
            i = a * i + in.col(t).array();
            const Eigen::ArrayXf u = b * v + i;
            Eigen::ArrayXf s;
            if (smooth) {
                const Eigen::ArrayXf x = u - th;
                s = 0.5f + x / (1.0f + k * x.abs());
            } else {
                s = (u >= th).cast<float>();
            }
            v = subtract ? Eigen::ArrayXf(u - th * s) : Eigen::ArrayXf(u * (1.0f - s));
            tr.i[l].col(t) = i.matrix();
            tr.u[l].col(t) = u.matrix();
            tr.s[l].col(t) = s.matrix();
            tr.v[l].col(t) = v.matrix();
        }
    }
    // Logits and the decision, decoded as the reference decodes (docs/neuron.md).
    const Eigen::MatrixXf& so = tr.s.back();
    const Eigen::MatrixXf& uo = tr.u.back();
    const Eigen::Index no = so.rows();
    tr.logits.assign(static_cast<std::size_t>(no), 0.0f);
    for (int t = 0; t < tw; ++t) {
        const float wt = time_weight(spec, t, tw);
        for (Eigen::Index o = 0; o < no; ++o) tr.logits[static_cast<std::size_t>(o)] += wt * so(o, t);
    }
    if (smooth) {
        tr.decision = static_cast<int>(std::max_element(tr.logits.begin(), tr.logits.end()) - tr.logits.begin());
    } else if (spec.decode == snn::Decode::count) {
        float best = 0;
        for (Eigen::Index o = 0; o < no; ++o)
            if (tr.logits[static_cast<std::size_t>(o)] > best) {
                best = tr.logits[static_cast<std::size_t>(o)];
                tr.decision = static_cast<int>(o);
            }
    } else {
        for (int t = 0; t < tw && tr.decision < 0; ++t) {
            float best_u = 0;
            for (Eigen::Index o = 0; o < no; ++o)
                if (so(o, t) > 0.5f && (tr.decision < 0 || uo(o, t) > best_u)) {
                    tr.decision = static_cast<int>(o);
                    best_u = uo(o, t);
                }
        }
    }
    return tr;
}

double bptt_backward(const BpttNet& net, const BpttSpec& spec, const encode::SpikeTrain& input, const BpttTrace& tr,
                     int label, BpttNet& grad) {
    const int L = net.layers();
    const int tw = static_cast<int>(tr.s.back().cols());
    const float k = static_cast<float>(spec.surrogate_slope);
    const bool subtract = spec.reset == snn::ResetMode::subtract;
    // Softmax cross-entropy on the logits (stable: subtract the max).
    const std::size_t no = tr.logits.size();
    const float zmax = *std::max_element(tr.logits.begin(), tr.logits.end());
    std::vector<double> p(no);
    double sum = 0;
    for (std::size_t o = 0; o < no; ++o) sum += p[o] = std::exp(static_cast<double>(tr.logits[o] - zmax));
    for (auto& x : p) x /= sum;
    const double loss = -std::log(std::max(p[static_cast<std::size_t>(label)], 1e-300));
    p[static_cast<std::size_t>(label)] -= 1.0;
    // dL/ds of the output layer: through the logits.
    Eigen::MatrixXf gs_ext(static_cast<Eigen::Index>(no), tw);
    for (int t = 0; t < tw; ++t) {
        const float wt = time_weight(spec, t, tw);
        for (std::size_t o = 0; o < no; ++o) gs_ext(static_cast<Eigen::Index>(o), t) = wt * static_cast<float>(p[o]);
    }
    for (int l = L - 1; l >= 0; --l) {
        const Eigen::MatrixXf& w = net.w[static_cast<std::size_t>(l)];
        const bool conv = net.is_conv(l);
        const Eigen::Index n = conv ? net.conv[static_cast<std::size_t>(l)].out_size() : w.rows();
        const float a = static_cast<float>(net.alpha[l]), b = static_cast<float>(net.beta[l]);
        const float th = static_cast<float>(net.theta[l]);
        Eigen::MatrixXf gi_all(n, tw);
        Eigen::ArrayXf gu_next = Eigen::ArrayXf::Zero(n), gi_next = Eigen::ArrayXf::Zero(n);
        double g_theta = 0, g_beta = 0, g_alpha = 0;
        for (int t = tw - 1; t >= 0; --t) {
            const auto u = tr.u[l].col(t).array();
            const auto s = tr.s[l].col(t).array();
            const Eigen::ArrayXf gv = b * gu_next;  // dL/dv_t (v_t feeds u_{t+1} only)
            Eigen::ArrayXf gs = gs_ext.col(t).array();
            Eigen::ArrayXf gu;
            if (subtract) {
                // v = u - theta s
                g_theta -= static_cast<double>((gv * s).sum());
                if (!spec.detach_reset) gs -= th * gv;
                gu = gv;
            } else {
                // v = u (1 - s)
                if (!spec.detach_reset) gs -= gv * u;
                gu = gv * (1.0f - s);
            }
            const Eigen::ArrayXf x = u - th;
            const Eigen::ArrayXf sg = (1.0f + k * x.abs()).square().inverse();  // surrogate dH/dx
            const Eigen::ArrayXf gss = gs * sg;
            gu += gss;
            g_theta -= static_cast<double>(gss.sum());
            const Eigen::ArrayXf gi = gu + a * gi_next;  // i_t feeds u_t and i_{t+1}
            if (t > 0) {
                g_beta += static_cast<double>((gu * tr.v[l].col(t - 1).array()).sum());
                g_alpha += static_cast<double>((gi * tr.i[l].col(t - 1).array()).sum());
            }
            gi_all.col(t) = gi.matrix();
            gu_next = gu;
            gi_next = gi;
        }
        grad.beta[l] += g_beta;
        grad.alpha[l] += g_alpha;
        grad.theta[l] += g_theta;
        Eigen::MatrixXf& gw = grad.w[static_cast<std::size_t>(l)];
        if (conv) {
            const snn::Conv2d& g = net.conv[static_cast<std::size_t>(l)];
            if (tw > 1) {
                const Eigen::MatrixXf x =
                    l == 0 ? input_raster(input, g.in_size(), tw) : Eigen::MatrixXf(tr.s[l - 1].leftCols(tw - 1));
                Eigen::MatrixXf dw, dx;
                Eigen::VectorXf db;
                conv_backward(g, w, x, gi_all.rightCols(tw - 1), dw, db, l > 0 ? &dx : nullptr);
                gw += dw;
                if (l > 0) {
                    gs_ext = Eigen::MatrixXf::Zero(g.in_size(), tw);
                    gs_ext.leftCols(tw - 1) = dx;
                }
            } else if (l > 0) {
                gs_ext = Eigen::MatrixXf::Zero(g.in_size(), tw);
            }
        } else if (l == 0) {
            for (const auto& sp : input) {
                const int t = static_cast<int>(sp.step) + 1;
                if (t < tw) gw.col(sp.input) += gi_all.col(t);
            }
        } else if (tw > 1) {
            gw.noalias() += gi_all.rightCols(tw - 1) * tr.s[l - 1].leftCols(tw - 1).transpose();
            Eigen::MatrixXf below = Eigen::MatrixXf::Zero(w.cols(), tw);
            below.leftCols(tw - 1).noalias() = w.transpose() * gi_all.rightCols(tw - 1);
            gs_ext = std::move(below);
        } else {
            gs_ext = Eigen::MatrixXf::Zero(w.cols(), tw);
        }
    }
    return loss;
}

namespace {

constexpr std::size_t kChunk = 8;  // frames per gradient chunk (fixed: results independent of threads)

void add_into(BpttNet& acc, const BpttNet& g) {
    for (std::size_t l = 0; l < acc.w.size(); ++l) {
        acc.w[l] += g.w[l];
        acc.beta[l] += g.beta[l];
        acc.alpha[l] += g.alpha[l];
        acc.theta[l] += g.theta[l];
    }
}

void set_zero(BpttNet& g) {
    for (std::size_t l = 0; l < g.w.size(); ++l) {
        g.w[l].setZero();
        g.beta[l] = g.alpha[l] = g.theta[l] = 0;
    }
}

void scale(BpttNet& g, double f) {
    for (std::size_t l = 0; l < g.w.size(); ++l) {
        g.w[l] *= static_cast<float>(f);
        g.beta[l] *= f;
        g.alpha[l] *= f;
        g.theta[l] *= f;
    }
}

// Loss, correct decisions and mean gradient of frames 0..n-1 (input(j) gives frame j's spikes
// and label), chunked so that the sums do not depend on the thread count.
struct BatchResult {
    double loss = 0;
    std::size_t correct = 0;
};
BatchResult batch_grad(const BpttNet& net, const BpttSpec& spec, std::size_t n,
                       const std::function<std::pair<encode::SpikeTrain, int>(std::size_t)>& input, bool smooth,
                       Workers& workers, std::vector<BpttNet>& chunk_grads, BpttNet& grad) {
    const std::size_t chunks = (n + kChunk - 1) / kChunk;
    while (chunk_grads.size() < chunks) chunk_grads.push_back(zero_like(net));
    std::vector<double> loss(chunks, 0.0);
    std::vector<std::size_t> correct(chunks, 0);
    workers.for_range(chunks, 1, [&](std::size_t b, std::size_t e) {
        for (std::size_t c = b; c < e; ++c) {
            set_zero(chunk_grads[c]);
            for (std::size_t j = c * kChunk; j < std::min(n, (c + 1) * kChunk); ++j) {
                const auto [spikes, label] = input(j);
                const BpttTrace tr = bptt_forward(net, spec, spikes, smooth);
                if (tr.decision == label) ++correct[c];
                loss[c] += bptt_backward(net, spec, spikes, tr, label, chunk_grads[c]);
            }
        }
    });
    set_zero(grad);
    BatchResult r;
    for (std::size_t c = 0; c < chunks; ++c) {
        add_into(grad, chunk_grads[c]);
        r.loss += loss[c];
        r.correct += correct[c];
    }
    if (n > 0) scale(grad, 1.0 / static_cast<double>(n));
    return r;
}

}  // namespace

double bptt_loss_grad(const BpttNet& net, const BpttSpec& spec, const std::vector<encode::SpikeTrain>& inputs,
                      const std::vector<int>& labels, BpttNet& grad, bool smooth, int threads) {
    if (inputs.size() != labels.size()) throw Error("bptt_loss_grad: inputs and labels differ in count");
    Workers workers(threads);
    std::vector<BpttNet> chunk_grads;
    grad = zero_like(net);
    const BatchResult r = batch_grad(
        net, spec, inputs.size(), [&](std::size_t j) { return std::make_pair(inputs[j], labels[j]); }, smooth, workers,
        chunk_grads, grad);
    return inputs.empty() ? 0.0 : r.loss / static_cast<double>(inputs.size());
}

namespace {

double accuracy_with(const BpttNet& net, const BpttSpec& spec, const data::ImageSet& set, Workers& workers) {
    if (set.count() == 0) return 0.0;
    const auto enc = encode::make_encoder(spec.encoding);
    const std::size_t ppi = set.pixels_per_image();
    std::vector<std::uint8_t> ok(set.count(), 0);
    workers.for_range(set.count(), 16, [&](std::size_t b, std::size_t e) {
        for (std::size_t k = b; k < e; ++k) {
            const auto spikes = enc->encode(set.image(k), ppi, snn::frame_seed(spec.seed, k));
            ok[k] = bptt_forward(net, spec, spikes).decision == set.labels[k];
        }
    });
    return static_cast<double>(std::accumulate(ok.begin(), ok.end(), std::size_t{0})) /
           static_cast<double>(set.count());
}

}  // namespace

double bptt_accuracy(const BpttNet& net, const BpttSpec& spec, const data::ImageSet& set, int threads) {
    Workers workers(threads);
    return accuracy_with(net, spec, set, workers);
}

BpttNet train_bptt(const BpttSpec& spec, const data::ImageSet& train, const data::ImageSet& test, int threads,
                   const std::function<void(const BpttEpoch&)>& on_epoch) {
    BpttNet net = init_bptt(spec);
    const int L = net.layers();
    const auto enc = encode::make_encoder(spec.encoding);
    const std::size_t ppi = train.pixels_per_image();
    if (enc->outputs(ppi) != static_cast<std::size_t>(spec.inputs))
        throw InputError(spec.source + ": network.inputs is " + std::to_string(spec.inputs) + " but the " +
                         spec.encoding.kind + " encoding of " + std::to_string(ppi) + " pixels gives " +
                         std::to_string(enc->outputs(ppi)) + " inputs");
    Workers workers(threads);
    BpttNet m1 = zero_like(net), m2 = zero_like(net), g = zero_like(net);
    std::vector<BpttNet> chunk_grads;
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    std::uint64_t step = 0;
    std::vector<std::size_t> order(train.count());
    const double pi = std::acos(-1.0);
    const bool cuba = spec.kind == snn::NeuronKind::cuba_lif;
    for (int epoch = 0; epoch < spec.epochs; ++epoch) {
        const auto t0 = std::chrono::steady_clock::now();
        const double f = spec.epochs > 1 ? static_cast<double>(epoch) / (spec.epochs - 1) : 0.0;
        const double lr = spec.lr_min + 0.5 * (spec.lr - spec.lr_min) * (1.0 + std::cos(pi * f));
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::mt19937_64 rng(derive_seed(spec.seed, "bptt.shuffle", static_cast<std::uint64_t>(epoch)));
        std::shuffle(order.begin(), order.end(), rng);
        const std::uint64_t epoch_seed = derive_seed(spec.seed, "bptt.encode", static_cast<std::uint64_t>(epoch));
        double loss_sum = 0;
        std::size_t correct = 0;
        for (std::size_t first = 0; first < order.size(); first += static_cast<std::size_t>(spec.batch)) {
            const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(spec.batch), order.size() - first);
            const BatchResult r = batch_grad(
                net, spec, n,
                [&](std::size_t j) {
                    const std::size_t idx = order[first + j];
                    return std::make_pair(enc->encode(train.image(idx), ppi, derive_seed(epoch_seed, "frame", idx)),
                                          static_cast<int>(train.labels[idx]));
                },
                false, workers, chunk_grads, g);
            loss_sum += r.loss;
            correct += r.correct;
            ++step;
            const double c1 = lr * std::sqrt(1 - std::pow(b2, static_cast<double>(step))) /
                              (1 - std::pow(b1, static_cast<double>(step)));
            for (int l = 0; l < L; ++l) {
                if (!net.is_fixed(l)) {  // pooling layers keep their equal fixed weights
                    m1.w[l] = b1 * m1.w[l] + (1 - b1) * g.w[l];
                    m2.w[l] = b2 * m2.w[l] + (1 - b2) * g.w[l].cwiseProduct(g.w[l]);
                    net.w[l].array() -=
                        static_cast<float>(c1) * m1.w[l].array() / (m2.w[l].array().sqrt() + static_cast<float>(eps));
                }
                auto adam = [&](double& p, double gr, double& v1, double& v2) {
                    v1 = b1 * v1 + (1 - b1) * gr;
                    v2 = b2 * v2 + (1 - b2) * gr * gr;
                    p -= c1 * v1 / (std::sqrt(v2) + eps);
                };
                if (spec.train_leak) {
                    adam(net.beta[l], g.beta[l], m1.beta[l], m2.beta[l]);
                    net.beta[l] = std::clamp(net.beta[l], 0.0, 1.0);
                    if (cuba) {
                        adam(net.alpha[l], g.alpha[l], m1.alpha[l], m2.alpha[l]);
                        net.alpha[l] = std::clamp(net.alpha[l], 0.0, 1.0);
                    }
                }
                if (spec.train_threshold) {
                    adam(net.theta[l], g.theta[l], m1.theta[l], m2.theta[l]);
                    net.theta[l] = std::max(net.theta[l], 0.05);
                }
            }
        }
        BpttEpoch s;
        s.epoch = epoch + 1;
        s.lr = lr;
        s.loss = train.count() ? loss_sum / static_cast<double>(train.count()) : 0;
        s.train_accuracy = train.count() ? static_cast<double>(correct) / static_cast<double>(train.count()) : 0;
        s.test_accuracy = accuracy_with(net, spec, test, workers);
        s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (on_epoch) on_epoch(s);
    }
    return net;
}

// ---------------------------------------------------------------------------------------------
// Quantisation

BpttQuantized quantize_bptt(const BpttNet& fnet, const BpttSpec& spec) {
    BpttQuantized q;
    snn::Network& net = q.net;
    net.name = spec.name;
    net.inputs = spec.inputs;
    net.encoding = spec.encoding;
    net.timesteps = bptt_timesteps(spec);
    net.decode = spec.decode;
    net.early_stop = false;
    net.seed = spec.seed;
    const double qmax = std::ldexp(1.0, spec.weight_bits - 1) - 1;
    const double smax = std::ldexp(1.0, spec.state_bits - 1) - 1;
    for (int k = 0; k < fnet.layers(); ++k) {
        const Eigen::MatrixXf& w = fnet.w[static_cast<std::size_t>(k)];
        double wmax = static_cast<double>(w.cwiseAbs().maxCoeff());
        if (!(wmax > 0)) wmax = qmax;  // an all-zero layer: scale 1
        const double s = wmax / qmax;
        snn::Layer l;
        l.name = "fc" + std::to_string(k + 1);
        l.in = static_cast<int>(w.cols());
        l.out = static_cast<int>(w.rows());
        if (fnet.is_conv(k)) {
            // conv2d: the kernel (out_c, in_c/groups, k_h, k_w) is the row-major weight matrix.
            l.kind = snn::LayerKind::conv2d;
            l.conv = fnet.conv[static_cast<std::size_t>(k)];
            l.in = l.conv.in_size();
            l.out = l.conv.out_size();
            l.name = (fnet.is_fixed(k) ? "pool" : "conv") + std::to_string(k + 1);
        }
        l.weight_bits = spec.weight_bits;
        const auto rows = static_cast<int>(w.rows()), cols = static_cast<int>(w.cols());
        l.weights.resize(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
        for (int o = 0; o < rows; ++o)
            for (int i = 0; i < cols; ++i)
                l.weights[static_cast<std::size_t>(o) * static_cast<std::size_t>(cols) + static_cast<std::size_t>(i)] =
                    static_cast<std::int32_t>(std::lround(static_cast<double>(w(o, i)) / s));
        l.neuron = snn::NeuronParams::defaults(spec.kind);
        l.neuron.reset = spec.reset;
        l.neuron.v_reset = 0;
        l.neuron.single_spike = false;
        l.neuron.refractory = 0;
        l.neuron.bias = 0;
        l.neuron.state_bits = spec.state_bits;
        l.neuron.decay_v = static_cast<std::int32_t>(std::clamp<long>(std::lround(fnet.beta[k] * 4096.0), 0, 4096));
        l.neuron.decay_i = static_cast<std::int32_t>(std::clamp<long>(std::lround(fnet.alpha[k] * 4096.0), 0, 4096));
        const double theta = std::round(fnet.theta[k] / s);
        if (theta > smax / 4)
            throw InputError(spec.source + ": layer " + std::to_string(k) + " threshold " + std::to_string(theta) +
                             " does not fit quantization.state_bits " + std::to_string(spec.state_bits));
        l.neuron.theta = static_cast<std::int32_t>(std::max(1.0, theta));
        q.weight_scale.push_back(s);
        net.layers.push_back(std::move(l));
    }
    net.validate();
    return q;
}

}  // namespace spiketlm::train
