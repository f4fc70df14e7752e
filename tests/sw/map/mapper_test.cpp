#include <catch2/catch.hpp>

#include <random>

#include "common/test_util.h"
#include "sw/common/error.h"
#include "sw/io/npz.h"
#include "sw/map/mapper.h"
#include "sw/snn/network.h"

using namespace spiketlm;

namespace {
snn::Network small_net(int weight_bits = 8) {
    std::mt19937 rng(5);
    snn::Network net;
    net.name = "small";
    net.inputs = 30;
    net.timesteps = 20;
    net.encoding.steps = 10;
    const int sizes[] = {30, 45, 7};
    const int wmax = (1 << (weight_bits - 1)) - 1;
    for (int l = 1; l < 3; ++l) {
        snn::Layer L;
        L.name = "fc" + std::to_string(l);
        L.in = sizes[l - 1];
        L.out = sizes[l];
        L.weight_bits = weight_bits;
        L.neuron = snn::NeuronParams::defaults(snn::NeuronKind::relpsp);
        std::uniform_int_distribution<int> w(-wmax, wmax);
        for (int k = 0; k < L.in * L.out; ++k) L.weights.push_back(w(rng));
        net.layers.push_back(L);
    }
    return net;
}
}  // namespace

TEST_CASE("map: packed synapse words hold every weight, sign-extended, in lane order", "[unit]") {
    for (int bits : {3, 5, 8, 16}) {
        const auto net = small_net(bits);
        map::PeCapacity cap;
        cap.neurons = 16;
        const auto m = map::map_network(net, cap, map::MeshShape{4, 2, 0});
        INFO("weight bits " << bits);
        CHECK(m.pes.size() == 3 + 1);  // ceil(45/16) + 1
        for (const auto& p : m.pes) {
            const auto& l = net.layers[p.layer];
            CHECK(p.weights_per_word == 64u / static_cast<unsigned>(bits));
            for (int a = 0; a < l.in; ++a)
                for (std::uint32_t n = 0; n < p.neurons; ++n) {
                    const auto w = p.synapse[p.axon_base[a] + n / p.weights_per_word];
                    REQUIRE(map::unpack_weight(w, n % p.weights_per_word, p.weight_bits) ==
                            l.weight(static_cast<int>(p.first_neuron + n), a));
                }
        }
        CHECK_NOTHROW(map::check_mapped_matches(m, net, "m"));
    }
}

TEST_CASE("map: routing tables send each layer to the next layer's PEs and the output to the host", "[unit]") {
    const auto net = small_net();
    map::PeCapacity cap;
    cap.neurons = 16;
    const auto m = map::map_network(net, cap, map::MeshShape{4, 2, 5});
    std::vector<std::uint32_t> fc2_nodes;
    for (const auto& p : m.pes)
        if (p.layer == 1) fc2_nodes.push_back(p.node);
    for (const auto& p : m.pes)
        for (std::uint32_t n = 0; n < p.neurons; ++n) {
            const auto& r = p.routes[n];
            CHECK(r.axon == p.first_neuron + n);
            if (p.layer == 0) CHECK(m.dest_sets[r.dest_set] == fc2_nodes);
            if (p.layer == 1) CHECK(m.dest_sets[r.dest_set] == std::vector<std::uint32_t>{5});
        }
    CHECK(m.dest_sets[m.input_dest_set].size() == 3);
}

TEST_CASE("map: a mapped network round-trips through manifest.yaml + images.npz", "[unit]") {
    const auto net = small_net();
    map::PeCapacity cap;
    cap.neurons = 16;
    const auto m = map::map_network(net, cap, map::MeshShape{4, 2, 0});
    const auto dir = test::scratch_dir("mapped");
    map::save_mapped(dir, m);
    const auto r = map::load_mapped(dir);
    CHECK(r.network == m.network);
    CHECK(r.mesh_width == 4);
    CHECK(r.dest_sets == m.dest_sets);
    CHECK(r.input_dest_set == m.input_dest_set);
    CHECK(r.output_set_ids == m.output_set_ids);
    REQUIRE(r.pes.size() == m.pes.size());
    for (std::size_t k = 0; k < m.pes.size(); ++k) {
        CHECK(r.pes[k].node == m.pes[k].node);
        CHECK(r.pes[k].synapse == m.pes[k].synapse);
        CHECK(r.pes[k].axon_base == m.pes[k].axon_base);
        CHECK(r.pes[k].axon_words == m.pes[k].axon_words);
        CHECK(r.pes[k].routes.size() == m.pes[k].routes.size());
    }
    CHECK_NOTHROW(map::check_mapped_matches(r, net, dir));
    // A changed weight is caught.
    auto other = net;
    other.layers[1].weights[3] += 1;
    CHECK_THROWS_WITH(map::check_mapped_matches(r, other, dir), Catch::Contains("weight") && Catch::Contains("fc2"));
}

TEST_CASE("map: corrupt mapped-network files are rejected naming the file", "[unit]") {
    const auto net = small_net();
    map::PeCapacity cap;
    cap.neurons = 16;
    const auto m = map::map_network(net, cap, map::MeshShape{4, 2, 0});
    const auto dir = test::scratch_dir("mapped-bad");
    map::save_mapped(dir, m);
    // Missing member
    auto arrays = io::read_npz(dir + "/images.npz");
    arrays.erase("pe0.synapse");
    io::write_npz(dir + "/images.npz", arrays);
    CHECK_THROWS_WITH(map::load_mapped(dir), Catch::Contains("images.npz") && Catch::Contains("pe0.synapse"));
    // Malformed manifest
    test::write_text(dir + "/manifest.yaml", "schema_version: 1\nnetwork: [\n");
    CHECK_THROWS_WITH(map::load_mapped(dir), Catch::Contains("manifest.yaml"));
    test::write_text(dir + "/manifest.yaml", "schema_version: 7\n");
    CHECK_THROWS_WITH(map::load_mapped(dir), Catch::Contains("schema_version 7"));
    CHECK_THROWS_AS(map::load_mapped(dir + "/nope"), InputError);
}

TEST_CASE("map: a network that does not fit names the layer and required versus available", "[unit]") {
    const auto net = small_net();
    map::PeCapacity cap;
    cap.neurons = 4;
    CHECK_THROWS_WITH(map::map_network(net, cap, map::MeshShape{2, 2, 0}),
                      Catch::Contains("layer 'fc1'") && Catch::Contains("PEs") && Catch::Contains("2x2 mesh has 4"));
    CHECK_THROWS_WITH(map::map_network(net, map::PeCapacity{}, map::MeshShape{2, 2, 9}),
                      Catch::Contains("host node 9"));
}
