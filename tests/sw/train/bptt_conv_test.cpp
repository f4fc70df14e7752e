// Convolutional layers in surrogate-gradient BPTT (sw/train/bptt.h): a hand-computed conv LIF
// forward pass (stride, padding), the backward pass through conv (grouped, strided, padded),
// average pooling and dense layers against central finite differences, the quantised conv
// network's spikes on the reference simulator against the float network's, and model-file
// errors for bad geometry naming file:line.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

#include "sw/common/error.h"
#include "sw/snn/reference.h"
#include "sw/train/bptt.h"

using namespace spiketlm;
using namespace spiketlm::train;

namespace {

// 2x2 kernel [0.2 0.3; 0.4 0.6] over a 1x3x3 input with stride 2 and padding 1: a 1x2x2 output.
//   out (0,0) reads pixel (0,0) through k(1,1); out (0,1) pixels (0,1) k(1,0), (0,2) k(1,1);
//   out (1,0) pixels (1,0) k(0,1), (2,0) k(1,1); out (1,1) pixels (1,1) k(0,0), (1,2) k(0,1),
//   (2,1) k(1,0), (2,2) k(1,1).
snn::Conv2d hand_geometry() {
    snn::Conv2d g;
    g.in_c = 1;
    g.in_h = g.in_w = 3;
    g.out_c = 1;
    g.out_h = g.out_w = 2;
    g.k_h = g.k_w = 2;
    g.stride_h = g.stride_w = 2;
    g.pad_h = g.pad_w = 1;
    return g;
}

}  // namespace

TEST_CASE("bptt conv: LIF forward of a strided padded conv layer matches the hand-computed membrane and spikes",
          "[unit]") {
    BpttSpec spec;
    spec.source = "test";
    spec.inputs = 9;
    spec.hidden = {};
    spec.outputs = 4;
    spec.encoding.kind = "rate";
    spec.encoding.steps = 3;  // 3 + 1 layer = 4 steps
    REQUIRE(bptt_timesteps(spec) == 4);
    BpttNet net;
    Eigen::MatrixXf w(1, 4);
    w << 0.2f, 0.3f, 0.4f, 0.6f;
    net.w = {w};
    net.conv = {hand_geometry()};
    net.beta = {0.5};
    net.alpha = {0.0};
    net.theta = {0.9};
    // Pixels (index y*3+x): step 0: 0, 4, 8; step 1: 2, 8; step 2: 0, 4 (delivered one step later).
    const encode::SpikeTrain in{{0, 0}, {0, 4}, {0, 8}, {1, 2}, {1, 8}, {2, 0}, {2, 4}};
    const BpttTrace tr = bptt_forward(net, spec, in);
    REQUIRE(tr.u[0].rows() == 4);
    // out 0: currents 0.6, 0, 0.6 at steps 1..3: u = 0, 0.6, 0.3, 0.75 (no spike).
    // out 1: pixel 2 at step 1 -> 0.6 at step 2: u = 0, 0, 0.6, 0.3.
    // out 2: no input.
    // out 3: 0.2 + 0.6 = 0.8 at step 1, 0.6 at step 2, 0.2 at step 3: u = 0, 0.8, 1.0 (fires,
    //        v = 0.1), 0.05 + 0.2 = 0.25.
    const std::vector<std::vector<float>> u{{0, 0.6f, 0.3f, 0.75f}, {0, 0, 0.6f, 0.3f}, {0, 0, 0, 0}, {0, 0.8f, 1.0f, 0.25f}};
    for (int o = 0; o < 4; ++o)
        for (int t = 0; t < 4; ++t) {
            INFO("neuron " << o << " step " << t);
            CHECK(tr.u[0](o, t) == Approx(u[o][t]).margin(1e-6));
            CHECK(tr.s[0](o, t) == ((o == 3 && t == 2) ? 1.0f : 0.0f));
        }
    CHECK(tr.v[0](3, 2) == Approx(0.1).margin(1e-6));
    CHECK(tr.decision == 3);
}

namespace {

// 2x5x5 -> conv 4 3x3 /1 pad 1 groups 2 -> 4x5x5 -> conv 3 3x3 /2 pad 1 -> 3x3x3 -> avgpool 2 /1
// -> 3x2x2 -> dense 3.
BpttSpec conv_spec(snn::ResetMode reset) {
    const std::string text = "network:\n"
                             "  inputs: 50\n"
                             "  input_shape: [2, 5, 5]\n"
                             "  layers:\n"
                             "    - {type: conv, channels: 4, kernel: 3, padding: 1, groups: 2}\n"
                             "    - {type: conv, channels: 3, kernel: 3, stride: 2, padding: 1}\n"
                             "    - {type: avgpool, kernel: 2, stride: 1}\n"
                             "  outputs: 3\n"
                             "encoding: {kind: rate, steps: 5}\n";
    BpttSpec s = parse_bptt_spec(text, "conv.yaml");
    s.reset = reset;
    return s;
}

std::vector<encode::SpikeTrain> random_inputs(int frames, int steps, int channels, double p, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::bernoulli_distribution b(p);
    std::vector<encode::SpikeTrain> in(static_cast<std::size_t>(frames));
    for (auto& tr : in)
        for (std::uint32_t t = 0; t < static_cast<std::uint32_t>(steps); ++t)
            for (std::uint32_t i = 0; i < static_cast<std::uint32_t>(channels); ++i)
                if (b(rng)) tr.push_back({t, i});
    return in;
}

}  // namespace

TEST_CASE("bptt conv: a conv spec plans grouped strided padded conv, pooling and dense layers", "[unit]") {
    const BpttSpec spec = conv_spec(snn::ResetMode::subtract);
    CHECK(spec.layers() == 4);
    CHECK(spec.layer_sizes() == std::vector<int>{50, 100, 27, 12, 3});
    CHECK(bptt_timesteps(spec) == 5 + 4);
    const BpttNet net = init_bptt(spec);
    REQUIRE(net.layers() == 4);
    CHECK(net.w[0].rows() == 4);
    CHECK(net.w[0].cols() == 1 * 3 * 3);  // in_c / groups x k x k
    CHECK(net.w[1].cols() == 4 * 3 * 3);
    CHECK(net.is_fixed(2));
    CHECK((net.w[2].array() == 0.25f).all());
    CHECK(net.w[2].rows() == 3);
    CHECK(!net.is_conv(3));
    CHECK(net.w[3].rows() == 3);
    CHECK(net.w[3].cols() == 12);
}

TEST_CASE("bptt conv: gradient through conv, pooling and dense layers equals central finite differences", "[unit]") {
    for (const auto reset : {snn::ResetMode::subtract, snn::ResetMode::to_value}) {
        BpttSpec spec = conv_spec(reset);
        spec.decay_v = 3500;
        spec.surrogate_slope = 1.5;
        spec.detach_reset = false;
        spec.init_gain = 1.5;
        spec.seed = 5;
        BpttNet net = init_bptt(spec);
        net.theta = {0.8, 1.1, 0.4, 0.9};
        const auto in = random_inputs(3, 5, 50, 0.3, 11);
        const std::vector<int> labels{0, 2, 1};
        BpttNet grad;
        bptt_loss_grad(net, spec, in, labels, grad, true);
        auto loss = [&](const BpttNet& n) {
            BpttNet g;
            return bptt_loss_grad(n, spec, in, labels, g, true);
        };
        const float h = 1e-2f;
        int checked = 0;
        for (int l = 0; l < net.layers(); ++l) {
            for (Eigen::Index k = 0; k < net.w[l].size(); k += 5) {
                BpttNet p = net, m = net;
                p.w[l].data()[k] += h;
                m.w[l].data()[k] -= h;
                const double num = (loss(p) - loss(m)) / (2.0 * h);
                INFO("reset " << snn::to_string(reset) << " layer " << l << " weight " << k);
                CHECK(grad.w[l].data()[k] == Approx(num).margin(2e-4).epsilon(2e-2));
                ++checked;
            }
            auto scalar = [&](std::vector<double> BpttNet::*field, double analytic, const char* what) {
                BpttNet p = net, m = net;
                (p.*field)[l] += h;
                (m.*field)[l] -= h;
                const double num = (loss(p) - loss(m)) / (2.0 * h);
                INFO("layer " << l << " " << what);
                CHECK(analytic == Approx(num).margin(2e-4).epsilon(2e-2));
            };
            scalar(&BpttNet::beta, grad.beta[l], "beta");
            scalar(&BpttNet::theta, grad.theta[l], "theta");
        }
        CHECK(checked > 40);
        CHECK(grad.w[0].cwiseAbs().maxCoeff() > 1e-4f);  // reaches the first conv layer
    }
}

TEST_CASE("bptt conv: the quantised conv network gives the float network's spikes on the reference simulator",
          "[unit]") {
    for (const auto reset : {snn::ResetMode::subtract, snn::ResetMode::to_value}) {
        BpttSpec spec = conv_spec(reset);
        spec.decay_v = 4096;  // no leak: float sums of dyadic weights are exact
        BpttNet net = init_bptt(spec);
        // Weights on the grid of the quantiser: integers in [-127, 127] times 2^-6, 127 present.
        std::mt19937_64 rng(8);
        std::uniform_int_distribution<int> wi(-60, 127);
        for (int l = 0; l < net.layers(); ++l) {
            if (net.is_fixed(l)) continue;
            for (Eigen::Index k = 0; k < net.w[l].size(); ++k) net.w[l].data()[k] = std::ldexp(static_cast<float>(wi(rng)), -6);
            net.w[l].data()[0] = std::ldexp(127.0f, -6);
        }
        const BpttQuantized q = quantize_bptt(net, spec);
        REQUIRE(q.net.layers.size() == 4);
        CHECK(q.net.layers[0].kind == snn::LayerKind::conv2d);
        CHECK(q.net.layers[1].kind == snn::LayerKind::conv2d);
        CHECK(q.net.layers[2].kind == snn::LayerKind::conv2d);
        CHECK(q.net.layers[2].name == "pool3");
        CHECK(q.net.layers[2].weights == std::vector<std::int32_t>(12, 127));  // depthwise 3 x (1x2x2)
        CHECK(q.net.layers[2].neuron.theta == 508);                            // 1 / (0.25 / 127)
        CHECK(q.net.layers[0].neuron.theta == 64);                             // 1 / 2^-6
        CHECK(q.net.layers[3].kind == snn::LayerKind::dense);
        std::size_t total = 0;
        for (const auto& in : random_inputs(20, 5, 50, 0.3, 21)) {
            snn::VectorSink sink;
            const auto r = snn::simulate_frame(q.net, in, 0, &sink);
            const BpttTrace tr = bptt_forward(net, spec, in);
            std::vector<snn::SpikeEvent> expect;
            for (int l = 0; l < net.layers(); ++l)
                for (Eigen::Index t = 0; t < tr.s[l].cols(); ++t)
                    for (Eigen::Index o = 0; o < tr.s[l].rows(); ++o)
                        if (tr.s[l](o, t) > 0.5f)
                            expect.push_back({static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(l),
                                              static_cast<std::uint32_t>(o)});
            auto key = [](const snn::SpikeEvent& e) { return std::make_tuple(e.step, e.layer, e.neuron); };
            auto got = sink.spikes;
            std::sort(got.begin(), got.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
            std::sort(expect.begin(), expect.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
            CHECK(got == expect);
            CHECK(r.decision == tr.decision);
            total += expect.size();
        }
        CHECK(total > 200);  // not vacuous
    }
}

TEST_CASE("bptt conv: bad conv geometry in a model file names the file line and layer", "[unit]") {
    auto msg = [&](const std::string& layers) {
        try {
            parse_bptt_spec("network:\n  inputs: 25\n  input_shape: [1, 5, 5]\n  layers:\n" + layers + "  outputs: 2\n",
                            "m.yaml");
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(msg("    - {type: conv, channels: 2, kernel: 3}\n") == "no error");
    CHECK_THAT(msg("    - {type: conv, channels: 2, kernel: 3}\n    - {type: conv, channels: 2, kernel: 7}\n"),
               Catch::Contains("m.yaml:6") && Catch::Contains("network.layers[1]"));
    CHECK_THAT(msg("    - {type: conv, channels: 3, kernel: 3, groups: 2}\n"),
               Catch::Contains("m.yaml:5") && Catch::Contains("network.layers[0]"));
    CHECK_THAT(msg("    - {type: conv, channels: 2, kernel: 2, padding: 2}\n"), Catch::Contains("m.yaml:5"));
    CHECK_THAT(msg("    - {type: conv, channels: 2, kernel: 3, stride: 0}\n"),
               Catch::Contains("m.yaml:5") && Catch::Contains("stride"));
    CHECK_THAT(msg("    - {type: dense, units: 4}\n    - {type: conv, channels: 2, kernel: 1}\n"),
               Catch::Contains("m.yaml:6") && Catch::Contains("cannot follow a dense layer"));
    CHECK_THAT(msg("    - {type: maxpool, kernel: 2}\n"), Catch::Contains("m.yaml:5") && Catch::Contains("maxpool"));
    CHECK_THAT(msg("    - {type: conv, channels: 2, kernel: 3, dilation: 2}\n"),
               Catch::Contains("m.yaml:5") && Catch::Contains("dilation"));
    std::string shape_error;
    try {
        parse_bptt_spec("network:\n  inputs: 20\n  input_shape: [1, 5, 5]\n  layers:\n    - {type: dense, units: 4}\n",
                        "m.yaml");
    } catch (const InputError& e) {
        shape_error = e.what();
    }
    CHECK_THAT(shape_error, Catch::Contains("m.yaml") && Catch::Contains("does not hold network.inputs"));
}
