// Quantization of a continuous-time ReL-PSP network onto the datapath: hand-computed scales and
// thresholds, the continuous forward's closed form, and convergence of the discrete reference
// simulation to the continuous firing times as T grows (error ~ 1/T), with per-layer scales
// that differ (they must not compose).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "sw/common/error.h"
#include "sw/quant/quantize.h"
#include "sw/snn/reference.h"

using namespace spiketlm;
using namespace spiketlm::quant;

TEST_CASE("quantize: weight scale, rounding and threshold by hand", "[unit]") {
    snn::FloatNetwork f;
    f.input_window = 1.0f;
    f.input_threshold = 0.1f;
    f.layers = {{"out", 3, 1, {0.5f, -0.25f, 0.1f}, 1.0f}};
    QuantOptions o;
    o.steps = 10;
    o.weight_bits = 8;
    const auto q = quantize(f, o);
    // s = 0.5 / 127; 0.25 / s = 63.5 -> 64 (half away from zero); 0.1 / s = 25.4 -> 25.
    CHECK(q.net.layers[0].weights == std::vector<std::int32_t>{127, -64, 25});
    CHECK(q.info.weight_scale[0] == Approx(0.5 / 127));
    CHECK(q.info.delta == Approx(0.1));
    // theta_q = ceil(1 / (s * 0.1)) = 127 / 0.05 = 2540 exactly (no floating-point +1).
    CHECK(q.net.layers[0].neuron.theta == 2540);
    CHECK(q.net.encoding.kind == "ttfs");
    CHECK(q.net.encoding.steps == 10u);
    CHECK(q.net.encoding.threshold == Approx(0.1));
    CHECK(q.net.timesteps == 30);
    CHECK(q.net.layers[0].neuron.kind == snn::NeuronKind::relpsp);
    // theta that does not fit the state width: named error.
    o.state_bits = 12;
    CHECK_THROWS_WITH(quantize(f, o), Catch::Contains("layer 0 'out'") && Catch::Contains("state_bits = 12"));
    o.state_bits = 24;
    o.timesteps = 10;
    CHECK_THROWS_WITH(quantize(f, o), Catch::Contains("must be longer than the input window"));
    f.layers[0].theta = 0;
    CHECK_THROWS_AS(quantize(f, QuantOptions{}), InputError);
}

TEST_CASE("quantize: a non-integer theta / (s delta) rounds up (ceil), never to nearest or down", "[unit]") {
    // docs/neuron.md: theta_q = ceil(theta / (s * Delta)). Here s = 0.5 / 127 and Delta = 0.1, so
    // theta / (s * Delta) = 2540 * theta.
    snn::FloatNetwork f;
    f.input_window = 1.0f;
    f.input_threshold = 0.0f;
    f.layers = {{"out", 2, 1, {0.5f, 0.2f}, 0.3001f}};
    QuantOptions o;
    o.steps = 10;
    o.weight_bits = 8;
    // 2540 * 0.3001 = 762.254: nearest would give 762, ceil gives 763.
    CHECK(quantize(f, o).net.layers[0].neuron.theta == 763);
    // 2540 * 0.3011 = 764.794: floor would give 764, ceil gives 765.
    f.layers[0].theta = 0.3011f;
    CHECK(quantize(f, o).net.layers[0].neuron.theta == 765);
    // 2540 * 0.0001 = 0.254: ceil gives 1 (and the datapath never goes below 1).
    f.layers[0].theta = 0.0001f;
    CHECK(quantize(f, o).net.layers[0].neuron.theta == 1);
}

TEST_CASE("quantize: float forward fires at (theta + sum_C w t) / sum_C w over the causal set", "[unit]") {
    snn::FloatNetwork f;
    f.input_window = 1.0f;
    f.layers = {{"h", 3, 2, {1.f, 2.f, 5.f, /**/ -1.f, 0.5f, 0.f}, 1.0f}};
    // x = 1, 0.5, 0 (threshold 0: x = 0 is silent) -> t = 0, 0.5, silent.
    const float x[3] = {1.f, 0.5f, 0.f};
    const auto t = float_forward(f, x, 3);
    // neuron 0: C = {0}: (1 + 0) / 1 = 1 > 0.5 -> C = {0, 1}: (1 + 2 * 0.5) / 3 = 2/3.
    CHECK(t[0][0] == Approx(2.0 / 3.0));
    // neuron 1: W = -1, then -0.5: never fires.
    CHECK(t[0][1] == kSilent);
    CHECK(float_decision({3.0, 1.0, 1.0, kSilent}) == 1);
    CHECK(float_decision({kSilent, kSilent}) == -1);
}

namespace {

// A random 2-layer float network with very different weight magnitudes per layer.
snn::FloatNetwork random_float(unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> w0(0.08f, 0.1f), w1(3.0f, 4.0f);
    snn::FloatNetwork f;
    f.input_window = 1.0f;
    f.input_threshold = 0.05f;
    snn::FloatLayer a{"h", 40, 24, {}, 1.0f}, b{"o", 24, 6, {}, 10.0f};
    for (int k = 0; k < 40 * 24; ++k) a.weights.push_back(w0(rng));
    for (int k = 0; k < 24 * 6; ++k) b.weights.push_back(w1(rng));
    f.layers = {a, b};
    return f;
}

}  // namespace

TEST_CASE("quantize: discrete ReL-PSP firing times converge to the continuous ones as T grows", "[unit]") {
    const snn::FloatNetwork f = random_float(3);
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> px(0.0f, 1.0f);
    std::vector<std::vector<float>> images(30, std::vector<float>(40));
    for (auto& im : images)
        for (auto& x : im) x = px(rng);
    std::vector<double> err;
    for (int T : {16, 32, 64, 128, 256, 512}) {
        QuantOptions o;
        o.steps = T;
        o.weight_bits = 16;
        o.state_bits = 32;
        o.window_factor = 4;
        const auto q = quantize(f, o);
        const double delta = q.info.delta;
        const snn::Reference ref(q.net);
        const auto enc = encode::make_encoder(q.net.encoding);
        double sum = 0;
        int n = 0, mismatched = 0, both = 0;
        for (const auto& im : images) {
            const auto cont = float_forward(f, im.data(), im.size());
            snn::VectorSink sink;
            ref.run(enc->encode(im.data(), im.size(), 0), 0, &sink);
            std::vector<std::vector<double>> disc = {std::vector<double>(24, kSilent), std::vector<double>(6, kSilent)};
            for (const auto& s : sink.spikes) disc[s.layer][s.neuron] = s.step * delta;
            for (std::size_t l = 0; l < 2; ++l)
                for (std::size_t j = 0; j < disc[l].size(); ++j) {
                    const double tc = cont[l][j], td = disc[l][j];
                    if (tc == kSilent && td == kSilent) continue;
                    // Neurons that fire late in continuous time may fall outside the window.
                    if (tc != kSilent && tc > (q.net.timesteps - 3) * delta) continue;
                    if ((tc == kSilent) != (td == kSilent)) {
                        ++mismatched;
                        continue;
                    }
                    ++both;
                    sum += std::fabs(td - tc);
                    ++n;
                }
        }
        const double mean = sum / n;
        INFO("T = " << T << ": mean |t_disc - t_cont| = " << mean << " (" << mean / delta << " steps), " << both
                    << " firing neurons, " << mismatched << " fire in one model only");
        // Each layer adds at most one step (ceil) and the input rounding half a step.
        CHECK(mean < 1.5 * delta);
        CHECK(mismatched <= both / 20 + 2);
        CHECK(both > 200);
        err.push_back(mean);
    }
    // Error shrinks like 1/T: 32x more steps, at least 10x smaller error.
    CHECK(err.back() < err.front() / 10);
    for (std::size_t k = 1; k < err.size(); ++k) CHECK(err[k] < err[k - 1]);
}

TEST_CASE("quantize: compare_accuracy sees the same decisions with fine quantization", "[unit]") {
    const snn::FloatNetwork f = random_float(5);
    data::ImageSet set;
    set.name = "random";
    set.rows = 1;
    set.cols = 40;
    std::mt19937 rng(2);
    std::uniform_real_distribution<float> px(0.0f, 1.0f);
    for (int k = 0; k < 200; ++k) {
        std::vector<float> im(40);
        for (auto& x : im) x = px(rng);
        set.pixels.insert(set.pixels.end(), im.begin(), im.end());
        // Label = the float decision, so float accuracy is 1 minus the undecided frames.
        set.labels.push_back(static_cast<std::uint8_t>(std::max(0, float_decision(float_forward(f, im.data(), 40).back()))));
    }
    QuantOptions o;
    o.steps = 256;
    o.weight_bits = 16;
    o.state_bits = 32;
    const auto q = quantize(f, o);
    const auto r = compare_accuracy(f, q.net, set, 2);
    CHECK(r.frames == 200);
    CHECK(r.float_accuracy > 0.9);
    CHECK(r.agreement > 0.9);
    CHECK(std::fabs(r.quantized_accuracy - r.float_accuracy) < 0.08);
    // 8-bit, T = 32: still close (quantization is not where the accuracy goes).
    o.steps = 32;
    o.weight_bits = 8;
    o.state_bits = 24;
    const auto r8 = compare_accuracy(f, quantize(f, o).net, set, 1);
    INFO("float " << r.float_accuracy << ", 16-bit T=256 " << r.quantized_accuracy << ", 8-bit T=32 "
                  << r8.quantized_accuracy << " (agreement " << r8.agreement << ")");
    CHECK(r8.agreement > 0.7);
}
