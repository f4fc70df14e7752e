// Spike encoders: hand-computed trains per kind, tie rules, determinism for a seed, rate
// statistics, the factory's errors, and the AER-to-spikes adapter.
#include <catch2/catch.hpp>

#include <cmath>
#include <thread>

#include "sw/common/error.h"
#include "sw/data/aer.h"
#include "sw/encode/aer_adapter.h"
#include "sw/encode/delta.h"
#include "sw/encode/encoder.h"
#include "sw/encode/log_temporal.h"
#include "sw/encode/rate.h"
#include "sw/encode/ttfs.h"

using namespace spiketlm;
using namespace spiketlm::encode;

namespace {

EncodingSpec spec(const std::string& kind, std::uint32_t steps) {
    EncodingSpec s;
    s.kind = kind;
    s.steps = steps;
    return s;
}

SpikeTrain run(const EncodingSpec& s, const std::vector<float>& x, std::uint64_t seed = 1) {
    auto e = make_encoder(s);
    SpikeTrain t = e->encode(x.data(), x.size(), seed);
    check_spike_train(t, e->outputs(x.size()), e->max_step());
    return t;
}

template <class F>
std::string input_error(F&& f) {
    try {
        f();
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no InputError)";
}

}  // namespace

TEST_CASE("factory knows the five kinds and names an unknown one", "[unit]") {
    CHECK(encoder_kinds() == std::vector<std::string>{"delta", "log", "rank", "rate", "ttfs"});
    for (const auto& k : encoder_kinds()) CHECK_FALSE(encoder_description(k).empty());
    const std::string msg = input_error([] { make_encoder(spec("poisson", 8)); });
    CHECK_THAT(msg, Catch::Contains("'poisson'") && Catch::Contains("delta, log, rank, rate, ttfs"));
}

TEST_CASE("factory rejects out-of-range parameters naming them", "[unit]") {
    CHECK_THAT(input_error([] { make_encoder(spec("ttfs", 0)); }), Catch::Contains("encoding.steps = 0"));
    EncodingSpec s = spec("ttfs", 8);
    s.threshold = 1.0;
    CHECK_THAT(input_error([&] { make_encoder(s); }), Catch::Contains("encoding.threshold = 1"));
    s = spec("rate", 8);
    s.rate_max = 1.5;
    CHECK_THAT(input_error([&] { make_encoder(s); }), Catch::Contains("encoding.rate_max = 1.5"));
    s = spec("log", 8);
    s.log_base = 1.0;
    CHECK_THAT(input_error([&] { make_encoder(s); }), Catch::Contains("encoding.log_base = 1"));
    s = spec("delta", 8);
    s.delta_threshold = 0.0;
    CHECK_THAT(input_error([&] { make_encoder(s); }), Catch::Contains("encoding.delta_threshold = 0"));
}

TEST_CASE("ttfs: hand-computed steps floor(T(1-x)+0.5), threshold, half-up ties", "[unit]") {
    EncodingSpec s = spec("ttfs", 10);
    s.threshold = 0.05;
    // x = 1 -> 0; 0.5 -> floor(5.5) = 5; 0.04 <= 0.05 -> none; 0 -> none;
    // 0.25 -> floor(7.5 + 0.5) = 8 (tie rounds up, i.e. later); 0.06 -> floor(9.9) = 9;
    // 0.96 -> floor(0.4 + 0.5) = 0; 0.94 -> floor(0.6 + 0.5) = 1.
    const SpikeTrain t = run(s, {1.0f, 0.5f, 0.04f, 0.0f, 0.25f, 0.06f, 0.96f, 0.94f});
    CHECK(t == SpikeTrain{{0, 0}, {0, 6}, {1, 7}, {5, 1}, {8, 4}, {9, 5}});
    // With threshold 0, x = 0.04 fires at floor(9.6 + 0.5) = 10 = T; x = 0 <= 0 stays silent.
    const SpikeTrain u = run(spec("ttfs", 10), {0.04f, 0.0f});
    CHECK(u == SpikeTrain{{10, 0}});
    CHECK(make_encoder(spec("ttfs", 10))->max_step() == 10);
}

TEST_CASE("ttfs: out-of-range inputs are clamped, NaN is silent", "[unit]") {
    EncodingSpec s = spec("ttfs", 4);
    s.threshold = 0.01;
    const SpikeTrain t = run(s, {1.7f, -0.3f, std::nanf("")});
    CHECK(t == SpikeTrain{{0, 0}});
    CHECK(ttfs_step(0.5f, 32, 0.0) == 16);
    CHECK(ttfs_step(0.75f, 2, 0.0) == 1);  // 2 * 0.25 + 0.5 = 1.0 -> 1
}

TEST_CASE("log: hand-computed steps floor(log_b(1/x)+0.5), cut at T", "[unit]") {
    EncodingSpec s = spec("log", 8);
    s.log_base = 2.0;
    // log2(1/x): 1 -> 0; 0.5 -> 1; 0.3 -> 1.737 -> 2; 0.1 -> 3.32 -> 3; 0.01 -> 6.64 -> 7;
    // 0.002 -> 8.97 -> 9 > T: none; 0 -> none.
    const SpikeTrain t = run(s, {1.0f, 0.5f, 0.3f, 0.1f, 0.01f, 0.002f, 0.0f});
    CHECK(t == SpikeTrain{{0, 0}, {1, 1}, {2, 2}, {3, 3}, {7, 4}});
    s.log_base = 10.0;  // 0.3 -> 0.52 -> 1; 0.01 -> 2; 0.002 -> 2.7 -> 3
    CHECK(run(s, {0.3f, 0.01f, 0.002f}) == SpikeTrain{{1, 0}, {2, 1}, {3, 2}});
    s.threshold = 0.05;  // 0.01 and 0.002 now under the threshold
    CHECK(run(s, {0.3f, 0.01f, 0.002f}) == SpikeTrain{{1, 0}});
    CHECK(log_temporal_step(0.25f, 4, 0.0, 2.0) == 2);
}

TEST_CASE("rank: order by decreasing x, ties by lower index, one per step while K <= T", "[unit]") {
    // Active: idx 0 (0.2), 1 (0.9), 2 (0.5), 3 (0.9); idx 4 (0) is silent. Rank: 1, 3, 2, 0.
    const std::vector<float> x{0.2f, 0.9f, 0.5f, 0.9f, 0.0f};
    CHECK(run(spec("rank", 4), x) == SpikeTrain{{0, 1}, {1, 3}, {2, 2}, {3, 0}});
    // T = 8 > K = 4: still one per step, steps 0..3.
    CHECK(run(spec("rank", 8), x) == SpikeTrain{{0, 1}, {1, 3}, {2, 2}, {3, 0}});
    // T = 2 < K = 4: step floor(r * 2 / 4): ranks 0,1 -> 0; 2,3 -> 1.
    CHECK(run(spec("rank", 2), x) == SpikeTrain{{0, 1}, {0, 3}, {1, 0}, {1, 2}});
    // T = 3, K = 4: floor(r*3/4) = 0, 0, 1, 2.
    CHECK(run(spec("rank", 3), x) == SpikeTrain{{0, 1}, {0, 3}, {1, 2}, {2, 0}});
    EncodingSpec s = spec("rank", 4);
    s.threshold = 0.3;  // idx 0 drops out: K = 3
    CHECK(run(s, x) == SpikeTrain{{0, 1}, {1, 3}, {2, 2}});
}

TEST_CASE("rank: all-equal inputs fire in index order", "[unit]") {
    const SpikeTrain t = run(spec("rank", 10), std::vector<float>(5, 0.7f));
    CHECK(t == SpikeTrain{{0, 0}, {1, 1}, {2, 2}, {3, 3}, {4, 4}});
}

TEST_CASE("delta: static image as a fade-in over T frames (hand-computed)", "[unit]") {
    EncodingSpec s = spec("delta", 4);
    s.delta_threshold = 0.1;
    // Frames x(f+1)/4. Input 0 (1.0): 0.25 steps, ON every frame. Input 1 (0.3): 0.075, 0.15 (ON,
    // ref .15), 0.225 (d .075), 0.3 (d .15 ON). Input 2 (0.05): never more than 0.05.
    const SpikeTrain t = run(s, {1.0f, 0.3f, 0.05f});
    CHECK(t == SpikeTrain{{0, 0}, {1, 0}, {1, 1}, {2, 0}, {3, 0}, {3, 1}});
    CHECK(make_encoder(s)->outputs(3) == 6);
}

TEST_CASE("delta: frame sequence gives ON on channel i and OFF on channel n+i", "[unit]") {
    EncodingSpec s = spec("delta", 8);
    s.delta_threshold = 0.1;
    const DeltaEncoder enc(s);
    // Input 0: 0.05 (-), 0.2 (ON, ref .2), 0.25 (-), 0.05 (OFF, ref .05), 0.35 (ON).
    // Input 1: 0.5 (ON), 0.5, 0.5, 0.3 (OFF), 0.3.
    const std::vector<std::vector<float>> frames{{0.05f, 0.5f}, {0.2f, 0.5f}, {0.25f, 0.5f}, {0.05f, 0.3f}, {0.35f, 0.3f}};
    const SpikeTrain t = enc.encode_sequence(frames);
    CHECK(t == SpikeTrain{{0, 1}, {1, 0}, {3, 2}, {3, 3}, {4, 0}});
    check_spike_train(t, 4, 7);
    // With the first frame as the reference, input 1 never changes by more than 0.2 at once.
    const std::vector<float> ref{0.05f, 0.5f};
    std::vector<float> flat;
    for (const auto& f : frames) flat.insert(flat.end(), f.begin(), f.end());
    CHECK(enc.encode_sequence(flat.data(), 2, 5, ref.data()) == SpikeTrain{{1, 0}, {3, 2}, {3, 3}, {4, 0}});
    CHECK_THAT(input_error([&] { enc.encode_sequence({{0.1f, 0.2f}, {0.3f}}); }), Catch::Contains("frame 1 has 1 inputs"));
}

TEST_CASE("rate: same seed same train, other seed other train, deterministic over threads", "[unit]") {
    std::vector<float> x(784);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 17) / 16.0f;
    const EncodingSpec s = spec("rate", 32);
    const SpikeTrain a = run(s, x, 42);
    CHECK(a == run(s, x, 42));
    CHECK(a != run(s, x, 43));
    // Encoding frames concurrently gives the same trains as serially.
    std::vector<SpikeTrain> par(4);
    std::vector<std::thread> th;
    auto enc = make_encoder(s);
    for (int k = 0; k < 4; ++k) th.emplace_back([&, k] { par[k] = enc->encode(x.data(), x.size(), 40 + k); });
    for (auto& t : th) t.join();
    CHECK(par[2] == a);
    CHECK(par[3] == run(s, x, 43));
    CHECK(enc->stochastic());
    CHECK_FALSE(make_encoder(spec("ttfs", 8))->stochastic());
    // Zero inputs never spike; x = 1 with rate_max = 1 spikes every step.
    const SpikeTrain z = run(s, {0.0f, 1.0f}, 7);
    REQUIRE(z.size() == 32);
    for (std::uint32_t t = 0; t < 32; ++t) CHECK(z[t] == InputSpike{t, 1});
}

TEST_CASE("rate: spike frequency matches p = rate_max * x within 6 sigma", "[unit]") {
    EncodingSpec s = spec("rate", 200);
    s.rate_max = 0.8;
    const std::vector<float> levels{0.05f, 0.25f, 0.5f, 0.9f};
    std::vector<float> x;
    for (float l : levels) x.insert(x.end(), 250, l);  // 250 inputs per level
    const SpikeTrain t = run(s, x, 2024);
    std::vector<double> count(levels.size());
    std::size_t both = 0, pairs_prev = 0;
    std::vector<int> last(x.size(), -10);
    for (const auto& sp : t) {
        count[sp.input / 250] += 1;
        if (sp.input / 250 == 2) {  // p = 0.4: P(spike at t and t-1) should be p^2 = 0.16
            if (last[sp.input] == static_cast<int>(sp.step) - 1) ++both;
            last[sp.input] = static_cast<int>(sp.step);
            ++pairs_prev;
        }
    }
    for (std::size_t k = 0; k < levels.size(); ++k) {
        const double p = 0.8 * levels[k];
        const double n = 250.0 * 200.0;
        const double sigma = std::sqrt(n * p * (1 - p));
        INFO("level " << levels[k] << " count " << count[k] << " expected " << n * p);
        CHECK(std::abs(count[k] - n * p) < 6 * sigma);
    }
    const double n_pairs = 250.0 * 199.0, p2 = 0.16;
    CHECK(std::abs(static_cast<double>(both) - n_pairs * p2) < 6 * std::sqrt(n_pairs * p2 * (1 - p2)));
    CHECK(pairs_prev > 0);
    // The documented counter-based variate, recomputed independently for one draw.
    const std::uint64_t key = 0x1234;
    std::uint64_t z = key + ((std::uint64_t{5} << 32) + 3 + 1) * 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    CHECK(rate_uniform(key, 5, 3) == static_cast<double>(z >> 11) / 9007199254740992.0);
}

TEST_CASE("AER adapter: time bins, ON/OFF planes, merged and dropped events", "[unit]") {
    data::EventStream s;
    s.width = 3;
    s.height = 2;
    // bin 100 us from t0 = 1000: steps (t - 1000) / 100.
    s.events = {{900, 0, 0, true},    // before t0: dropped
                {1000, 2, 1, true},   // step 0, ON ch 1*3+2 = 5
                {1050, 2, 1, true},   // step 0, same channel: merged
                {1099, 0, 1, false},  // step 0, OFF ch 6 + 3 = 9
                {1100, 1, 0, false},  // step 1, OFF ch 6 + 1 = 7
                {1350, 0, 0, true},   // step 3, ON ch 0
                {1400, 0, 0, true}};  // step 4 >= max_steps 4: dropped
    AerBinning b;
    b.bin_us = 100;
    b.t0_us = 1000;
    b.max_steps = 4;
    const AerBinningResult r = events_to_spikes(s, b);
    CHECK(r.channels == 12);
    CHECK(r.spikes == SpikeTrain{{0, 5}, {0, 9}, {1, 7}, {3, 0}});
    CHECK(r.merged == 1);
    CHECK(r.dropped == 2);
    CHECK(r.steps == 4);
    b.max_steps = 0;  // unlimited: the last event lands in step 4
    CHECK(events_to_spikes(s, b).steps == 5);
    b.bin_us = 0;
    CHECK_THAT(input_error([&] { events_to_spikes(s, b); }), Catch::Contains("bin width"));
}

TEST_CASE("every encoder returns sorted unique trains within its window on random images", "[unit]") {
    std::vector<float> x(784);
    std::uint64_t z = 99;
    for (auto& v : x) {
        z = z * 6364136223846793005ULL + 1442695040888963407ULL;
        v = (z >> 40) % 3 == 0 ? 0.0f : static_cast<float>((z >> 11) % 256) / 255.0f;
    }
    for (const auto& k : encoder_kinds()) {
        INFO("kind " << k);
        EncodingSpec s = spec(k, 16);
        s.threshold = 0.01;
        auto e = make_encoder(s);
        const SpikeTrain t = e->encode(x.data(), x.size(), 5);
        CHECK_NOTHROW(check_spike_train(t, e->outputs(x.size()), e->max_step()));
        CHECK_FALSE(t.empty());
    }
    CHECK_THROWS_AS(check_spike_train({{1, 2}, {1, 2}}, 4, 4), Error);
    CHECK_THROWS_AS(check_spike_train({{2, 0}, {1, 2}}, 4, 4), Error);
    CHECK_THROWS_AS(check_spike_train({{1, 5}}, 4, 4), Error);
}
