// Rate conversion (sw/train/rate_conversion.h, docs/conversion.md): the ANN's gradient against
// finite differences, a hand-checkable conversion of a tiny network (IF neurons with subtractive
// reset reproduce the normalised ReLU activations as rates), percentile and spec errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "common/test_util.h"
#include "sw/common/error.h"
#include "sw/snn/reference.h"
#include "sw/train/rate_conversion.h"

using namespace spiketlm;
using namespace spiketlm::train;

TEST_CASE("rate ANN: loss gradient equals central finite differences (weights and biases)", "[unit]") {
    Ann ann = init_ann({5, 4, 3, 3}, 7);
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    for (auto& b : ann.b)
        for (Eigen::Index i = 0; i < b.size(); ++i) b(i) = u(rng);
    Eigen::MatrixXf x(5, 6);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = u(rng) + 0.5f;
    const std::vector<int> y{0, 1, 2, 2, 1, 0};
    Ann g;
    ann_loss_grad(ann, x, y, g, true);
    // Independent loss: softmax cross-entropy in double from a plain forward pass.
    auto loss = [&](const Ann& a) {
        double total = 0;
        for (Eigen::Index j = 0; j < x.cols(); ++j) {
            Eigen::VectorXd h = x.col(j).cast<double>();
            for (int k = 0; k < a.layers(); ++k) {
                h = a.w[k].cast<double>() * h + a.b[k].cast<double>();
                if (k + 1 < a.layers()) h = h.cwiseMax(0.0);
            }
            const double m = h.maxCoeff();
            const double lse = m + std::log((h.array() - m).exp().sum());
            total += lse - h(y[static_cast<std::size_t>(j)]);
        }
        return total / static_cast<double>(x.cols());
    };
    const float eps = 1e-2f;
    int checked = 0;
    for (int k = 0; k < ann.layers(); ++k) {
        for (Eigen::Index i = 0; i < ann.w[k].size(); ++i) {
            Ann p = ann, m = ann;
            p.w[k].data()[i] += eps;
            m.w[k].data()[i] -= eps;
            const double fd = (loss(p) - loss(m)) / (2.0 * eps);
            INFO("layer " << k << " weight " << i);
            CHECK(g.w[k].data()[i] == Approx(fd).margin(2e-3));
            ++checked;
        }
        for (Eigen::Index i = 0; i < ann.b[k].size(); ++i) {
            Ann p = ann, m = ann;
            p.b[k](i) += eps;
            m.b[k](i) -= eps;
            const double fd = (loss(p) - loss(m)) / (2.0 * eps);
            INFO("layer " << k << " bias " << i);
            CHECK(g.b[k](i) == Approx(fd).margin(2e-3));
        }
    }
    CHECK(checked == 5 * 4 + 4 * 3 + 3 * 3);
    Ann g0;
    ann_loss_grad(ann, x, y, g0, false);
    CHECK(g0.b[0].isZero());
    CHECK(g0.w[1].isApprox(g.w[1]));
}

TEST_CASE("rate conversion by hand: IF with subtractive reset reproduces the normalised ReLU rates", "[unit]") {
    // 2 inputs -> 2 hidden -> 2 outputs. Inputs x = (1, 1) spike at every step under the rate
    // encoder (p = 1), so layer fc1 integrates a constant current.
    Ann ann;
    ann.w.push_back((Eigen::MatrixXf(2, 2) << 0.5f, 0.25f, -0.5f, 0.25f).finished());
    ann.w.push_back((Eigen::MatrixXf(2, 2) << 1.0f, 0.0f, 0.5f, 0.0f).finished());
    ann.b = {Eigen::VectorXf::Zero(2), Eigen::VectorXf::Zero(2)};
    // ANN: hidden = relu(0.75, -0.25) = (0.75, 0); outputs (0.75, 0.375). Scales: hidden 1,
    // outputs 0.75 (their maximum) -> normalised activations (0.75, 0) and (1, 0.5).
    RateSpec spec;
    spec.weight_bits = 8;
    for (int T : {16, 64, 200}) {
        const RateConversion rc = convert_rate_with_scales(ann, {1.0, 0.75}, spec, T);
        const snn::Network& net = rc.net;
        REQUIRE(net.layers.size() == 2);
        CHECK(net.timesteps == T + 2);
        CHECK(net.decode == snn::Decode::count);
        CHECK(net.encoding.kind == "rate");
        CHECK(static_cast<int>(net.encoding.steps) == T);
        const snn::Layer& l0 = net.layers[0];
        CHECK(l0.neuron.kind == snn::NeuronKind::if_);
        CHECK(l0.neuron.reset == snn::ResetMode::subtract);
        CHECK_FALSE(l0.neuron.single_spike);
        // Largest |w'| = 0.5 maps to 127: s = 0.5 / 127, theta = round(1 / s) = 254.
        CHECK(l0.weight(0, 0) == 127);
        CHECK(l0.weight(0, 1) == 64);  // 0.25 / s = 63.5 -> 64
        CHECK(l0.weight(1, 0) == -127);
        CHECK(l0.neuron.theta == 254);
        CHECK(rc.weight_scale[0] == Approx(0.5 / 127));
        // Layer 2: w' = w * 1 / 0.75 -> (1.333, 0; 0.667, 0); 1.333 maps to 127, theta = 95.
        CHECK(net.layers[1].weight(0, 0) == 127);
        CHECK(net.layers[1].weight(1, 0) == 64);
        CHECK(net.layers[1].neuron.theta == 95);

        encode::SpikeTrain in;
        for (int t = 0; t < T; ++t)
            for (std::uint32_t i = 0; i < 2; ++i) in.push_back({static_cast<std::uint32_t>(t), i});
        const snn::Reference ref(net);
        snn::VectorSink sink;
        const snn::FrameResult r = ref.run(in, 0, &sink);
        int count[2][2] = {{0, 0}, {0, 0}};
        for (const auto& e : sink.spikes) ++count[e.layer][e.neuron];
        INFO("T = " << T << ": hidden " << count[0][0] << " " << count[0][1] << ", outputs " << count[1][0] << " "
                    << count[1][1]);
        // Rates within 1/T of the normalised activations (plus the 8-bit rounding, < 1 %).
        const double q = 0.01;
        CHECK(std::abs(count[0][0] / double(T) - 0.75) <= 1.0 / T + q);
        CHECK(count[0][1] == 0);
        // fc1's spikes reach fc2 one step later; fc2 saturates at rate 1 for neuron 0.
        CHECK(std::abs(count[1][0] / double(T) - 0.75 * 1.3333) <= 2.0 / T + q);
        CHECK(std::abs(count[1][1] / double(T) - 0.75 * 0.6667) <= 2.0 / T + q);
        CHECK(r.decision == 0);
    }
}

TEST_CASE("rate conversion: percentile of positive activations (nearest rank)", "[unit]") {
    Eigen::MatrixXf a(2, 6);
    a << 0, 1, 2, 3, 4, 5, -1, 6, 7, 8, 9, 10;  // positives 1..10
    CHECK(positive_percentile(a, 100) == 10.0);
    CHECK(positive_percentile(a, 50) == 5.0);
    CHECK(positive_percentile(a, 99.9) == 10.0);
    CHECK(positive_percentile(a, 10) == 1.0);
    CHECK(positive_percentile(Eigen::MatrixXf::Zero(2, 2), 99) == 0.0);
}

TEST_CASE("rate conversion: a layer without positive activations and bad spec keys are clear errors", "[unit]") {
    Ann ann = init_ann({3, 2, 2}, 1);
    RateSpec spec;
    try {
        convert_rate_with_scales(ann, {1.0, 0.0}, spec, 8);
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK_THAT(e.what(), Catch::Contains("layer 1") && Catch::Contains("no positive activation"));
    }
    try {
        parse_rate_spec("network: {inputs: 4, hidden: [3], outputs: 2}\nconversion: {percentil: 99}\n", "m.yaml");
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK_THAT(e.what(), Catch::Contains("m.yaml:2") && Catch::Contains("conversion.percentil"));
    }
    try {
        parse_rate_spec("network: {inputs: 4, hidden: [3], outputs: 2}\nconversion: {percentile: 0}\n", "m.yaml");
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK_THAT(e.what(), Catch::Contains("m.yaml") && Catch::Contains("conversion.percentile"));
    }
    const RateSpec s = parse_rate_spec("network: {inputs: 4, hidden: [3, 5], outputs: 2}\n", "m.yaml");
    CHECK(s.layer_sizes() == std::vector<int>{4, 3, 5, 2});
}
