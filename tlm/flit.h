#pragma once
// The flit protocol between NoC components (router ports, network interfaces).
//
// A channel is unidirectional and carries two kinds of transactions, the two phases of the
// protocol:
//   FLIT   (forward):  one flit per cycle at most; sent in cycle s, visible to the receiver in
//                      cycle s + latency.
//   CREDIT (backward): one buffer slot of virtual channel `vc` freed by the receiver; sent in
//                      cycle s, visible to the sender in cycle s + credit latency.
// Wormhole flow control: the head flit carries the header (destination node or node bitmask,
// source, endpoint fields; tlm/packet_format.h), body and tail follow on the same virtual
// channel. A sender may only send a flit on VC v while it holds a credit for v (credits start at
// the receiver's buffer depth), so buffers never overflow.
//
// A flit is its data bits (flit_width_bits of `bits`, the documented packet format) plus the
// sideband a wormhole link has (head/tail marks, VC number). Components route and deliver on the
// bits. Two more fields are simulator bookkeeping, not hardware: `packet` (a handle to the packet
// record, a cache for statistics and for handing the endpoint its C++ packet; the destination
// NI checks that the decoded bits agree with it) and `hops` (links traversed, statistics).
#include <cstdint>

#include "tlm/packet_format.h"
#include "tlm/spike_packet.h"

namespace spiketlm::proto {

enum class Phase : std::uint8_t { Flit, Credit };

enum FlitFlags : std::uint8_t {
    kHead = 1,  // first flit of a packet (carries the header)
    kTail = 2,  // last flit (head and tail for a one-flit packet)
};

struct Flit {
    std::uint64_t bits[kFlitWords] = {};  // data bits, bit 0 = LSB of bits[0]
    std::uint32_t packet = 0;  // bookkeeping: handle into the network's packet store (a cache)
    std::uint16_t seq = 0;     // bookkeeping: index of the flit in its packet
    std::uint16_t hops = 0;    // bookkeeping: router-to-router links traversed so far (head flit)
    std::uint8_t vc = 0;       // sideband: virtual channel on the current channel
    std::uint8_t flags = 0;    // sideband: kHead, kTail
    bool head() const { return flags & kHead; }
    bool tail() const { return flags & kTail; }
};

// One channel end as seen by the components: the sender calls send_flit / recv_credit, the
// receiver calls recv_flit / send_credit. `now` is the caller's current cycle; recv_* returns
// the next transaction that is visible in cycle `now` (in send order), if any. `delay` > 0
// enters the transaction into the channel `delay` cycles after `now` (a pipeline stage of the
// sender decided in `now`: visible in now + delay + latency); a sender keeps its delays constant
// per channel so transactions stay in order.
class FlitChannelIf {
  public:
    virtual ~FlitChannelIf() = default;
    virtual void send_flit(const Flit& f, Cycle now, std::uint32_t delay = 0) = 0;
    virtual bool recv_flit(Cycle now, Flit& out) = 0;
    virtual void send_credit(std::uint8_t vc, Cycle now, std::uint32_t delay = 0) = 0;
    virtual bool recv_credit(Cycle now, std::uint8_t& vc) = 0;
};

}  // namespace spiketlm::proto
