#pragma once
// The PE contract: what a processing element kind offers its tile (hw/chip/tile.h) and what the
// tile offers it. Every PE kind (today's SRAM PE `sram`, and later an RTL PE and an NVM PE)
// implements ProcessingElement and registers a factory by name; the chip builds the kind that
// `chip.pe.kind` names and never looks inside it. docs/pe.md states the timing the `sram` kind
// implements; a kind may differ in timing but must produce the reference's spikes.
//
// The interface is cycle-polled, like an RTL core behind a thin transactor, so a model that
// can only be clocked (a Verilated PE) fits behind it: the tile never asks a PE about its future.
//
//   input    valid/ready: in_ready(now) is the ready signal the PE drives in cycle `now` (a
//            function of its state after its last tick); in_push(now, ...) hands it one spike
//            event in cycle `now` (only while ready). Called in the NI's evaluate phase.
//   output   credit-based into the NI's injection queue: PeEnv::out_credits() is the number of
//            free slots the PE may still claim in the current cycle, out_reserve(k) claims k of
//            them (a slot claimed is guaranteed), out_push() fills one claimed slot.
//   control  frame_reset(frame, now) clears the neuron state (the PE is busy while it writes
//            it); step_start(step, now) starts the update of timestep `step`.
//   done     done(now): the PE has nothing left to do as of the start of cycle `now` (reset or
//            update finished, input FIFO empty, pipelines idle, every spike pushed to the NI).
//            It is the PE's leaf of the chip's done-tree.
//   clock    tick(now) is the PE's work of cycle `now` (the tile's commit phase). A PE asks for
//            the ticks it needs with PeEnv::request_tick(cycle) (at least: every cycle in which it
//            has work, and the cycle in which it becomes done); a clocked RTL model simply asks
//            for now + 1 while it is not done. The tile reports a done PE to the controller.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tlm/spike_packet.h"

namespace spiketlm {
namespace snn {
struct Layer;
struct NeuronState;
}
namespace map {
struct MappedNetwork;
struct PeImage;
}  // namespace map
namespace stats {
class Registry;
}
namespace sim {
class TraceSink;
}
}  // namespace spiketlm

namespace spiketlm::pe {

using proto::Cycle;
using proto::kNever;

struct PeConfig;

// A spike emitted by a PE (for traces and the host).
struct EmittedSpike {
    std::uint32_t layer, neuron, step;
    std::int32_t v;  // membrane before reset (output ties)
    Cycle cycle;
};

// What a PE sees of its tile. Implemented by hw/chip/tile.cpp (and by test benches).
class PeEnv {
  public:
    virtual ~PeEnv() = default;
    virtual void request_tick(Cycle at) = 0;              // tick me in cycle `at` (> now inside a cycle)
    virtual std::uint32_t out_credits() const = 0;        // injection-queue slots free and unclaimed now
    virtual void out_reserve(std::uint32_t n) = 0;        // claim n of them (n <= out_credits())
    virtual void out_push(proto::SpikePacket&& p) = 0;    // fill one claimed slot
    virtual void spike(const EmittedSpike& s) = 0;        // trace hook (every emitted spike, in order)
    virtual sim::TraceSink* trace_sink() const { return nullptr; }  // activity trace (null: none)
};

class ProcessingElement {
  public:
    virtual ~ProcessingElement() = default;

    // --- input port (the NI's ejection handler, evaluate phase) ---
    virtual bool in_ready(Cycle now) = 0;
    virtual void in_push(Cycle now, std::uint32_t axon, std::uint32_t emit_step) = 0;

    // --- control (the chip controller) ---
    virtual void frame_reset(std::uint64_t frame, Cycle now) = 0;
    virtual void step_start(std::uint32_t step, Cycle now) = 0;
    virtual bool done(Cycle now) const = 0;

    // --- clock (the tile's commit phase) ---
    virtual void tick(Cycle now) = 0;

    // --- identity and totals for the report (per-action counts live in the stats registry) ---
    virtual std::uint32_t node() const = 0;
    virtual std::uint64_t synops() const = 0;        // synaptic operations so far
    virtual std::uint64_t busy_cycles() const = 0;   // cycles with LOAD/COMPUTE (or array) activity
    // Inspection of local neuron `n`'s state (the state window of hw/chip/tlm); false when the
    // kind exposes none (the default) or `n` is out of range.
    virtual bool peek_state(std::uint32_t /*n*/, snn::NeuronState& /*out*/) const { return false; }
};

// What a factory gets to build one PE.
struct PeContext {
    std::string path;                  // statistics path, e.g. "chip.tile_1_0.pe"
    const PeConfig& config;
    const map::MappedNetwork& mapped;
    const map::PeImage& image;         // what the mapper placed on this PE
    const snn::Layer& layer;           // the layer of its neuron group
    std::uint64_t noise_seed;          // stochastic neurons' seed (as the reference's)
    stats::Registry& stats;
    PeEnv& env;
};

using PeFactory = std::function<std::unique_ptr<ProcessingElement>(const PeContext&)>;

// PE kinds by name (`chip.pe.kind`). Kinds register themselves from their own .cpp:
//   const bool registered = pe::PeRegistry::add("sram", "...", [](const PeContext& c) {...});
class PeRegistry {
  public:
    static bool add(const std::string& name, const std::string& description, PeFactory f);
    static const PeFactory* find(const std::string& name);
    static std::vector<std::string> names();
    static std::string names_joined();
    // Builds the named kind; throws InputError naming the kind and the registered ones.
    static std::unique_ptr<ProcessingElement> create(const std::string& name, const PeContext& ctx);
};

}  // namespace spiketlm::pe
