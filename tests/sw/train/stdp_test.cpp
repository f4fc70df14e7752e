// Unsupervised STDP (sw/train/stdp.h, docs/training.md "STDP (Diehl & Cook)"): a hand-computed
// trace/STDP update, the adaptive threshold, label assignment and the two decision rules on
// constructed counts, determinism, the conversion (thresholds folded into row scales, recurrent
// inhibition, readout) against the float model on the reference, and model-file errors.
#include <catch2/catch.hpp>

#include <random>

#include "common/test_util.h"
#include "sw/common/error.h"
#include "sw/snn/reference.h"
#include "sw/train/stdp.h"

using namespace spiketlm;
using namespace spiketlm::train;

namespace {

// A spec whose float dynamics are exact: no membrane decay (tau_v so large that decay_v rounds to
// 4096), traces halving per step.
StdpSpec exact_spec(int inputs, int neurons) {
    StdpSpec s;
    s.inputs = inputs;
    s.neurons = neurons;
    s.outputs = 2;
    s.tau_v = 1e12;
    s.tau_pre = s.tau_post = 1.0 / std::log(2.0);
    s.refractory = 0;
    s.inhibition = 0;
    s.theta_plus = 0;
    s.nu_pre = s.nu_post = 0;
    s.norm = 0;
    return s;
}

StdpNet blank_net(int inputs, int neurons) {
    StdpNet n;
    n.inputs = inputs;
    n.neurons = neurons;
    n.w.assign(static_cast<std::size_t>(inputs) * neurons, 0.0f);
    n.theta.assign(static_cast<std::size_t>(neurons), 0.0);
    return n;
}

float& w_at(StdpNet& n, int o, int i) { return n.w[static_cast<std::size_t>(i) * n.neurons + o]; }

}  // namespace

TEST_CASE("stdp: one presentation applies trace potentiation and depression as computed by hand", "[unit]") {
    StdpSpec s = exact_spec(2, 2);
    REQUIRE(s.decay_v_q12() == 4096);
    s.threshold = 0.6;
    s.theta_plus = 0.1;
    s.nu_post = 0.1;
    s.nu_pre = 0.01;
    StdpNet net = blank_net(2, 2);
    w_at(net, 0, 0) = 0.5f;
    w_at(net, 0, 1) = 0.25f;  // neuron 1 has zero weights: never fires, its weights stay at 0
    // Input 0 encoded at 0 (arrives at 1), input 1 at 1 (arrives at 2), input 0 again at 4 (arrives at 5).
    const encode::SpikeTrain in{{0, 0}, {1, 1}, {4, 0}};
    // t=1: v = 0.5; t=2: v = 0.75 >= 0.6: spike, theta_0 = 0.1. Pre traces at t=2: x0 = 0.5 (one
    // step old), x1 = 1 -> w00 = 0.5 + 0.1*0.5 = 0.55, w01 = 0.25 + 0.1*1 = 0.35. The post trace
    // was 0 when input 1 arrived (the pre spike came first: no depression).
    // t=5: input 0 arrives, v = 0.55 < 0.7; post trace 0.5^3 = 0.125 -> w00 -= 0.01*0.125.
    SECTION("pair rule") {
        const StdpFrameResult r = run_stdp_frame(net, s, in, 8, true);
        CHECK(r.counts == std::vector<std::uint32_t>{1, 0});
        CHECK(r.spikes == 1);
        CHECK(net.theta[0] == Approx(0.1));
        CHECK(net.theta[1] == 0.0);
        CHECK(net.weight(0, 0) == Approx(0.55 - 0.00125).epsilon(1e-6));
        CHECK(net.weight(0, 1) == Approx(0.35).epsilon(1e-6));
        CHECK(net.weight(1, 0) == 0.0f);
        CHECK(net.weight(1, 1) == 0.0f);
    }
    SECTION("depression stops at zero, potentiation at w_max") {
        s.nu_pre = 10;     // 0.55 - 10*0.125 < 0
        s.w_max = 0.55;    // 0.25 + 0.1 = 0.35 stays, 0.5 + 0.05 = 0.55 reaches the cap exactly
        run_stdp_frame(net, s, in, 8, true);
        CHECK(net.weight(0, 0) == 0.0f);
        CHECK(net.weight(0, 1) == Approx(0.35).epsilon(1e-6));
    }
    SECTION("without learning nothing changes") {
        const StdpNet before = net;
        const StdpFrameResult r = run_stdp_frame(net, s, in, 8, false);
        CHECK(r.counts == std::vector<std::uint32_t>{1, 0});
        CHECK(net.w == before.w);
        CHECK(net.theta == before.theta);
    }
}

TEST_CASE("stdp: the adaptive threshold delays each further spike by the hand-computed steps", "[unit]") {
    StdpSpec s = exact_spec(1, 2);
    s.threshold = 2.5;
    StdpNet net = blank_net(1, 2);
    w_at(net, 0, 0) = 1.0f;
    encode::SpikeTrain in;
    for (std::uint32_t t = 0; t < 12; ++t) in.push_back({t, 0});  // arrives at 1..12: v grows by 1 per step
    SECTION("fixed threshold: a spike every third step") {
        const auto r = eval_stdp_frame(net, s, in, 13, true);
        using E = std::pair<std::uint32_t, std::uint32_t>;
        CHECK(r.events == std::vector<E>{{3, 0}, {6, 0}, {9, 0}, {12, 0}});
    }
    SECTION("theta_plus 1: thresholds 2.5, 3.5, 4.5 -> spikes at 3, 7, 12") {
        s.theta_plus = 1.0;
        StdpNet learn = net;
        const auto r = run_stdp_frame(learn, s, in, 13, true);
        CHECK(r.counts[0] == 3);
        CHECK(learn.theta[0] == Approx(3.0));
        // The learned theta is frozen at evaluation: the threshold is now 5.5.
        const auto e = eval_stdp_frame(learn, s, in, 13, true);
        using E = std::pair<std::uint32_t, std::uint32_t>;
        CHECK(e.events == std::vector<E>{{6, 0}, {12, 0}});
    }
}

TEST_CASE("stdp: lateral inhibition and refractory steps act one step after a spike", "[unit]") {
    StdpSpec s = exact_spec(1, 2);
    s.threshold = 1.5;
    s.inhibition = 3;
    s.refractory = 2;
    StdpNet net = blank_net(1, 2);
    w_at(net, 0, 0) = 1.0f;   // neuron 0: +1 per step
    w_at(net, 1, 0) = 0.75f;  // neuron 1: +0.75 per step
    encode::SpikeTrain in;
    for (std::uint32_t t = 0; t < 9; ++t) in.push_back({t, 0});  // arrives at 1..9
    // n0: 1, 2 -> spike at t=2, refractory at 3, 4 (input lost), then 1, 2 -> spike at 6, ...
    // n1: 0.75, 1.5 -> spike at t=2 too (same step: neither inhibition has arrived yet); at t=3 each
    // would receive the other's -3, but both are refractory (input dropped) at 3 and 4; t=5: 0.75,
    // t=6: 1.5 -> both fire again at 6; t=9: n0 = 1 (refractory 7, 8), n1 = 0.75.
    const auto r = eval_stdp_frame(net, s, in, 10, true);
    using E = std::pair<std::uint32_t, std::uint32_t>;
    CHECK(r.events == std::vector<E>{{2, 0}, {2, 1}, {6, 0}, {6, 1}});
    // Without refractory steps the inhibition lands: at t=3 both get +input - 3.
    s.refractory = 0;
    const auto q = eval_stdp_frame(net, s, in, 6, true);
    // n0: t=3: -2, 4: -1, 5: 0; n1: 3: -2.25, 4: -1.5, 5: -0.75: no further spikes.
    CHECK(q.events == std::vector<E>{{2, 0}, {2, 1}});
    // A neuron never inhibits itself: alone (neuron 1 silent) neuron 0 fires every second step.
    w_at(net, 1, 0) = 0.0f;
    const auto alone = eval_stdp_frame(net, s, in, 10, true);
    CHECK(alone.events == std::vector<E>{{2, 0}, {4, 0}, {6, 0}, {8, 0}});
}

TEST_CASE("stdp: label assignment takes each neuron's highest mean count per class", "[unit]") {
    const std::vector<std::uint8_t> labels{0, 0, 0, 1};
    // counts[image * 4 + neuron]
    const std::vector<std::uint32_t> counts{
        1, 2, 0, 1,  //
        1, 0, 0, 1,  //
        1, 1, 0, 1,  //
        2, 0, 0, 1,  //
    };
    // n0: class 0 mean 1, class 1 mean 2 -> 1 (its sum favours class 0: the mean decides)
    // n1: class 0 mean 1, class 1 mean 0 -> 0;  n2: never fired -> -1;  n3: tie 1 = 1 -> lower class 0
    CHECK(assign_labels(counts, labels, 4, 2) == std::vector<int>{1, 0, -1, 0});
}

TEST_CASE("stdp: the mean rule (Diehl & Cook) and the sum rule (the chip's readout) decide as computed", "[unit]") {
    const std::vector<int> a{0, 0, 0, 1, -1};
    const std::uint32_t c1[] = {1, 1, 1, 2, 9};  // sums 3 vs 2, means 1 vs 2; the unassigned neuron is ignored
    CHECK(stdp_decide(c1, a, 2, StdpReadout::sum) == 0);
    CHECK(stdp_decide(c1, a, 2, StdpReadout::mean) == 1);
    const std::uint32_t c2[] = {0, 0, 2, 2, 0};  // tie 2 = 2 -> lower class under the sum rule
    CHECK(stdp_decide(c2, a, 2, StdpReadout::sum) == 0);
    const std::uint32_t c3[] = {0, 0, 0, 0, 5};  // only an unassigned neuron fired: no decision
    CHECK(stdp_decide(c3, a, 2, StdpReadout::sum) == -1);
    CHECK(stdp_decide(c3, a, 2, StdpReadout::mean) == -1);
}

TEST_CASE("stdp: training is deterministic for a seed and changes with it", "[unit]") {
    data::ImageSet set;
    set.rows = set.cols = 4;
    set.num_classes = 2;
    std::mt19937_64 rng(3);
    for (int i = 0; i < 24; ++i) {
        set.labels.push_back(static_cast<std::uint8_t>(i % 2));
        for (int p = 0; p < 16; ++p)
            set.pixels.push_back(((p % 2) == (i % 2)) ? 0.5f + 0.5f * static_cast<float>(rng() % 100) / 100.0f : 0.0f);
    }
    StdpSpec s;
    s.inputs = 16;
    s.neurons = 4;
    s.outputs = 2;
    s.steps = 40;
    s.rate_max = 0.5;
    s.threshold = 3;
    s.norm = 4;
    s.epochs = 2;
    s.validate();
    const StdpNet a = train_stdp(s, set);
    const StdpNet b = train_stdp(s, set);
    CHECK(a.w == b.w);
    CHECK(a.theta == b.theta);
    // The weights moved and stay normalised.
    const StdpNet init = init_stdp(s);
    CHECK(a.w != init.w);
    for (int o = 0; o < s.neurons; ++o) {
        double sum = 0;
        for (int i = 0; i < s.inputs; ++i) sum += a.weight(o, i);
        CHECK(sum == Approx(4.0).epsilon(1e-5));
    }
    s.seed = 2;
    CHECK(train_stdp(s, set).w != a.w);
    // Responses (and thus labels) do not depend on the thread count.
    CHECK(stdp_responses(a, s, set, set.count(), 1, 5) == stdp_responses(a, s, set, set.count(), 2, 5));
}

TEST_CASE("stdp: training resumed from a checkpoint after epoch 1 equals an uninterrupted run", "[unit]") {
    data::ImageSet set;
    set.rows = set.cols = 3;
    set.num_classes = 3;
    for (int i = 0; i < 18; ++i) {
        set.labels.push_back(static_cast<std::uint8_t>(i % 3));
        for (int p = 0; p < 9; ++p) set.pixels.push_back(p / 3 == i % 3 ? 1.0f : 0.1f);
    }
    StdpSpec s;
    s.inputs = 9;
    s.neurons = 3;
    s.outputs = 3;
    s.steps = 30;
    s.rate_max = 0.6;
    s.threshold = 2;
    s.norm = 3;
    s.epochs = 3;
    const StdpNet whole = train_stdp(s, set);
    const std::string dir = test::scratch_dir("stdp-ckpt");
    StdpNet part = init_stdp(s);
    StdpSpec one = s;
    one.epochs = 1;
    train_stdp_epochs(part, one, set, 0);
    save_stdp_checkpoint(dir + "/c.bin", part, 1);
    int done = 0;
    StdpNet resumed = load_stdp_checkpoint(dir + "/c.bin", s, done);
    CHECK(done == 1);
    CHECK(resumed.w == part.w);
    CHECK(resumed.theta == part.theta);
    train_stdp_epochs(resumed, s, set, done);
    CHECK(resumed.w == whole.w);
    CHECK(resumed.theta == whole.theta);
    // A checkpoint of another shape, or a damaged one, is refused naming the file.
    StdpSpec other = s;
    other.neurons = 4;
    CHECK_THROWS_WITH(load_stdp_checkpoint(dir + "/c.bin", other, done), Catch::Contains("c.bin") && Catch::Contains("3-neuron"));
    test::write_text(dir + "/bad.bin", test::read_text(dir + "/c.bin").substr(0, 40));
    CHECK_THROWS_WITH(load_stdp_checkpoint(dir + "/bad.bin", s, done), Catch::Contains("bad.bin") && Catch::Contains("truncated"));
}

TEST_CASE("stdp conversion: folded thresholds, recurrent inhibition and readout reproduce the float spikes on the reference",
          "[unit]") {
    // No decay and weights that are integers after the row scaling: the fixed-point network must
    // fire exactly when the float model does. theta_o = 4 and 8: row scales 1 and 1/2.
    StdpSpec s = exact_spec(3, 2);
    s.threshold = 4;
    s.inhibition = 2;
    s.refractory = 1;
    s.weight_bits = 3;  // qmax 3: weight scale 1, so every weight below is exact
    s.steps = 40;
    s.drain_steps = 2;
    StdpNet net = blank_net(3, 2);
    net.theta = {0.0, 4.0};
    const int w0[] = {1, 2, 3};
    for (int i = 0; i < 3; ++i) {
        w_at(net, 0, i) = static_cast<float>(w0[i]);
        w_at(net, 1, i) = static_cast<float>(2 * w0[2 - i]);
    }
    const StdpConversion c = convert_stdp(net, {1, 0}, s);
    REQUIRE(c.weight_scale == Approx(1.0));
    CHECK(c.theta_ref == Approx(4.0));
    CHECK(c.row_scale == std::vector<double>{1.0, 0.5});
    const snn::Layer& exc = c.net.layers.at(0);
    CHECK(exc.neuron.theta == 4);
    CHECK(exc.neuron.decay_i == 0);
    CHECK(exc.neuron.decay_v == 4096);
    CHECK(exc.weights == std::vector<std::int32_t>{1, 2, 3, 3, 2, 1});
    // Inhibition: no self-connection, -2 * row scale.
    CHECK(exc.recurrent.row_ptr == std::vector<std::uint32_t>{0, 1, 2});
    CHECK(exc.recurrent.cols == std::vector<std::uint32_t>{1, 0});
    CHECK(exc.recurrent.weights == std::vector<std::int32_t>{-2, -1});
    // Readout: neuron 0 labelled 1, neuron 1 labelled 0.
    CHECK(c.net.layers.at(1).weights == std::vector<std::int32_t>{0, 1, 1, 0});
    CHECK(c.net.decode == snn::Decode::count);
    CHECK(c.net.timesteps == 42);

    const snn::Reference ref(c.net);
    std::mt19937_64 rng(9);
    int compared_spikes = 0;
    for (int f = 0; f < 50; ++f) {
        encode::SpikeTrain in;
        for (std::uint32_t t = 0; t < 40; ++t)
            for (std::uint32_t i = 0; i < 3; ++i)
                if (rng() % 3 == 0) in.push_back({t, i});
        snn::VectorSink sink;
        const snn::FrameResult fr = ref.run(in, static_cast<std::uint64_t>(f), &sink);
        std::vector<std::pair<std::uint32_t, std::uint32_t>> got;
        for (const auto& e : sink.spikes)
            if (e.layer == 0) got.emplace_back(e.step, e.neuron);
        const auto want = eval_stdp_frame(net, s, in, c.net.timesteps, true);
        REQUIRE(got == want.events);
        compared_spikes += static_cast<int>(got.size());
        // The readout adds one output spike per labelled spike delivered inside the window
        // (emitted before the last step): neuron 0 feeds output 1, neuron 1 output 0.
        std::vector<std::uint32_t> want_counts(2, 0);
        for (const auto& e : want.events)
            if (static_cast<int>(e.first) + 1 < c.net.timesteps) ++want_counts[e.second == 0 ? 1 : 0];
        CHECK(fr.output_counts == want_counts);
    }
    CHECK(compared_spikes > 100);
}

TEST_CASE("stdp model file: unknown keys, wrong types and out-of-range values name the file and line", "[unit]") {
    const std::string good = "name: t\nnetwork:\n  inputs: 1000\n  neurons: 4\n  outputs: 2\n";
    CHECK(parse_stdp_spec(good, "m.yaml").neurons == 4);
    auto msg = [](const std::string& text) {
        try {
            parse_stdp_spec(text, "m.yaml");
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(msg(good + "stdp:\n  nu_pr: 0.1\n"), Catch::Contains("m.yaml:7") && Catch::Contains("unknown key 'stdp.nu_pr'"));
    CHECK_THAT(msg("network:\n  inputs: 16\n  neurons: many\n"),
               Catch::Contains("m.yaml:3") && Catch::Contains("'network.neurons' has the wrong type"));
    CHECK_THAT(msg(good + "encoding:\n  rate_max: 1.5\n"),
               Catch::Contains("m.yaml:7") && Catch::Contains("'encoding.rate_max' must be in (0, 1]"));
    CHECK_THAT(msg(good + "encoding:\n  kind: ttfs\n"), Catch::Contains("m.yaml:7") && Catch::Contains("must be rate"));
    CHECK_THAT(msg(good + "conversion:\n  weight_bits: 20\n"),
               Catch::Contains("m.yaml:7") && Catch::Contains("'conversion.weight_bits' must be in 2..16"));
    CHECK_THAT(msg(good + "bogus: 1\n"), Catch::Contains("m.yaml:6") && Catch::Contains("unknown key 'bogus'"));
    CHECK_THAT(msg("name: x\n"), Catch::Contains("missing key 'network'"));
    CHECK_THAT(msg(good + "stdp:\n  norm: 2000\n"), Catch::Contains("stdp.norm must be <= stdp.w_max * network.inputs"));
}

TEST_CASE("train --method stdp: a bad model file is exit 2 naming the key, an unknown method lists stdp", "[system]") {
    const std::string dir = test::scratch_dir("stdp-cli");
    test::write_text(dir + "/bad.yaml", "network:\n  inputs: 784\n  neurons: 10\nneuron:\n  tau: 3\n");
    const auto r = test::run_cli("train --method stdp --dataset mnist --model " + dir + "/bad.yaml --out " + dir + "/o");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("bad.yaml:5") && Catch::Contains("unknown key 'neuron.tau'"));
    const auto u = test::run_cli("train --method hebb --dataset mnist --model " + dir + "/bad.yaml --out " + dir + "/o");
    CHECK(u.exit_code == 2);
    CHECK_THAT(u.output, Catch::Contains("stdp"));
}

TEST_CASE("stdp model files: the shipped configurations load with the documented values", "[unit]") {
    const StdpSpec a = load_stdp_spec(test::source_dir() + "/configs/models/stdp-400.yaml");
    CHECK(a.neurons == 400);
    CHECK(a.inhibition == 100);
    CHECK(a.steps == 250);
    CHECK(a.weight_bits == 12);
    CHECK(a.decay_v_q12() == 4055);  // round(4096 e^(-1/100))
    const StdpSpec b = load_stdp_spec(test::source_dir() + "/configs/models/stdp-100.yaml");
    CHECK(b.neurons == 100);
    CHECK(b.name == "stdp-100");
}
