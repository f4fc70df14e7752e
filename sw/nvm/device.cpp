#include "sw/nvm/device.h"

#include <algorithm>
#include <cmath>

#include "sw/common/error.h"

namespace spiketlm::nvm {

namespace {
void need(bool ok, const std::string& key, const std::string& what) {
    if (!ok) throw ConfigError("", key, key + ": " + what);
}
bool is_rate(double r) { return r >= 0.0 && r <= 1.0; }
}  // namespace

void DeviceParams::validate(const std::string& p) const {
    need(g_min_us >= 0.0, p + "g_min", "must be >= 0 µS");
    need(g_min_us < g_max_us, p + "g_min", "g_min (" + std::to_string(g_min_us) + " µS) must be below g_max (" +
                                               std::to_string(g_max_us) + " µS)");
    need(bits_per_cell >= 1 && bits_per_cell <= 8, p + "bits_per_cell", "must be in 1..8");
    need(rows >= 1 && cols >= 1, p + "rows", "array rows and cols must be >= 1");
    need(read_voltage_v > 0.0, p + "read_voltage", "must be > 0 V");
    need(sigma >= 0.0, p + "variation.sigma", "must be >= 0");
    need(read_noise >= 0.0, p + "read_noise", "must be >= 0");
    need(is_rate(stuck_gmin), p + "stuck_gmin", "a rate in [0, 1]");
    need(is_rate(stuck_gmax), p + "stuck_gmax", "a rate in [0, 1]");
    need(stuck_gmin + stuck_gmax <= 1.0, p + "stuck_gmax", "stuck_gmin + stuck_gmax must be <= 1");
    need(drift_time_s >= 0.0, p + "drift.time", "must be >= 0 s");
    need(drift_t0_s > 0.0, p + "drift.t0", "must be > 0 s");
    need(drift_nu >= 0.0 && drift_nu_sigma >= 0.0, p + "drift.nu", "nu and its sigma must be >= 0");
    need(wire_ohm >= 0.0, p + "wire_ohm", "must be >= 0 ohm");
    need(adc_bits >= 1 && adc_bits <= 24, p + "adc.bits", "must be in 1..24");
    need(adc_full_scale >= 0.0, p + "adc.full_scale", "must be >= 0 (0: one level per LSB)");
    need(cols_per_adc >= 1, p + "adc.cols_per_adc", "must be >= 1");
    need(adc_cycles >= 1, p + "adc.cycles", "must be >= 1");
    if (variation != Variation::none && sigma_mode == SigmaMode::poly)
        need(sigma_poly.size() == 3, p + "variation.poly", "needs three coefficients c0, c1, c2 (µS)");
    if (variation == Variation::lognormal)
        need(sigma_mode == SigmaMode::relative, p + "variation.sigma_mode", "lognormal takes sigma of ln G: use relative");
}

std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::uint64_t draw_key(std::uint64_t seed, std::uint32_t stream, std::uint32_t layer, std::uint32_t array,
                       std::uint32_t row, std::uint32_t col, std::uint64_t frame, std::uint32_t step) {
    std::uint64_t h = mix(seed ^ (std::uint64_t{stream} << 56));
    h = mix(h ^ ((std::uint64_t{layer} << 32) | array));
    h = mix(h ^ ((std::uint64_t{row} << 32) | col));
    h = mix(h ^ frame);
    return mix(h ^ step);
}

double uniform01(std::uint64_t key) { return (static_cast<double>(key >> 11) + 0.5) * (1.0 / 9007199254740992.0); }

double normal(std::uint64_t key) {
    const double u1 = uniform01(mix(key ^ 0x5851f42d4c957f2dULL));
    const double u2 = uniform01(mix(key ^ 0x14057b7ef767814fULL));
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

double normal_abs_bound(std::uint64_t key) {
    // normal(key) = r cos(theta), r = sqrt(-2 ln u1), and -ln u <= 1/u - 1: a bound without log or
    // cos (the factor covers the rounding of the computed log, sqrt and product).
    const double u1 = uniform01(mix(key ^ 0x5851f42d4c957f2dULL));
    return std::sqrt(2.0 * (1.0 - u1) / u1) * (1.0 + 1e-9);
}

double target_g(const DeviceParams& d, int level) { return d.g_min_us + level * d.delta_g_us(); }

double programmed_g(const DeviceParams& d, double g, std::uint64_t key) {
    if (d.variation == Variation::none) return g;
    const double z = normal(key);
    if (d.variation == Variation::lognormal) return g * std::exp(d.sigma * z - 0.5 * d.sigma * d.sigma);
    double s = 0.0;
    switch (d.sigma_mode) {
        case SigmaMode::absolute: s = d.sigma; break;
        case SigmaMode::relative: s = d.sigma * g; break;
        case SigmaMode::poly: {
            const double x = g / d.g_max_us;
            s = std::max(0.0, d.sigma_poly[0] + d.sigma_poly[1] * x + d.sigma_poly[2] * x * x);
            break;
        }
    }
    return std::max(0.0, g + s * z);
}

int stuck_state(const DeviceParams& d, std::uint64_t key) {
    if (d.stuck_gmin <= 0.0 && d.stuck_gmax <= 0.0) return 0;
    const double u = uniform01(key);
    if (u < d.stuck_gmin) return 1;
    if (u < d.stuck_gmin + d.stuck_gmax) return 2;
    return 0;
}

double drift_nu(const DeviceParams& d, double g_target, std::uint64_t key) {
    if (d.drift_pcm_fit) {
        const double lg = std::log(std::max(std::abs(g_target / d.g_max_us), 1e-7));
        const double mu = std::clamp(-0.0155 * lg + 0.0244, 0.049, 0.1);
        const double sig = std::clamp(-0.0125 * lg - 0.0059, 0.008, 0.045);
        return std::abs(mu + sig * normal(key));
    }
    if (d.drift_nu_sigma <= 0.0) return d.drift_nu;
    return std::max(0.0, d.drift_nu + d.drift_nu_sigma * normal(key));
}

double drifted_g(const DeviceParams& d, double g0, double nu) {
    if (d.drift_time_s <= d.drift_t0_s || nu == 0.0) return g0;
    return g0 * std::pow(d.drift_time_s / d.drift_t0_s, -nu);
}

double ir_drop_g(const DeviceParams& d, double g_us, int row, int col) {
    if (d.wire_ohm <= 0.0) return g_us;
    const double segments = static_cast<double>(col + 1 + d.rows - row);
    return g_us / (1.0 + g_us * 1e-6 * d.wire_ohm * segments);
}

double adc_lsb(const DeviceParams& d, bool bipolar) {
    const double codes = std::ldexp(1.0, bipolar ? d.adc_bits - 1 : d.adc_bits);
    return d.adc_full_scale > 0.0 ? d.adc_full_scale / codes : 1.0;
}

}  // namespace spiketlm::nvm
