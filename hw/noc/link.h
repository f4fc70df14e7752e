#pragma once
// A unidirectional channel between two NoC components: flits forward with `latency` cycles,
// credits backward with `credit_latency` cycles (the protocol of tlm/flit.h). A flit wakes the
// receiver in the cycle it becomes visible; a credit wakes the sender only if it is waiting for
// one. The link itself never runs.
// Router-to-router links count the energy action `link.flit`; the NI channels count nothing.
#include <cstdint>
#include <string>
#include <vector>

#include <systemc>

#include "hw/sim/cycle_scheduler.h"
#include "sw/stats/stats.h"
#include "tlm/flit.h"

namespace spiketlm::noc {

using proto::Cycle;
using proto::Flit;

// FIFO of (visible cycle, item) with power-of-two capacity that grows when needed.
template <class T>
class TimedQueue {
  public:
    TimedQueue() : m_items(8) {}
    void push(Cycle at, const T& v) {
        if (m_count == m_items.size()) grow();
        m_items[(m_head + m_count) & (m_items.size() - 1)] = {at, v};
        ++m_count;
    }
    bool pop_visible(Cycle now, T& out) {
        if (!m_count || m_items[m_head].at > now) return false;
        out = m_items[m_head].v;
        m_head = (m_head + 1) & (m_items.size() - 1);
        --m_count;
        return true;
    }
    Cycle next() const { return m_count ? m_items[m_head].at : proto::kNever; }
    std::size_t size() const { return m_count; }
    template <class F>
    void for_each(F f) const {
        for (std::size_t i = 0; i < m_count; ++i) {
            const auto& e = m_items[(m_head + i) & (m_items.size() - 1)];
            f(e.at, e.v);
        }
    }
    void clear() { m_head = m_count = 0; }

  private:
    struct E {
        Cycle at;
        T v;
    };
    void grow() {
        std::vector<E> n(m_items.size() * 2);
        for (std::size_t i = 0; i < m_count; ++i) n[i] = m_items[(m_head + i) & (m_items.size() - 1)];
        m_items.swap(n);
        m_head = 0;
    }
    std::vector<E> m_items;
    std::size_t m_head = 0, m_count = 0;
};

// Flits on a wire: at most one enters per cycle and the receiver drains each in the cycle it
// becomes visible, so at most latency + the sender's stage delay are in flight: fixed inline
// storage, no pointer chase on the hot path.
class FlitPipe {
  public:
    static constexpr unsigned kCap = 16;  // latency (<= 5) + sender stage delays (<= 8) + 1
    void push(Cycle at, const Flit& f, const char* who) {
        if (m_count == kCap) throw_full(who);
        m_items[(m_head + m_count) & (kCap - 1)] = {at, f};
        ++m_count;
    }
    bool pop_visible(Cycle now, Flit& out) {
        if (!m_count || m_items[m_head].at > now) return false;
        out = m_items[m_head].f;
        m_head = (m_head + 1) & (kCap - 1);
        --m_count;
        return true;
    }
    Cycle next() const { return m_count ? m_items[m_head].at : proto::kNever; }
    std::size_t size() const { return m_count; }
    void clear() { m_head = m_count = 0; }

  private:
    [[noreturn]] static void throw_full(const char* who);
    struct E {
        Cycle at;
        Flit f;
    };
    E m_items[kCap];
    unsigned m_head = 0, m_count = 0;
};

class Link final : public sc_core::sc_module, public proto::FlitChannelIf {
  public:
    // `sender` gets the credits, `receiver` the flits. `flit_action` may be null (NI channels).
    Link(sc_core::sc_module_name name, std::uint32_t latency, std::uint32_t credit_latency, sim::Clocked& sender,
         sim::Clocked& receiver, stats::Counter* flit_action);

    void send_flit(const Flit& f, Cycle now, std::uint32_t delay = 0) override {
        const Cycle at = now + delay + m_latency;
        m_flits.push(at, f, name());
        *m_rx_mask |= m_rx_bit;
        if (m_flit_action) m_flit_action->inc();
        m_receiver.wake(at);
    }
    bool recv_flit(Cycle now, Flit& out) override { return m_flits.pop_visible(now, out); }
    void send_credit(std::uint8_t vc, Cycle now, std::uint32_t delay = 0) override {
        const Cycle at = now + delay + m_credit_latency;
        m_credits.push(at, vc);
        *m_tx_mask |= m_tx_bit;
        if (m_credit_wake) m_sender.wake(at);
    }
    bool recv_credit(Cycle now, std::uint8_t& vc) override { return m_credits.pop_visible(now, vc); }

    Cycle next_flit() const { return m_flits.next(); }
    Cycle next_credit() const { return m_credits.next(); }
    std::size_t flits_on_wire() const { return m_flits.size(); }
    std::size_t credits_on_wire() const { return m_credits.size(); }
    std::uint32_t latency() const { return m_latency; }
    std::uint32_t credit_latency() const { return m_credit_latency; }
    // Credits are consumed lazily (whenever the sender evaluates); only a sender that is blocked
    // on credits asks to be woken when one arrives.
    void set_credit_wake(bool on) { m_credit_wake = on; }
    // Optional activity bits: set in the receiver's `rx` word when a flit is sent and in the
    // sender's `tx` word when a credit is sent, so components only look at busy links.
    void set_receiver_bit(std::uint32_t* word, std::uint32_t bit) {
        m_rx_mask = word;
        m_rx_bit = bit;
    }
    void set_sender_bit(std::uint32_t* word, std::uint32_t bit) {
        m_tx_mask = word;
        m_tx_bit = bit;
    }
    void reset();

  private:
    FlitPipe m_flits;
    std::uint32_t m_latency, m_credit_latency;
    sim::Clocked& m_sender;
    sim::Clocked& m_receiver;
    stats::Counter* m_flit_action;
    bool m_credit_wake = false;
    std::uint32_t m_dummy_mask = 0;
    std::uint32_t* m_rx_mask = &m_dummy_mask;
    std::uint32_t* m_tx_mask = &m_dummy_mask;
    std::uint32_t m_rx_bit = 0, m_tx_bit = 0;
    TimedQueue<std::uint8_t> m_credits;
};

}  // namespace spiketlm::noc
