#pragma once
// The fixed-point spiking network: what the functional reference (sw/snn/reference.h) simulates,
// what sw/quant produces, what model files (sw/io/model_file.h) store and what sw/map places on
// the chip. The arithmetic these parameters drive is sw/snn/neuron.h (rules: docs/neuron.md).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sw/encode/encoder.h"

namespace spiketlm::snn {

// Q12 decay factors: 4096 = 1.0 (no decay), 0 = forget everything each step.
constexpr int kDecayShift = 12;
constexpr std::int32_t kDecayOne = 1 << kDecayShift;

// The kind is a label with defaults and consistency checks; the datapath itself is one for all.
enum class NeuronKind { relpsp, if_, lif, cuba_lif, stochastic };
enum class ResetMode { to_value, subtract };  // v <- v_reset, or v <- v - theta
// Stochastic firing: none; threshold noise (theta + signed noise); Bernoulli (escape noise).
enum class NoiseMode { none, threshold, bernoulli };

const char* to_string(NeuronKind k);
const char* to_string(ResetMode m);
const char* to_string(NoiseMode m);
// Parse helpers: throw InputError naming `what` (e.g. "model.yaml:12 neuron.kind") on a bad name.
NeuronKind parse_neuron_kind(const std::string& s, const std::string& what);
ResetMode parse_reset_mode(const std::string& s, const std::string& what);
NoiseMode parse_noise_mode(const std::string& s, const std::string& what);

struct NeuronParams {
    NeuronKind kind = NeuronKind::relpsp;
    std::int32_t decay_i = kDecayOne;  // Q12, 0..4096
    std::int32_t decay_v = kDecayOne;  // Q12, 0..4096
    std::int32_t theta = 1;            // firing threshold (membrane units)
    std::int32_t bias = 0;             // added to v every update
    std::int32_t v_reset = 0;          // value after a spike (ResetMode::to_value)
    ResetMode reset = ResetMode::to_value;
    std::int32_t refractory = 0;       // steps after a spike during which v is held (0..65535)
    int state_bits = 24;               // i and v saturate to this two's-complement width (2..32)
    bool single_spike = true;          // `done` after the first spike: the neuron never fires again
    // Stochastic (NoiseMode::threshold): noise = sign-extended low noise_bits of the per-update
    // hash, shifted left by noise_shift, added to theta. NoiseMode::bernoulli: fire with
    // probability clamp(((v - theta) << noise_shift) + 32768, 0, 65536) / 65536.
    NoiseMode noise = NoiseMode::none;
    int noise_bits = 0;   // 1..16 (threshold mode)
    int noise_shift = 0;  // 0..16

    // The defaults DESIGN.md's table gives each kind (theta, refractory, ... left as set here).
    static NeuronParams defaults(NeuronKind kind);
    std::int32_t state_min() const { return static_cast<std::int32_t>(-(std::int64_t{1} << (state_bits - 1))); }
    std::int32_t state_max() const { return static_cast<std::int32_t>((std::int64_t{1} << (state_bits - 1)) - 1); }
};

// How a layer's neurons read their sources (docs/model-format.md, "Layer kinds"):
//   dense   every output reads every input: weights out x in, row-major
//   sparse  an explicit synapse list, CSR by output: output o reads inputs cols[row_ptr[o] ..
//           row_ptr[o+1]) (ascending, unique) with weights[same range]
//   conv2d  a 2-D convolution over a CHW input (see Conv2d), weights out_c x (in_c/groups) x k_h x k_w;
//           average pooling is a conv2d with groups = in_c = out_c and equal weights
// Whatever the kind, synapses() lowers the layer to the same CSR list (conv2d unrolled), which is
// what the reference, the mapper and the chip see; the arithmetic does not depend on the kind.
enum class LayerKind { dense, sparse, conv2d };
const char* to_string(LayerKind k);
LayerKind parse_layer_kind(const std::string& s, const std::string& what);

// Synapses into a layer by output neuron (CSR).
struct Csr {
    std::vector<std::uint32_t> row_ptr;   // out + 1 entries; row_ptr[0] = 0
    std::vector<std::uint32_t> cols;      // source index of each synapse, ascending within a row
    std::vector<std::int32_t> weights;    // one per synapse
    bool empty() const { return cols.empty(); }
    std::size_t nnz() const { return cols.size(); }
    std::uint32_t rows() const { return row_ptr.empty() ? 0 : static_cast<std::uint32_t>(row_ptr.size() - 1); }
};

// Geometry of a conv2d layer. Input index (c * in_h + y) * in_w + x (CHW, as PyTorch flattens);
// output index (c * out_h + y) * out_w + x. out_h = (in_h + 2 pad_h - k_h) / stride_h + 1 (same
// for w); taps that fall into the zero padding have no synapse.
struct Conv2d {
    int in_c = 0, in_h = 0, in_w = 0;
    int out_c = 0, out_h = 0, out_w = 0;
    int k_h = 0, k_w = 0;
    int stride_h = 1, stride_w = 1;
    int pad_h = 0, pad_w = 0;
    int groups = 1;  // in_c and out_c divisible by groups; output channel c reads input channels of its group
    int in_size() const { return in_c * in_h * in_w; }
    int out_size() const { return out_c * out_h * out_w; }
    std::size_t weight_count() const {
        return static_cast<std::size_t>(out_c) * (groups ? in_c / groups : 0) * k_h * k_w;
    }
};

struct Layer {
    std::string name;
    LayerKind kind = LayerKind::dense;
    int in = 0, out = 0;
    int weight_bits = 8;                 // signed weights lie in [-(2^(b-1)-1), 2^(b-1)-1]
    // dense: out x in, row-major (weights[o * in + i]); sparse: one per synapse, aligned with
    // `cols`; conv2d: out_c x (in_c/groups) x k_h x k_w, row-major (the kernel, shared).
    std::vector<std::int32_t> weights;
    std::vector<std::uint32_t> row_ptr, cols;  // sparse only: CSR by output (out + 1, nnz)
    Conv2d conv;                               // conv2d only
    // Optional recurrent synapses from this layer's own neurons (CSR by output over sources
    // 0..out-1, e.g. lateral inhibition): a spike of neuron j at step t reaches neuron o at
    // t + 1 + delay, exactly like a feedforward spike. Empty: none.
    Csr recurrent;
    NeuronParams neuron;
    int delay = 0;                       // extra delivery delay (steps) of spikes INTO this layer

    // dense only
    std::int32_t weight(int o, int i) const { return weights[static_cast<std::size_t>(o) * in + i]; }
    // The feedforward synapses of any kind as a CSR list (dense: every pair, zeros included;
    // conv2d: unrolled, padding taps left out). The layer must be valid.
    Csr synapses() const;
    // Number of feedforward synapses (dense: in x out) without building the list.
    std::uint64_t synapse_count() const;
    bool has_recurrent() const { return !recurrent.row_ptr.empty(); }
};
// How frames become input spikes: the encoder spec of sw/encode (kind, steps T, threshold, ...).
using Encoding = encode::EncodingSpec;

enum class Decode { first_spike, count };
const char* to_string(Decode d);
Decode parse_decode(const std::string& s, const std::string& what);

struct Network {
    std::string name;
    int inputs = 0;                 // size of the encoded input (e.g. 784)
    std::vector<Layer> layers;      // layers[0] reads the inputs, layers.back() is the output
    Encoding encoding;
    int timesteps = 64;             // simulated window per frame (> encoding.steps for TTFS)
    Decode decode = Decode::first_spike;
    bool early_stop = false;        // end the frame after the step of the first output spike
    std::uint64_t seed = 1;         // stochastic neurons' noise seed

    int outputs() const { return layers.empty() ? 0 : layers.back().out; }
    std::uint64_t parameter_count() const;
    // Throws InputError with a message naming the network, layer and field on any inconsistency
    // (sizes, weight count and range, parameter ranges, unimplemented layer kinds, ...).
    void validate() const;
};

}  // namespace spiketlm::snn
