#pragma once
// Surrogate-gradient backpropagation through time (docs/training.md, "Surrogate-gradient BPTT"):
// a fully connected or convolutional network (conv2d with stride, padding, groups; average
// pooling as a depthwise conv2d with equal fixed weights; the conv arithmetic is
// sw/train/conv.h's) of LIF or CUBA-LIF neurons trained in float on spike trains from the
// project's encoders, then quantised onto the fixed-point datapath (sw/snn/neuron.h; conv
// layers become conv2d Layers).
//
// The float forward follows the datapath's update order step for step (docs/neuron.md), with
// theta = 1 per layer (trainable optionally) and no bias:
//   i_t = alpha i_{t-1} + W x_t                    x_t = spikes of the layer below at t - 1
//   u_t = beta v_{t-1} + i_t                       (v before the reset)
//   s_t = H(u_t - theta)
//   v_t = u_t - theta s_t   (reset: subtract)   or   u_t (1 - s_t)   (reset: to_value, v_reset 0)
// The Heaviside step has no useful derivative; the backward pass replaces H'(x) by the
// fast-sigmoid surrogate sigma'(x) = 1 / (1 + k|x|)^2 (SuperSpike, Zenke & Ganguli, Neural
// Computation 30:1514, 2018; the surrogate-gradient framework of Neftci, Mostafa & Zenke, IEEE
// Signal Processing Magazine 36(6), 2019). The reset's dependence on s_t is cut from the
// gradient by default (detach_reset; Zenke & Vogels, Neural Computation 33:899, 2021).
// Output: spike counts (decode count) or time-weighted counts (decode first_spike, weight
// (Tw - t) / Tw for a spike at step t) are the logits of a softmax cross-entropy.
#include <Eigen/Dense>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sw/data/dataset.h"
#include "sw/encode/encoder.h"
#include "sw/snn/network.h"
#include "sw/train/rate_conversion.h"  // LayerSpec: the conv/avgpool/dense layer syntax, shared

namespace spiketlm::train {

struct BpttSpec {
    std::string name = "bptt-fc";
    std::string source;              // file the spec came from (error messages)
    int inputs = 784;                // encoded inputs (delta encoding: 2 x pixels)
    std::vector<int> hidden{800};
    int outputs = 10;
    // Convolutional networks (docs/training.md): network.input_shape [C, H, W] and network.layers
    // (conv, avgpool, dense: the rate spec's syntax) instead of network.hidden; the output layer
    // (dense, `outputs`) follows the listed layers.
    std::vector<int> input_shape;
    std::vector<LayerSpec> conv_layers;
    bool convolutional() const { return !conv_layers.empty(); }
    // neuron (every layer)
    snn::NeuronKind kind = snn::NeuronKind::lif;  // lif | cuba_lif
    int decay_v = 3840;              // Q12 initial membrane decay (beta = decay_v / 4096)
    int decay_i = -1;                // Q12 initial current decay; -1: the kind's default (lif 0, cuba_lif 3072)
    snn::ResetMode reset = snn::ResetMode::subtract;
    bool train_leak = false;         // per-layer beta (and alpha for cuba_lif) trained too
    bool train_threshold = false;    // per-layer theta trained too (initially 1)
    encode::EncodingSpec encoding{"rate", 16, 0.0, 1.0, 2.0, 0.1};
    snn::Decode decode = snn::Decode::count;
    // training
    std::uint64_t seed = 1;
    int epochs = 10;
    int batch = 64;
    double lr = 1e-3;                // Adam (0.9, 0.999, 1e-8), cosine decay to lr_min over the epochs
    double lr_min = 1e-5;
    double surrogate_slope = 10;     // k of sigma'(x) = 1 / (1 + k|x|)^2, x = u - theta
    bool detach_reset = true;
    double init_gain = 1.0;          // weights ~ N(0, init_gain^2 * 2 / fan_in)
    std::size_t train_samples = 0;   // 0: the whole train split, else its first N
    std::size_t test_samples = 0;    // 0: the whole test split
    // quantisation
    int weight_bits = 8;             // 2..16
    int state_bits = 24;             // 8..32

    std::vector<int> layer_sizes() const;
    int layers() const {
        return static_cast<int>(convolutional() ? conv_layers.size() : hidden.size()) + 1;
    }
    int initial_decay_i() const;
    void validate() const;           // InputError naming the source and key
};

BpttSpec parse_bptt_spec(const std::string& text, const std::string& source);
BpttSpec load_bptt_spec(const std::string& path);

// The simulated window: the encoder's last step + 1 + one step of delivery per layer, so the
// output layer sees every spike the input window causes.
int bptt_timesteps(const BpttSpec& spec);

// The geometry of every layer of a spec, checked (InputError naming file:line and the layer):
// conv.out_c == 0 for a dense layer; pool marks an average pooling layer (a depthwise conv2d
// with equal fixed weights 1 / (k_h k_w)).
struct BpttLayerPlan {
    int in = 0, out = 0;
    snn::Conv2d conv;
    bool pool = false;
};
std::vector<BpttLayerPlan> plan_bptt_layers(const BpttSpec& spec);

// The float network: weights and per-layer neuron constants. Dense layer l: w[l] is (out, in).
// Conv layer l (conv.size() > l and conv[l].out_c > 0): w[l] is (out_c, in_c/groups k_h k_w),
// the kernel in the conv2d Layer's order (sw/train/conv.h); fixed[l] != 0: not trained (pooling).
struct BpttNet {
    std::vector<Eigen::MatrixXf> w;
    std::vector<double> beta, alpha, theta;  // membrane decay, current decay, threshold per layer
    std::vector<snn::Conv2d> conv;           // empty for a fully connected network
    std::vector<char> fixed;
    int layers() const { return static_cast<int>(w.size()); }
    bool is_conv(int l) const { return static_cast<std::size_t>(l) < conv.size() && conv[static_cast<std::size_t>(l)].out_c > 0; }
    bool is_fixed(int l) const { return static_cast<std::size_t>(l) < fixed.size() && fixed[static_cast<std::size_t>(l)]; }
    int in_size(int l) const;
};

// He-normal weights (times init_gain) from spec.seed; beta, alpha from the spec's Q12 decays, theta 1.
BpttNet init_bptt(const BpttSpec& spec);

// One frame through the float network. smooth = false: s = H(u - theta) (the network that is
// trained and quantised). smooth = true: s = 0.5 + x / (1 + k|x|), whose derivative is the
// surrogate, so that the backward pass is the exact gradient (used by the gradient check).
struct BpttTrace {
    // per layer, (neurons, timesteps): input current delivered (W x_t), i_t, u_t, s_t, v_t
    std::vector<Eigen::MatrixXf> in, i, u, s, v;
    std::vector<float> logits;  // per output neuron
    int decision = -1;          // decoded as the reference decodes (ties, no spike: -1)
};
BpttTrace bptt_forward(const BpttNet& net, const BpttSpec& spec, const encode::SpikeTrain& input, bool smooth = false);

// Softmax cross-entropy of one trace and its gradient, added to `grad` (same shapes as net;
// beta/alpha/theta entries are added even when not trained). Returns the loss.
double bptt_backward(const BpttNet& net, const BpttSpec& spec, const encode::SpikeTrain& input, const BpttTrace& tr,
                     int label, BpttNet& grad);

// Mean loss over frames and the mean gradient (zeroed first); deterministic for any `threads`.
double bptt_loss_grad(const BpttNet& net, const BpttSpec& spec, const std::vector<encode::SpikeTrain>& inputs,
                      const std::vector<int>& labels, BpttNet& grad, bool smooth = false, int threads = 1);

using BpttEpoch = EpochStats;  // the ANN trainers' per-epoch figures (rate_conversion.h)

// Float accuracy on a set: frame k encoded with seed snn::frame_seed(spec.seed, k), the input
// spikes `spiketlm ref` gives with sim.seed = spec.seed.
double bptt_accuracy(const BpttNet& net, const BpttSpec& spec, const data::ImageSet& set, int threads);

// Trains spec.epochs epochs: Adam on shuffled mini-batches (permutation keyed by seed and
// epoch), each training frame re-encoded in every epoch (seed keyed by seed, epoch, index).
// The batch is cut into fixed chunks of 8 frames whose gradients are summed in chunk order, so
// the result does not depend on `threads`. `test` may be empty (no test accuracy).
BpttNet train_bptt(const BpttSpec& spec, const data::ImageSet& train, const data::ImageSet& test, int threads,
                   const std::function<void(const BpttEpoch&)>& on_epoch = {});

// Quantisation onto the datapath: per layer s = max|W| / (2^(weight_bits-1) - 1), weights
// round(W / s) (half away from zero), theta round(theta / s) (at least 1), decays round(x 4096).
struct BpttQuantized {
    snn::Network net;
    std::vector<double> weight_scale;
};
BpttQuantized quantize_bptt(const BpttNet& net, const BpttSpec& spec);

}  // namespace spiketlm::train
