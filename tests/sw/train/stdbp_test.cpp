// STDBP core: hand-computed ReL-PSP firing times, analytic gradients against central finite
// differences, thread-count independence.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "sw/train/parallel.h"
#include "sw/train/stdbp.h"
#include "sw/train/trainer.h"

using namespace spiketlm;
using namespace spiketlm::train;

namespace {

Net one_neuron(std::vector<double> w, double theta) {
    Net net;
    Layer l;
    l.in = static_cast<int>(w.size());
    l.out = 1;
    l.w = std::move(w);
    l.theta = theta;
    net.layers.push_back(l);
    return net;
}

double single_fire(const Net& net, const std::vector<double>& t, std::uint32_t* ncausal = nullptr) {
    SampleTrace tr;
    tr.layers.resize(1);
    std::vector<std::uint32_t> idx;
    for (std::size_t i = 0; i < t.size(); ++i) idx.push_back(static_cast<std::uint32_t>(i));
    set_inputs(idx, t, tr.layers[0]);
    forward(net, tr);
    if (ncausal) *ncausal = tr.layers[0].ncausal[0];
    return tr.layers[0].t[0];
}

}  // namespace

TEST_CASE("ReL-PSP neuron fires at the hand-computed time of its causal set", "[unit]") {
    // Inputs at 0, 1, 3 with weights 0.5, 0.25, 1, theta 1.
    // After input 0: V(t) = 0.5 t, reaches 1 at t = 2 > next input (1): no spike yet.
    // After input 1: V(t) = 0.5 t + 0.25 (t - 1) = 0.75 t - 0.25 -> 1 at t = 5/3 < 3: fires.
    const Net net = one_neuron({0.5, 0.25, 1.0}, 1.0);
    std::uint32_t nc = 0;
    CHECK(single_fire(net, {0.0, 1.0, 3.0}, &nc) == Approx(5.0 / 3.0).epsilon(1e-15));
    CHECK(nc == 2);

    // A negative first weight delays: V = -0.5 t on [0,1), then 0.5 t - 1 on [1,2):
    // reaches 1 at t = 4 > 2; after input 2: 1.5 t - 3 = 1 at t = 8/3.
    const Net net2 = one_neuron({-0.5, 1.0, 1.0}, 1.0);
    CHECK(single_fire(net2, {0.0, 1.0, 2.0}, &nc) == Approx(8.0 / 3.0).epsilon(1e-15));
    CHECK(nc == 3);

    // Inputs that arrive together form one group: the check happens after both.
    // 2 inputs at t=1 with w 0.5 each (S=1, P=1): t = (1 + 1) / 1 = 2.
    const Net net3 = one_neuron({0.5, 0.5}, 1.0);
    CHECK(single_fire(net3, {1.0, 1.0}, &nc) == Approx(2.0).epsilon(1e-15));
    CHECK(nc == 2);

    // The input that arrives exactly when V reaches theta is not causal: w 1 at t=0 reaches
    // theta=1 at t=1, the input at t=1 does not count.
    const Net net4 = one_neuron({1.0, 5.0}, 1.0);
    CHECK(single_fire(net4, {0.0, 1.0}, &nc) == Approx(1.0).epsilon(1e-15));
    CHECK(nc == 1);

    // Sum of weights never positive: silent, causal set = all inputs.
    const Net net5 = one_neuron({0.3, -0.3}, 1.0);
    CHECK(std::isinf(single_fire(net5, {0.0, 0.5}, &nc)));
    CHECK(nc == 2);
}

TEST_CASE("ReL-PSP forward agrees with a brute-force membrane scan", "[unit]") {
    // V(t) = sum w_i max(0, t - t_i) sampled finely: first crossing must match the closed form.
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> U(0.0, 1.0);
    std::normal_distribution<double> N(0.1, 0.3);
    int fired = 0;
    for (int trial = 0; trial < 50; ++trial) {
        std::vector<double> w(8), t(8);
        for (auto& x : w) x = N(rng);
        for (auto& x : t) x = U(rng);
        const Net net = one_neuron(w, 0.2);
        const double tf = single_fire(net, t);
        {  // the single-neuron helper agrees bit for bit with forward()
            std::vector<std::uint32_t> idx{0, 1, 2, 3, 4, 5, 6, 7};
            std::vector<double> ts = t;
            SampleTrace tr;
            tr.layers.resize(1);
            set_inputs(idx, ts, tr.layers[0]);
            std::uint32_t nc = 0;
            double ws = 0;
            const auto& in = tr.layers[0];
            const double t1 = fire_time(w.data(), 0.2, in.in_idx.data(), in.in_t.data(), 8, &nc, &ws);
            CHECK((t1 == tf || (std::isinf(t1) && std::isinf(tf))));
        }
        double crossing = kNoSpike;
        const double dt = 1e-5;
        for (double s = 0; s < 6.0; s += dt) {
            double v = 0;
            for (int i = 0; i < 8; ++i) v += w[i] * std::max(0.0, s - t[i]);
            if (v >= 0.2) {
                crossing = s;
                break;
            }
        }
        if (std::isinf(crossing)) {
            // Either silent or fires after the scanned range.
            CHECK((std::isinf(tf) || tf > 6.0 - dt));
        } else {
            ++fired;
            CHECK(std::abs(tf - crossing) <= 2 * dt);
        }
    }
    CHECK(fired > 20);
}

namespace {

struct Problem {
    Net net;
    std::vector<std::vector<std::uint32_t>> idx;
    std::vector<std::vector<double>> t;
    std::vector<int> labels;
    LossSpec loss;
};

Problem small_problem() {
    // 6-5-3, random positive-mean weights, four fixed input patterns.
    Problem p;
    std::mt19937_64 rng(42);
    std::normal_distribution<double> n1(0.35, 0.3), n2(0.4, 0.35);
    std::uniform_real_distribution<double> U(0.0, 1.0);
    Layer a, b;
    a.in = 6, a.out = 5, a.theta = 1.0;
    b.in = 5, b.out = 3, b.theta = 1.0;
    for (int i = 0; i < 30; ++i) a.w.push_back(n1(rng));
    for (int i = 0; i < 15; ++i) b.w.push_back(n2(rng));
    p.net.layers = {a, b};
    for (int s = 0; s < 4; ++s) {
        std::vector<std::uint32_t> idx;
        std::vector<double> t;
        for (std::uint32_t i = 0; i < 6; ++i)
            if (U(rng) < 0.85) {
                idx.push_back(i);
                t.push_back(U(rng));
            }
        p.idx.push_back(idx);
        p.t.push_back(t);
        p.labels.push_back(s % 3);
    }
    p.loss.beta = 2.0;
    p.loss.time_cap = 50.0;
    p.loss.hinge_weight = 0.05;
    p.loss.hinge_min_sum = 1.2;
    return p;
}

std::vector<SampleTrace> traces_of(const Problem& p) {
    std::vector<SampleTrace> tr(p.idx.size());
    for (std::size_t s = 0; s < tr.size(); ++s) {
        tr[s].layers.resize(p.net.layers.size());
        tr[s].label = p.labels[s];
        set_inputs(p.idx[s], p.t[s], tr[s].layers[0]);
    }
    return tr;
}

// The discrete state that must not change for finite differences to be valid: every causal set
// size and whether each hinge term is active.
std::vector<long> signature(const std::vector<SampleTrace>& tr, const LossSpec& loss) {
    std::vector<long> sig;
    for (const auto& s : tr)
        for (const auto& l : s.layers)
            for (std::size_t j = 0; j < l.t.size(); ++j) {
                sig.push_back(l.ncausal[j]);
                sig.push_back(l.wsum[j] < loss.hinge_min_sum);
                sig.push_back(std::isinf(l.t[j]));
            }
    return sig;
}

}  // namespace

namespace {

struct FdCounts {
    int checked = 0, skipped = 0, nonzero = 0;
};

// Central finite differences of the batch loss against the analytic gradient for every weight
// whose perturbation leaves the discrete state (signature) unchanged.
FdCounts finite_difference_check(Problem& p) {
    Workers workers(1);
    auto tr = traces_of(p);
    Gradients g;
    const double loss0 = batch_gradient(p.net, p.loss, tr, g, workers);
    const auto sig0 = signature(tr, p.loss);
    REQUIRE(std::isfinite(loss0));
    const double h = 1e-6;
    FdCounts n;
    for (std::size_t l = 0; l < p.net.layers.size(); ++l)
        for (std::size_t k = 0; k < p.net.layers[l].w.size(); ++k) {
            Gradients scratch;
            const double w0 = p.net.layers[l].w[k];
            p.net.layers[l].w[k] = w0 + h;
            auto tp = traces_of(p);
            const double lp = batch_gradient(p.net, p.loss, tp, scratch, workers);
            const auto sp = signature(tp, p.loss);
            p.net.layers[l].w[k] = w0 - h;
            auto tm = traces_of(p);
            const double lm = batch_gradient(p.net, p.loss, tm, scratch, workers);
            const auto sm = signature(tm, p.loss);
            p.net.layers[l].w[k] = w0;
            if (sp != sig0 || sm != sig0) {
                ++n.skipped;
                continue;
            }
            const double fd = (lp - lm) / (2 * h);
            const double an = g.dw[l][k];
            if (an != 0.0) ++n.nonzero;
            const double rel = std::abs(fd - an) / std::max(1e-6, std::max(std::abs(fd), std::abs(an)));
            INFO("layer " << l << " weight " << k << " analytic " << an << " numeric " << fd);
            CHECK(rel <= 1e-4);
            ++n.checked;
        }
    return n;
}

// Neurons (over all samples and layers) whose hinge term is active: fired or not, a non-empty
// causal set with weight sum below hinge_min_sum.
int active_hinges(const Problem& p) {
    Workers workers(1);
    auto tr = traces_of(p);
    Gradients g;
    batch_gradient(p.net, p.loss, tr, g, workers);
    int n = 0;
    for (const auto& s : tr)
        for (const auto& l : s.layers)
            for (std::size_t j = 0; j < l.t.size(); ++j) n += l.ncausal[j] > 0 && l.wsum[j] < p.loss.hinge_min_sum;
    return n;
}

}  // namespace

TEST_CASE("STDBP gradients match central finite differences where causal sets are stable", "[unit]") {
    Problem p = small_problem();
    {
        // The problem must exercise both layers: some hidden neurons fire, outputs fire before the cap.
        Workers workers(1);
        auto tr = traces_of(p);
        Gradients g;
        batch_gradient(p.net, p.loss, tr, g, workers);
        int out_fired = 0;
        for (const auto& s : tr)
            for (double t : s.layers[1].t) out_fired += t < p.loss.time_cap;
        REQUIRE(out_fired >= 6);
    }
    const auto n = finite_difference_check(p);
    CHECK(n.checked >= 35);  // of 45 weights
    CHECK(n.nonzero >= 20);
    CHECK(n.skipped <= 10);
}

TEST_CASE("STDBP gradients match finite differences with the hinge penalty active", "[unit]") {
    // The same problem with a hinge floor above most causal weight sums: the hinge term's
    // contribution to loss and gradient is now checked too.
    Problem p = small_problem();
    p.loss.hinge_min_sum = 3.0;
    p.loss.hinge_weight = 0.5;
    const int active = active_hinges(p);
    INFO(active << " active hinge terms");
    REQUIRE(active >= 20);  // of 4 samples x 8 neurons
    const auto n = finite_difference_check(p);
    CHECK(n.checked >= 35);
    CHECK(n.nonzero >= 20);
}

TEST_CASE("STDBP hinge penalty by hand: loss lambda/n (m - sum_C w), gradient -lambda/n per causal weight",
          "[unit]") {
    // One layer, 2 inputs at t = 0 and 0.5, 2 output neurons, theta 1. beta = 0 makes the
    // cross-entropy log 2 with zero gradient, so only the hinge remains.
    // Neuron 0 (w 0.5, 0.3): causal set both inputs (0.5 t reaches 1 only at 2 > 0.5), sum 0.8 < 1:
    //   hinge active, loss 0.1 / 2 * (1 - 0.8) = 0.01, dL/dw = -0.05 for both weights.
    // Neuron 1 (w 0.6, 0.6): sum 1.2 >= 1: inactive, zero gradient.
    Net net;
    Layer l;
    l.in = 2, l.out = 2, l.theta = 1.0;
    l.w = {0.5, 0.3, 0.6, 0.6};
    net.layers.push_back(l);
    LossSpec loss;
    loss.beta = 0.0;
    loss.time_cap = 100.0;
    loss.hinge_weight = 0.1;
    loss.hinge_min_sum = 1.0;
    std::vector<SampleTrace> tr(1);
    tr[0].layers.resize(1);
    tr[0].label = 1;
    set_inputs({0, 1}, {0.0, 0.5}, tr[0].layers[0]);
    Workers workers(1);
    Gradients g;
    const double mean_loss = batch_gradient(net, loss, tr, g, workers);
    REQUIRE(tr[0].layers[0].ncausal[0] == 2);
    CHECK(tr[0].layers[0].t[0] == Approx(1.15 / 0.8));
    CHECK(mean_loss == Approx(std::log(2.0) + 0.01).epsilon(1e-12));
    CHECK(g.dw[0][0] == Approx(-0.05).epsilon(1e-12));
    CHECK(g.dw[0][1] == Approx(-0.05).epsilon(1e-12));
    CHECK(g.dw[0][2] == 0.0);
    CHECK(g.dw[0][3] == 0.0);
}

TEST_CASE("batch gradients are identical for 1 and 2 threads", "[unit]") {
    Problem p = small_problem();
    // Replicate the samples so that the batch is split between threads.
    for (int r = 0; r < 5; ++r)
        for (int s = 0; s < 4; ++s) {
            p.idx.push_back(p.idx[s]);
            p.t.push_back(p.t[s]);
            p.labels.push_back((p.labels[s] + r) % 3);
        }
    Workers w1(1), w2(2);
    auto t1 = traces_of(p), t2 = traces_of(p);
    Gradients g1, g2;
    const double l1 = batch_gradient(p.net, p.loss, t1, g1, w1);
    const double l2 = batch_gradient(p.net, p.loss, t2, g2, w2);
    CHECK(l1 == l2);
    CHECK(g1.dw == g2.dw);
}

TEST_CASE("batch forward is bit-identical to the per-sample forward", "[unit]") {
    // 30-70-11: more than one neuron block, a partial last block, silent and firing neurons.
    std::mt19937_64 rng(3);
    std::normal_distribution<double> n1(0.02, 0.08), n2(0.05, 0.1);
    std::uniform_real_distribution<double> U(0.0, 1.0);
    Net net;
    Layer a, b;
    a.in = 30, a.out = 70, a.theta = 0.3;
    b.in = 70, b.out = 11, b.theta = 0.5;
    for (int i = 0; i < a.in * a.out; ++i) a.w.push_back(n1(rng));
    for (int i = 0; i < b.in * b.out; ++i) b.w.push_back(n2(rng));
    net.layers = {a, b};
    std::vector<SampleTrace> batch(40), single(40);
    for (std::size_t s = 0; s < batch.size(); ++s) {
        std::vector<float> x(30);
        for (auto& v : x) v = U(rng) < 0.3 ? 0.0f : static_cast<float>(std::round(U(rng) * 8) / 8);
        batch[s].layers.resize(2);
        single[s].layers.resize(2);
        encode_ttfs(x.data(), 30, 1.0, 0.0, batch[s].layers[0]);
        encode_ttfs(x.data(), 30, 1.0, 0.0, single[s].layers[0]);
        forward(net, single[s]);
    }
    Workers w(2);
    BatchForward fwd;
    fwd.prepare(net, w);
    fwd.run(net, batch, w);
    int silent = 0, fired = 0;
    for (std::size_t s = 0; s < batch.size(); ++s) {
        CHECK(batch[s].predicted == single[s].predicted);
        for (int l = 0; l < 2; ++l) {
            const auto& x = batch[s].layers[l];
            const auto& y = single[s].layers[l];
            CHECK(x.t == y.t);
            CHECK(x.ncausal == y.ncausal);
            CHECK(x.wsum == y.wsum);
            CHECK(x.in_idx == y.in_idx);
            for (double t : x.t) (std::isinf(t) ? silent : fired)++;
        }
    }
    CHECK(silent > 0);
    CHECK(fired > 1000);
}
