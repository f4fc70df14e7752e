#pragma once
// One scheduler process per clock domain, for cycle-exact models that cost nothing when idle.
//
// Components (routers, NIs, traffic sources, PEs) derive from `Clocked`: their cycle behaviour is
// plain C++ in two phases, BookSim style:
//   evaluate(now): read what became visible in cycle `now` (flits, credits, requests), decide,
//                  and send (what is sent in cycle `now` becomes visible in a later cycle);
//   commit(now):   optional (use_commit()), after every evaluate of the cycle (double-buffered
//                  state).
// Because nothing sent in cycle t is visible before t + 1, the order in which components are
// evaluated within a cycle never matters for the results; it is fixed nonetheless (attach order),
// so that what components report within a cycle (spikes, trace events) comes in the same order
// whatever ran before (frame-parallel runs merge traces byte for byte, docs/chip.md).
//
// A component is evaluated only in the cycles for which somebody called wake(component, cycle):
// itself (more work next cycle, a pipeline stage completing at a known cycle) or a neighbour
// (a flit or credit arriving). The scheduler is a single SC_METHOD that evaluates the woken
// components of the earliest pending cycle, then jumps SystemC time straight to the next pending
// cycle; with nothing pending it sleeps on an event (no per-cycle wake-ups at all). Requests
// from outside the scheduler (a testbench thread, another clock domain) are accepted at any time.
//
// Rule for components: a wake request for a cycle later than the component's earliest pending
// one may be dropped, so evaluate() must re-request every future cycle it still needs (e.g. the
// ready cycle of the oldest flit in a pipeline), not rely on earlier requests.
//
// Temporal decoupling: with quantum_cycles > 1 the scheduler may run up to that many cycles
// ahead of SystemC time before it yields (like a TLM-2.0 quantum keeper). Cycle behaviour inside
// the domain is unchanged; only other SystemC processes observe coarser time. Default 1.
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include <systemc>

#include "tlm/spike_packet.h"

namespace spiketlm::sim {

using proto::Cycle;
using proto::kNever;

class CycleScheduler;

class Clocked {
  public:
    virtual ~Clocked() = default;
    virtual void evaluate(Cycle now) = 0;
    virtual void commit(Cycle /*now*/) {}
    // Requests an evaluation in cycle `at` (> the current cycle when called during a cycle).
    void wake(Cycle at);
    CycleScheduler& scheduler() const { return *m_sched; }
    bool attached() const { return m_sched != nullptr; }

  protected:
    // Components that implement commit() call this once (constructor): commit() is then called
    // after every cycle in which they were evaluated (skipped for the others: no virtual call).
    void use_commit() { m_use_commit = true; }

  private:
    friend class CycleScheduler;
    CycleScheduler* m_sched = nullptr;
    Cycle m_pending = kNever;  // earliest requested cycle not yet evaluated
    bool m_use_commit = false;
    std::size_t m_index = 0;  // attach order: the evaluation order within a cycle
};

class CycleScheduler : public sc_core::sc_module {
  public:
    CycleScheduler(sc_core::sc_module_name name, sc_core::sc_time period, Cycle quantum_cycles = 1);

    void attach(Clocked& c);
    void wake(Clocked& c, Cycle at) {
        // Fast paths (inline): already due no later, or a request inside a cycle for the near
        // future.
        if (m_in_cycle && at > m_now && at >= c.m_pending) return;
        if (m_in_cycle && at > m_now && at - m_next_free < kWheelSize) {
            if (c.m_pending == kNever) ++m_live;
            c.m_pending = at;
            m_wheel[at & (kWheelSize - 1)].push_back(&c);
            ++m_wheel_count;
            return;
        }
        wake_slow(c, at);
    }

    // The cycle being evaluated (inside a cycle), otherwise the earliest cycle that can still be
    // scheduled (never before the current SystemC time).
    Cycle now() const;
    bool in_cycle() const { return m_in_cycle; }
    // Withdraws a component's pending wake-up (e.g. a watchdog with nothing left to watch).
    void cancel(Clocked& c) {
        if (c.m_pending != kNever) {
            c.m_pending = kNever;
            --m_live;
        }
    }
    // Earliest cycle with a pending wake-up, kNever when idle.
    Cycle next_pending() const;
    bool idle() const { return m_live == 0; }

    // Runs the simulation (sc_start) until every cycle before `end` is processed. A model
    // exception thrown inside a cycle stops the simulation and is rethrown here, unchanged.
    void run_until(Cycle end);
    // Runs until no wake-up is pending before `limit`; returns the cycle after the last
    // processed one (or the current cycle if nothing was pending).
    Cycle run_while_busy(Cycle limit);
    // Drops every pending wake-up (the components reset their own state). Cycles keep counting.
    void reset();
    // Free running: every pending cycle is processed as SystemC time reaches it, for platforms in
    // which another process drives sc_start (hw/chip/tlm); run_until must then not be called.
    void set_free_running() { m_limit = kNever; }

    sc_core::sc_time period() const { return m_period; }
    std::uint64_t active_cycles() const { return m_active_cycles; }
    std::uint64_t evaluations() const { return m_evaluations; }

  private:
    static constexpr Cycle kWheelSize = 1024;  // wake-ups further ahead go to the heap
    struct FarEntry {
        Cycle at;
        Clocked* c;
        bool operator>(const FarEntry& o) const { return at > o.at; }
    };
    void tick();
    void wake_slow(Clocked& c, Cycle at);
    void process_cycle(Cycle t);
    Cycle sc_cycle() const;  // SystemC time as a cycle, rounded up

    sc_core::sc_time m_period;
    Cycle m_quantum;
    std::vector<std::vector<Clocked*>> m_wheel;
    std::uint64_t m_wheel_count = 0;
    mutable std::vector<FarEntry> m_far;  // min-heap (stale entries dropped lazily)
    std::uint64_t m_live = 0;             // components with a pending wake-up
    std::vector<Clocked*> m_eval;
    std::vector<Clocked*> m_components;
    Cycle m_now = 0;
    Cycle m_next_free = 0;  // first cycle not yet processed
    Cycle m_limit = 0;      // cycles >= m_limit wait for the next run_until
    bool m_in_cycle = false;
    std::exception_ptr m_error;
    sc_core::sc_event m_wake_event;
    std::uint64_t m_active_cycles = 0;
    std::uint64_t m_evaluations = 0;
};

inline void Clocked::wake(Cycle at) { m_sched->wake(*this, at); }

}  // namespace spiketlm::sim
