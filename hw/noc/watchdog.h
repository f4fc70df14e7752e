#pragma once
// Deadlock / livelock watchdog of one mesh: when packets are in flight and no flit has been
// ejected at any NI for `watchdog_cycles`, it throws NocDeadlock with a dump of the blocked
// buffers and credits. It only runs while packets are in flight, once per period (no per-cycle
// wake-ups).
#include <functional>
#include <string>

#include "hw/noc/packet_store.h"
#include "hw/sim/cycle_scheduler.h"
#include "sw/common/error.h"

namespace spiketlm::noc {

class NocDeadlock : public Error {
  public:
    using Error::Error;
};

class Watchdog final : public sim::Clocked {
  public:
    Watchdog(std::string mesh_name, Cycle period, NocShared& shared, std::function<std::string(Cycle)> dump)
        : m_mesh(std::move(mesh_name)), m_period(period), m_shared(shared), m_dump(std::move(dump)) {}
    // Called on every injection (cheap when already armed).
    void arm(Cycle now) {
        if (m_armed) return;
        m_armed = true;
        wake(now + m_period);
    }
    // Called when the last packet in flight is delivered: nothing left to watch.
    void disarm() {
        if (!m_armed) return;
        m_armed = false;
        scheduler().cancel(*this);
    }
    void evaluate(Cycle now) override {
        if (m_shared.packets.in_flight() == 0) {
            m_armed = false;
            return;
        }
        if (now - m_shared.last_progress >= m_period)
            throw NocDeadlock(m_mesh + ": NoC watchdog: no flit ejected for " + std::to_string(now - m_shared.last_progress) +
                              " cycles (cycle " + std::to_string(now) + ") with " +
                              std::to_string(m_shared.packets.in_flight()) +
                              " packets in flight: deadlock or livelock (routing function, multicast, or an endpoint "
                              "that never accepts). Blocked buffers:\n" +
                              m_dump(now));
        wake(m_shared.last_progress + m_period);
    }
    void reset() { m_armed = false; }

  private:
    std::string m_mesh;
    Cycle m_period;
    NocShared& m_shared;
    std::function<std::string(Cycle)> m_dump;
    bool m_armed = false;
};

}  // namespace spiketlm::noc
