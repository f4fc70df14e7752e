#pragma once
// Quantizing a continuous-time ReL-PSP network (sw/snn/float_model.h, trained by STDBP) onto the
// fixed-point datapath (docs/neuron.md, "Quantization"):
//   Δ = T_in / T                               float time per step (T = steps)
//   s_l = max|w_l| / (2^(bits-1) - 1)          per-layer weight scale (symmetric, no clipping)
//   w_q = round(w / s_l)                       half away from zero
//   θ_q = ceil(θ_l / (s_l Δ))                  exact: v_real >= θ  <=>  v_q >= θ_q
//   n_i = floor(T (1 - x) + 0.5)               input step (the ttfs encoder)
// With decay 1 the membrane of layer l at step t is v_q = Σ w_q (t - n_i) = v_real(tΔ) / (s_l Δ):
// each layer has its own unit s_l Δ, and since only spike STEPS travel between layers, the
// scales do not compose (no rescaling between layers). Δ is common to all layers.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "sw/data/dataset.h"
#include "sw/io/model_file.h"
#include "sw/snn/float_model.h"
#include "sw/snn/network.h"

namespace spiketlm::quant {

struct QuantOptions {
    int weight_bits = 8;
    int steps = 32;          // T: input window in timesteps
    int timesteps = 0;       // simulated window; 0: window_factor * steps
    double window_factor = 3.0;
    int state_bits = 24;     // i and v width (checked: theta_q must fit)
    snn::Decode decode = snn::Decode::first_spike;
    bool early_stop = false;
    std::string name = "relpsp";
    std::uint64_t seed = 1;
};

struct Quantized {
    snn::Network net;
    io::QuantInfo info;
};

// Throws InputError on an empty or inconsistent float network, a non-positive threshold or
// window, or a threshold that does not fit state_bits (naming the layer).
Quantized quantize(const snn::FloatNetwork& f, const QuantOptions& opt);

// Continuous-time ReL-PSP forward of one image (the float model's own semantics): input spike
// times t_i = T_in (1 - x_i) for x_i > input_threshold; each neuron fires at most once, at
// t_j = (θ + Σ_C w_i t_i) / Σ_C w_i over its causal set C. Returns every layer's firing times
// (infinity: silent).
constexpr double kSilent = std::numeric_limits<double>::infinity();
std::vector<std::vector<double>> float_forward(const snn::FloatNetwork& f, const float* x, std::size_t n);
// Earliest output wins, ties to the lower index; -1 if no output fires.
int float_decision(const std::vector<double>& output_times);

struct AccuracyReport {
    std::uint64_t frames = 0;
    double float_accuracy = 0, quantized_accuracy = 0;   // fractions 0..1
    double float_undecided = 0, quantized_undecided = 0; // fractions of frames without decision
    double agreement = 0;                                // same decision in both
};
// Float forward vs the reference simulator on the quantized network, same images
// (the first `limit` when limit > 0), `threads` workers.
AccuracyReport compare_accuracy(const snn::FloatNetwork& f, const snn::Network& q, const data::ImageSet& set,
                                int threads = 0, std::size_t limit = 0, std::uint64_t master_seed = 1);

}  // namespace spiketlm::quant
