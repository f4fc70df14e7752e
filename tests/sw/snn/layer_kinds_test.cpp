// Sparse, conv2d and recurrent synapses (docs/model-format.md, "Layer kinds"): the lowering to a
// synapse list, the reference's arithmetic on hand-computed cases, and the validation messages.
#include <catch2/catch.hpp>

#include <random>

#include "sw/common/error.h"
#include "sw/snn/network.h"
#include "sw/snn/reference.h"

using namespace spiketlm;
using namespace spiketlm::snn;

namespace {

NeuronParams if_neuron(std::int32_t theta) {
    NeuronParams p = NeuronParams::defaults(NeuronKind::if_);  // decay_i 0, no leak, reset to 0
    p.theta = theta;
    return p;
}

Layer conv_layer(Conv2d c, std::vector<std::int32_t> kernel, NeuronParams p) {
    Layer l;
    l.name = "conv";
    l.kind = LayerKind::conv2d;
    l.conv = c;
    l.in = c.in_size();
    l.out = c.out_size();
    l.weight_bits = 8;
    l.weights = std::move(kernel);
    l.neuron = p;
    return l;
}

Conv2d geometry(int in_c, int in_hw, int out_c, int k, int stride, int pad, int groups = 1) {
    Conv2d c;
    c.in_c = in_c, c.in_h = c.in_w = in_hw, c.out_c = out_c, c.k_h = c.k_w = k;
    c.stride_h = c.stride_w = stride, c.pad_h = c.pad_w = pad, c.groups = groups;
    c.out_h = c.out_w = (in_hw + 2 * pad - k) / stride + 1;
    return c;
}

Network net_of(int inputs, std::vector<Layer> layers, int timesteps = 8) {
    Network n;
    n.name = "kinds";
    n.inputs = inputs;
    n.layers = std::move(layers);
    n.timesteps = timesteps;
    n.decode = Decode::count;
    n.encoding.kind = "rate";
    n.encoding.steps = 4;
    return n;
}

std::vector<std::uint32_t> row_cols(const Csr& c, std::uint32_t o) {
    return {c.cols.begin() + c.row_ptr[o], c.cols.begin() + c.row_ptr[o + 1]};
}
std::vector<std::int32_t> row_weights(const Csr& c, std::uint32_t o) {
    return {c.weights.begin() + c.row_ptr[o], c.weights.begin() + c.row_ptr[o + 1]};
}

}  // namespace

TEST_CASE("layers: a conv2d lowers to the hand-listed unrolled synapses, padding taps left out", "[unit]") {
    // 1x3x3 input, 2x2 kernel [1 2; 3 4], stride 1: output (y, x) reads the 2x2 window at (y, x).
    const Layer a = conv_layer(geometry(1, 3, 1, 2, 1, 0), {1, 2, 3, 4}, if_neuron(7));
    const Csr s = a.synapses();
    REQUIRE(s.rows() == 4);
    CHECK(row_cols(s, 0) == std::vector<std::uint32_t>{0, 1, 3, 4});
    CHECK(row_cols(s, 3) == std::vector<std::uint32_t>{4, 5, 7, 8});
    CHECK(row_weights(s, 3) == std::vector<std::int32_t>{1, 2, 3, 4});
    CHECK(a.synapse_count() == 16);

    // 3x3 kernel 0..8, stride 2, padding 1 on 1x3x3: out 2x2; output (0, 0) keeps taps (1,1) (1,2)
    // (2,1) (2,2) on inputs 0 1 3 4; output (1, 1) is centred on input 8: taps (0,0) (0,1) (1,0) (1,1).
    const Layer b = conv_layer(geometry(1, 3, 1, 3, 2, 1), {0, 1, 2, 3, 4, 5, 6, 7, 8}, if_neuron(7));
    const Csr t = b.synapses();
    REQUIRE(t.rows() == 4);
    CHECK(row_cols(t, 0) == std::vector<std::uint32_t>{0, 1, 3, 4});
    CHECK(row_weights(t, 0) == std::vector<std::int32_t>{4, 5, 7, 8});
    CHECK(row_cols(t, 3) == std::vector<std::uint32_t>{4, 5, 7, 8});
    CHECK(row_weights(t, 3) == std::vector<std::int32_t>{0, 1, 3, 4});
    CHECK(b.synapse_count() == t.nnz());
    CHECK(t.nnz() == 16);  // each output keeps a 2x2 corner of its 3x3 window

    // Depthwise (groups = channels): output channel 1 reads input channel 1 only.
    const Layer d = conv_layer(geometry(2, 2, 2, 1, 1, 0, 2), {5, 6}, if_neuron(7));
    const Csr u = d.synapses();
    CHECK(row_cols(u, 4) == std::vector<std::uint32_t>{4});
    CHECK(row_weights(u, 4) == std::vector<std::int32_t>{6});
    REQUIRE_NOTHROW(net_of(8, {d}).validate());
}

TEST_CASE("reference: IF neurons behind a conv2d fire where the hand-computed window sums reach theta", "[unit]") {
    // Inputs 0..8 of a 3x3 image spike at step 0, all but the centre (4). Window sums with the
    // kernel [1 2; 3 4]: out0 = 1+2+3 = 6, out1 = 1+2+4 = 7, out2 = 1+3+4 = 8, out3 = 2+3+4 = 9.
    const Network net = net_of(9, {conv_layer(geometry(1, 3, 1, 2, 1, 0), {1, 2, 3, 4}, if_neuron(7))});
    encode::SpikeTrain in;
    for (std::uint32_t i = 0; i < 9; ++i)
        if (i != 4) in.push_back({0, i});
    VectorSink sink;
    const auto r = simulate_frame(net, in, 0, &sink);
    const std::vector<SpikeEvent> want{{1, 0, 1}, {1, 0, 2}, {1, 0, 3}};
    CHECK(sink.spikes == want);
    // Synops: each input counts its outputs: corners 1, edges 2 (the centre did not spike).
    CHECK(r.synops == 1 + 2 + 1 + 2 + 2 + 1 + 2 + 1);
}

TEST_CASE("reference: a sparse layer spikes like the dense layer with its zeros and counts only its synapses", "[unit]") {
    std::mt19937_64 rng(5);
    std::uniform_int_distribution<int> w(-40, 90), keep(0, 3);
    Layer dense;
    dense.name = "d";
    dense.in = 30;
    dense.out = 12;
    dense.weight_bits = 8;
    dense.neuron = if_neuron(150);
    Layer sparse = dense;
    sparse.kind = LayerKind::sparse;
    sparse.weights.clear();
    sparse.row_ptr.push_back(0);
    std::vector<std::uint64_t> fan_out(30, 0);
    for (int o = 0; o < 12; ++o) {
        for (int i = 0; i < 30; ++i) {
            const int x = keep(rng) == 0 ? w(rng) : 0;  // a quarter of the synapses exist
            dense.weights.push_back(x);
            if (x != 0) {
                sparse.cols.push_back(static_cast<std::uint32_t>(i));
                sparse.weights.push_back(x);
                ++fan_out[static_cast<std::size_t>(i)];
            }
        }
        sparse.row_ptr.push_back(static_cast<std::uint32_t>(sparse.cols.size()));
    }
    const Reference a(net_of(30, {dense}, 20)), b(net_of(30, {sparse}, 20));
    std::uint64_t spikes = 0;
    for (int f = 0; f < 20; ++f) {
        encode::SpikeTrain in;
        std::uint64_t synops = 0;
        for (std::uint32_t s = 0; s < 12; ++s)
            for (std::uint32_t i = 0; i < 30; ++i)
                if (keep(rng) == 0) {
                    in.push_back({s, i});
                    synops += fan_out[i];
                }
        VectorSink sa, sb;
        const auto ra = a.run(in, static_cast<std::uint64_t>(f), &sa);
        const auto rb = b.run(in, static_cast<std::uint64_t>(f), &sb);
        CHECK(sa.spikes == sb.spikes);
        CHECK(ra.synops == in.size() * 12);
        CHECK(rb.synops == synops);
        spikes += sb.spikes.size();
    }
    CHECK(spikes > 20);  // not vacuous
}

TEST_CASE("reference: recurrent inhibition silences the neuron it targets, step by step as computed by hand", "[unit]") {
    // One input spiking every step drives n0 (w 10) and n1 (w 6), theta 10, IF with reset to 0.
    // n0 fires at steps 1, 2, 3, 4; its spike of step t reaches n1 at t + 1 with w -20, so
    // v1 = 6 (step 1), 6 + 6 - 20 = -8 (2), -22 (3), -36 (4): n1 never fires (alone: steps 2 and 4).
    Layer l;
    l.name = "exc";
    l.in = 1;
    l.out = 2;
    l.weight_bits = 8;
    l.weights = {10, 6};
    l.neuron = if_neuron(10);
    l.recurrent.row_ptr = {0, 0, 1};
    l.recurrent.cols = {0};
    l.recurrent.weights = {-20};
    encode::SpikeTrain in{{0, 0}, {1, 0}, {2, 0}, {3, 0}};
    VectorSink with, without;
    const auto r = simulate_frame(net_of(1, {l}, 6), in, 0, &with);
    CHECK(with.spikes == std::vector<SpikeEvent>{{1, 0, 0}, {2, 0, 0}, {3, 0, 0}, {4, 0, 0}});
    CHECK(r.synops == 4 * 2 + 4);  // 4 inputs x 2 targets + n0's 4 spikes x its recurrent synapse
    Layer alone = l;
    alone.recurrent = Csr{};
    simulate_frame(net_of(1, {alone}, 6), in, 0, &without);
    CHECK(without.spikes == std::vector<SpikeEvent>{{1, 0, 0}, {2, 0, 0}, {2, 0, 1}, {3, 0, 0}, {4, 0, 0}, {4, 0, 1}});

    // With delivery delay 1 the inhibition of step t lands at t + 2: n1 reaches 12 at step 3
    // (inputs of steps 0, 1 arrive at 2, 3) before n0's first spike (step 2) reaches it at 4.
    Layer late = l;
    late.delay = 1;
    VectorSink d;
    simulate_frame(net_of(1, {late}, 8), in, 0, &d);
    CHECK(d.spikes == std::vector<SpikeEvent>{{2, 0, 0}, {3, 0, 0}, {3, 0, 1}, {4, 0, 0}, {5, 0, 0}});
}

TEST_CASE("network: validate names the broken synapse list or conv geometry", "[unit]") {
    const auto expect = [](const Network& n, const std::string& text) {
        try {
            n.validate();
            FAIL("no error for " << text);
        } catch (const InputError& e) {
            CHECK_THAT(e.what(), Catch::Contains(text));
        }
    };
    Layer s;
    s.name = "sp";
    s.kind = LayerKind::sparse;
    s.in = 4;
    s.out = 2;
    s.neuron = if_neuron(3);
    s.row_ptr = {0, 2, 3};
    s.cols = {1, 3, 0};
    s.weights = {1, 2, 3};
    REQUIRE_NOTHROW(net_of(4, {s}).validate());
    Layer b = s;
    b.cols = {3, 1, 0};
    expect(net_of(4, {b}), "sources of neuron 0 are not ascending and unique");
    b = s;
    b.cols = {1, 4, 0};
    expect(net_of(4, {b}), "reads source 4, only 4 exist");
    b = s;
    b.row_ptr = {0, 3};
    expect(net_of(4, {b}), "row_ptr has 2 entries, expected out + 1 = 3");
    b = s;
    b.weights = {1, 2};
    expect(net_of(4, {b}), "2 weights for 3 synapses");
    b = s;
    b.weights = {1, 200, 3};
    expect(net_of(4, {b}), "synapse 1 = 200 does not fit 8-bit");
    b = s;
    b.recurrent.row_ptr = {0, 1, 1};
    b.recurrent.cols = {2};
    b.recurrent.weights = {-1};
    expect(net_of(4, {b}), "recurrent synapses: synapse 0 of neuron 0 reads source 2, only 2 exist");

    Layer c = conv_layer(geometry(1, 3, 1, 2, 1, 0), {1, 2, 3, 4}, if_neuron(7));
    c.conv.out_h = 3;
    c.out = 6;
    expect(net_of(9, {c}), "output 3x2 but the geometry gives 2x2");
    c = conv_layer(geometry(2, 3, 3, 2, 1, 0, 2), std::vector<std::int32_t>(3 * 1 * 4, 1), if_neuron(7));
    expect(net_of(18, {c}), "groups (2) must divide in_c (2) and out_c (3)");
    c = conv_layer(geometry(1, 3, 1, 2, 1, 0), {1, 2, 3}, if_neuron(7));
    expect(net_of(9, {c}), "has 3 weights, expected out_c x in_c/groups x k_h x k_w = 4");
}
