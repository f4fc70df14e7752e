// Surrogate-gradient BPTT (sw/train/bptt.h): a hand-computed forward pass (LIF with both reset
// modes, CUBA-LIF) and its quantised twin on the reference simulator, the backward pass against
// central finite differences (smooth forward, reset included in the gradient), thread-count
// independence of training, and spec errors naming file:line.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "sw/common/error.h"
#include "sw/snn/reference.h"
#include "sw/train/bptt.h"

using namespace spiketlm;
using namespace spiketlm::train;

namespace {

// 2 inputs -> 2 outputs, no hidden layer; rate encoding T = 3 (so 3 + 1 = 4 steps).
BpttSpec tiny_spec(snn::NeuronKind kind, snn::ResetMode reset) {
    BpttSpec s;
    s.source = "test";
    s.inputs = 2;
    s.hidden = {};
    s.outputs = 2;
    s.kind = kind;
    s.reset = reset;
    s.encoding.kind = "rate";
    s.encoding.steps = 3;
    return s;
}

BpttNet tiny_net(double beta, double alpha) {
    BpttNet n;
    Eigen::MatrixXf w(2, 2);
    w << 0.6f, 0.5f, 1.2f, 0.0f;
    n.w.push_back(w);
    n.beta = {beta};
    n.alpha = {alpha};
    n.theta = {1.0};
    return n;
}

// Input 0 spikes at steps 0, 1, 2; input 1 at step 1 (delivered one step later).
const encode::SpikeTrain k_input{{0, 0}, {1, 0}, {1, 1}, {2, 0}};

std::vector<int> spike_row(const BpttTrace& tr, int o) {
    std::vector<int> r;
    for (Eigen::Index t = 0; t < tr.s[0].cols(); ++t) r.push_back(tr.s[0](o, t) > 0.5f ? 1 : 0);
    return r;
}

}  // namespace

TEST_CASE("bptt: LIF forward with subtractive reset matches the hand-computed membrane and spikes", "[unit]") {
    const BpttSpec spec = tiny_spec(snn::NeuronKind::lif, snn::ResetMode::subtract);
    REQUIRE(bptt_timesteps(spec) == 4);
    const BpttTrace tr = bptt_forward(tiny_net(0.5, 0.0), spec, k_input);
    // neuron 0: inputs 0.6, 1.1, 0.6 at steps 1..3. u1 = 0.6; u2 = 0.3 + 1.1 = 1.4 fires, v = 0.4;
    //           u3 = 0.2 + 0.6 = 0.8.
    CHECK(tr.u[0](0, 1) == Approx(0.6));
    CHECK(tr.u[0](0, 2) == Approx(1.4));
    CHECK(tr.v[0](0, 2) == Approx(0.4));
    CHECK(tr.u[0](0, 3) == Approx(0.8));
    CHECK(spike_row(tr, 0) == std::vector<int>{0, 0, 1, 0});
    // neuron 1: input 1.2 at steps 1..3. u = 1.2 fires (v 0.2), 1.3 fires (v 0.3), 1.35 fires.
    CHECK(tr.u[0](1, 2) == Approx(1.3));
    CHECK(tr.u[0](1, 3) == Approx(1.35));
    CHECK(spike_row(tr, 1) == std::vector<int>{0, 1, 1, 1});
    CHECK(tr.logits == std::vector<float>{1.0f, 3.0f});
    CHECK(tr.decision == 1);
}

TEST_CASE("bptt: LIF forward with reset to zero and CUBA-LIF forward match hand-computed spikes", "[unit]") {
    const BpttTrace tv =
        bptt_forward(tiny_net(0.5, 0.0), tiny_spec(snn::NeuronKind::lif, snn::ResetMode::to_value), k_input);
    // neuron 0 after its spike at step 2: v = 0, u3 = 0.6.
    CHECK(tv.u[0](0, 3) == Approx(0.6));
    CHECK(spike_row(tv, 0) == std::vector<int>{0, 0, 1, 0});
    CHECK(tv.u[0](1, 3) == Approx(1.2));
    CHECK(spike_row(tv, 1) == std::vector<int>{0, 1, 1, 1});
    // CUBA-LIF, alpha = beta = 0.5, neuron 0: i = 0.6, 1.4, 1.3; u = 0.6, 0.3 + 1.4 = 1.7 (fires,
    // v 0.7), 0.35 + 1.3 = 1.65 (fires).
    const BpttTrace tc =
        bptt_forward(tiny_net(0.5, 0.5), tiny_spec(snn::NeuronKind::cuba_lif, snn::ResetMode::subtract), k_input);
    CHECK(tc.i[0](0, 3) == Approx(1.3));
    CHECK(tc.u[0](0, 2) == Approx(1.7));
    CHECK(tc.u[0](0, 3) == Approx(1.65));
    CHECK(spike_row(tc, 0) == std::vector<int>{0, 0, 1, 1});
}

TEST_CASE("bptt: the quantised tiny network gives the float network's spikes on the reference simulator", "[unit]") {
    for (const auto reset : {snn::ResetMode::subtract, snn::ResetMode::to_value}) {
        const BpttSpec spec = tiny_spec(snn::NeuronKind::lif, reset);
        const BpttNet net = tiny_net(0.5, 0.0);
        const BpttQuantized q = quantize_bptt(net, spec);
        // s = 1.2 / 127: weights round(0.6 / s) = 64 (63.5 half away from zero), 53, 127, 0;
        // theta round(127 / 1.2) = 106; decay_v 2048.
        const auto& l = q.net.layers[0];
        CHECK(l.weights == std::vector<std::int32_t>{64, 53, 127, 0});
        CHECK(l.neuron.theta == 106);
        CHECK(l.neuron.decay_v == 2048);
        CHECK(l.neuron.decay_i == 0);
        CHECK(l.neuron.reset == reset);
        CHECK(q.net.timesteps == 4);
        snn::VectorSink sink;
        const auto r = snn::simulate_frame(q.net, k_input, 0, &sink);
        const BpttTrace tr = bptt_forward(net, spec, k_input);
        std::vector<snn::SpikeEvent> expect;
        for (std::uint32_t t = 0; t < 4; ++t)
            for (std::uint32_t o = 0; o < 2; ++o)
                if (tr.s[0](o, t) > 0.5f) expect.push_back({t, 0, o});
        CHECK(sink.spikes == expect);
        CHECK(r.decision == tr.decision);
    }
}

namespace {

// Analytic gradient against central differences for the smooth forward (s = 0.5 + x/(1+k|x|),
// whose derivative is the surrogate), so the backward pass must be the exact gradient.
void gradient_check(snn::NeuronKind kind, snn::ResetMode reset, snn::Decode decode) {
    BpttSpec spec;
    spec.source = "test";
    spec.inputs = 7;
    spec.hidden = {6, 5};
    spec.outputs = 3;
    spec.kind = kind;
    spec.reset = reset;
    spec.decode = decode;
    spec.decay_v = 3500;
    spec.decay_i = kind == snn::NeuronKind::cuba_lif ? 2500 : 0;
    spec.encoding.steps = 5;
    spec.surrogate_slope = 1.5;
    spec.detach_reset = false;
    spec.init_gain = 1.5;
    spec.seed = 4;
    BpttNet net = init_bptt(spec);
    net.theta = {0.8, 1.1, 0.9};
    std::mt19937_64 rng(9);
    std::bernoulli_distribution b(0.4);
    std::vector<encode::SpikeTrain> in(3);
    for (auto& tr : in)
        for (std::uint32_t t = 0; t < 5; ++t)
            for (std::uint32_t i = 0; i < 7; ++i)
                if (b(rng)) tr.push_back({t, i});
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
        for (Eigen::Index k = 0; k < net.w[l].size(); k += 3) {
            BpttNet p = net, m = net;
            p.w[l].data()[k] += h;
            m.w[l].data()[k] -= h;
            const double num = (loss(p) - loss(m)) / (2.0 * h);
            const double ana = grad.w[l].data()[k];
            INFO("layer " << l << " weight " << k);
            CHECK(ana == Approx(num).margin(2e-4).epsilon(2e-2));
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
        if (kind == snn::NeuronKind::cuba_lif) scalar(&BpttNet::alpha, grad.alpha[l], "alpha");
    }
    CHECK(checked > 20);
    // The gradient is not trivially small.
    CHECK(grad.w[0].cwiseAbs().maxCoeff() > 1e-3f);
}

}  // namespace

TEST_CASE("bptt: LIF gradient with subtractive reset and count logits equals central finite differences", "[unit]") {
    gradient_check(snn::NeuronKind::lif, snn::ResetMode::subtract, snn::Decode::count);
}

TEST_CASE("bptt: LIF gradient with reset to zero and first-spike logits equals central finite differences", "[unit]") {
    gradient_check(snn::NeuronKind::lif, snn::ResetMode::to_value, snn::Decode::first_spike);
}

TEST_CASE("bptt: CUBA-LIF gradient including the current decay equals central finite differences", "[unit]") {
    gradient_check(snn::NeuronKind::cuba_lif, snn::ResetMode::subtract, snn::Decode::count);
}

TEST_CASE("bptt: training gives the same network for 1 and 2 threads and learns a separable task", "[unit]") {
    // 3 classes of 12-pixel images: class c lights pixels 4c..4c+3 (plus noise).
    data::ImageSet set;
    set.rows = 3;
    set.cols = 4;
    set.num_classes = 3;
    std::mt19937_64 rng(2);
    std::uniform_real_distribution<float> u(0.0f, 0.3f);
    for (int k = 0; k < 150; ++k) {
        const int c = k % 3;
        for (int p = 0; p < 12; ++p) set.pixels.push_back(p / 4 == c ? 0.9f : u(rng));
        set.labels.push_back(static_cast<std::uint8_t>(c));
    }
    BpttSpec spec;
    spec.source = "test";
    spec.inputs = 12;
    spec.hidden = {10};
    spec.outputs = 3;
    spec.encoding.steps = 8;
    spec.epochs = 4;
    spec.batch = 20;  // chunks of 8, 8, 4
    spec.lr = 5e-3;
    spec.lr_min = 5e-3;
    spec.surrogate_slope = 2;
    spec.train_leak = true;
    spec.train_threshold = true;
    std::vector<double> acc1;
    const BpttNet a = train_bptt(spec, set, set, 1, [&](const BpttEpoch& e) { acc1.push_back(e.test_accuracy); });
    const BpttNet b = train_bptt(spec, set, set, 2);
    for (int l = 0; l < a.layers(); ++l) {
        CHECK(a.w[l] == b.w[l]);
        CHECK(a.beta[l] == b.beta[l]);
        CHECK(a.theta[l] == b.theta[l]);
    }
    CHECK(a.beta[0] != spec.decay_v / 4096.0);  // the leak was trained
    CHECK(a.theta[0] != 1.0);
    CHECK(acc1.back() > 0.9);
}

TEST_CASE("bptt: model file errors name the file line and key", "[unit]") {
    const std::string ok = "network: {inputs: 784, hidden: [20], outputs: 10}\n";
    CHECK_NOTHROW(parse_bptt_spec(ok, "m.yaml"));
    auto msg = [&](const std::string& text) {
        try {
            parse_bptt_spec(text, "m.yaml");
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(msg(ok + "train: {epochs: 2, momentum: 0.9}\n"),
               Catch::Contains("m.yaml:2") && Catch::Contains("unknown key 'train.momentum'"));
    CHECK_THAT(msg(ok + "neuron: {kind: relpsp}\n"),
               Catch::Contains("m.yaml:2") && Catch::Contains("lif or cuba_lif"));
    CHECK_THAT(msg(ok + "neuron: {kind: lif_x}\n"), Catch::Contains("m.yaml:2") && Catch::Contains("lif_x"));
    CHECK_THAT(msg(ok + "neuron:\n  decay_v: 5000\n"),
               Catch::Contains("m.yaml:3") && Catch::Contains("neuron.decay_v"));
    CHECK_THAT(msg(ok + "neuron: {kind: lif, decay_i: 100}\n"), Catch::Contains("m.yaml:2") && Catch::Contains("cuba_lif"));
    CHECK_THAT(msg(ok + "decode: fastest\n"), Catch::Contains("m.yaml:2") && Catch::Contains("fastest"));
    CHECK_THAT(msg(ok + "encoding: {kind: morse}\n"), Catch::Contains("m.yaml:2") && Catch::Contains("morse"));
    CHECK_THAT(msg(ok + "train: {lr: fast}\n"), Catch::Contains("m.yaml:2") && Catch::Contains("'train.lr'"));
    CHECK_THAT(msg(ok + "quantization: {weight_bits: 1}\n"), Catch::Contains("quantization.weight_bits"));
    CHECK_THAT(msg("neuron: {kind: lif}\n"), Catch::Contains("missing key 'network'"));
}
