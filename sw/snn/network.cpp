#include "sw/snn/network.h"

#include <cstdlib>

#include "sw/common/error.h"

namespace spiketlm::snn {

namespace {

template <class E, std::size_t N>
E parse_enum(const std::string& s, const std::string& what, const char* const (&names)[N], const char* kind) {
    for (std::size_t k = 0; k < N; ++k)
        if (s == names[k]) return static_cast<E>(k);
    std::string list;
    for (std::size_t k = 0; k < N; ++k) list += (k ? ", " : "") + std::string(names[k]);
    throw InputError(what + ": unknown " + kind + " '" + s + "' (expected one of: " + list + ")");
}

const char* const kNeuronKinds[] = {"relpsp", "if", "lif", "cuba_lif", "stochastic"};
const char* const kResetModes[] = {"to_value", "subtract"};
const char* const kNoiseModes[] = {"none", "threshold", "bernoulli"};
const char* const kLayerKinds[] = {"dense", "sparse", "conv2d"};
const char* const kDecodes[] = {"first_spike", "count"};

}  // namespace

const char* to_string(NeuronKind k) { return kNeuronKinds[static_cast<int>(k)]; }
const char* to_string(ResetMode m) { return kResetModes[static_cast<int>(m)]; }
const char* to_string(NoiseMode m) { return kNoiseModes[static_cast<int>(m)]; }
const char* to_string(LayerKind k) { return kLayerKinds[static_cast<int>(k)]; }
const char* to_string(Decode d) { return kDecodes[static_cast<int>(d)]; }

NeuronKind parse_neuron_kind(const std::string& s, const std::string& what) {
    return parse_enum<NeuronKind>(s, what, kNeuronKinds, "neuron kind");
}
ResetMode parse_reset_mode(const std::string& s, const std::string& what) {
    return parse_enum<ResetMode>(s, what, kResetModes, "reset mode");
}
NoiseMode parse_noise_mode(const std::string& s, const std::string& what) {
    return parse_enum<NoiseMode>(s, what, kNoiseModes, "noise mode");
}
LayerKind parse_layer_kind(const std::string& s, const std::string& what) {
    return parse_enum<LayerKind>(s, what, kLayerKinds, "layer kind");
}
Decode parse_decode(const std::string& s, const std::string& what) {
    return parse_enum<Decode>(s, what, kDecodes, "decode mode");
}

NeuronParams NeuronParams::defaults(NeuronKind kind) {
    NeuronParams p;
    p.kind = kind;
    switch (kind) {
        case NeuronKind::relpsp:
            break;  // decay 1 on both states, single spike
        case NeuronKind::if_:
            p.decay_i = 0;
            p.single_spike = false;
            break;
        case NeuronKind::lif:
            p.decay_i = 0;
            p.decay_v = kDecayOne - kDecayOne / 16;  // tau = 16 steps
            p.single_spike = false;
            break;
        case NeuronKind::cuba_lif:
            p.decay_i = kDecayOne - kDecayOne / 4;   // tau_i = 4 steps
            p.decay_v = kDecayOne - kDecayOne / 16;  // tau_v = 16 steps
            p.single_spike = false;
            break;
        case NeuronKind::stochastic:
            p.decay_i = 0;
            p.single_spike = false;
            p.noise = NoiseMode::threshold;
            p.noise_bits = 4;
            break;
    }
    return p;
}

std::uint64_t Network::parameter_count() const {
    std::uint64_t n = 0;
    for (const auto& l : layers) n += l.weights.size() + l.recurrent.weights.size();
    return n;
}

std::uint64_t Layer::synapse_count() const {
    switch (kind) {
        case LayerKind::dense:
            return static_cast<std::uint64_t>(in) * static_cast<std::uint64_t>(out);
        case LayerKind::sparse:
            return cols.size();
        case LayerKind::conv2d:
            break;
    }
    // conv2d: count the taps inside the input (padding taps have no synapse), per output row.
    const Conv2d& c = conv;
    auto taps = [](int out_n, int in_n, int k, int stride, int pad) {
        std::uint64_t t = 0;
        for (int o = 0; o < out_n; ++o)
            for (int j = 0; j < k; ++j) {
                const int x = o * stride - pad + j;
                if (x >= 0 && x < in_n) ++t;
            }
        return t;
    };
    const std::uint64_t per_channel = taps(c.out_h, c.in_h, c.k_h, c.stride_h, c.pad_h) *
                                      taps(c.out_w, c.in_w, c.k_w, c.stride_w, c.pad_w);
    return per_channel * static_cast<std::uint64_t>(c.out_c) * static_cast<std::uint64_t>(c.in_c / c.groups);
}

Csr Layer::synapses() const {
    Csr s;
    s.row_ptr.reserve(static_cast<std::size_t>(out) + 1);
    s.row_ptr.push_back(0);
    switch (kind) {
        case LayerKind::dense: {
            s.cols.reserve(synapse_count());
            s.weights = weights;
            for (int o = 0; o < out; ++o) {
                for (int i = 0; i < in; ++i) s.cols.push_back(static_cast<std::uint32_t>(i));
                s.row_ptr.push_back(static_cast<std::uint32_t>(s.cols.size()));
            }
            return s;
        }
        case LayerKind::sparse:
            s.row_ptr = row_ptr;
            s.cols = cols;
            s.weights = weights;
            return s;
        case LayerKind::conv2d:
            break;
    }
    const Conv2d& c = conv;
    const int icg = c.in_c / c.groups, ocg = c.out_c / c.groups;
    s.cols.reserve(synapse_count());
    s.weights.reserve(synapse_count());
    for (int oc = 0; oc < c.out_c; ++oc) {
        const int g = oc / ocg;
        for (int oy = 0; oy < c.out_h; ++oy)
            for (int ox = 0; ox < c.out_w; ++ox) {
                // Sources in ascending index order: channel, then row, then column.
                for (int j = 0; j < icg; ++j) {
                    const int ic = g * icg + j;
                    for (int ky = 0; ky < c.k_h; ++ky) {
                        const int y = oy * c.stride_h - c.pad_h + ky;
                        if (y < 0 || y >= c.in_h) continue;
                        for (int kx = 0; kx < c.k_w; ++kx) {
                            const int x = ox * c.stride_w - c.pad_w + kx;
                            if (x < 0 || x >= c.in_w) continue;
                            s.cols.push_back(static_cast<std::uint32_t>((ic * c.in_h + y) * c.in_w + x));
                            s.weights.push_back(
                                weights[((static_cast<std::size_t>(oc) * icg + j) * c.k_h + ky) * c.k_w + kx]);
                        }
                    }
                }
                s.row_ptr.push_back(static_cast<std::uint32_t>(s.cols.size()));
            }
    }
    return s;
}

namespace {

void check(bool ok, const std::string& where, const std::string& what) {
    if (!ok) throw InputError(where + ": " + what);
}

void validate_neuron(const NeuronParams& p, const std::string& where) {
    const std::string w = where + " neuron";
    check(p.state_bits >= 2 && p.state_bits <= 32, w, "state_bits " + std::to_string(p.state_bits) + " outside [2, 32]");
    check(p.decay_i >= 0 && p.decay_i <= kDecayOne, w, "decay_i " + std::to_string(p.decay_i) + " outside [0, 4096] (Q12)");
    check(p.decay_v >= 0 && p.decay_v <= kDecayOne, w, "decay_v " + std::to_string(p.decay_v) + " outside [0, 4096] (Q12)");
    const auto in_state = [&](std::int32_t x) { return x >= p.state_min() && x <= p.state_max(); };
    const std::string range = " outside the " + std::to_string(p.state_bits) + "-bit state range [" +
                              std::to_string(p.state_min()) + ", " + std::to_string(p.state_max()) + "]";
    check(in_state(p.theta), w, "theta " + std::to_string(p.theta) + range);
    check(in_state(p.bias), w, "bias " + std::to_string(p.bias) + range);
    check(in_state(p.v_reset), w, "v_reset " + std::to_string(p.v_reset) + range);
    check(p.refractory >= 0 && p.refractory <= 65535, w, "refractory " + std::to_string(p.refractory) + " outside [0, 65535]");
    check(p.noise_shift >= 0 && p.noise_shift <= 16, w, "noise_shift " + std::to_string(p.noise_shift) + " outside [0, 16]");
    if (p.noise == NoiseMode::threshold)
        check(p.noise_bits >= 1 && p.noise_bits <= 16, w,
              "noise_bits " + std::to_string(p.noise_bits) + " outside [1, 16] (threshold noise)");
    switch (p.kind) {
        case NeuronKind::relpsp:
            check(p.decay_i == kDecayOne && p.decay_v == kDecayOne, w,
                  "relpsp needs decay_i = decay_v = 4096 (no decay); use kind cuba_lif for decaying states");
            check(p.single_spike, w, "relpsp neurons fire once per frame (single_spike: true)");
            break;
        case NeuronKind::if_:
            check(p.decay_v == kDecayOne, w, "if neurons do not leak (decay_v = 4096); use kind lif");
            break;
        case NeuronKind::lif:
        case NeuronKind::cuba_lif:
            break;
        case NeuronKind::stochastic:
            check(p.noise != NoiseMode::none, w, "stochastic neurons need noise: threshold or bernoulli");
            break;
    }
    if (p.kind != NeuronKind::stochastic)
        check(p.noise == NoiseMode::none, w, std::string("noise '") + to_string(p.noise) + "' needs kind stochastic");
}

// A CSR list by output: rows + 1 non-decreasing offsets from 0 to nnz, sources < `sources`,
// ascending and unique within each row, one weight per synapse.
void validate_csr(const std::vector<std::uint32_t>& ptr, const std::vector<std::uint32_t>& cols,
                  const std::vector<std::int32_t>& w, std::uint32_t rows, std::uint32_t sources,
                  const std::string& where) {
    check(ptr.size() == static_cast<std::size_t>(rows) + 1, where,
          "row_ptr has " + std::to_string(ptr.size()) + " entries, expected out + 1 = " + std::to_string(rows + 1));
    check(ptr.front() == 0, where, "row_ptr[0] must be 0");
    check(ptr.back() == cols.size(), where,
          "row_ptr ends at " + std::to_string(ptr.back()) + " but there are " + std::to_string(cols.size()) + " synapses");
    check(w.size() == cols.size(), where,
          std::to_string(w.size()) + " weights for " + std::to_string(cols.size()) + " synapses");
    // Messages are built only on failure: this runs over every synapse of large networks.
    for (std::uint32_t o = 0; o < rows; ++o) {
        if (ptr[o] > ptr[o + 1]) check(false, where, "row_ptr decreases at row " + std::to_string(o));
        for (std::uint32_t k = ptr[o]; k < ptr[o + 1]; ++k) {
            if (cols[k] >= sources)
                check(false, where,
                      "synapse " + std::to_string(k) + " of neuron " + std::to_string(o) + " reads source " +
                          std::to_string(cols[k]) + ", only " + std::to_string(sources) + " exist");
            if (k != ptr[o] && cols[k - 1] >= cols[k])
                check(false, where,
                      "sources of neuron " + std::to_string(o) + " are not ascending and unique (synapse " +
                          std::to_string(k) + ")");
        }
    }
}

}  // namespace

void Network::validate() const {
    const std::string net = "network '" + name + "'";
    check(inputs >= 1, net, "inputs must be >= 1 (got " + std::to_string(inputs) + ")");
    check(!layers.empty(), net, "has no layers");
    check(timesteps >= 1 && timesteps <= 1000000, net, "timesteps " + std::to_string(timesteps) + " outside [1, 1000000]");
    try {
        encode::make_encoder(encoding);
    } catch (const InputError& e) {
        throw InputError(net + ": " + e.what());
    }
    if (encoding.kind == "ttfs" || encoding.kind == "log")
        check(timesteps > static_cast<int>(encoding.steps), net,
              "timesteps (" + std::to_string(timesteps) + ") must exceed the temporal encoding window steps (" +
                  std::to_string(encoding.steps) + "): deeper layers fire after the last input");
    check(!(early_stop && decode == Decode::count), net,
          "early_stop needs decode first_spike (a spike count is only known at the end of the window)");
    int prev = inputs;
    for (std::size_t k = 0; k < layers.size(); ++k) {
        const Layer& l = layers[k];
        const std::string where = net + " layer " + std::to_string(k) + " '" + l.name + "'";
        check(l.in >= 1 && l.out >= 1, where, "in and out must be >= 1");
        check(l.in == prev, where,
              "in = " + std::to_string(l.in) + " but the " + (k ? "previous layer has out = " : "network has inputs = ") +
                  std::to_string(prev));
        check(l.weight_bits >= 2 && l.weight_bits <= 32, where,
              "weight_bits " + std::to_string(l.weight_bits) + " outside [2, 32]");
        check(l.delay >= 0 && l.delay <= 1024, where, "delay " + std::to_string(l.delay) + " outside [0, 1024]");
        const std::int64_t wmax = (std::int64_t{1} << (l.weight_bits - 1)) - 1;
        const auto check_range = [&](const std::vector<std::int32_t>& w, const std::string& what) {
            for (std::size_t j = 0; j < w.size(); ++j)
                if (std::llabs(w[j]) > wmax)
                    throw InputError(where + ": " + what + " " + std::to_string(j) + " = " + std::to_string(w[j]) +
                                     " does not fit " + std::to_string(l.weight_bits) + "-bit signed weights (|w| <= " +
                                     std::to_string(wmax) + ")");
        };
        switch (l.kind) {
            case LayerKind::dense: {
                const std::size_t n = static_cast<std::size_t>(l.in) * static_cast<std::size_t>(l.out);
                check(l.weights.size() == n, where,
                      "has " + std::to_string(l.weights.size()) + " weights, expected out x in = " +
                          std::to_string(l.out) + " x " + std::to_string(l.in));
                for (std::size_t j = 0; j < n; ++j)
                    if (std::llabs(l.weights[j]) > wmax)
                        throw InputError(where + ": weight [" + std::to_string(j / l.in) + ", " +
                                         std::to_string(j % l.in) + "] = " + std::to_string(l.weights[j]) +
                                         " does not fit " + std::to_string(l.weight_bits) +
                                         "-bit signed weights (|w| <= " + std::to_string(wmax) + ")");
                check(l.row_ptr.empty() && l.cols.empty(), where, "a dense layer has no row_ptr/cols (those are for kind sparse)");
                break;
            }
            case LayerKind::sparse:
                validate_csr(l.row_ptr, l.cols, l.weights, static_cast<std::uint32_t>(l.out),
                             static_cast<std::uint32_t>(l.in), where + " synapses");
                check_range(l.weights, "synapse");
                break;
            case LayerKind::conv2d: {
                const Conv2d& c = l.conv;
                const std::string cw = where + " conv2d";
                check(c.in_c >= 1 && c.in_h >= 1 && c.in_w >= 1, cw, "in_c, in_h and in_w must be >= 1");
                check(c.k_h >= 1 && c.k_w >= 1, cw, "kernel sizes must be >= 1");
                check(c.stride_h >= 1 && c.stride_w >= 1, cw, "strides must be >= 1");
                check(c.pad_h >= 0 && c.pad_w >= 0 && c.pad_h < c.k_h && c.pad_w < c.k_w, cw,
                      "padding must lie in [0, kernel size - 1]");
                check(c.groups >= 1 && c.out_c >= 1 && c.in_c % c.groups == 0 && c.out_c % c.groups == 0, cw,
                      "groups (" + std::to_string(c.groups) + ") must divide in_c (" + std::to_string(c.in_c) +
                          ") and out_c (" + std::to_string(c.out_c) + ")");
                check(c.in_h + 2 * c.pad_h >= c.k_h && c.in_w + 2 * c.pad_w >= c.k_w, cw,
                      "the kernel is larger than the padded input");
                const int oh = (c.in_h + 2 * c.pad_h - c.k_h) / c.stride_h + 1;
                const int ow = (c.in_w + 2 * c.pad_w - c.k_w) / c.stride_w + 1;
                check(c.out_h == oh && c.out_w == ow, cw,
                      "output " + std::to_string(c.out_h) + "x" + std::to_string(c.out_w) + " but the geometry gives " +
                          std::to_string(oh) + "x" + std::to_string(ow));
                check(c.in_size() == l.in, cw,
                      "in_c x in_h x in_w = " + std::to_string(c.in_size()) + " but in = " + std::to_string(l.in));
                check(c.out_size() == l.out, cw,
                      "out_c x out_h x out_w = " + std::to_string(c.out_size()) + " but out = " + std::to_string(l.out));
                check(l.weights.size() == c.weight_count(), where,
                      "has " + std::to_string(l.weights.size()) + " weights, expected out_c x in_c/groups x k_h x k_w = " +
                          std::to_string(c.weight_count()));
                check_range(l.weights, "kernel weight");
                check(l.row_ptr.empty() && l.cols.empty(), where, "a conv2d layer has no row_ptr/cols (those are for kind sparse)");
                break;
            }
        }
        if (l.has_recurrent()) {
            validate_csr(l.recurrent.row_ptr, l.recurrent.cols, l.recurrent.weights, static_cast<std::uint32_t>(l.out),
                         static_cast<std::uint32_t>(l.out), where + " recurrent synapses");
            check_range(l.recurrent.weights, "recurrent synapse");
        } else {
            check(l.recurrent.cols.empty() && l.recurrent.weights.empty(), where,
                  "recurrent synapses without row_ptr");
        }
        validate_neuron(l.neuron, where);
        prev = l.out;
    }
}

}  // namespace spiketlm::snn
