// NVM device and crossbar model (sw/nvm): statistics of every non-ideality over >= 10 k draws
// against the configured parameters, hand-computed ADC and IR-drop cases, exact sums with ideal
// devices on multi-tile layers, tiling counts, order independence of the draws, the reference
// running the non-ideal network, and config errors naming key and file:line.
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>

#include "sw/cfg/config.h"
#include "sw/common/error.h"
#include "sw/nvm/crossbar.h"
#include "sw/nvm/device.h"
#include "sw/nvm/nvm_config.h"
#include "sw/snn/random_network.h"
#include "sw/snn/reference.h"

using namespace spiketlm;
using namespace spiketlm::nvm;

namespace {
constexpr int kDraws = 20000;

struct Moments {
    double mean = 0, sd = 0;
};
Moments moments(const std::vector<double>& x) {
    Moments m;
    for (double v : x) m.mean += v;
    m.mean /= static_cast<double>(x.size());
    for (double v : x) m.sd += (v - m.mean) * (v - m.mean);
    m.sd = std::sqrt(m.sd / static_cast<double>(x.size() - 1));
    return m;
}
std::vector<double> programmed(const DeviceParams& d, double g) {
    std::vector<double> out;
    for (int k = 0; k < kDraws; ++k) out.push_back(programmed_g(d, g, draw_key(7, kProgram, 0, 0, k / 100, k % 100)));
    return out;
}
}  // namespace

TEST_CASE("nvm: standard normal draws have mean 0 and sd 1 over 20k keys", "[unit]") {
    std::vector<double> z;
    for (int k = 0; k < kDraws; ++k) z.push_back(normal(draw_key(1, kRead, 0, 0, 0, 0, 0, static_cast<std::uint32_t>(k))));
    const Moments m = moments(z);
    CHECK(std::abs(m.mean) < 4.0 / std::sqrt(kDraws));  // 4 standard errors
    CHECK(std::abs(m.sd - 1.0) < 0.02);
}

TEST_CASE("nvm: programming spread matches the configured sigma within 5 % (gaussian abs/rel, lognormal, poly)", "[unit]") {
    DeviceParams d;
    d.variation = Variation::gaussian;
    d.sigma_mode = SigmaMode::relative;
    d.sigma = 0.05;
    Moments m = moments(programmed(d, 10.0));
    CHECK(std::abs(m.sd / 0.5 - 1.0) < 0.05);
    CHECK(std::abs(m.mean - 10.0) < 4 * 0.5 / std::sqrt(kDraws));

    d.sigma_mode = SigmaMode::absolute;
    d.sigma = 1.0;
    m = moments(programmed(d, 12.0));
    CHECK(std::abs(m.sd / 1.0 - 1.0) < 0.05);

    d.variation = Variation::lognormal;
    d.sigma_mode = SigmaMode::relative;
    d.sigma = 0.1;
    std::vector<double> lg;
    for (double g : programmed(d, 10.0)) lg.push_back(std::log(g));
    m = moments(lg);
    CHECK(std::abs(m.sd / 0.1 - 1.0) < 0.05);

    // aihwkit PCM-like prog_coeff at G = g_max / 2: sigma = c0 + c1/2 + c2/4 µS.
    d.variation = Variation::gaussian;
    d.sigma_mode = SigmaMode::poly;
    d.sigma_poly = {0.26348, 1.9650, -1.1731};
    const double expect = 0.26348 + 1.9650 * 0.5 - 1.1731 * 0.25;
    m = moments(programmed(d, 12.5));
    CHECK(std::abs(m.sd / expect - 1.0) < 0.05);
}

TEST_CASE("nvm: stuck-at fractions fall within the 99 % binomial interval over 100k cells", "[unit]") {
    DeviceParams d;
    d.stuck_gmin = 0.09;  // the MNSIM-like preset's rates
    d.stuck_gmax = 0.01;
    const int n = 100000;
    const auto within = [&](int count, double p) {
        const double mu = n * p, half = 2.576 * std::sqrt(n * p * (1 - p));
        return std::abs(count - mu) <= half;
    };
    // Each check misses its interval with probability 1 %: over 20 seeds x 2 rates, more than 3
    // misses has probability < 1 % (binomial(40, 0.01)); seed 1 itself must pass.
    int misses = 0;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        int s0 = 0, s1 = 0;
        for (int k = 0; k < n; ++k) {
            const int s = stuck_state(d, draw_key(seed, kStuck, 1, 2, k / 1000, k % 1000));
            s0 += s == 1;
            s1 += s == 2;
        }
        if (seed == 1) {
            CHECK(within(s0, 0.09));
            CHECK(within(s1, 0.01));
        }
        misses += !within(s0, 0.09) + !within(s1, 0.01);
    }
    CHECK(misses <= 3);
    d.stuck_gmin = d.stuck_gmax = 0.0;
    CHECK(stuck_state(d, 12345) == 0);
}

TEST_CASE("nvm: drift follows G0 (t/t0)^-nu and per-device nu has the configured mean and sigma", "[unit]") {
    DeviceParams d;
    d.drift_t0_s = 20.0;
    d.drift_time_s = 2000.0;
    CHECK(drifted_g(d, 10.0, 0.05) == Approx(10.0 * std::pow(100.0, -0.05)).epsilon(1e-12));
    d.drift_time_s = 10.0;  // before t0: no drift
    CHECK(drifted_g(d, 10.0, 0.05) == 10.0);
    d.drift_nu = 0.06;
    d.drift_nu_sigma = 0.01;
    std::vector<double> nu;
    for (int k = 0; k < kDraws; ++k) nu.push_back(drift_nu(d, 10.0, draw_key(5, kDrift, 0, 0, 0, static_cast<std::uint32_t>(k))));
    const Moments m = moments(nu);
    CHECK(std::abs(m.mean - 0.06) < 4 * 0.01 / std::sqrt(kDraws));
    CHECK(std::abs(m.sd / 0.01 - 1.0) < 0.05);
    // aihwkit PCM fit at G = g_max: mu = clip(0.0244) = 0.049, sig = clip(-0.0059) = 0.008 (|.| is
    // immaterial six sigmas from 0).
    d.drift_pcm_fit = true;
    d.g_max_us = 25.0;
    nu.clear();
    for (int k = 0; k < kDraws; ++k) nu.push_back(drift_nu(d, 25.0, draw_key(5, kDrift, 0, 0, 1, static_cast<std::uint32_t>(k))));
    const Moments p = moments(nu);
    CHECK(std::abs(p.mean - 0.049) < 4 * 0.008 / std::sqrt(kDraws));
    CHECK(std::abs(p.sd / 0.008 - 1.0) < 0.05);
}

TEST_CASE("nvm: IR drop is zero without wire resistance and grows with distance from driver and ADC", "[unit]") {
    DeviceParams d;
    d.rows = 128;
    CHECK(ir_drop_g(d, 10.0, 0, 0) == 10.0);
    d.wire_ohm = 2.0;
    // row 5, col 9: 9 + 1 segments along the row, 128 - 5 along the column.
    CHECK(ir_drop_g(d, 10.0, 5, 9) == Approx(10.0 / (1.0 + 10e-6 * 2.0 * (10 + 123))).epsilon(1e-12));
    CHECK(ir_drop_g(d, 10.0, 127, 0) > ir_drop_g(d, 10.0, 127, 100));  // farther from the driver
    CHECK(ir_drop_g(d, 10.0, 127, 0) > ir_drop_g(d, 10.0, 0, 0));      // farther from the ADC
}

TEST_CASE("nvm: ADC quantisation and clipping equal hand-computed codes", "[unit]") {
    CHECK(adc_code(2.4, 3, 1.0, false) == 2);
    CHECK(adc_code(2.5, 3, 1.0, false) == 3);   // ties away from zero
    CHECK(adc_code(9.0, 3, 1.0, false) == 7);   // clip at 2^3 - 1
    CHECK(adc_code(-1.0, 3, 1.0, false) == 0);  // clip at 0
    CHECK(adc_code(5.0, 3, 2.0, false) == 3);   // LSB 2: 2.5 -> 3
    CHECK(adc_code(-9.0, 4, 1.0, true) == -8);
    CHECK(adc_code(9.0, 4, 1.0, true) == 7);
    DeviceParams d;
    d.adc_bits = 3;
    d.adc_full_scale = 16.0;
    CHECK(adc_lsb(d, false) == 2.0);
    d.adc_full_scale = 0.0;
    CHECK(adc_lsb(d, false) == 1.0);
}

TEST_CASE("nvm: tiling counts arrays, slices and utilisation of a layer", "[unit]") {
    DeviceParams d;
    d.bits_per_cell = 2;
    d.rows = 128;
    d.cols = 64;
    std::vector<std::int32_t> w(300 * 10, 0);
    w[0] = 127;  // 7 magnitude bits -> 4 slices of 2 bits
    const LayerCrossbar x(d, 1, 0, 300, 10, w);
    const Tiling& t = x.tiling();
    CHECK(t.slices == 4);
    CHECK(t.phys_cols == 10 * 4 * 2);
    CHECK(t.row_tiles == 3);
    CHECK(t.col_tiles == 2);
    CHECK(t.arrays() == 6);
    CHECK(t.utilisation(d) == Approx(300.0 * 80 / (6.0 * 128 * 64)));
    CHECK(x.arrays_built() == 6);
    // A PE's group, neurons 6..8: physical columns 48..71 span column tiles 0 and 1 (64 columns
    // each): 3 row tiles x 2 = 6 arrays holding 300 x 24 cells; neurons 0..5 (columns 0..47): 3.
    const LayerCrossbar g(d, 1, 0, 300, 10, w, 6, 3);
    CHECK(g.arrays_built() == 6);
    CHECK(g.cells() == 300u * 24u);
    const LayerCrossbar h(d, 1, 0, 300, 10, w, 0, 6);
    CHECK(h.arrays_built() == 3);
    d.signing = Signing::offset;  // u = w + 128 needs 8 bits -> 4 slices of one cell
    const LayerCrossbar y(d, 1, 0, 300, 10, w);
    CHECK(y.tiling().slices == 4);
    CHECK(y.tiling().phys_cols == 40);
}

TEST_CASE("nvm: ideal devices give the exact weight sums on multi-tile layers (both signings, 1-3 bits/cell)", "[unit]") {
    const std::uint32_t in = 70, out = 13;
    std::vector<std::int32_t> w(in * out);
    std::uint64_t s = 99;
    for (auto& v : w) v = static_cast<std::int32_t>(mix(++s) % 255) - 127;
    for (int bits = 1; bits <= 3; ++bits)
        for (Signing sg : {Signing::differential, Signing::offset}) {
            DeviceParams d;
            d.bits_per_cell = bits;
            d.signing = sg;
            d.rows = 16;
            d.cols = 24;
            d.adc_bits = 12;  // 16 rows x 7 levels fit: no clipping
            const LayerCrossbar x(d, 3, 0, in, out, w);
            for (int trial = 0; trial < 20; ++trial) {
                std::vector<std::uint32_t> rows;
                for (std::uint32_t r = 0; r < in; ++r)
                    if (mix(s++) % 3 == 0) rows.push_back(r);
                std::vector<std::int64_t> got(out);
                x.read(rows, 0, 0, 0, out, got.data());
                for (std::uint32_t o = 0; o < out; ++o) {
                    std::int64_t e = 0;
                    for (auto r : rows) e += w[o * in + r];
                    REQUIRE(got[o] == e);
                }
            }
        }
}

TEST_CASE("nvm: non-ideal reads are pure functions of (rows, neuron, frame, step), whatever the neuron split", "[unit]") {
    const std::uint32_t in = 40, out = 12;
    std::vector<std::int32_t> w(in * out);
    for (std::size_t k = 0; k < w.size(); ++k) w[k] = static_cast<std::int32_t>(mix(k) % 61) - 30;
    DeviceParams d;
    d.rows = 32;
    d.cols = 32;
    d.variation = Variation::gaussian;
    d.sigma = 0.05;
    d.read_noise = 0.05;
    d.stuck_gmin = 0.01;
    d.stuck_gmax = 0.01;
    d.drift_time_s = 1000;
    d.drift_nu = 0.05;
    d.drift_nu_sigma = 0.01;
    d.wire_ohm = 1.0;
    d.adc_bits = 5;
    d.adc_full_scale = 64;
    const LayerCrossbar x(d, 11, 2, in, out, w);
    std::vector<std::uint32_t> rows{0, 3, 5, 31, 32, 39};
    std::vector<std::int64_t> all(out), a(5), b(out - 5), again(out), other(out);
    x.read(rows, 4, 7, 0, out, all.data());
    x.read(rows, 4, 7, 5, out - 5, b.data());
    x.read(rows, 4, 7, 0, 5, a.data());
    x.read(rows, 4, 7, 0, out, again.data());
    CHECK(all == again);
    for (std::uint32_t o = 0; o < out; ++o) CHECK(all[o] == (o < 5 ? a[o] : b[o - 5]));
    x.read(rows, 5, 7, 0, out, other.data());
    CHECK(all != other);  // read noise is keyed by the frame

    // A PE builds only its group's columns: same cells, same reads.
    const LayerCrossbar group(d, 11, 2, in, out, w, 5, 4);
    std::vector<std::int64_t> g(4);
    group.read(rows, 4, 7, 5, 4, g.data());
    for (std::uint32_t k = 0; k < 4; ++k) CHECK(g[k] == all[5 + k]);
    CHECK(group.cell_g(3, x.tiling().slices * 2 * 5) == x.cell_g(3, x.tiling().slices * 2 * 5));
    CHECK_THROWS_AS(group.read(rows, 4, 7, 0, 4, g.data()), Error);
}

TEST_CASE("nvm: read action counts equal hand-counted arrays, columns and ADC rounds", "[unit]") {
    // 40 x 12 layer, |w| <= 30: 5 magnitude bits -> 3 slices of 2 bits, x2 (pair) = 72 physical
    // columns; 32 x 32 arrays: 2 row tiles x 3 column tiles (32, 32, 8 columns used).
    std::vector<std::int32_t> w(40 * 12, 1);
    w[7] = -30;
    DeviceParams d;
    d.rows = d.cols = 32;
    d.cols_per_adc = 8;
    const LayerCrossbar x(d, 1, 0, 40, 12, w);
    REQUIRE(x.tiling().phys_cols == 72);
    std::vector<std::int64_t> out(12);
    ReadActions a;
    x.read({0, 3, 5, 31, 32, 39}, 0, 0, 0, 12, out.data(), &a);
    CHECK(a.row_activations == 3 * 3 + 3 * 3);  // 3 active rows per row tile, 3 column tiles each
    CHECK(a.column_reads == 72 * 2);
    CHECK(a.adc_conversions == 72 * 2);
    CHECK(a.conversion_rounds == 4);  // 32 columns / 8 per ADC
    ReadActions b;
    x.read({33}, 0, 0, 8, 4, out.data(), &b);  // neurons 8..11: columns 48..71, tiles 1 and 2
    CHECK(b.row_activations == 2);
    CHECK(b.column_reads == 24);
    CHECK(b.conversion_rounds == 2);  // 16 columns in tile 1 (48..63), 8 in tile 2
}

TEST_CASE("nvm: the reference with ideal crossbars equals the exact reference, non-ideal runs are seeded", "[unit]") {
    snn::RandomNetworkSpec spec;
    spec.sizes = {64, 32, 10};
    spec.timesteps = 24;
    spec.seed = 5;
    const snn::Network net = snn::random_network(spec);
    encode::SpikeTrain in;
    for (std::uint32_t t = 0; t < 16; ++t)
        for (std::uint32_t i = 0; i < 64; ++i)
            if (mix(t * 64 + i) % 5 == 0) in.push_back({t, i});
    DeviceParams d;
    d.rows = d.cols = 32;
    d.adc_bits = 10;
    snn::VectorSink exact, ideal;
    snn::Reference(net).run(in, 0, &exact);
    snn::SimOptions o;
    o.synapses = std::make_shared<NetworkCrossbars>(net, d, 1);
    snn::Reference(net, o).run(in, 0, &ideal);
    REQUIRE(!exact.spikes.empty());
    CHECK(exact.spikes == ideal.spikes);

    d.variation = Variation::gaussian;
    d.sigma = 0.2;
    d.read_noise = 0.1;
    d.stuck_gmin = 0.05;
    d.adc_bits = 4;
    snn::VectorSink n1, n2, n3;
    o.synapses = std::make_shared<NetworkCrossbars>(net, d, 1);
    snn::Reference(net, o).run(in, 0, &n1);
    snn::Reference(net, o).run(in, 0, &n2);
    o.synapses = std::make_shared<NetworkCrossbars>(net, d, 2);
    snn::Reference(net, o).run(in, 0, &n3);
    CHECK(n1.spikes == n2.spikes);
    CHECK(n1.spikes != exact.spikes);
    CHECK(n1.spikes != n3.spikes);
}

TEST_CASE("nvm: bad device parameters are config errors naming the key and file:line", "[unit]") {
    const auto error_of = [](const std::string& yaml) -> std::pair<std::string, std::string> {
        try {
            cfg::Config c;
            c.load_string(yaml, "dev.yaml");
            device_from(c);
        } catch (const ConfigError& e) {
            return {e.key(), e.what()};
        }
        return {"", ""};
    };
    auto [k1, m1] = error_of("nvm:\n  enabled: true\n  g_min: 30\n");
    CHECK(k1 == "nvm.g_min");
    CHECK(m1.find("dev.yaml:3") != std::string::npos);
    auto [k2, m2] = error_of("nvm:\n  g_max: 0.05\n");
    CHECK(k2 == "nvm.g_max");
    CHECK(m2.find("dev.yaml:2") != std::string::npos);
    auto [k3, m3] = error_of("nvm:\n  variation:\n    sigma: -0.1\n");
    CHECK(k3 == "nvm.variation.sigma");
    CHECK(m3.find("dev.yaml:3") != std::string::npos);
    auto [k4, m4] = error_of("nvm:\n  stuck_gmin: 1.5\n");
    CHECK(k4 == "nvm.stuck_gmin");
    CHECK(m4.find("dev.yaml:2") != std::string::npos);
    auto [k5, m5] = error_of("nvm:\n  adc:\n    bits: 0\n");
    CHECK(k5 == "nvm.adc.bits");
    CHECK(m5.find("dev.yaml:3") != std::string::npos);
}

namespace {
// Mean |current - exact weight sum| of a 128 x 24 layer on one 128 x 128 array (2-bit cells,
// differential, 9-bit ADC: no clipping) over 300 random reads of ~10 % active rows.
double current_error(const DeviceParams& base, double sigma, double stuck_gmin, double stuck_gmax) {
    const std::uint32_t in = 128, out = 24;
    std::vector<std::int32_t> w(in * out);
    for (std::size_t k = 0; k < w.size(); ++k) w[k] = static_cast<std::int32_t>(mix(k + 1000) % 255) - 127;
    DeviceParams d = base;
    d.variation = sigma > 0 ? Variation::gaussian : Variation::none;
    d.sigma = sigma;
    d.stuck_gmin = stuck_gmin;
    d.stuck_gmax = stuck_gmax;
    const LayerCrossbar x(d, 5, 0, in, out, w);
    double err = 0;
    std::uint64_t s = 77;
    for (int trial = 0; trial < 300; ++trial) {
        std::vector<std::uint32_t> rows;
        for (std::uint32_t r = 0; r < in; ++r)
            if (mix(++s) % 10 == 0) rows.push_back(r);
        std::vector<std::int64_t> got(out);
        x.read(rows, static_cast<std::uint64_t>(trial), 1, 0, out, got.data());
        for (std::uint32_t o = 0; o < out; ++o) {
            std::int64_t e = 0;
            for (auto r : rows) e += w[o * in + r];
            err += std::fabs(static_cast<double>(got[o] - e));
        }
    }
    return err / (300.0 * out);
}
}  // namespace

TEST_CASE("nvm: the error of the neuron currents grows with programming sigma and with the stuck-at rate", "[unit]") {
    DeviceParams d;
    d.g_min_us = 1.1111;
    d.g_max_us = 166.667;
    d.rows = 128;
    d.cols = 128;
    d.adc_bits = 9;
    d.read_noise = 0.02;
    // One device seed for every point (as configs/nvm/sweep-fashion.yaml): sigma scales the same
    // deviations, and the cells stuck at a lower rate are among those stuck at a higher one.
    const double e0 = current_error(d, 0.0, 0, 0);
    double prev = e0;
    for (double sigma : {0.02, 0.05, 0.10}) {
        const double e = current_error(d, sigma, 0, 0);
        INFO("sigma " << sigma << ": " << e << " vs " << prev);
        CHECK(e > prev);
        prev = e;
    }
    for (const bool lrs : {false, true}) {
        prev = e0;
        for (double rate : {0.001, 0.01, 0.1}) {
            const double e = current_error(d, 0.0, lrs ? 0 : rate, lrs ? rate : 0);
            INFO((lrs ? "LRS " : "HRS ") << rate << ": " << e << " vs " << prev);
            CHECK(e > prev);
            prev = e;
        }
    }
}

TEST_CASE("nvm: no standard normal draw reaches kMaxAbsNormal (the bound that lets a read skip a decided draw)", "[unit]") {
    // Box-Muller's radius is largest at the smallest uniform, (0 + 0.5) / 2^53.
    const double r_max = std::sqrt(-2.0 * std::log(uniform01(0)));
    CHECK(r_max == Approx(std::sqrt(108.0 * std::log(2.0))));
    CHECK(r_max < kMaxAbsNormal);
    double seen = 0;
    for (std::uint64_t k = 0; k < 200000; ++k) seen = std::max(seen, std::fabs(normal(k)));
    CHECK(seen < r_max);
}

TEST_CASE("nvm: normal_abs_bound bounds |normal| of the same key over 200k keys", "[unit]") {
    int tight = 0;
    for (std::uint64_t k = 0; k < 200000; ++k) {
        const double b = normal_abs_bound(k), z = std::fabs(normal(k));
        REQUIRE(z <= b);
        tight += b < 3.0;
    }
    CHECK(tight > 150000);  // the bound is useful: most draws are bounded by 3
}
