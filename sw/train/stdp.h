#pragma once
// Unsupervised STDP after Diehl & Cook, "Unsupervised learning of digit recognition using
// spike-timing-dependent plasticity", Front. Comput. Neurosci. 9:99, 2015 (docs/training.md,
// "STDP (Diehl & Cook)"): one layer of excitatory LIF neurons driven by rate-coded (Bernoulli)
// inputs, lateral inhibition (every spike inhibits every other neuron of the layer one step
// later), per-neuron adaptive thresholds (theta += theta_plus per spike, slow decay), trace-based
// pair STDP (pre spike: w -= nu_pre * post trace; post spike: w += nu_post * pre trace), weights
// clipped to [0, w_max] and each neuron's weights renormalised to a fixed sum after every image.
// Afterwards every neuron is labelled with the class it responds to most (mean spike count per
// class over the labelling images).
//
// The simplifications against the paper (all documented in docs/training.md): current-based
// instead of conductance-based synapses, the inhibitory population replaced by direct
// excitatory-to-excitatory inhibition (as BindsNET's DiehlAndCook2015v2), reset to the resting
// potential, state reset between images instead of a 150 ms resting phase, the pair rule instead
// of the triplet rule.
//
// The float model steps exactly like the fixed-point datapath (docs/neuron.md) with decay_i = 0:
// an input spike encoded at step n and a layer spike emitted at step n both arrive at n + 1;
// v <- d v + acc (d = decay_v / 4096, the Q12 value of the converted network); refractory steps
// hold v and drop the input; spike iff v >= threshold + theta_o; v <- 0. So the converted
// network (convert_stdp) differs from it only by rounding.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "sw/data/dataset.h"
#include "sw/encode/spike_train.h"
#include "sw/snn/network.h"

namespace spiketlm::train {

enum class StdpReadout { sum, mean };

struct StdpSpec {
    std::string name = "stdp";
    std::string source;      // file the spec came from (error messages)
    // network
    int inputs = 784;
    int neurons = 100;       // excitatory neurons
    int outputs = 10;        // classes
    // neuron (membrane units: potential above rest; the weights are in the same units)
    double threshold = 13.0;      // base threshold above rest (Diehl & Cook: -52 mV - (-65 mV))
    double tau_v = 100.0;         // membrane time constant in steps
    int refractory = 5;           // steps
    double inhibition = 17.5;     // every spike subtracts this from every other neuron's membrane
    double theta_plus = 0.05;     // threshold increase per spike (training only)
    double tau_theta = 1e7;       // steps; theta decays by exp(-steps / tau_theta) per image
    // STDP
    double nu_pre = 1e-4;         // depression rate (at a pre spike, times the post trace)
    double nu_post = 1e-2;        // potentiation rate (at a post spike, times the pre trace)
    double tau_pre = 20.0;        // trace time constants in steps (traces jump to 1 at a spike)
    double tau_post = 20.0;
    double w_max = 1.0;
    double w_init_max = 0.3;      // initial weights uniform in [0, w_init_max]
    double norm = 78.4;           // each neuron's weights sum to this after every image (0: off)
    // encoding (rate, Bernoulli per step, sw/encode/rate.h)
    int steps = 250;              // presentation steps per image
    double rate_max = 0.128;      // spike probability per step at pixel value 1
    int min_spikes = 5;           // training: fewer layer spikes -> present again with more rate
    double rate_boost = 0.032;    // added to rate_max per retry
    int max_retries = 4;
    // training
    std::uint64_t seed = 1;
    int epochs = 1;
    std::size_t train_samples = 0;   // 0: the whole train split, else its first N
    std::size_t test_samples = 0;    // 0: the whole test split
    std::size_t assign_samples = 0;  // labelling images (first N of the train split); 0: all
    // conversion (the readout always implements the sum rule: stdp_decide, convert_stdp)
    int weight_bits = 12;
    int state_bits = 24;
    int drain_steps = 16;         // steps after the presentation (the readout counts late spikes)

    std::int32_t decay_v_q12() const;  // round(4096 exp(-1 / tau_v))
    double decay_v() const { return decay_v_q12() / 4096.0; }
    void validate() const;             // InputError naming the source and key
};

StdpSpec parse_stdp_spec(const std::string& text, const std::string& source);
StdpSpec load_stdp_spec(const std::string& path);

// The learned state: weights (input-major: w[i * neurons + o]) and adaptive thresholds.
struct StdpNet {
    int inputs = 0, neurons = 0;
    std::vector<float> w;
    std::vector<double> theta;
    float weight(int o, int i) const { return w[static_cast<std::size_t>(i) * neurons + o]; }
};

// Uniform [0, w_init_max] weights (seeded), theta 0, then normalised.
StdpNet init_stdp(const StdpSpec& spec);

// Renormalises every neuron's weights to sum to spec.norm (nothing if norm is 0 or the sum is 0).
void normalize_weights(StdpNet& net, const StdpSpec& spec);

// What one presentation produced.
struct StdpFrameResult {
    std::vector<std::uint32_t> counts;  // spikes per neuron
    std::uint64_t spikes = 0;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> events;  // (step, neuron) if recorded
};

// Simulates one presentation of `input` (steps + extra_steps steps). learn: STDP and theta
// updates (no normalisation, no theta decay: train_stdp does those per image).
StdpFrameResult run_stdp_frame(StdpNet& net, const StdpSpec& spec, const encode::SpikeTrain& input, int total_steps,
                               bool learn);

// The same without learning (const network).
StdpFrameResult eval_stdp_frame(const StdpNet& net, const StdpSpec& spec, const encode::SpikeTrain& input,
                                int total_steps, bool record = false);

struct StdpEpoch {
    int epoch = 0;
    double seconds = 0;
    double spikes_per_image = 0;   // layer spikes per image (last attempt)
    double retries_per_image = 0;
    double mean_theta = 0;
};

// Trains spec.epochs epochs over `train` (shuffled per epoch, seeded). Deterministic.
StdpNet train_stdp(const StdpSpec& spec, const data::ImageSet& train,
                   const std::function<void(const StdpEpoch&)>& on_epoch = {},
                   const std::function<void(std::size_t, std::size_t)>& progress = {});

// Epochs first_epoch .. spec.epochs - 1 (counted from 0) on `net`: every epoch's shuffle and
// input spikes depend only on (seed, epoch, position), so training resumed after epoch k gives
// the same network as an uninterrupted run. `on_epoch` sees the network after each epoch.
void train_stdp_epochs(StdpNet& net, const StdpSpec& spec, const data::ImageSet& train, int first_epoch,
                       const std::function<void(const StdpEpoch&, const StdpNet&)>& on_epoch = {},
                       const std::function<void(std::size_t, std::size_t)>& progress = {});

// Checkpoint: the network after `epochs_done` epochs (binary, written atomically). load checks
// the file's shape against the spec (InputError naming the file).
void save_stdp_checkpoint(const std::string& path, const StdpNet& net, int epochs_done);
StdpNet load_stdp_checkpoint(const std::string& path, const StdpSpec& spec, int& epochs_done);

// Spike counts (neurons x classes summed) of the frozen network on the first `n` images of
// `set` (frame seeds as the reference: snn::frame_seed(seed, i); no retries), `threads` workers.
// Returns counts[i * neurons + o].
std::vector<std::uint32_t> stdp_responses(const StdpNet& net, const StdpSpec& spec, const data::ImageSet& set,
                                          std::size_t n, int threads, std::uint64_t seed);

// Label assignment (Diehl & Cook): neuron o gets the class c with the largest mean count over
// the images of class c (ties: lower class); a neuron that never fired gets -1.
std::vector<int> assign_labels(const std::vector<std::uint32_t>& counts, const std::vector<std::uint8_t>& labels,
                               int neurons, int classes);

// Decision from one image's counts: `mean` = Diehl & Cook (sum over the class's neurons divided
// by their number), `sum` = plain sum (what the chip's readout computes). Ties: lower class;
// no spike of any assigned neuron: -1.
int stdp_decide(const std::uint32_t* counts, const std::vector<int>& assignment, int classes, StdpReadout rule);

// The fixed-point network (layer 0: excitatory LIF with the inhibition as recurrent synapses and
// the thresholds folded into per-row weight scales; layer 1: the readout, count decoding).
struct StdpConversion {
    snn::Network net;
    double weight_scale = 0;           // membrane units per integer weight step (before row folding)
    double theta_ref = 0;              // the common threshold
    std::vector<double> row_scale;     // theta_ref / theta_o per neuron
};
StdpConversion convert_stdp(const StdpNet& net, const std::vector<int>& assignment, const StdpSpec& spec);

}  // namespace spiketlm::train
