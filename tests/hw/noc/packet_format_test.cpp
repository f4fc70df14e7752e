// The packet format in bits (tlm/packet_format.h): field positions and widths against a layout
// computed by hand from docs/noc.md, payload spilling into a body flit, multicast bitmasks,
// and the errors for a header that does not fit or a value wider than its field.
#include <catch2/catch.hpp>

#include "sw/common/error.h"
#include "tlm/packet_format.h"

using namespace spiketlm;
using proto::PacketFormat;

TEST_CASE("packet format: fields sit where docs/noc.md says, payload spills into body flits", "[unit]") {
    // 4x4 mesh (node id 4 bits, tree multicast: 16-bit node bitmask), 64-bit flits, endpoint
    // widths axon 10, step 6, payload words 12: header 2 + 1 + 16 + 4 + 10 + 6 = 39 bits.
    const PacketFormat f(16, 64, true, proto::EndpointFields{10, 6, 12});
    CHECK(f.header_bits() == 39);
    CHECK(f.flits(0) == 1);
    CHECK(f.flits(2) == 1);  // 39 + 24 = 63
    CHECK(f.flits(3) == 2);  // 75
    proto::SpikePacket p;
    p.kind = proto::PacketKind::OutputSpike;
    p.src = 5;
    p.dst = 9;
    p.src_neuron = 683;
    p.timestep = 37;
    p.payload = {0xABC, 0x123, 0x456};
    const proto::Header h = f.header_of(p, false, 9);
    std::uint64_t f0[proto::kFlitWords], f1[proto::kFlitWords];
    f.encode_flit(h, p.payload, 0, f0);
    f.encode_flit(h, p.payload, 1, f1);
    // by hand: kind @0, mcast @2, dest @3 (16 bits, node id in its low 4), src @19, axon @23,
    // step @33, payload word 0 @39, word 1 @51, word 2 @63 (bit 0 of it; bits 1..11 in flit 1)
    const std::uint64_t w0 = 1ull | (9ull << 3) | (5ull << 19) | (683ull << 23) | (37ull << 33) | (0xABCull << 39) |
                             (0x123ull << 51) | ((0x456ull & 1) << 63);
    CHECK(f0[0] == w0);
    CHECK(f0[1] == 0);
    CHECK(f1[0] == (0x456ull >> 1));
    CHECK(f1[1] == 0);
    const proto::Header d = f.decode_header(f0);
    CHECK(d.kind == proto::PacketKind::OutputSpike);
    CHECK_FALSE(d.multicast);
    CHECK(d.dest == 9);
    CHECK(d.src == 5);
    CHECK(d.axon == 683);
    CHECK(d.step == 37);
    std::vector<std::array<std::uint64_t, proto::kFlitWords>> flits(2);
    std::copy(f0, f0 + proto::kFlitWords, flits[0].begin());
    std::copy(f1, f1 + proto::kFlitWords, flits[1].begin());
    const auto words = f.decode_payload(flits);  // (128 - 39) / 12 = 7 slots, the rest zero
    REQUIRE(words.size() == 7);
    CHECK(words[0] == 0xABC);
    CHECK(words[1] == 0x123);
    CHECK(words[2] == 0x456);
    CHECK(words[3] == 0);

    // multicast: one bit per node in the 16-bit destination field
    p.dests = {0, 5, 15};
    p.payload.clear();
    const proto::Header m = f.header_of(p, true, 0);
    f.encode_flit(m, p.payload, 0, f0);
    CHECK(f0[0] == (1ull | (1ull << 2) | (((1ull << 0) | (1ull << 5) | (1ull << 15)) << 3) | (5ull << 19) |
                    (683ull << 23) | (37ull << 33)));
    const std::uint64_t sub[proto::kFlitWords] = {1ull << 5, 0};
    f.set_dest(f0, true, 0, sub);  // a router's branch keeps only node 5
    CHECK(f.decode_header(f0).dest_mask[0] == (1ull << 5));

    // synthetic packets carry no endpoint fields
    p.kind = proto::PacketKind::Synthetic;
    p.src_neuron = 1u << 30;  // a sequence number wider than the axon field: not encoded
    const proto::Header s = f.header_of(p, false, 3);
    CHECK(s.axon == 0);
    CHECK(s.step == 0);
}

TEST_CASE("packet format: 8x8 with 128-bit flits carries a 64-node bitmask across both words", "[unit]") {
    const PacketFormat f(64, 128, true, proto::EndpointFields{});
    CHECK(f.header_bits() == 3 + 64 + 6 + 16 + 16);
    proto::SpikePacket p;
    p.src = 63;
    p.dests = {0, 60, 63};
    p.src_neuron = 65535;
    p.timestep = 1;
    std::uint64_t b[proto::kFlitWords];
    f.encode_flit(f.header_of(p, true, 0), p.payload, 0, b);
    const auto h = f.decode_header(b);
    CHECK(h.multicast);
    CHECK(h.dest_mask[0] == ((1ull << 0) | (1ull << 60) | (1ull << 63)));
    CHECK(h.src == 63);
    CHECK(h.axon == 65535);
    CHECK(h.step == 1);
    // the mask occupies bits 3..66: node 63 is bit 2 of word 1
    CHECK(((b[1] >> 2) & 1) == 1);
}

TEST_CASE("packet format: a header that does not fit the flit names the field, the widths and the fixes", "[unit]") {
    // 8x8 tree: bitmask 64 bits alone overflows a 64-bit flit after kind and flag
    CHECK_THROWS_AS(PacketFormat(64, 64, true, proto::EndpointFields{}), InputError);
    CHECK_THROWS_WITH(PacketFormat(64, 64, true, proto::EndpointFields{}),
                      Catch::Contains("destination (node bitmask") && Catch::Contains("(64 bits)") &&
                          Catch::Contains("64-bit flit") && Catch::Contains("chip.noc.flit_width_bits >= 105") &&
                          Catch::Contains("chip.noc.multicast: source") && Catch::Contains("header 47 bits"));
    // 4x4 with 32-bit flits: kind 2 + 1 + 16 + 4 = 23, the 16-bit axon id ends at 39 > 32
    CHECK_THROWS_WITH(PacketFormat(16, 32, true, proto::EndpointFields{}),
                      Catch::Contains("axon id field (16 bits)") && Catch::Contains("32-bit flit"));
    CHECK_NOTHROW(PacketFormat(64, 64, false, proto::EndpointFields{}));  // 3 + 6 + 6 + 32 = 47
    CHECK_THROWS_WITH(PacketFormat(16, 256, false, proto::EndpointFields{}), Catch::Contains("8 to 128"));
    // a value wider than its field
    const PacketFormat f(16, 64, false, proto::EndpointFields{});
    proto::SpikePacket p;
    p.src_neuron = 70000;
    CHECK_THROWS_WITH(f.header_of(p, false, 0), Catch::Contains("axon id 70000") && Catch::Contains("16-bit"));
    p.src_neuron = 1;
    p.timestep = 1u << 16;
    CHECK_THROWS_WITH(f.header_of(p, false, 0), Catch::Contains("timestep 65536"));
}
