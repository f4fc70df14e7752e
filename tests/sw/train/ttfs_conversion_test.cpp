// TTFS conversion (sw/train/ttfs_conversion.h): the reference simulator's spikes and decisions
// equal the integer model the conversion promises (hidden neuron j fires at T + K - r_j,
// r_j = clamp(floor((U_j + beta0/2) / beta0), 0, K), every output fires at R = T + K and the
// arg-max of the integer logits wins), on random networks and images; each neuron fires at most
// once; rows are rounded to an exact zero sum; the input checks name the problem.
#include <catch2/catch.hpp>

#include <random>

#include "sw/common/error.h"
#include "sw/encode/encoder.h"
#include "sw/snn/reference.h"
#include "sw/train/ttfs_conversion.h"

using namespace spiketlm;

namespace {

train::Ann random_ann(int in, int hidden, int out, std::uint64_t seed) {
    train::Ann a = train::init_ann({in, hidden, out}, seed);
    train::zero_first_layer_row_sums(a);
    return a;
}

std::vector<float> random_image(int n, std::mt19937_64& rng) {
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> x(static_cast<std::size_t>(n));
    for (auto& v : x) v = u(rng) < 0.3f ? 0.0f : u(rng);  // some exact zeros, as in MNIST
    return x;
}

}  // namespace

TEST_CASE("ttfs conversion: the reference spikes equal the integer model on random networks", "[unit]") {
    train::RateSpec spec;
    spec.method = "ttfs";
    spec.weight_bits = 8;
    std::mt19937_64 rng(11);
    for (int trial = 0; trial < 6; ++trial) {
        const int T = trial % 2 ? 16 : 7, Th = trial % 3 ? 12 : 5;
        const auto ann = random_ann(30, 12, 4, 100 + trial);
        const auto c = train::convert_ttfs_with_scale(ann, 0.8 + 0.3 * trial, spec, T, Th);
        const std::int64_t K = c.k_window, R = T + K;
        REQUIRE(c.net.timesteps == R + 1);
        // Zero row sums, exactly, in integers.
        for (int j = 0; j < 12; ++j) {
            std::int64_t s = 0;
            for (int i = 0; i < 30; ++i) s += c.net.layers[0].weight(j, i);
            CHECK(s == 0);
        }
        const snn::Reference ref(c.net);
        const auto enc = encode::make_encoder(c.net.encoding);
        for (int f = 0; f < 40; ++f) {
            const auto x = random_image(30, rng);
            const auto expect = train::ttfs_integer_forward(c, x.data());
            snn::VectorSink sink;
            const auto r = ref.run(enc->encode(x.data(), x.size(), 0), static_cast<std::uint64_t>(f), &sink);
            INFO("trial " << trial << " frame " << f);
            CHECK(r.decision == expect.decision);
            CHECK(r.first_output_step == R);
            std::vector<int> fired(12 + 4, 0);
            for (const auto& s : sink.spikes) {
                ++fired[s.layer * 12 + s.neuron];
                if (s.layer == 0) {
                    const auto rj = expect.r[s.neuron];
                    // r > 0: fires K - r steps after T; r = 0: at R (or later, outside the window).
                    CHECK(static_cast<std::int64_t>(s.step) == (rj > 0 ? T + K - rj : R));
                } else {
                    CHECK(static_cast<std::int64_t>(s.step) == R);
                }
            }
            for (int j = 0; j < 12; ++j)
                if (expect.r[static_cast<std::size_t>(j)] > 0) CHECK(fired[static_cast<std::size_t>(j)] == 1);
            for (int n : fired) CHECK(n <= 1);
            for (int o = 0; o < 4; ++o) CHECK(fired[static_cast<std::size_t>(12 + o)] == 1);
        }
    }
}

TEST_CASE("ttfs conversion: r follows the ANN's ReLU activation at hidden_steps per lambda", "[unit]") {
    train::RateSpec spec;
    spec.method = "ttfs";
    spec.weight_bits = 16;  // fine weights: the integer model tracks the float one closely
    const auto ann = random_ann(40, 10, 3, 7);
    const double lambda = 1.5;
    const int T = 64, Th = 32;
    const auto c = train::convert_ttfs_with_scale(ann, lambda, spec, T, Th);
    std::mt19937_64 rng(5);
    for (int f = 0; f < 20; ++f) {
        auto x = random_image(40, rng);
        for (auto& v : x) v = std::round(v * T) / T;  // on the input grid: no input rounding
        const auto res = train::ttfs_integer_forward(c, x.data());
        const Eigen::VectorXf a = (ann.w[0] * Eigen::Map<const Eigen::VectorXf>(x.data(), 40)).cwiseMax(0.0f);
        for (int j = 0; j < 10; ++j) {
            const double expect = std::min<double>(a(j) * Th / lambda, static_cast<double>(c.k_window));
            CHECK(std::abs(static_cast<double>(res.r[static_cast<std::size_t>(j)]) - expect) <= 0.51);
        }
    }
}

TEST_CASE("ttfs conversion: biases, deeper networks and non-zero row sums are refused with the reason", "[unit]") {
    train::RateSpec spec;
    spec.method = "ttfs";
    auto ann = random_ann(10, 6, 3, 1);
    ann.b[0](2) = 0.5f;
    CHECK_THROWS_WITH(train::convert_ttfs_with_scale(ann, 1.0, spec, 8, 8), Catch::Contains("layer 0 has biases"));
    auto deep = train::init_ann({10, 6, 5, 3}, 1);
    train::zero_first_layer_row_sums(deep);
    CHECK_THROWS_WITH(train::convert_ttfs_with_scale(deep, 1.0, spec, 8, 8), Catch::Contains("exactly one hidden layer"));
    auto raw = train::init_ann({10, 6, 3}, 2);
    CHECK_THROWS_WITH(train::convert_ttfs_with_scale(raw, 1.0, spec, 8, 8),
                      Catch::Contains("hidden neuron") && Catch::Contains("must sum to zero"));
}
