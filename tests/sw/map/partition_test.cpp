#include <catch2/catch.hpp>

#include "sw/common/error.h"
#include "sw/map/partition.h"

using namespace spiketlm;

TEST_CASE("map: 784-800-10 splits by synapse capacity and places along the snake", "[unit]") {
    map::PeCapacity pe;
    pe.neurons = 256;
    pe.synapse_words = 8192;  // 8192 / 784 = 10 words per axon = 80 8-bit weights
    pe.synapse_word_bits = 64;
    pe.axon_entries = 1024;
    map::MeshShape mesh{4, 4, 0};
    const auto p = map::partition_and_place({{"fc1", 784, 800, 8}, {"fc2", 800, 10, 8}}, pe, mesh);
    REQUIRE(p.layer_groups.size() == 2);
    CHECK(p.layer_groups[0].size() == 10);  // ceil(800 / 80)
    CHECK(p.layer_groups[1].size() == 1);
    CHECK(p.groups[0].neurons == 80);
    CHECK(p.groups[0].synapse_words == 784 * 10);
    CHECK(p.groups[10].neurons == 10);
    CHECK(p.groups[10].synapse_words == 800 * 2);
    // snake: row 0 left to right (0..3), row 1 right to left (7..4), row 2 (8..11)
    CHECK(p.groups[3].node == 3);
    CHECK(p.groups[4].node == 7);
    CHECK(p.groups[7].node == 4);
    CHECK(p.groups[8].node == 8);
    CHECK(p.groups[10].node == 10);
}

TEST_CASE("map: uneven splits are balanced and cover every neuron once", "[unit]") {
    map::PeCapacity pe;
    pe.neurons = 30;
    map::MeshShape mesh{8, 8, 0};
    const auto p = map::partition_and_place({{"a", 10, 100, 8}}, pe, mesh);
    REQUIRE(p.groups.size() == 4);  // ceil(100/30)
    std::uint32_t next = 0;
    for (const auto& g : p.groups) {
        CHECK(g.first_neuron == next);
        CHECK((g.neurons == 25));
        next += g.neurons;
    }
    CHECK(next == 100);
}

TEST_CASE("map: a network larger than the mesh names the layer and the capacities", "[unit]") {
    map::PeCapacity pe;
    pe.neurons = 64;
    map::MeshShape mesh{2, 2, 0};
    CHECK_THROWS_WITH(map::partition_and_place({{"fc1", 100, 200, 8}, {"fc2", 200, 100, 8}}, pe, mesh),
                      Catch::Contains("layer 'fc2' needs 2 PEs") && Catch::Contains("6 PEs in total") &&
                          Catch::Contains("2x2 mesh has 4"));
}

TEST_CASE("map: fan-in beyond the axon table and weights wider than a word are errors", "[unit]") {
    map::PeCapacity pe;
    pe.axon_entries = 512;
    map::MeshShape mesh{4, 4, 0};
    CHECK_THROWS_WITH(map::partition_and_place({{"fc1", 784, 10, 8}}, pe, mesh),
                      Catch::Contains("layer 'fc1'") && Catch::Contains("fan-in 784") && Catch::Contains("512"));
    pe.axon_entries = 1024;
    pe.synapse_words = 500;
    CHECK_THROWS_WITH(map::partition_and_place({{"fc1", 784, 10, 8}}, pe, mesh),
                      Catch::Contains("layer 'fc1'") && Catch::Contains("synapse words"));
    CHECK_THROWS_WITH(map::partition_and_place({{"w", 4, 4, 128}}, pe, mesh), Catch::Contains("128 bits"));
}

TEST_CASE("map: capacities are exact bounds: a fan-in of axon_entries fits, one more does not", "[unit]") {
    map::PeCapacity pe;
    pe.neurons = 8;
    pe.axon_entries = 100;
    pe.synapse_words = 100;  // one word per axon
    pe.synapse_word_bits = 64;
    map::MeshShape mesh{2, 2, 0};
    // Fan-in 100 = axon_entries: fits, one word per axon -> up to 8 neurons per group.
    const auto p = map::partition_and_place({{"fc1", 100, 8, 8}}, pe, mesh);
    REQUIRE(p.groups.size() == 1);
    CHECK(p.groups[0].synapse_words == 100);
    // Fan-in 101: the axon table is one entry short (the synapse SRAM would hold it).
    pe.synapse_words = 202;
    CHECK_THROWS_WITH(map::partition_and_place({{"fc1", 101, 8, 8}}, pe, mesh),
                      Catch::Contains("layer 'fc1'") && Catch::Contains("fan-in 101") && Catch::Contains("a PE has 100"));
    // Synapse words: fan-in 100 needs 100 words for one neuron; 99 is one short.
    pe.synapse_words = 99;
    CHECK_THROWS_WITH(map::partition_and_place({{"fc1", 100, 8, 8}}, pe, mesh),
                      Catch::Contains("layer 'fc1'") && Catch::Contains("at least 100 synapse words"));
    // Neurons per PE: 9 neurons with 8 per PE take two groups (5 + 4).
    pe.synapse_words = 1000;
    const auto q = map::partition_and_place({{"fc1", 100, 9, 8}}, pe, mesh);
    REQUIRE(q.groups.size() == 2);
    CHECK(q.groups[0].neurons == 5);
    CHECK(q.groups[1].neurons == 4);
}
