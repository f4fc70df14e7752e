// The fixed-point datapath (sw/snn/neuron.h) against hand-computed values: rounding of negative
// products, saturation, each neuron kind, reset modes, refractory, stochastic noise.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "sw/snn/neuron.h"

using namespace spiketlm::snn;

namespace {

// Runs one neuron over `acc` (the delivered sum per step); returns the spike steps and the
// (i, v) trajectory after each step.
struct Trace {
    std::vector<int> spikes;
    std::vector<std::int32_t> i, v, v_fire;
};
Trace drive(const NeuronParams& p, const std::vector<std::int64_t>& acc) {
    Trace t;
    NeuronState s;
    for (std::size_t k = 0; k < acc.size(); ++k) {
        std::int32_t vf = 0;
        if (update_neuron(s, p, acc[k], 0, vf)) {
            t.spikes.push_back(static_cast<int>(k));
            t.v_fire.push_back(vf);
        }
        t.i.push_back(s.i);
        t.v.push_back(s.v);
    }
    return t;
}

}  // namespace

TEST_CASE("neuron: floor_shift rounds toward minus infinity for both signs", "[unit]") {
    CHECK(floor_shift(4095, 12) == 0);
    CHECK(floor_shift(4096, 12) == 1);
    CHECK(floor_shift(-1, 12) == -1);
    CHECK(floor_shift(-4096, 12) == -1);
    CHECK(floor_shift(-4097, 12) == -2);
    CHECK(floor_shift(-10 * 3072, 12) == -8);  // -7.5 -> -8
    CHECK(floor_shift(10 * 3072, 12) == 7);    // 7.5 -> 7
    for (std::int64_t x = -20000; x <= 20000; x += 7) {
        INFO(x);
        CHECK(floor_shift(x, 12) == static_cast<std::int64_t>(std::floor(static_cast<double>(x) / 4096.0)));
    }
}

TEST_CASE("neuron: saturate clamps to the two's-complement range of state_bits", "[unit]") {
    CHECK(saturate(127, 8) == 127);
    CHECK(saturate(128, 8) == 127);
    CHECK(saturate(-128, 8) == -128);
    CHECK(saturate(-129, 8) == -128);
    CHECK(saturate(std::int64_t{1} << 40, 32) == 2147483647);
    CHECK(saturate(-(std::int64_t{1} << 40), 32) == -2147483647 - 1);
    CHECK(saturate(3, 2) == 1);
    CHECK(saturate(-3, 2) == -2);
}

TEST_CASE("neuron: ReL-PSP with decay 1 integrates v(t) = sum w_i (t - t_i) and fires once", "[unit]") {
    NeuronParams p = NeuronParams::defaults(NeuronKind::relpsp);
    p.theta = 20;
    p.state_bits = 16;
    // Inputs encoded at steps 0, 2, 3 with weights 3, 5, -2 are delivered at steps 1, 3, 4.
    std::vector<std::int64_t> acc(8, 0);
    acc[1] = 3;
    acc[3] = 5;
    acc[4] = -2;
    const Trace t = drive(p, acc);
    // v(1) = 3, v(2) = 6, v(3) = 9 + 5 = 14, v(4) = 12 + 10 - 2 = 20 -> fires at 4.
    CHECK(t.v[1] == 3);
    CHECK(t.v[2] == 6);
    CHECK(t.v[3] == 14);
    REQUIRE(t.spikes == std::vector<int>{4});
    CHECK(t.v_fire[0] == 20);
    // done: frozen afterwards, even with more input.
    CHECK(t.v[5] == t.v[4]);
    CHECK(t.i[7] == t.i[4]);
}

TEST_CASE("neuron: LIF leak with floor rounding, reset to value and refractory hold", "[unit]") {
    NeuronParams p = NeuronParams::defaults(NeuronKind::lif);
    p.decay_v = 3072;  // 0.75
    p.theta = 100;
    p.refractory = 2;
    p.state_bits = 16;
    const Trace t = drive(p, std::vector<std::int64_t>(9, 40));
    // v: 40, 30+40 = 70, 52+40 = 92, 69+40 = 109 -> spike at 3, reset 0; steps 4, 5 held at 0;
    // step 6: 0 + 40 = 40, step 7: 30 + 40 = 70, step 8: 92.
    CHECK(t.v == std::vector<std::int32_t>{40, 70, 92, 0, 0, 0, 40, 70, 92});
    CHECK(t.spikes == std::vector<int>{3});
    CHECK(t.v_fire == std::vector<std::int32_t>{109});
    // decay_i = 0: the current is exactly this step's input.
    CHECK(t.i[5] == 40);
}

TEST_CASE("neuron: LIF subtract reset keeps the overshoot, negative membrane leaks toward zero by floor", "[unit]") {
    NeuronParams p = NeuronParams::defaults(NeuronKind::lif);
    p.decay_v = 3072;
    p.theta = 100;
    p.reset = ResetMode::subtract;
    p.refractory = 2;
    const Trace t = drive(p, std::vector<std::int64_t>(8, 40));
    // 109 - 100 = 9 held for two steps, then floor(9 * 0.75) = 6 + 40 = 46, 34 + 40 = 74.
    CHECK(t.v == std::vector<std::int32_t>{40, 70, 92, 9, 9, 9, 46, 74});
    // Negative: -10 -> floor(-7.5) = -8 -> -6 -> floor(-4.5) = -5 -> floor(-3.75) = -4 -> -3 -> floor(-2.25) = -3
    p.theta = 1000;
    const Trace n = drive(p, {-10, 0, 0, 0, 0, 0, 0});
    CHECK(n.v == std::vector<std::int32_t>{-10, -8, -6, -5, -4, -3, -3});
}

TEST_CASE("neuron: IF integrates without leak, reset to zero versus subtract theta", "[unit]") {
    NeuronParams p = NeuronParams::defaults(NeuronKind::if_);
    p.theta = 10;
    const Trace zero = drive(p, std::vector<std::int64_t>(9, 4));
    // 4, 8, 12* -> 0, 4, 8, 12* -> 0 ...: spikes at 2, 5, 8
    CHECK(zero.spikes == std::vector<int>{2, 5, 8});
    p.reset = ResetMode::subtract;
    const Trace sub = drive(p, std::vector<std::int64_t>(9, 4));
    // 4, 8, 12* -> 2, 6, 10* -> 0, 4, 8, 12* -> 2
    CHECK(sub.spikes == std::vector<int>{2, 4, 7});
    CHECK(sub.v == std::vector<std::int32_t>{4, 8, 2, 6, 0, 4, 8, 2, 6});
}

TEST_CASE("neuron: CUBA-LIF two-state dynamics, including floor of a negative current", "[unit]") {
    NeuronParams p = NeuronParams::defaults(NeuronKind::cuba_lif);
    p.decay_i = 2048;  // 0.5
    p.decay_v = 4096;
    p.theta = 31;
    const Trace t = drive(p, {16, 0, 0, 0, 0, 0, 0});
    CHECK(t.i == std::vector<std::int32_t>{16, 8, 4, 2, 1, 0, 0});
    CHECK(t.spikes == std::vector<int>{4});  // v: 16, 24, 28, 30, 31*
    p.theta = 1000;
    const Trace n = drive(p, {-16, 0, 0, 0, 0, 0});
    // floor(-0.5) = -1: a negative current never decays to zero under floor rounding.
    CHECK(n.i == std::vector<std::int32_t>{-16, -8, -4, -2, -1, -1});
    CHECK(n.v == std::vector<std::int32_t>{-16, -24, -28, -30, -31, -32});
}

TEST_CASE("neuron: i and v saturate at state_bits, positive and negative", "[unit]") {
    NeuronParams p = NeuronParams::defaults(NeuronKind::if_);
    p.decay_i = 4096;
    p.state_bits = 8;
    p.theta = 127;
    p.single_spike = true;
    // i: 100, sat(200) = 127; v: 100, sat(100 + 127) = 127 >= theta -> spike with v_fire 127.
    const Trace t = drive(p, {100, 100});
    CHECK(t.i == std::vector<std::int32_t>{100, 127});
    REQUIRE(t.spikes == std::vector<int>{1});
    CHECK(t.v_fire[0] == 127);
    const Trace n = drive(p, {-100, -100, 0});
    CHECK(n.i == std::vector<std::int32_t>{-100, -128, -128});
    CHECK(n.v == std::vector<std::int32_t>{-100, -128, -128});
    // The delivered sum itself is exact (wide): a huge sum still saturates only once.
    const Trace w = drive(p, {std::int64_t{1} << 40});
    CHECK(w.i[0] == 127);
}

TEST_CASE("neuron: bias is added every update", "[unit]") {
    NeuronParams p = NeuronParams::defaults(NeuronKind::if_);
    p.bias = 3;
    p.theta = 10;
    const Trace t = drive(p, std::vector<std::int64_t>(8, 0));
    CHECK(t.spikes == std::vector<int>{3, 7});  // 3, 6, 9, 12* -> 0, 3, 6, 9, 12*
}

TEST_CASE("neuron: stochastic noise is a pure function of (seed, layer, neuron, frame, step)", "[unit]") {
    const auto a = noise_word(7, 1, 2, 3, 4);
    CHECK(a == noise_word(7, 1, 2, 3, 4));
    CHECK(a != noise_word(8, 1, 2, 3, 4));
    CHECK(a != noise_word(7, 0, 2, 3, 4));
    CHECK(a != noise_word(7, 1, 3, 3, 4));
    CHECK(a != noise_word(7, 1, 2, 4, 4));
    CHECK(a != noise_word(7, 1, 2, 3, 5));
    // Threshold noise with 4 bits covers [-8, 7] uniformly (x 2^shift).
    NeuronParams p = NeuronParams::defaults(NeuronKind::stochastic);
    p.noise_bits = 4;
    p.noise_shift = 2;
    std::map<std::int64_t, int> hist;
    for (std::uint32_t s = 0; s < 16000; ++s) ++hist[threshold_noise(p, noise_word(1, 0, 0, 0, s))];
    REQUIRE(hist.size() == 16);
    CHECK(hist.begin()->first == -32);
    CHECK(hist.rbegin()->first == 28);
    for (const auto& [n, c] : hist) {
        INFO(n);
        CHECK(c > 800);
        CHECK(c < 1200);
    }
    CHECK(threshold_noise(p, 0x7u) == 28);
    CHECK(threshold_noise(p, 0x8u) == -32);
    CHECK(threshold_noise(p, 0xFFFFFFFFu) == -4);
}

TEST_CASE("neuron: Bernoulli firing probability is 1/2 at theta and follows the clamped ramp", "[unit]") {
    NeuronParams p = NeuronParams::defaults(NeuronKind::stochastic);
    p.noise = NoiseMode::bernoulli;
    p.noise_shift = 8;
    p.theta = 100;
    CHECK(bernoulli_p16(p, 100) == 32768);
    CHECK(bernoulli_p16(p, 101) == 32768 + 256);
    CHECK(bernoulli_p16(p, 100 + 128) == 65536);
    CHECK(bernoulli_p16(p, 100 - 128) == 0);
    CHECK(bernoulli_p16(p, 100 - 64) == 16384);
    // Empirical rate at v = theta - 64 (bias only, v reset each spike, i zero).
    p.bias = 0;
    p.v_reset = 36;
    p.single_spike = false;
    int fired = 0;
    const int n = 20000;
    for (int s = 0; s < n; ++s) {
        NeuronState st;
        st.v = 0;
        std::int32_t vf;
        // decay_v 4096, acc 36 -> v = 36 = theta - 64
        fired += update_neuron(st, p, 36, noise_word(3, 0, 0, 0, static_cast<std::uint32_t>(s)), vf);
    }
    CHECK(std::abs(fired / double(n) - 0.25) < 0.02);
}

TEST_CASE("neuron: ReL-PSP membrane equals sum_i w_i (t - n_i) at every step until it fires (random inputs)",
          "[unit]") {
    std::uint64_t x = 12345;
    const auto rnd = [&](int mod) {
        x = noise_mix(x);
        return static_cast<int>(x % static_cast<std::uint64_t>(mod));
    };
    for (int trial = 0; trial < 200; ++trial) {
        const int n = 1 + rnd(20), steps = 50;
        std::vector<int> w(n), at(n);
        std::vector<std::int64_t> acc(steps, 0);
        for (int k = 0; k < n; ++k) {
            w[k] = rnd(61) - 20;
            at[k] = rnd(30);
            acc[static_cast<std::size_t>(at[k] + 1)] += w[k];  // encoded at n_i, delivered at n_i + 1
        }
        NeuronParams p = NeuronParams::defaults(NeuronKind::relpsp);
        p.theta = 200 + rnd(2000);
        NeuronState s;
        for (int t = 0; t < steps; ++t) {
            std::int32_t vf;
            const bool fired = update_neuron(s, p, acc[static_cast<std::size_t>(t)], 0, vf);
            std::int64_t expect = 0;
            for (int k = 0; k < n; ++k)
                if (at[k] < t) expect += static_cast<std::int64_t>(w[k]) * (t - at[k]);
            INFO("trial " << trial << " step " << t);
            CHECK((fired ? vf : s.v) == expect);
            CHECK(fired == (expect >= p.theta));
            if (fired) break;
        }
    }
}

TEST_CASE("neuron: the fast datapath equals the general one wherever it applies", "[unit]") {
    std::uint64_t x = 99;
    const auto rnd = [&](int mod) {
        x = noise_mix(x);
        return static_cast<int>(x % static_cast<std::uint64_t>(mod));
    };
    int spikes = 0;
    for (int trial = 0; trial < 400; ++trial) {
        NeuronParams p = NeuronParams::defaults(NeuronKind::cuba_lif);
        p.decay_i = rnd(2) ? kDecayOne : 0;
        p.decay_v = rnd(2) ? kDecayOne : 0;
        p.state_bits = 6 + rnd(10);
        p.theta = rnd(p.state_max());
        p.bias = rnd(5) - 2;
        p.v_reset = rnd(7) - 3;
        p.reset = rnd(2) ? ResetMode::subtract : ResetMode::to_value;
        p.refractory = rnd(3);
        p.single_spike = rnd(4) == 0;
        REQUIRE(has_simple_datapath(p));
        NeuronState a, b;
        for (int t = 0; t < 60; ++t) {
            const std::int64_t acc = rnd(3) ? 0 : rnd(2 * p.state_max()) - p.state_max() / 2;
            std::int32_t va = 0, vb = 0;
            const bool fa = update_neuron(a, p, acc, 0, va);
            const bool fb = update_neuron_simple(b, p, p.decay_i == kDecayOne, p.decay_v == kDecayOne, acc, vb);
            INFO("trial " << trial << " step " << t);
            REQUIRE(fa == fb);
            REQUIRE(a.i == b.i);
            REQUIRE(a.v == b.v);
            REQUIRE(a.refractory == b.refractory);
            REQUIRE(a.done == b.done);
            if (fa) REQUIRE(va == vb);
            spikes += fa;
        }
    }
    CHECK(spikes > 500);
    NeuronParams p = NeuronParams::defaults(NeuronKind::lif);
    CHECK(!has_simple_datapath(p));  // decay_v 3840
    p = NeuronParams::defaults(NeuronKind::stochastic);
    CHECK(!has_simple_datapath(p));  // noise
}

TEST_CASE("neuron: a threshold-noise neuron fires at exactly v == theta + noise and not one below", "[unit]") {
    // docs/neuron.md: fire when v >= theta + noise. One update from rest with decay_i = 0 and
    // decay_v = 4096 gives v = acc, so acc sets v exactly.
    NeuronParams p = NeuronParams::defaults(NeuronKind::stochastic);
    p.noise = NoiseMode::threshold;
    p.noise_bits = 4;
    p.noise_shift = 2;
    p.theta = 100;
    p.decay_i = 0;
    p.decay_v = kDecayOne;
    p.bias = 0;
    p.refractory = 0;
    p.single_spike = false;
    // Noise word 0x7: +7 << 2 = +28 -> effective threshold 128. Word 0x8: -8 << 2 = -32 -> 68.
    // Word 0x0: no noise -> 100.
    const struct {
        std::uint32_t word;
        std::int64_t threshold;
    } cases[] = {{0x7u, 128}, {0x8u, 68}, {0x0u, 100}, {0xFFFFFFF1u, 104}};
    for (const auto& c : cases) {
        INFO("noise word " << c.word << ", effective threshold " << c.threshold);
        REQUIRE(p.theta + threshold_noise(p, c.word) == c.threshold);
        NeuronState at, below;
        std::int32_t vf = -1;
        CHECK(update_neuron(at, p, c.threshold, c.word, vf));
        CHECK(vf == c.threshold);
        CHECK(at.v == 0);  // reset to v_reset
        CHECK_FALSE(update_neuron(below, p, c.threshold - 1, c.word, vf));
        CHECK(below.v == c.threshold - 1);
    }
}

TEST_CASE("neuron: a Bernoulli neuron at v == theta fires for noise below 32768 and not at 32768", "[unit]") {
    NeuronParams p = NeuronParams::defaults(NeuronKind::stochastic);
    p.noise = NoiseMode::bernoulli;
    p.noise_shift = 8;
    p.theta = 100;
    p.decay_i = 0;
    p.decay_v = kDecayOne;
    p.bias = 0;
    p.single_spike = false;
    std::int32_t vf = 0;
    NeuronState a, b, c;
    // p16 = 32768 at v == theta: fire iff (noise & 0xFFFF) < 32768; the high half is ignored.
    CHECK(update_neuron(a, p, 100, 0xABCD7FFFu, vf));
    CHECK_FALSE(update_neuron(b, p, 100, 0x00008000u, vf));
    // One above theta: p16 = 32768 + 256.
    CHECK(update_neuron(c, p, 101, 0x000080FFu, vf));
    NeuronState d;
    CHECK_FALSE(update_neuron(d, p, 101, 0x00008100u, vf));
}
