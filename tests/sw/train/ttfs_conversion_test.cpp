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

// Runs `frames` random images through the reference and checks every spike against
// ttfs_integer_forward: hidden neuron j fires at T + K - r_j (r_j > 0) or at R (r_j = 0), and
// within the window iff U_j + h >= 0; every output fires exactly at R, the decision is the
// integer arg-max, and no neuron fires twice.
void check_against_integer_model(const train::TtfsConversion& c, std::int64_t T, int frames, std::mt19937_64& rng) {
    const std::int64_t K = c.k_window, R = T + K;
    const int n_in = c.net.inputs, n_h = c.net.layers[0].out, n_out = c.net.layers[1].out;
    REQUIRE(c.net.timesteps == R + 1);
    const snn::Reference ref(c.net);
    const auto enc = encode::make_encoder(c.net.encoding);
    for (int f = 0; f < frames; ++f) {
        const auto x = random_image(n_in, rng);
        const auto expect = train::ttfs_integer_forward(c, x.data());
        snn::VectorSink sink;
        const auto r = ref.run(enc->encode(x.data(), x.size(), 0), static_cast<std::uint64_t>(f), &sink);
        INFO("frame " << f);
        CHECK(r.decision == expect.decision);
        CHECK(r.first_output_step == R);
        std::vector<int> fired(static_cast<std::size_t>(n_h + n_out), 0);
        for (const auto& s : sink.spikes) {
            ++fired[s.layer * static_cast<std::size_t>(n_h) + s.neuron];
            if (s.layer == 0) {
                const auto rj = expect.r[s.neuron];
                CHECK(static_cast<std::int64_t>(s.step) == (rj > 0 ? T + K - rj : R));
            } else {
                CHECK(static_cast<std::int64_t>(s.step) == R);
            }
        }
        // A hidden neuron fires within the window iff U_j + h >= 0 (r_j >= 0 before the clamp).
        for (int j = 0; j < n_h; ++j)
            CHECK(fired[static_cast<std::size_t>(j)] == (expect.u[static_cast<std::size_t>(j)] + c.h >= 0 ? 1 : 0));
        for (int n : fired) CHECK(n <= 1);
        for (int o = 0; o < n_out; ++o) CHECK(fired[static_cast<std::size_t>(n_h + o)] == 1);
    }
}

// A convolutional TTFS spec: 2x7x7 inputs -> conv 4 channels 3x3 stride 2, 2 groups (4x3x3)
// [-> average pooling 2x2 stride 1 (4x2x2)] -> 3 outputs.
train::RateSpec conv_spec(bool pool, int padding = 0) {
    std::string text = "name: tconv\nnetwork:\n  inputs: 98\n  input_shape: [2, 7, 7]\n  layers:\n"
                       "    - {type: conv, channels: 4, kernel: 3, stride: 2, groups: 2, padding: " +
                       std::to_string(padding) + "}\n";
    if (pool) text += "    - {type: avgpool, kernel: 2, stride: 1}\n";
    text += "  outputs: 3\ntrain: {seed: 4}\n";
    return train::parse_rate_spec(text, "tconv.yaml", "ttfs");
}

}  // namespace

TEST_CASE("ttfs conversion: the reference spikes equal the integer model on random networks", "[unit]") {
    train::RateSpec spec;
    spec.method = "ttfs";
    spec.weight_bits = 8;
    std::mt19937_64 rng(11);
    for (int trial = 0; trial < 6; ++trial) {
        const int T = trial % 2 ? 16 : 7, Th = trial % 3 ? 12 : 5;
        spec.hidden_rounding = trial < 3 ? "nearest" : "down";
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
        check_against_integer_model(c, T, 40, rng);
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

TEST_CASE("ttfs conversion: a conv hidden layer, with and without folded average pooling, gives the integer model's spikes",
          "[unit]") {
    std::mt19937_64 rng(23);
    for (bool pool : {false, true}) {
        train::RateSpec spec = conv_spec(pool);
        spec.hidden_rounding = pool ? "down" : "nearest";
        train::Ann ann = train::init_ann(spec);
        train::zero_first_layer_row_sums(ann);
        REQUIRE(ann.layers() == (pool ? 3 : 2));
        for (int T : {7, 16}) {
            INFO("pool " << pool << " T " << T);
            const auto c = train::convert_ttfs_with_scale(ann, 0.9, spec, T, 9);
            REQUIRE(c.net.layers.size() == 2);
            const snn::Layer& l0 = c.net.layers[0];
            CHECK(l0.kind == snn::LayerKind::conv2d);
            CHECK(l0.out == 36);
            CHECK(l0.conv.groups == 2);
            CHECK(c.net.layers[1].in == 36);  // the pooling is folded: the output layer reads the conv
            // Every kernel sums to exactly zero, and every conv neuron reads all 9 taps (no padding).
            for (int k = 0; k < 4; ++k) {
                std::int64_t sum = 0;
                for (int t = 0; t < 9; ++t) sum += l0.weights[static_cast<std::size_t>(k * 9 + t)];
                CHECK(sum == 0);
            }
            const auto syn = l0.synapses();
            for (std::uint32_t j = 0; j < syn.rows(); ++j) CHECK(syn.row_ptr[j + 1] - syn.row_ptr[j] == 9u);
            check_against_integer_model(c, T, 30, rng);
        }
    }
}

TEST_CASE("ttfs conversion: on a flat image every zero-sum kernel gives U = 0: all hidden neurons fire at R when "
          "rounding to nearest, none when rounding down",
          "[unit]") {
    for (const char* rounding : {"nearest", "down"}) {
        train::RateSpec spec = conv_spec(true);
        spec.hidden_rounding = rounding;
        train::Ann ann = train::init_ann(spec);
        train::zero_first_layer_row_sums(ann);
        const auto c = train::convert_ttfs_with_scale(ann, 0.9, spec, 8, 8);
        const std::int64_t R = 8 + c.k_window;
        const snn::Reference ref(c.net);
        const auto enc = encode::make_encoder(c.net.encoding);
        for (float level : {0.0f, 0.5f, 1.0f}) {
            INFO(rounding << " level " << level);
            const std::vector<float> x(98, level);
            snn::VectorSink sink;
            ref.run(enc->encode(x.data(), x.size(), 0), 0, &sink);
            int hidden = 0, outputs = 0;
            for (const auto& sp : sink.spikes) {
                if (sp.layer == 0) {
                    ++hidden;
                    CHECK(static_cast<std::int64_t>(sp.step) == R);
                } else {
                    ++outputs;
                }
            }
            CHECK(hidden == (std::string(rounding) == "nearest" ? 36 : 0));
            CHECK(outputs == 3);
        }
    }
}

TEST_CASE("ttfs conversion: the folded pooling gives the ANN's logits, computed by hand from the pooled activations",
          "[unit]") {
    const train::RateSpec spec = conv_spec(true);
    train::Ann ann = train::init_ann(spec);
    train::zero_first_layer_row_sums(ann);
    const Eigen::MatrixXf wf = train::ttfs_output_weights(ann);
    REQUIRE(wf.rows() == 3);
    REQUIRE(wf.cols() == 36);
    std::mt19937_64 rng(2);
    for (int f = 0; f < 5; ++f) {
        const auto x = random_image(98, rng);
        const Eigen::MatrixXf xin = Eigen::Map<const Eigen::VectorXf>(x.data(), 98);
        const auto acts = train::ann_forward(ann, xin);
        // Pooling by hand: 4 channels of 3x3 -> 2x2 windows of 2x2, mean.
        Eigen::VectorXd pooled(16);
        for (int ch = 0; ch < 4; ++ch)
            for (int y = 0; y < 2; ++y)
                for (int xx = 0; xx < 2; ++xx) {
                    double s = 0;
                    for (int dy = 0; dy < 2; ++dy)
                        for (int dx = 0; dx < 2; ++dx) s += acts[0]((ch * 3 + y + dy) * 3 + xx + dx, 0);
                    pooled((ch * 2 + y) * 2 + xx) = s / 4;
                }
        const Eigen::VectorXd by_hand = ann.w[2].cast<double>() * pooled;
        const Eigen::VectorXd folded = wf.cast<double>() * acts[0].col(0).cast<double>();
        for (int o = 0; o < 3; ++o) {
            CHECK(std::abs(folded(o) - by_hand(o)) < 1e-5);
            CHECK(std::abs(acts[2](o, 0) - by_hand(o)) < 1e-5);
        }
    }
}

TEST_CASE("ttfs conversion: padded convs and a second hidden layer are refused with the reason", "[unit]") {
    CHECK_THROWS_WITH(conv_spec(false, 1), Catch::Contains("tconv.yaml:6") && Catch::Contains("padding must be 0"));
    CHECK_THROWS_WITH(train::parse_rate_spec("network:\n  inputs: 49\n  input_shape: [1, 7, 7]\n  layers:\n"
                                             "    - {type: conv, channels: 2, kernel: 3}\n"
                                             "    - {type: conv, channels: 2, kernel: 3}\n",
                                             "two.yaml", "ttfs"),
                      Catch::Contains("two.yaml") && Catch::Contains("exactly one hidden layer"));
    // The ANN-level check (import gives ANNs without a spec): padding and a conv after the pooling.
    train::RateSpec rs = conv_spec(false);
    rs.method = "rate";
    rs.layers[0].padding = 1;
    train::Ann padded = train::init_ann(rs);
    train::zero_first_layer_row_sums(padded);
    CHECK_THROWS_WITH(train::check_ttfs_ann(padded), Catch::Contains("padding 1x1"));
    train::Ann unconstrained = train::init_ann(conv_spec(true));
    CHECK_THROWS_WITH(train::check_ttfs_ann(unconstrained), Catch::Contains("kernel (output channel)") &&
                                                                Catch::Contains("must sum to zero"));
}
