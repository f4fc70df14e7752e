// The functional reference simulator: delivery timing, ReL-PSP closed form, decoding and ties,
// early stop, synops, stochastic determinism independent of evaluation order, thread count
// independence, network validation errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "sw/common/error.h"
#include "sw/snn/neuron.h"
#include "sw/snn/reference.h"

using namespace spiketlm;
using namespace spiketlm::snn;

namespace {

Layer dense(const std::string& name, int in, int out, std::vector<std::int32_t> w, NeuronParams p, int bits = 16) {
    Layer l;
    l.name = name;
    l.in = in;
    l.out = out;
    l.weights = std::move(w);
    l.neuron = p;
    l.weight_bits = bits;
    return l;
}

NeuronParams relpsp(std::int32_t theta, int state_bits = 32) {
    NeuronParams p = NeuronParams::defaults(NeuronKind::relpsp);
    p.theta = theta;
    p.state_bits = state_bits;
    return p;
}

Network net_of(int inputs, std::vector<Layer> layers, int timesteps = 40, int enc_steps = 16) {
    Network n;
    n.name = "test";
    n.inputs = inputs;
    n.layers = std::move(layers);
    n.timesteps = timesteps;
    n.encoding.steps = enc_steps;
    return n;
}

// Discrete ReL-PSP closed form: on each segment between distinct input steps the causal set C
// is fixed and v(t) = W t - S (W = sum_C w, S = sum_C w n); the first grid step with v >= theta.
int closed_form_step(const std::vector<std::int32_t>& w, const std::vector<int>& n, std::int64_t theta, int steps) {
    std::vector<int> order(w.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = static_cast<int>(k);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return n[a] < n[b]; });
    std::int64_t W = 0, S = 0;
    for (std::size_t k = 0; k < order.size();) {
        const int s = n[order[k]];
        while (k < order.size() && n[order[k]] == s) {
            W += w[order[k]];
            S += static_cast<std::int64_t>(w[order[k]]) * n[order[k]];
            ++k;
        }
        const std::int64_t lo = s + 1;
        const std::int64_t hi = std::min<std::int64_t>(k < order.size() ? n[order[k]] : steps - 1, steps - 1);
        if (lo > hi) continue;
        std::int64_t t;
        if (W > 0) {
            const std::int64_t num = theta + S;  // t >= num / W
            t = num >= 0 ? (num + W - 1) / W : -((-num) / W);
            t = std::max(t, lo);
        } else {
            t = (W * lo - S >= theta) ? lo : hi + 1;
        }
        if (t <= hi) return static_cast<int>(t);
    }
    return -1;
}

}  // namespace

TEST_CASE("reference: ReL-PSP discrete firing step equals the closed form (random neurons)", "[unit]") {
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> wdist(-20, 60), ndist(0, 16), theta_dist(50, 3000);
    const int inputs = 12, steps = 60;
    int fired = 0;
    for (int trial = 0; trial < 300; ++trial) {
        std::vector<std::int32_t> w(inputs);
        for (auto& x : w) x = wdist(rng);
        const std::int32_t theta = theta_dist(rng);
        Network net = net_of(inputs, {dense("out", inputs, 1, w, relpsp(theta))}, steps);
        encode::SpikeTrain train;
        std::vector<int> n(inputs);
        for (int i = 0; i < inputs; ++i) {
            n[i] = ndist(rng);
            train.push_back({static_cast<std::uint32_t>(n[i]), static_cast<std::uint32_t>(i)});
        }
        std::sort(train.begin(), train.end());
        const FrameResult r = simulate_frame(net, train, 0);
        const int expect = closed_form_step(w, n, theta, steps);
        INFO("trial " << trial << " theta " << theta);
        CHECK(r.first_output_step == expect);
        fired += expect >= 0;
    }
    CHECK(fired > 100);  // the cases exercise firing, not only silence
}

TEST_CASE("reference: a spike at step t reaches the next layer at t + 1 + delay", "[unit]") {
    for (int delay : {0, 3}) {
        Network net = net_of(1, {dense("h", 1, 1, {5}, relpsp(5)), dense("o", 1, 1, {4}, relpsp(4))});
        net.layers[1].delay = delay;
        VectorSink sink;
        const FrameResult r = simulate_frame(net, {{2, 0}}, 0, &sink);
        // input at 2 -> delivered 3 -> hidden v(3) = 5 fires at 3 -> output gets it at 4 + delay.
        REQUIRE(sink.spikes.size() == 2);
        CHECK(sink.spikes[0] == SpikeEvent{3, 0, 0});
        CHECK(sink.spikes[1] == SpikeEvent{static_cast<std::uint32_t>(4 + delay), 1, 0});
        CHECK(r.decision == 0);
        CHECK(r.first_output_step == 4 + delay);
        CHECK(r.synops == 2);  // one delivered spike into each one-neuron layer
    }
}

TEST_CASE("reference: first-spike decode breaks ties by larger v, then lower index", "[unit]") {
    // One input, 3 outputs firing in the same step with v = 5, 7, 7.
    Network net = net_of(1, {dense("o", 1, 3, {5, 7, 7}, relpsp(5))});
    CHECK(simulate_frame(net, {{0, 0}}, 0).decision == 1);
    net.layers[0].weights = {7, 7, 7};
    CHECK(simulate_frame(net, {{0, 0}}, 0).decision == 0);
    // An earlier spike beats a larger v later: neuron 2 reaches 5 at step 1, neuron 0 needs two steps.
    net.layers[0].weights = {3, 0, 5};
    net.layers[0].neuron.theta = 5;
    const auto r = simulate_frame(net, {{0, 0}}, 0);
    CHECK(r.decision == 2);
    CHECK(r.first_output_step == 1);
    // No output spike: -1.
    net.layers[0].weights = {0, 0, 0};
    CHECK(simulate_frame(net, {{0, 0}}, 0).decision == -1);
    CHECK(decode_first_spike({{4, 10}, {2, 10}, {3, 9}}) == 2);
    CHECK(decode_first_spike({}) == -1);
}

TEST_CASE("reference: count decode takes the most spikes, ties to the lower index", "[unit]") {
    NeuronParams p = NeuronParams::defaults(NeuronKind::if_);
    p.theta = 10;
    // Constant drive via decay_i = 1: one input spike sets i forever.
    p.decay_i = kDecayOne;
    Network net = net_of(1, {dense("o", 1, 3, {2, 5, 5}, p)}, 11, 4);
    net.decode = Decode::count;
    net.encoding.kind = "rate";
    const auto r = simulate_frame(net, {{0, 0}}, 0);
    // i = 2: v 2,4,...: spikes at steps 5, 10 -> 2; i = 5: 5, 10* -> every 2 steps from step 2: 2,4,6,8,10 -> 5.
    CHECK(r.output_counts == std::vector<std::uint32_t>{2, 5, 5});
    CHECK(r.decision == 1);
    CHECK(decode_count({0, 0, 0}) == -1);
    CHECK(decode_count({1, 3, 2, 3}) == 1);
}

TEST_CASE("reference: early stop ends the frame after the step of the first output spike", "[unit]") {
    // Two outputs: one fires at step 1, the other at step 3; hidden layer fires later too.
    Network net = net_of(1, {dense("o", 1, 2, {5, 2}, relpsp(5))}, 30);
    VectorSink all, stopped;
    const auto full = simulate_frame(net, {{0, 0}}, 0, &all);
    CHECK(full.steps == 30);
    CHECK(all.spikes.size() == 2);
    CHECK(full.first_output_step == 1);
    SimOptions opt;
    opt.early_stop = true;
    const auto early = simulate_frame(net, {{0, 0}}, 0, &stopped, opt);
    CHECK(early.steps == 2);
    CHECK(early.decision == full.decision);
    REQUIRE(stopped.spikes.size() == 1);
    CHECK(stopped.spikes[0] == SpikeEvent{1, 0, 0});
    // The network's own flag does the same.
    net.early_stop = true;
    CHECK(simulate_frame(net, {{0, 0}}, 0).steps == 2);
    // ... and a count-decoded model refuses it.
    net.decode = Decode::count;
    CHECK_THROWS_AS(simulate_frame(net, {{0, 0}}, 0), InputError);
}

TEST_CASE("reference: synops count delivered spikes times fan-out, within the simulated window", "[unit]") {
    Network net = net_of(3, {dense("h", 3, 4, std::vector<std::int32_t>(12, 1), relpsp(1000)),
                             dense("o", 4, 2, std::vector<std::int32_t>(8, 1), relpsp(1000))},
                         20);
    // Input at step 19 would arrive at step 20: outside the window, not counted.
    const auto r = simulate_frame(net, {{0, 0}, {0, 2}, {5, 1}, {19, 0}}, 0);
    CHECK(r.synops == 3 * 4);
    CHECK(r.input_spikes == 4);
    CHECK(r.spikes() == 0);
}

namespace {

Network random_net(NeuronKind kind, std::uint64_t seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    std::uniform_int_distribution<int> wd(-40, 100);
    const int sizes[] = {20, 16, 8};
    std::vector<Layer> layers;
    for (int l = 0; l < 2; ++l) {
        std::vector<std::int32_t> w(static_cast<std::size_t>(sizes[l] * sizes[l + 1]));
        for (auto& x : w) x = wd(rng);
        NeuronParams p = NeuronParams::defaults(kind);
        p.theta = 300;
        p.refractory = kind == NeuronKind::relpsp ? 0 : 1;
        if (kind == NeuronKind::stochastic) {
            p.noise_bits = 8;
            p.noise_shift = 1;
        }
        layers.push_back(dense("l" + std::to_string(l), sizes[l], sizes[l + 1], w, p, 8));
    }
    Network n = net_of(20, layers, 40, 16);
    n.seed = seed;
    return n;
}

encode::SpikeTrain random_train(std::uint64_t seed, int inputs, int steps) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    encode::SpikeTrain t;
    for (int s = 0; s < steps; ++s)
        for (int i = 0; i < inputs; ++i)
            if (rng() % 4 == 0) t.push_back({static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(i)});
    return t;
}

// An independent straight-line simulation: per step, per layer, neurons in REVERSE order,
// weights read row-major (o, i) and summed per neuron (a different order than the reference).
std::vector<SpikeEvent> naive(const Network& net, const encode::SpikeTrain& in, std::uint64_t frame) {
    std::vector<std::vector<NeuronState>> st;
    for (const auto& l : net.layers) st.emplace_back(static_cast<std::size_t>(l.out));
    std::vector<std::vector<std::pair<int, int>>> emitted(net.layers.size());  // (step, neuron)
    std::vector<SpikeEvent> out;
    for (int t = 0; t < net.timesteps; ++t) {
        std::vector<SpikeEvent> step_spikes;
        for (std::size_t l = 0; l < net.layers.size(); ++l) {
            const Layer& L = net.layers[l];
            std::vector<int> src;
            if (l == 0) {
                for (const auto& s : in)
                    if (static_cast<int>(s.step) + 1 + L.delay == t) src.push_back(static_cast<int>(s.input));
            } else {
                for (const auto& [s, n] : emitted[l - 1])
                    if (s + 1 + L.delay == t) src.push_back(n);
            }
            for (int o = L.out - 1; o >= 0; --o) {
                std::int64_t acc = 0;
                for (auto it = src.rbegin(); it != src.rend(); ++it) acc += L.weight(o, *it);
                std::int32_t vf;
                const auto nw = noise_word(net.seed, static_cast<std::uint32_t>(l), static_cast<std::uint32_t>(o), frame,
                                           static_cast<std::uint32_t>(t));
                if (update_neuron(st[l][static_cast<std::size_t>(o)], L.neuron, acc, nw, vf))
                    step_spikes.push_back({static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(l),
                                           static_cast<std::uint32_t>(o)});
            }
        }
        for (const auto& s : step_spikes) emitted[s.layer].emplace_back(static_cast<int>(s.step), static_cast<int>(s.neuron));
        std::sort(step_spikes.begin(), step_spikes.end(), [](const SpikeEvent& a, const SpikeEvent& b) {
            return a.layer != b.layer ? a.layer < b.layer : a.neuron < b.neuron;
        });
        out.insert(out.end(), step_spikes.begin(), step_spikes.end());
    }
    return out;
}

}  // namespace

TEST_CASE("reference: every neuron kind matches an independent simulation evaluated in another order", "[unit]") {
    for (NeuronKind kind : {NeuronKind::relpsp, NeuronKind::if_, NeuronKind::lif, NeuronKind::cuba_lif,
                            NeuronKind::stochastic}) {
        INFO(to_string(kind));
        const Network net = random_net(kind, 5);
        const Reference ref(net);
        std::size_t total = 0;
        for (std::uint64_t f = 0; f < 5; ++f) {
            const auto train = random_train(100 + f, 20, 16);
            VectorSink sink;
            ref.run(train, f, &sink);
            CHECK(sink.spikes == naive(net, train, f));
            total += sink.spikes.size();
        }
        CHECK(total > 10);
    }
}

TEST_CASE("reference: stochastic spikes depend on seed and frame index, and are reproducible", "[unit]") {
    const Network net = random_net(NeuronKind::stochastic, 9);
    const Reference ref(net);
    const auto train = random_train(7, 20, 16);
    VectorSink a, b, c;
    ref.run(train, 3, &a);
    ref.run(train, 3, &b);
    ref.run(train, 4, &c);
    CHECK(a.spikes == b.spikes);
    CHECK(a.spikes != c.spikes);
    Network other = net;
    other.seed = 10;
    VectorSink d;
    Reference(other).run(train, 3, &d);
    CHECK(a.spikes != d.spikes);
}

TEST_CASE("reference: batch results do not depend on the number of threads", "[unit]") {
    const Network net = random_net(NeuronKind::lif, 3);
    const Reference ref(net);
    const auto input = [](std::size_t k) { return FrameInput{random_train(k, 20, 16), 1000 + k}; };
    const auto one = run_batch(ref, 40, input, 1, true);
    const auto two = run_batch(ref, 40, input, 2, true);
    const auto many = run_batch(ref, 40, input, 7, true);
    REQUIRE(one.size() == 40);
    for (std::size_t k = 0; k < 40; ++k) {
        INFO(k);
        CHECK(one[k].spikes == two[k].spikes);
        CHECK(one[k].spikes == many[k].spikes);
        CHECK(one[k].result.synops == many[k].result.synops);
        CHECK(one[k].result.decision == many[k].result.decision);
    }
    // An error in a frame is reported for the lowest failing frame whatever the thread count.
    const auto bad = [](std::size_t k) {
        auto t = random_train(k, 20, 16);
        if (k == 13 || k == 31) t.push_back({20, 99});
        return FrameInput{t, k};
    };
    for (int th : {1, 3}) {
        try {
            run_batch(ref, 40, bad, th);
            FAIL("no error");
        } catch (const InputError& e) {
            CHECK_THAT(e.what(), Catch::Contains("frame 13") && Catch::Contains("input 99"));
        }
    }
}

TEST_CASE("network: validate names the layer and the problem", "[unit]") {
    const auto expect = [](const Network& n, const std::string& text) {
        try {
            n.validate();
            FAIL("no error for " << text);
        } catch (const InputError& e) {
            CHECK_THAT(e.what(), Catch::Contains(text));
        }
    };
    const Network good = net_of(2, {dense("fc1", 2, 2, {1, 2, 3, 4}, relpsp(5)), dense("fc2", 2, 1, {1, 1}, relpsp(5))});
    REQUIRE_NOTHROW(good.validate());
    Network n = good;
    n.layers[1].in = 3;
    expect(n, "layer 1 'fc2': in = 3 but the previous layer has out = 2");
    n = good;
    n.layers[0].weights.pop_back();
    expect(n, "has 3 weights, expected out x in = 2 x 2");
    n = good;
    n.layers[0].weight_bits = 3;
    expect(n, "weight [1, 1] = 4 does not fit 3-bit");
    n = good;
    n.layers[0].kind = LayerKind::conv2d;
    expect(n, "conv2d: in_c, in_h and in_w must be >= 1");
    n = good;
    n.timesteps = 16;
    expect(n, "must exceed the temporal encoding window");
    n = good;
    n.layers[0].neuron.decay_v = 4000;
    expect(n, "relpsp needs decay_i = decay_v = 4096");
    n = good;
    n.layers[0].neuron.state_bits = 3;
    expect(n, "theta 5 outside the 3-bit state range [-4, 3]");
    n = good;
    n.layers[1].neuron.noise = NoiseMode::threshold;
    n.layers[1].neuron.noise_bits = 2;
    expect(n, "needs kind stochastic");
    CHECK_THROWS_WITH(simulate_frame(good, {{0, 5}}, 0), Catch::Contains("names input 5"));
    CHECK_THROWS_WITH(simulate_frame(good, {{3, 0}, {1, 1}}, 0), Catch::Contains("out of (step, input) order"));
    CHECK_THROWS_WITH(simulate_frame(good, {{1, 1}, {1, 1}}, 0), Catch::Contains("duplicated"));
    CHECK_NOTHROW(simulate_frame(good, {{1, 0}, {1, 1}, {2, 0}}, 0));
}

TEST_CASE("reference: an early-stopped frame is the full frame cut after the first output step", "[unit]") {
    const Network net = random_net(NeuronKind::relpsp, 8);
    SimOptions opt;
    opt.early_stop = true;
    const Reference full(net), early(net, opt);
    int stopped = 0;
    for (std::uint64_t f = 0; f < 20; ++f) {
        const auto train = random_train(300 + f, 20, 16);
        VectorSink a, b;
        const auto ra = full.run(train, f, &a);
        const auto rb = early.run(train, f, &b);
        INFO("frame " << f);
        CHECK(ra.decision == rb.decision);
        CHECK(ra.first_output_step == rb.first_output_step);
        std::vector<SpikeEvent> cut;
        for (const auto& s : a.spikes)
            if (ra.first_output_step < 0 || static_cast<int>(s.step) <= ra.first_output_step) cut.push_back(s);
        CHECK(b.spikes == cut);
        CHECK(rb.steps == (ra.first_output_step < 0 ? ra.steps : static_cast<std::uint32_t>(ra.first_output_step + 1)));
        stopped += rb.steps < ra.steps;
    }
    CHECK(stopped > 5);
}
