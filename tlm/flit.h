#pragma once
// The flit protocol between NoC components (router ports, network interfaces).
//
// A channel is unidirectional and carries two kinds of transactions, the two phases of the
// protocol:
//   FLIT   (forward):  one flit per cycle at most; sent in cycle s, visible to the receiver in
//                      cycle s + latency.
//   CREDIT (backward): one buffer slot of virtual channel `vc` freed by the receiver; sent in
//                      cycle s, visible to the sender in cycle s + credit latency.
// Wormhole flow control: the head flit carries the route information (a destination node, or a
// destination-set handle for tree multicast), body and tail follow on the same virtual channel.
// A sender may only send a flit on VC v while it holds a credit for v (credits start at the
// receiver's buffer depth), so buffers never overflow.
//
// Flits are small plain structs that refer to the packet by handle: payload bits exist only as
// a flit count (serialization), the packet itself stays in the network's packet store.
#include <cstdint>

#include "tlm/spike_packet.h"

namespace spiketlm::proto {

enum class Phase : std::uint8_t { Flit, Credit };

enum FlitFlags : std::uint8_t {
    kHead = 1,     // first flit of a packet (carries the route)
    kTail = 2,     // last flit (head and tail for a one-flit packet)
    kDestSet = 4,  // head flit: `route` is a destination-set handle (tree multicast), not a node
};

struct Flit {
    std::uint32_t packet = 0;  // handle into the network's packet store
    std::uint32_t route = 0;   // head: destination node, or destination-set handle (kDestSet)
    std::uint16_t seq = 0;     // index of the flit in its packet
    std::uint16_t hops = 0;    // router-to-router links traversed so far (head flit)
    std::uint8_t vc = 0;       // virtual channel on the current channel
    std::uint8_t flags = 0;
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
