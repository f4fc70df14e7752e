#include "sw/nvm/nvm_config.h"

#include "sw/cfg/config.h"
#include "sw/cfg/param.h"
#include "sw/common/error.h"
#include "sw/common/seed.h"
#include "sw/snn/network.h"
#include "sw/snn/run_options.h"

namespace spiketlm::nvm {

namespace {
using I = std::int64_t;
constexpr double kBig = 1e30;
const cfg::Param<bool> p_enabled{"nvm.enabled", false, "",
                                 "synapses are NVM crossbars (sw/nvm; the reference and the nvm PE apply the same model)"};
const cfg::Param<double> p_gmin{"nvm.g_min", 0.1, "uS", "conductance of level 0", cfg::Range{0, kBig}};
const cfg::Param<double> p_gmax{"nvm.g_max", 25.0, "uS", "conductance of the top level (> g_min)", cfg::Range{0, kBig}};
const cfg::Param<I> p_bits{"nvm.bits_per_cell", 2, "bits", "levels per cell: 2^bits", cfg::Range{1, 8}};
const cfg::Param<std::string> p_sign{"nvm.signing", "differential", "",
                                     "signed weights: differential (a G+/G- pair per slice) or offset (w + 2^k stored, offset subtracted digitally)",
                                     cfg::Choices{{"differential", "offset"}}};
const cfg::Param<I> p_rows{"nvm.rows", 128, "cells", "rows per crossbar array", cfg::Range{1, 1 << 16}};
const cfg::Param<I> p_cols{"nvm.cols", 128, "cells", "columns per crossbar array", cfg::Range{1, 1 << 16}};
const cfg::Param<double> p_vread{"nvm.read_voltage", 0.2, "V", "row read voltage", cfg::Range{1e-6, 100}};
const cfg::Param<std::string> p_var{"nvm.variation.kind", "none", "", "programming variation: none, gaussian or lognormal",
                                    cfg::Choices{{"none", "gaussian", "lognormal"}}};
const cfg::Param<std::string> p_smode{"nvm.variation.sigma_mode", "relative", "",
                                      "sigma in uS (absolute), a fraction of target G (relative; lognormal: sigma of ln G) "
                                      "or sigma(G) = c0 + c1 g + c2 g^2 uS with g = G/g_max (poly)",
                                      cfg::Choices{{"absolute", "relative", "poly"}}};
const cfg::Param<double> p_sigma{"nvm.variation.sigma", 0.0, "", "programming sigma (unit per sigma_mode)", cfg::Range{0, kBig}};
const cfg::Param<std::vector<double>> p_poly{"nvm.variation.poly", std::vector<double>{0.26348, 1.9650, -1.1731}, "uS",
                                             "c0, c1, c2 of the poly sigma (default: aihwkit PCMLikeNoiseModel prog_coeff)"};
const cfg::Param<double> p_rn{"nvm.read_noise", 0.0, "", "read noise sigma relative to the cell's G, per read", cfg::Range{0, kBig}};
const cfg::Param<double> p_sa0{"nvm.stuck_gmin", 0.0, "", "fraction of cells stuck at g_min (HRS)", cfg::Range{0, 1}};
const cfg::Param<double> p_sa1{"nvm.stuck_gmax", 0.0, "", "fraction of cells stuck at g_max (LRS)", cfg::Range{0, 1}};
const cfg::Param<double> p_dt{"nvm.drift.time", 0.0, "s", "time since programming (drift applies above t0)", cfg::Range{0, kBig}};
const cfg::Param<double> p_t0{"nvm.drift.t0", 20.0, "s", "drift reference time t0", cfg::Range{1e-12, kBig}};
const cfg::Param<double> p_nu{"nvm.drift.nu", 0.0, "", "mean drift exponent nu", cfg::Range{0, 10}};
const cfg::Param<double> p_nus{"nvm.drift.nu_sigma", 0.0, "", "device-to-device sigma of nu", cfg::Range{0, 10}};
const cfg::Param<std::string> p_dmodel{"nvm.drift.model", "constant", "",
                                       "drift exponent: constant (nu, nu_sigma) or aihwkit_pcm (nu from G by the PCMLikeNoiseModel fit)",
                                       cfg::Choices{{"constant", "aihwkit_pcm"}}};
const cfg::Param<double> p_wire{"nvm.wire_ohm", 0.0, "ohm", "wire resistance per cell segment (first-order IR drop)",
                                cfg::Range{0, kBig}};
const cfg::Param<I> p_adc_bits{"nvm.adc.bits", 8, "bits", "ADC resolution", cfg::Range{1, 24}};
const cfg::Param<double> p_adc_fs{"nvm.adc.full_scale", 0.0, "levels",
                                  "ADC full scale in cell levels (0: 2^bits, i.e. one level per LSB)", cfg::Range{0, kBig}};
const cfg::Param<I> p_adc_share{"nvm.adc.cols_per_adc", 8, "columns", "columns sharing one ADC (conversion rounds)",
                                cfg::Range{1, 1 << 16}};
const cfg::Param<I> p_adc_cycles{"nvm.adc.cycles", 1, "cycles", "clock cycles per ADC conversion (nvm PE timing)",
                                 cfg::Range{1, 1 << 16}};
}  // namespace

bool enabled(const cfg::Config& c) { return p_enabled(c); }

DeviceParams device_from(const cfg::Config& c) {
    DeviceParams d;
    d.g_min_us = p_gmin(c);
    d.g_max_us = p_gmax(c);
    d.bits_per_cell = static_cast<int>(p_bits(c));
    d.signing = p_sign(c) == "offset" ? Signing::offset : Signing::differential;
    d.rows = static_cast<int>(p_rows(c));
    d.cols = static_cast<int>(p_cols(c));
    d.read_voltage_v = p_vread(c);
    const std::string v = p_var(c), m = p_smode(c);
    d.variation = v == "gaussian" ? Variation::gaussian : v == "lognormal" ? Variation::lognormal : Variation::none;
    d.sigma_mode = m == "absolute" ? SigmaMode::absolute : m == "poly" ? SigmaMode::poly : SigmaMode::relative;
    d.sigma = p_sigma(c);
    d.sigma_poly = p_poly(c);
    d.read_noise = p_rn(c);
    d.stuck_gmin = p_sa0(c);
    d.stuck_gmax = p_sa1(c);
    d.drift_time_s = p_dt(c);
    d.drift_t0_s = p_t0(c);
    d.drift_nu = p_nu(c);
    d.drift_nu_sigma = p_nus(c);
    d.drift_pcm_fit = p_dmodel(c) == "aihwkit_pcm";
    d.wire_ohm = p_wire(c);
    d.adc_bits = static_cast<int>(p_adc_bits(c));
    d.adc_full_scale = p_adc_fs(c);
    d.cols_per_adc = static_cast<int>(p_adc_share(c));
    d.adc_cycles = static_cast<int>(p_adc_cycles(c));
    try {
        d.validate("nvm.");
    } catch (const ConfigError& e) {
        std::string key = e.key();
        // Gmin >= Gmax: name the one the user set.
        if (key == p_gmin.name() && !c.is_set(key) && c.is_set(p_gmax.name())) key = p_gmax.name();
        throw ConfigError(c.origin(key).str(), key, e.what());
    }
    return d;
}

std::uint64_t seed_from(std::uint64_t noise_seed) { return derive_seed(noise_seed, "nvm"); }

NetworkCrossbars::NetworkCrossbars(const snn::Network& net, const DeviceParams& d, std::uint64_t seed) {
    for (std::size_t l = 0; l < net.layers.size(); ++l) {
        const snn::Layer& L = net.layers[l];
        m_layers.emplace_back(d, seed, static_cast<std::uint32_t>(l), static_cast<std::uint32_t>(L.in),
                              static_cast<std::uint32_t>(L.out), L.weights);
    }
}

void NetworkCrossbars::layer_sums(std::uint32_t layer, const std::vector<std::uint32_t>& sources, std::uint64_t frame,
                                  std::uint32_t step, std::int64_t* out) const {
    const LayerCrossbar& x = m_layers.at(layer);
    x.read(sources, frame, step, 0, x.tiling().out, out);
}

std::shared_ptr<const NetworkCrossbars> crossbars_from(const cfg::Config& c, const snn::Network& net) {
    if (!enabled(c)) return nullptr;
    return std::make_shared<const NetworkCrossbars>(net, device_from(c), seed_from(snn::noise_seed_from(c, net)));
}

}  // namespace spiketlm::nvm
