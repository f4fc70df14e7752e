#include "hw/sim/cycle_scheduler.h"

#include <algorithm>
#include <functional>

#include "sw/common/error.h"

namespace spiketlm::sim {

CycleScheduler::CycleScheduler(sc_core::sc_module_name name, sc_core::sc_time period, Cycle quantum_cycles)
    : sc_core::sc_module(name), m_period(period), m_quantum(std::max<Cycle>(1, quantum_cycles)), m_wheel(kWheelSize) {
    if (period == sc_core::SC_ZERO_TIME) throw Error(std::string(basename()) + ": clock period must be positive");
    SC_HAS_PROCESS(CycleScheduler);
    SC_METHOD(tick);
}

void CycleScheduler::attach(Clocked& c) {
    if (c.m_sched && c.m_sched != this) throw Error(std::string(basename()) + ": component attached to two schedulers");
    if (!c.m_sched) {
        c.m_index = m_components.size();
        m_components.push_back(&c);
    }
    c.m_sched = this;
}

Cycle CycleScheduler::sc_cycle() const {
    const auto p = m_period.value();
    return (sc_core::sc_time_stamp().value() + p - 1) / p;
}

Cycle CycleScheduler::now() const {
    if (m_in_cycle) return m_now;
    return std::max(m_next_free, sc_cycle());
}

void CycleScheduler::wake_slow(Clocked& c, Cycle at) {
    if (m_in_cycle) {
        if (at <= m_now)
            throw Error(std::string(basename()) + ": wake-up for cycle " + std::to_string(at) + " requested during cycle " +
                        std::to_string(m_now) + " (must be later)");
    } else {
        at = std::max(at, now());
    }
    if (at >= c.m_pending) return;
    if (c.m_pending == kNever) ++m_live;
    c.m_pending = at;
    if (at - m_next_free < kWheelSize) {
        m_wheel[at & (kWheelSize - 1)].push_back(&c);
        ++m_wheel_count;
    } else {
        m_far.push_back({at, &c});
        std::push_heap(m_far.begin(), m_far.end(), std::greater<FarEntry>());
    }
    if (!m_in_cycle) {
        const sc_core::sc_time t = m_period * static_cast<double>(at);
        const sc_core::sc_time ts = sc_core::sc_time_stamp();
        m_wake_event.notify(t > ts ? t - ts : sc_core::SC_ZERO_TIME);
    }
}

Cycle CycleScheduler::next_pending() const {
    if (!m_live) return kNever;
    Cycle best = kNever;
    if (m_wheel_count) {
        for (Cycle c = m_next_free; c < m_next_free + kWheelSize && best == kNever; ++c)
            for (const Clocked* k : m_wheel[c & (kWheelSize - 1)])
                if (k->m_pending == c) {
                    best = c;
                    break;
                }
    }
    while (!m_far.empty() && m_far.front().c->m_pending != m_far.front().at) {
        std::pop_heap(m_far.begin(), m_far.end(), std::greater<FarEntry>());
        m_far.pop_back();
    }
    if (!m_far.empty()) best = std::min(best, m_far.front().at);
    return best;
}

void CycleScheduler::process_cycle(Cycle t) {
    m_in_cycle = true;
    m_now = t;
    auto& slot = m_wheel[t & (kWheelSize - 1)];
    m_wheel_count -= slot.size();
    for (Clocked* c : slot)
        if (c->m_pending == t) {
            c->m_pending = kNever;
            --m_live;
            m_eval.push_back(c);
        }
    slot.clear();
    while (!m_far.empty() && m_far.front().at <= t) {
        std::pop_heap(m_far.begin(), m_far.end(), std::greater<FarEntry>());
        Clocked* c = m_far.back().c;
        m_far.pop_back();
        if (c->m_pending == t) {
            c->m_pending = kNever;
            --m_live;
            m_eval.push_back(c);
        }
    }
    // Attach order, whatever the order of the wake-up requests: what components report in a
    // cycle (spikes, trace events) comes in the same order however the frames before ran.
    const auto by_index = [](const Clocked* a, const Clocked* b) { return a->m_index < b->m_index; };
    if (!std::is_sorted(m_eval.begin(), m_eval.end(), by_index)) std::sort(m_eval.begin(), m_eval.end(), by_index);
    for (Clocked* c : m_eval) c->evaluate(t);
    for (Clocked* c : m_eval)
        if (c->m_use_commit) c->commit(t);
    m_evaluations += m_eval.size();
    ++m_active_cycles;
    m_eval.clear();
    m_in_cycle = false;
    m_next_free = t + 1;
}

void CycleScheduler::tick() {
    if (m_error) {
        next_trigger(m_wake_event);
        return;
    }
    const Cycle tc = sc_cycle();
    try {
        for (;;) {
            const Cycle n = next_pending();
            if (n == kNever || n >= m_limit) {
                next_trigger(m_wake_event);  // idle (or waiting for the next run_until): sleep
                return;
            }
            if (n >= tc + m_quantum) {
                next_trigger(m_period * static_cast<double>(n - tc), m_wake_event);
                return;
            }
            process_cycle(std::max(n, m_next_free));
        }
    } catch (...) {
        m_error = std::current_exception();
        m_in_cycle = false;
        sc_core::sc_pause();
        next_trigger(m_wake_event);
    }
}

void CycleScheduler::run_until(Cycle end) {
    if (m_error) std::rethrow_exception(m_error);
    m_limit = end;
    m_wake_event.notify(sc_core::SC_ZERO_TIME);
    const sc_core::sc_time target = m_period * static_cast<double>(end);
    const sc_core::sc_time ts = sc_core::sc_time_stamp();
    sc_core::sc_start(target > ts ? target - ts : sc_core::SC_ZERO_TIME);
    if (m_error) {
        auto e = m_error;
        std::rethrow_exception(e);
    }
}

Cycle CycleScheduler::run_while_busy(Cycle limit) {
    constexpr Cycle kChunk = 4096;
    Cycle last = now();
    for (;;) {
        const Cycle n = next_pending();
        if (n == kNever || n >= limit) return std::min(last, limit);
        run_until(std::min(limit, std::max(n + 1, now() + kChunk)));
        last = m_next_free;
    }
}

void CycleScheduler::reset() {
    for (auto& s : m_wheel) s.clear();
    m_wheel_count = 0;
    m_far.clear();
    m_live = 0;
    for (Clocked* c : m_components) c->m_pending = kNever;
}

}  // namespace spiketlm::sim
