#pragma once
// STDBP (spike-timing-dependent back-propagation) for continuous-time ReL-PSP networks
// (Zhang et al., IEEE TNNLS 33(5), 2022). Every neuron fires at most once. With the kernel
// K(x) = max(0, x) the membrane of neuron j is V_j(t) = sum_{i: t_i < t} w_ij (t - t_i), so
// between two input spikes it is linear and the firing time has a closed form over the causal
// set C_j (the inputs that arrived before the neuron fired):
//
//     t_j = (theta + sum_{i in C} w_ij t_i) / sum_{i in C} w_ij
//     dt_j/dw_ij = (t_i - t_j) / sum_C w        dt_j/dt_i = w_ij / sum_C w      (i in C_j)
//
// The output class is the earliest output spike; the loss is the cross-entropy of
// softmax(-beta * min(t_out, time_cap)) plus a hinge penalty that keeps causal weight sums
// positive (see LossSpec). All arithmetic is double precision; the trained weights are exported
// as snn::FloatNetwork.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "sw/snn/float_model.h"

namespace spiketlm::train {

constexpr double kNoSpike = std::numeric_limits<double>::infinity();

// One fully connected ReL-PSP layer (training precision).
struct Layer {
    int in = 0, out = 0;
    std::vector<double> w;  // out x in, row-major: w[o * in + i]
    double theta = 1.0;     // firing threshold
    double weight(int o, int i) const { return w[static_cast<std::size_t>(o) * in + i]; }
};

struct Net {
    std::vector<Layer> layers;     // layers[0] reads the encoded inputs
    double input_window = 1.0;     // T_in: an input x spikes at t = T_in * (1 - x)
    double input_threshold = 0.0;  // inputs with x <= threshold never spike

    int inputs() const { return layers.empty() ? 0 : layers.front().in; }
    int outputs() const { return layers.empty() ? 0 : layers.back().out; }
    std::size_t parameter_count() const;
};

snn::FloatNetwork to_float_network(const Net& net);
Net from_float_network(const snn::FloatNetwork& fnet);

// What one layer saw and did for one sample. The layer's input spikes are sorted by (time,
// index); the causal set of neuron j is the first ncausal[j] of them (all of them if j is silent).
struct LayerTrace {
    std::vector<std::uint32_t> in_idx;
    std::vector<double> in_t;
    std::vector<double> t;                // firing time per neuron, kNoSpike if silent
    std::vector<double> wsum;             // sum of w over the causal set
    std::vector<std::uint32_t> ncausal;   // size of the causal set
    // Backward coefficients: dLoss/dw[j, in_idx[k]] = c1[j] * in_t[k] + c0[j] for k < ncausal[j].
    std::vector<double> c1, c0;
};

struct SampleTrace {
    std::vector<LayerTrace> layers;
    int label = -1;
    double loss = 0.0;
    int predicted = -1;
};

// Time-to-first-spike encoding into the first layer's input list: t = window * (1 - x) for
// x > threshold; sorted by (time, index).
void encode_ttfs(const float* x, int n, double window, double threshold, LayerTrace& first);
// Sets the first layer's inputs directly (any order; sorted here). Used by tests.
void set_inputs(const std::vector<std::uint32_t>& idx, const std::vector<double>& t, LayerTrace& first);

// Continuous-time forward pass (inputs of layers[0] must be set). Fills every layer's
// t / wsum / ncausal and the next layer's inputs; sets trace.predicted (earliest output spike,
// ties to the lower index, -1 if no output fires).
void forward(const Net& net, SampleTrace& trace);

// Builds the next layer's input list from layer `l`'s firing times (sorted by (time, index)) and
// sets trace.predicted from the output layer. forward() calls it; batch forwards too.
void finish_layer(const Net& net, std::size_t l, SampleTrace& trace);

// The firing time of a single neuron with the given weights for inputs sorted by time (helper
// for tests and for forward); returns kNoSpike if it never reaches theta. `ncausal` receives the
// causal set size and `wsum` its weight sum.
double fire_time(const double* w_row, double theta, const std::uint32_t* idx, const double* t,
                 std::size_t n, std::uint32_t* ncausal, double* wsum);

struct LossSpec {
    double beta = 5.0;          // softmax(-beta * t_out)
    double time_cap = 4.0;      // output times are capped here for the loss (no gradient beyond)
    double hinge_weight = 1e-3; // lambda of lambda * mean_j relu(hinge_min_sum - sum_C w_j)
    double hinge_min_sum = 1.0; // per layer mean over its neurons, summed over layers
    bool hinge_hidden = true;   // false: the hinge applies to the output layer only
};

// Loss of one sample after forward(): fills trace.loss and every layer's c1 / c0.
void backward(const Net& net, const LossSpec& loss, SampleTrace& trace);

// Gradient w.r.t. every weight, same shapes as Net::layers[l].w.
struct Gradients {
    std::vector<std::vector<double>> dw;
    void resize_like(const Net& net);
    double norm() const;  // Euclidean norm over all entries (fixed summation order)
};

}  // namespace spiketlm::train
