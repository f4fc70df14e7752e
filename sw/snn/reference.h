#pragma once
// The functional reference simulator: the golden model. Timestep by timestep, event-driven
// delivery (only spiking sources touch weights), the datapath of sw/snn/neuron.h, output
// decoding and early stop exactly as docs/neuron.md states them. The chip (hw/) and the RTL must
// reproduce its spikes bit for bit.
//
// Timing: a spike emitted by layer l-1 at step t (an input spike encoded at step t) is
// delivered to layer l at step t + 1 + layers[l].delay. All layers update in every step from
// what was delivered to them in that step, so the order in which layers (or neurons) are
// evaluated within a step cannot matter.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "sw/encode/spike_train.h"
#include "sw/snn/network.h"

namespace spiketlm::snn {

struct SpikeEvent {
    std::uint32_t step = 0, layer = 0, neuron = 0;
    bool operator==(const SpikeEvent& o) const { return step == o.step && layer == o.layer && neuron == o.neuron; }
};

// Receives every neuron spike of a frame in canonical order (step, layer, neuron).
class SpikeSink {
  public:
    virtual ~SpikeSink() = default;
    virtual void on_spike(std::uint32_t step, std::uint32_t layer, std::uint32_t neuron) = 0;
};

// Collects spikes into a vector (tests, batch runs).
class VectorSink : public SpikeSink {
  public:
    std::vector<SpikeEvent> spikes;
    void on_spike(std::uint32_t step, std::uint32_t layer, std::uint32_t neuron) override {
        spikes.push_back({step, layer, neuron});
    }
};

struct FrameResult {
    int decision = -1;            // decoded class; -1: no output spike (first_spike) / all counts 0
    int first_output_step = -1;   // step of the first output spike, -1 if none
    std::uint32_t steps = 0;      // timesteps simulated (timesteps, or fewer with early stop)
    std::uint64_t input_spikes = 0;            // encoded input spikes of the frame
    std::uint64_t synops = 0;                  // weight additions: delivered spikes x fan-out
    std::vector<std::uint64_t> spikes_per_layer;
    std::vector<std::uint32_t> output_counts;  // spikes per output neuron
    std::uint64_t spikes() const;              // all layers
};

// Replaces a layer's exact weight sums by another synapse model's (the NVM crossbar of sw/nvm):
// given the sources delivered to `layer` in `step` (sorted, unique), the integer input current of
// every neuron of the layer. Must be a pure function of its arguments (the chip calls the same).
class SynapseModel {
  public:
    virtual ~SynapseModel() = default;
    virtual bool replaces(std::uint32_t layer) const = 0;
    virtual void layer_sums(std::uint32_t layer, const std::vector<std::uint32_t>& sources, std::uint64_t frame,
                            std::uint32_t step, std::int64_t* out) const = 0;
};

struct SimOptions {
    std::optional<bool> early_stop;         // overrides Network::early_stop when set
    std::optional<std::uint64_t> noise_seed; // seed of stochastic neurons' noise; default Network::seed
    std::shared_ptr<const SynapseModel> synapses;  // null: exact weight sums
};

// A network prepared for fast simulation (validated, weights transposed for event-driven
// accumulation). Thread-safe: run() may be called concurrently.
class Reference {
  public:
    explicit Reference(Network net, SimOptions opt = {});
    ~Reference();
    Reference(const Reference&) = delete;
    Reference& operator=(const Reference&) = delete;

    // Simulates one frame. `frame_index` keys the stochastic noise (use the dataset index).
    // Throws InputError if an input spike names an input outside the network or the train is
    // not sorted by (step, input) with unique pairs.
    FrameResult run(const encode::SpikeTrain& input, std::uint64_t frame_index, SpikeSink* sink = nullptr) const;

    const Network& network() const { return m_net; }
    bool early_stop() const { return m_early_stop; }
    std::uint64_t noise_seed() const { return m_noise_seed; }

    struct Impl;

  private:
    Network m_net;
    bool m_early_stop;
    std::uint64_t m_noise_seed;
    std::shared_ptr<const SynapseModel> m_synapses;
    std::unique_ptr<Impl> m_impl;
};

// One-shot convenience (prepares the network each call: use Reference for many frames).
FrameResult simulate_frame(const Network& net, const encode::SpikeTrain& input, std::uint64_t frame_index,
                           SpikeSink* sink = nullptr, SimOptions opt = {});

// Batch: frames k = 0..count-1, input(k) gives the spike train and frame index of frame k.
// `threads` workers (0: all cores); results (and recorded spikes) do not depend on it.
struct FrameInput {
    encode::SpikeTrain spikes;
    std::uint64_t frame_index = 0;
};
struct BatchFrame {
    FrameResult result;
    std::vector<SpikeEvent> spikes;  // only when record_spikes
};
std::vector<BatchFrame> run_batch(const Reference& ref, std::size_t count,
                                  const std::function<FrameInput(std::size_t)>& input, int threads,
                                  bool record_spikes = false);

// Output decoding, shared by every simulator (docs/neuron.md):
// first spike: among outputs that fired in the earliest output step, larger v at firing wins,
// then the lower index. `fired` lists (neuron, v_fire) of that step.
int decode_first_spike(const std::vector<std::pair<std::uint32_t, std::int32_t>>& fired);
// count: the largest count wins, ties to the lower index; -1 if every count is 0.
int decode_count(const std::vector<std::uint32_t>& counts);

}  // namespace spiketlm::snn
