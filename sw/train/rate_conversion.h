#pragma once
// Rate conversion (docs/conversion.md): a ReLU multilayer perceptron trained in float (softmax
// cross-entropy, Adam), then converted to integrate-and-fire neurons with subtractive reset
// (decay_i = 0, decay_v = 1: v += acc + bias every step; spike and v -= theta at v >= theta),
// rate-coded inputs and spike-count decoding. Thresholds are normalised by activation
// percentiles on training data (data-based normalisation, Rueckauer et al., Front. Neurosci.
// 11:682, 2017; Diehl et al., IJCNN 2015), then weights, biases and thresholds are quantised
// onto the datapath (sw/snn/neuron.h).
#include <Eigen/Dense>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sw/data/dataset.h"
#include "sw/snn/network.h"

namespace spiketlm::train {

// One layer of a convolutional model file (network.layers, docs/conversion.md): a conv2d
// (channels, kernel, stride, padding, groups), an average pooling (kernel, stride: a depthwise
// conv2d with equal, fixed weights) or a dense layer (units; reads the flattened CHW data).
// The output layer (network.outputs, dense) follows the list.
struct LayerSpec {
    std::string type;               // "conv" | "avgpool" | "dense"
    int channels = 0;               // conv: output channels
    int kernel = 0;                 // conv, avgpool: square kernel
    int stride = 1;                 // conv: default 1; avgpool: default = kernel
    int padding = 0;                // conv: zero padding on every side
    int groups = 1;                 // conv
    int units = 0;                  // dense
    int line = 0;                   // line in the model file (error messages), 0 unknown
};

struct RateSpec {
    std::string name = "rate-fc";
    std::string source;             // file the spec came from (error messages)
    int inputs = 784;
    std::vector<int> hidden{100};
    // Convolutional models: input_shape (C, H, W; C*H*W = inputs) and the layer list instead of
    // `hidden` (both empty: a multilayer perceptron of `hidden`).
    std::vector<int> input_shape;
    std::vector<LayerSpec> layers;
    int outputs = 10;
    // training (float ANN)
    std::uint64_t seed = 1;
    int epochs = 10;
    int batch = 64;
    double lr = 1e-3;               // Adam, cosine decay to lr_min over the epochs
    double lr_min = 1e-5;
    int augment_shift = 0;          // random translation of training images by up to N pixels (0..8; zero fill)
    double weight_decay = 0;        // decoupled (AdamW): w -= lr * weight_decay * w after every step
    // Rate-noise-aware training: each training image's pixel x is replaced by a sample of
    // Binomial(N, x) / N, the spike count over N steps of the rate encoder divided by N (0: off).
    int input_noise_steps = 0;
    std::size_t train_samples = 0;  // 0: the whole train split, else its first N
    std::size_t test_samples = 0;   // 0: the whole test split
    // conversion
    double percentile = 99.9;       // of the positive activations of each hidden layer
    double output_percentile = 100; // of the output layer's positive activations
    std::size_t calibration_samples = 10000;  // first N training images
    int weight_bits = 8;
    int state_bits = 24;
    int steps = 64;                 // T: rate-encoder window of the written model
    std::vector<int> report_steps{8, 16, 32, 64, 128};  // T values evaluated for the report
    // TTFS conversion only (sw/train/ttfs_conversion.h; the same file format, method "ttfs"):
    int hidden_steps = 0;           // T_h: steps per hidden-activation scale; 0: equal to the input T
    // How a hidden pre-activation U becomes r (steps of beta0): "nearest" r = floor((U + beta0/2) / beta0);
    // "down" r = ceil(U / beta0) - 1, so a neuron with U <= 0 stays silent in the window (no spike
    // that carries zero); ttfs_conversion.h.
    std::string hidden_rounding = "nearest";
    std::string method = "rate";    // "rate" | "ttfs": which conversion keys the file may hold

    bool convolutional() const { return !layers.empty(); }
    std::vector<int> layer_sizes() const;  // inputs, every layer's output size, outputs
    void validate() const;          // InputError naming the source (and file:line) and key
};

// `method` "ttfs" accepts the TTFS conversion keys (percentile, calibration_samples,
// weight_bits, steps, hidden_steps, report_steps) instead of the rate ones.
RateSpec parse_rate_spec(const std::string& text, const std::string& source, const std::string& method = "rate");
RateSpec load_rate_spec(const std::string& path, const std::string& method = "rate");

// Float ReLU network: layer k computes W[k] x + b[k] (dense) or a convolution of x with the
// kernel W[k] plus b[k] per output channel (conv, avgpool); ReLU on every layer but the last
// (logits). Activations are vectors; conv layers read and write CHW images flattened (c, y, x).
// Training keeps b at zero: the datapath's bias is one value per layer (docs/neuron.md), so an
// ANN's per-neuron biases have no place on the chip; the gradient covers b for completeness.
// Average pooling is a depthwise conv (groups = channels) whose fixed weights 1/(k*k) are not
// trained; the ReLU after it changes nothing (its inputs are ReLU outputs or pixels, >= 0).
enum class AnnLayerKind { dense, conv, avgpool };

// A `network.layers` list with its geometry, checked (InputError naming `file`:line and the
// layer), the dense output layer of `outputs` appended: the planner every trainer that reads the
// list uses (rate/ttfs, bptt). `input_shape` is [C, H, W] holding `inputs` values.
struct PlannedLayer {
    AnnLayerKind kind = AnnLayerKind::dense;
    int in = 0, out = 0;
    snn::Conv2d conv;  // conv, avgpool
};
std::vector<PlannedLayer> plan_layer_list(const std::string& file, int inputs, const std::vector<int>& input_shape,
                                          const std::vector<LayerSpec>& layers, int outputs);
struct Ann {
    std::vector<Eigen::MatrixXf> w;  // dense (out, in); conv/avgpool (out_c, in_c/groups * k_h * k_w)
    std::vector<Eigen::VectorXf> b;  // dense (out), conv (out_c); zero and unused when the spec has no biases
    std::vector<AnnLayerKind> kind;  // per layer; empty: every layer dense (a multilayer perceptron)
    std::vector<snn::Conv2d> conv;   // per layer: the geometry of conv/avgpool layers (unused for dense)
    int layers() const { return static_cast<int>(w.size()); }
    AnnLayerKind kind_of(int k) const { return kind.empty() ? AnnLayerKind::dense : kind[static_cast<std::size_t>(k)]; }
    bool is_dense(int k) const { return kind_of(k) == AnnLayerKind::dense; }
    int in_size(int k) const;
    int out_size(int k) const;
};

// He-normal weights, zero biases, from `seed`.
Ann init_ann(const std::vector<int>& sizes, std::uint64_t seed);
// The spec's network (MLP or convolutional), He-normal (fan-in = in_c/groups * k * k for conv),
// pooling weights 1/(k*k); for an MLP spec identical to init_ann(spec.layer_sizes(), spec.seed).
Ann init_ann(const RateSpec& spec);
// One layer's forward pass (pre-activation) for the columns of x.
Eigen::MatrixXf ann_layer_forward(const Ann& ann, int k, const Eigen::MatrixXf& x);

// Activations of every layer for the columns of x (in, n): result[k] = output of layer k
// (ReLU applied except for the last layer).
std::vector<Eigen::MatrixXf> ann_forward(const Ann& ann, const Eigen::MatrixXf& x);

// Mean softmax cross-entropy over the columns of x and its gradient (same shapes as `ann`).
// `use_bias` false: the bias gradients are zero.
double ann_loss_grad(const Ann& ann, const Eigen::MatrixXf& x, const std::vector<int>& labels, Ann& grad,
                     bool use_bias = true);

// A weight matrix as a row-major vector (the layout of snn::Layer::weights and of the model
// files' float weights).
std::vector<float> row_major(const Eigen::MatrixXf& m);

// Images [first, first + n) of a set as columns.
Eigen::MatrixXf image_columns(const data::ImageSet& set, std::size_t first, std::size_t n);

// The same in chunks of `chunk` columns (conv networks' activations of thousands of images are
// large): calls on_chunk(first, acts) for every chunk.
void ann_forward_chunks(const Ann& ann, const Eigen::MatrixXf& x, std::size_t chunk,
                        const std::function<void(std::size_t, const std::vector<Eigen::MatrixXf>&)>& on_chunk);

// Fraction of images whose arg-max logit (lowest index on ties) equals the label.
double ann_accuracy(const Ann& ann, const data::ImageSet& set);

struct EpochStats {
    int epoch = 0;
    double lr = 0, loss = 0, train_accuracy = 0, test_accuracy = 0, seconds = 0;
};

// Trains spec.epochs epochs (Adam, shuffled mini-batches keyed by seed and epoch); `on_epoch`
// is called after each. `constrain`, if given, projects the weights onto a constraint set after
// the initialisation and after every step (projected gradient descent). Deterministic for a
// given spec and data.
// `init`, if given, is the starting network (fine-tuning; it must have the spec's layers).
Ann train_ann(const RateSpec& spec, const data::ImageSet& train, const data::ImageSet& test,
              const std::function<void(const EpochStats&)>& on_epoch = {},
              const std::function<void(Ann&)>& constrain = {}, const Ann* init = nullptr);

struct RateConversion {
    snn::Network net;
    std::vector<double> lambda;        // per layer: the normalisation scale of its activations
    std::vector<double> weight_scale;  // per layer: normalised weight = s * integer weight
};

// Converts `ann` into a fixed-point IF network for rate encoding over `steps` timesteps
// (timesteps = steps + layers so the last layer sees every input), thresholds normalised on
// the first spec.calibration_samples images of `calibration`.
// The scales lambda_k convert_rate uses (the first spec.calibration_samples images): computed
// once, they serve every window length (convert_rate_with_scales).
std::vector<double> rate_scales(const Ann& ann, const data::ImageSet& calibration, const RateSpec& spec);
RateConversion convert_rate(const Ann& ann, const data::ImageSet& calibration, const RateSpec& spec, int steps);

// The same conversion from given per-layer scales (lambda[k] of layer k; inputs have scale 1).
RateConversion convert_rate_with_scales(const Ann& ann, const std::vector<double>& lambda, const RateSpec& spec,
                                        int steps);

// The p-th percentile (0 < p <= 100) of the positive values of `a` (nearest rank; 0 if none).
double positive_percentile(const Eigen::MatrixXf& a, double p);
// The positive activations of layers [0, layers) of `ann` on the columns of x, the forward pass
// run in chunks of 250 columns (conv networks' activations of thousands of images are large).
std::vector<std::vector<float>> positive_activations(const Ann& ann, const Eigen::MatrixXf& x, int layers);

}  // namespace spiketlm::train
