#pragma once
// TTFS conversion (docs/conversion.md): a one-hidden-layer ReLU network (the hidden layer dense,
// or a convolution without padding, optionally followed by average pooling, which is linear and
// is folded into the output layer), trained with every first-layer row (conv: every kernel)
// summing to zero, becomes a time-to-first-spike network of ReL-PSP neurons
// (kind relpsp: v(t) = sum_i w_i (t - t_i) + bias (t + 1), one spike per neuron) that computes
// the quantised ANN exactly. The principle is the exact ReLU -> TTFS mapping of Stanojevic et
// al., "An Exact Mapping From ReLU Networks to Spiking Neural Networks", Neural Networks 168,
// 2023 (arXiv 2212.12522): linear-ramp integration over a layer's input window gives
// v = W x, then a constant slope turns v into a spike time; adapted to this datapath, which has
// one bias per layer and 8-bit weights:
//   - every input spikes (ttfs encoding with threshold -1: x = 0 at step T) and the first
//     layer's integer rows sum to exactly zero, so after the input window every hidden
//     membrane rises at the same slope, the layer bias beta0: the hidden neuron j fires
//     K - r_j steps after step T, r_j = min(K, floor((U_j + h) / beta0)), U_j = sum_i q_ji m_i
//     (h = beta0/2: rounding to nearest; h = -1, hidden_rounding "down": neurons with U_j <= 0
//     stay silent)
//     (m_i = T - input step = round(T x_i));
//   - a threshold above anything the input window can reach keeps the hidden layer silent
//     during it (no early spike);
//   - the output layer reads its membrane at one step, R = T + K: there it equals
//     sum_j q'_oj r_j (+ a common offset), hidden neurons with a negative pre-activation fire at
//     or after R and contribute nothing (the ReLU); a large layer bias and a threshold just above
//     anything reachable before R make every output neuron fire exactly at R, and first-spike
//     decoding picks the largest membrane (v_fire), i.e. the arg-max of the quantised logits.
// Each neuron fires at most once; hidden neurons with r_j = 0 fire at R or not at all within
// the window (timesteps = R + 1).
#include <cstdint>
#include <vector>

#include "sw/train/rate_conversion.h"

namespace spiketlm::train {

// Projects layer 0's rows onto zero sum (w_j <- w_j - mean(w_j)): the constraint the conversion
// needs, applied by `spiketlm train --method ttfs` after every optimiser step.
void zero_first_layer_row_sums(Ann& ann);

// The conditions on the ANN alone: one hidden layer (dense -> dense, conv -> dense or
// conv -> avgpool -> dense; the conv without padding), no biases, zero first-layer row sums;
// InputError naming the layer or neuron otherwise.
void check_ttfs_ann(const Ann& ann);

// The output layer's float weights over the hidden neurons: the ANN's last layer, or, with an
// average pooling between, W_out P (P the pooling as a matrix). `ann` must pass check_ttfs_ann.
Eigen::MatrixXf ttfs_output_weights(const Ann& ann);

struct TtfsConversion {
    snn::Network net;
    double lambda = 0;                 // hidden activation scale (percentile of the calibration data)
    std::vector<double> weight_scale;  // per layer: float weight = s * integer weight
    // Per SNN layer, the float weights the integers approximate (row-major, as Layer::weights):
    // the ANN's, with an average pooling folded into the output layer's.
    std::vector<std::vector<float>> float_weights;
    int input_steps = 0, hidden_steps = 0;
    std::int64_t beta0 = 0, k_window = 0;  // hidden slope (membrane units per step) and K
    // Rounding offset: r = clamp(floor((U + h) / beta0), 0, K); h = floor(beta0 / 2) for
    // hidden_rounding "nearest", -1 for "down" (U <= 0: r < 0, no spike within the window).
    std::int64_t h = 0;
};

// Converts `ann` (one hidden layer as check_ttfs_ann says, no biases, first-layer row sums zero within 1e-4 of the
// row's largest weight: InputError otherwise) for inputs encoded over `steps` steps and hidden
// activations resolved in `hidden_steps` steps per lambda (lambda = spec.percentile-th
// percentile of the positive hidden activations on the first spec.calibration_samples images of
// `calibration`). Chooses state_bits (24..32) so no state saturates; InputError if 32 do not fit.
TtfsConversion convert_ttfs(const Ann& ann, const data::ImageSet& calibration, const RateSpec& spec, int steps,
                            int hidden_steps);
// lambda as convert_ttfs computes it (checks the ANN first): computed once, it serves every
// window length (convert_ttfs_with_scale).
double ttfs_hidden_scale(const Ann& ann, const data::ImageSet& calibration, const RateSpec& spec);
// The same from a given lambda.
TtfsConversion convert_ttfs_with_scale(const Ann& ann, double lambda, const RateSpec& spec, int steps,
                                       int hidden_steps);

// What the converted network computes, in integers, written independently of the simulator:
// the decision (arg-max of sum_j q'_oj r_j, lowest index on ties) and the hidden r_j for one
// image (pixels in [0, 1]).
struct TtfsIntegerResult {
    std::vector<std::int64_t> u;       // per hidden neuron: the pre-activation U_j = sum_i q_ji m_i
    std::vector<std::int64_t> r;       // per hidden neuron
    std::vector<std::int64_t> logits;  // per output
    int decision = -1;
};
TtfsIntegerResult ttfs_integer_forward(const TtfsConversion& c, const float* pixels);

}  // namespace spiketlm::train
