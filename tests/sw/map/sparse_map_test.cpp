// Mapping sparse, conv2d and recurrent layers (docs/mapping.md): per-source destination sets,
// axon tables that start past 0, rows that end at the last local target, splits that respect
// every PE capacity, and the model and mapped files round-tripping these layers.
#include <catch2/catch.hpp>

#include "common/test_util.h"
#include "sw/common/error.h"
#include "sw/io/model_file.h"
#include "sw/io/npz.h"
#include "sw/map/mapper.h"
#include "sw/snn/network.h"
#include "sw/snn/random_network.h"

using namespace spiketlm;

namespace {

snn::Network banded(int band, std::uint64_t seed, double recurrent = 0.0) {
    snn::RandomNetworkSpec spec;
    spec.sizes = {96, 96, 48, 10};
    spec.band = band;
    spec.recurrent_density = recurrent;
    spec.seed = seed;
    return snn::random_network(spec);
}

map::PeCapacity small_pe() {
    map::PeCapacity pe;
    pe.neurons = 16;
    pe.route_entries = 16;
    pe.synapse_words = 64;
    pe.axon_entries = 64;
    return pe;
}

}  // namespace

TEST_CASE("map: banded sparse layers split to fit every PE capacity, with narrow destination sets and offset tables",
          "[unit]") {
    const auto net = banded(9, 3);
    const map::PeCapacity pe = small_pe();
    const auto m = map::map_network(net, pe, {8, 8, 0});
    REQUIRE_NOTHROW(map::check_mapped_matches(m, net, "test"));
    for (const auto& p : m.pes) {
        CHECK(p.neurons <= pe.neurons);
        CHECK(p.synapse.size() <= pe.synapse_words);
        CHECK(p.axon_base.size() <= pe.axon_entries);
    }
    // 96 outputs of band 9 on 16-neuron PEs: 6 groups of 16, each reading ~24 inputs starting
    // near first * in / out - 4 (hand: group k holds outputs 16k..16k+15, reads 16k-4..16k+19).
    std::vector<const map::PeImage*> l0;
    for (const auto& p : m.pes)
        if (p.layer == 0) l0.push_back(&p);
    REQUIRE(l0.size() == 6);
    CHECK(l0[0]->axon_first == 0);
    CHECK(l0[2]->axon_first == 32 - 4);
    CHECK(l0[2]->axon_base.size() == 24);
    // An input reaches one or two PEs of the first layer, never all six.
    REQUIRE(m.input_sets.size() == 96);
    for (std::uint32_t i = 0; i < 96; ++i) {
        CHECK(m.dest_sets[m.input_sets[i]].size() >= 1);
        CHECK(m.dest_sets[m.input_sets[i]].size() <= 2);
    }
    // Rows end at the last local target: input 0 reaches outputs 0..4 only, one word of 8 lanes.
    CHECK(l0[0]->axon_words[0] == 1);
}

TEST_CASE("map: a source without synapses routes to the empty destination set and takes no table entry", "[unit]") {
    snn::Network net;
    net.name = "gap";
    net.inputs = 4;
    net.timesteps = 8;
    net.decode = snn::Decode::count;
    net.encoding.kind = "rate";
    net.encoding.steps = 4;
    snn::Layer l;
    l.name = "sp";
    l.kind = snn::LayerKind::sparse;
    l.in = 4;
    l.out = 2;
    l.neuron = snn::NeuronParams::defaults(snn::NeuronKind::if_);
    l.neuron.theta = 3;
    l.row_ptr = {0, 1, 2};
    l.cols = {0, 3};  // inputs 1 and 2 reach nobody
    l.weights = {5, -5};
    net.layers = {l};
    map::PeCapacity pe = small_pe();
    pe.neurons = pe.route_entries = 1;  // one PE per output
    const auto m = map::map_network(net, pe, {2, 2, 3});
    REQUIRE(m.pes.size() == 2);
    const auto& first = m.pes[0];
    REQUIRE(m.input_sets.size() == 4);
    CHECK(m.dest_sets[m.input_sets[0]] == std::vector<std::uint32_t>{first.node});
    CHECK(m.dest_sets[m.input_sets[1]].empty());
    CHECK(m.dest_sets[m.input_sets[2]].empty());
    CHECK(m.dest_sets[m.input_sets[3]] == std::vector<std::uint32_t>{m.pes[1].node});
    CHECK(first.axon_first == 0);
    CHECK(first.axon_words == std::vector<std::uint32_t>{1});
    CHECK(m.pes[1].axon_first == 3);
    CHECK(m.pes[1].axon_words == std::vector<std::uint32_t>{1});
    REQUIRE_NOTHROW(map::check_mapped_matches(m, net, "test"));
}

TEST_CASE("map: recurrent ids follow the feedforward ones, and a recurrent output layer is refused", "[unit]") {
    const auto net = banded(9, 4, 0.2);
    REQUIRE(net.layers[0].has_recurrent());
    const auto m = map::map_network(net, {32, 4096, 64, 256, 32, 4, 32}, {8, 8, 0});
    REQUIRE_NOTHROW(map::check_mapped_matches(m, net, "test"));
    // Layer 0 sends ids 96 + n (its own PEs see inputs as 0..95), layer 1 sends 96 + 96 + n.
    for (const auto& p : m.pes) {
        if (p.layer == 0) CHECK(p.routes.front().axon == 96 + p.first_neuron);
        if (p.layer == 1) CHECK(p.routes.front().axon == 192 + p.first_neuron);
        if (p.layer == 2) CHECK(p.routes.front().axon == p.first_neuron);  // to the host: the output index
        if (p.layer == 2) CHECK(p.axon_first >= 192);
    }
    CHECK(m.axon_id_limit() == 192 + 48);

    auto bad = net;
    bad.layers.back().recurrent.row_ptr.assign(11, 0);
    CHECK_THROWS_WITH(map::map_network(bad, {}, {8, 8, 0}),
                      Catch::Contains("output layer cannot have recurrent synapses") && Catch::Contains("'l2'"));
}

TEST_CASE("map: a conv2d/sparse/recurrent network round-trips through the model and mapped files", "[unit]") {
    snn::RandomNetworkSpec spec;
    spec.sizes = {50, 72, 20, 4};
    snn::Conv2d c;
    c.in_c = 2, c.in_h = 5, c.in_w = 5, c.out_c = 2, c.out_h = 6, c.out_w = 6, c.k_h = 2, c.k_w = 2, c.pad_h = 1, c.pad_w = 1;
    spec.conv = {c};
    spec.density = 0.3;
    spec.recurrent_density = 0.25;
    const auto net = snn::random_network(spec);
    const std::string dir = test::scratch_dir("kinds-model");
    io::save_model(dir, net);
    const auto back = io::load_model(dir).net;
    REQUIRE(back.layers.size() == 3);
    CHECK(back.layers[0].kind == snn::LayerKind::conv2d);
    CHECK(back.layers[0].conv.pad_h == 1);
    CHECK(back.layers[0].weights == net.layers[0].weights);
    CHECK(back.layers[0].recurrent.cols == net.layers[0].recurrent.cols);
    CHECK(back.layers[1].kind == snn::LayerKind::sparse);
    CHECK(back.layers[1].row_ptr == net.layers[1].row_ptr);
    CHECK(back.layers[1].cols == net.layers[1].cols);
    CHECK(back.layers[1].recurrent.weights == net.layers[1].recurrent.weights);
    CHECK(!back.layers[2].has_recurrent());

    const auto m = map::map_network(back, {16, 1024, 64, 256, 16, 4, 32}, {6, 6, 0});
    const std::string mdir = test::scratch_dir("kinds-mapped");
    map::save_mapped(mdir, m);
    const auto m2 = map::load_mapped(mdir);
    CHECK(m2.input_sets == m.input_sets);
    for (std::size_t k = 0; k < m.pes.size(); ++k) {
        CHECK(m2.pes[k].axon_first == m.pes[k].axon_first);
        CHECK(m2.pes[k].synapse == m.pes[k].synapse);
    }
    REQUIRE_NOTHROW(map::check_mapped_matches(m2, net, mdir));

    // A missing CSR member is named.
    auto a = io::read_npz(dir + "/weights.npz");
    a.erase("layer1.cols");
    io::write_npz(dir + "/weights.npz", a);
    CHECK_THROWS_WITH(io::load_model(dir), Catch::Contains("missing member 'layer1.cols'"));
}
