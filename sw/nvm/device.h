#pragma once
// NVM device and ADC model (plain C++, shared by the reference and the `nvm` PE): integer
// weights -> cell conductances (bits per cell, Gmin/Gmax, signed by differential pair or offset,
// bit slicing), the non-idealities of one cell (programming variation, stuck-at faults, drift,
// first-order IR drop), cycle-to-cycle read noise and the ADC. docs/nvm.md states the equations.
//
// Every random draw is a pure function of (seed, stream, layer, array, row, col, frame, step)
// through a counter-based hash (SplitMix64 mixing, as the neuron noise of sw/snn/neuron.h), so
// any simulator that asks for the same cell or column gets the same value in any order.
#include <cstdint>
#include <string>
#include <vector>

namespace spiketlm::nvm {

enum class Signing { differential, offset };
enum class Variation { none, gaussian, lognormal };
enum class SigmaMode { absolute, relative, poly };

struct DeviceParams {
    // Cells and arrays.
    double g_min_us = 0.1;      // conductance of level 0 (µS)
    double g_max_us = 25.0;     // conductance of the top level (µS)
    int bits_per_cell = 2;      // levels per cell: 2^bits
    Signing signing = Signing::differential;
    int rows = 128, cols = 128; // cells per array
    double read_voltage_v = 0.2;

    // Programming variation: sigma in µS (absolute), a fraction of the target G (relative), the
    // sigma of ln G (lognormal, with relative), or sigma(G) = (c0 + c1 g + c2 g^2) µS with
    // g = G/g_max (poly, aihwkit PCMLikeNoiseModel's prog_coeff form).
    Variation variation = Variation::none;
    SigmaMode sigma_mode = SigmaMode::relative;
    double sigma = 0.0;
    std::vector<double> sigma_poly;  // c0, c1, c2 (µS)

    double read_noise = 0.0;    // cycle-to-cycle read noise: sigma relative to the cell's G, per read
    double stuck_gmin = 0.0;    // fraction of cells stuck at g_min (HRS)
    double stuck_gmax = 0.0;    // fraction of cells stuck at g_max (LRS)

    // Drift G(t) = G0 (t/t0)^-nu for t > t0 (no drift before t0); nu ~ N(nu_mean, nu_sigma), >= 0.
    double drift_time_s = 0.0;  // time since programming (0: no drift)
    double drift_t0_s = 20.0;
    double drift_nu = 0.0;
    double drift_nu_sigma = 0.0;
    // aihwkit PCMLikeNoiseModel fit instead: nu = |mu(g) + sig(g) z|, g = G_target/g_max,
    // mu = clip(-0.0155 ln g + 0.0244, 0.049, 0.1), sig = clip(-0.0125 ln g - 0.0059, 0.008, 0.045).
    bool drift_pcm_fit = false;

    double wire_ohm = 0.0;      // wire resistance per cell segment (first-order IR drop)

    // ADC: one conversion per (array, physical column) read.
    int adc_bits = 8;
    double adc_full_scale = 0.0;  // in cell levels (digits); 0: 2^bits (unipolar) or 2^(bits-1) (bipolar) -> LSB = 1 level
    int cols_per_adc = 8;
    int adc_cycles = 1;           // clock cycles per conversion (the nvm PE's timing)

    // Throws ConfigError (key = `prefix` + field, empty origin) for a value out of range.
    void validate(const std::string& prefix = "nvm.") const;
    int levels() const { return 1 << bits_per_cell; }
    double delta_g_us() const { return (g_max_us - g_min_us) / (levels() - 1); }
};

// --- counter-based draws ---
std::uint64_t mix(std::uint64_t x);
// Key of a draw: (seed, stream, layer, array, row, col, frame, step) -> 64 bits.
std::uint64_t draw_key(std::uint64_t seed, std::uint32_t stream, std::uint32_t layer, std::uint32_t array,
                       std::uint32_t row, std::uint32_t col, std::uint64_t frame = 0, std::uint32_t step = 0);
double uniform01(std::uint64_t key);   // in (0, 1)
double normal(std::uint64_t key);      // N(0, 1), Box-Muller on two derived uniforms
// A bound on |normal(key)| over every key: uniform01 >= 2^-54, so |z| <= sqrt(-2 ln 2^-54) = 8.652.
constexpr double kMaxAbsNormal = 8.7;
// A cheap bound on |normal(key)| for this key (one mix and a division, no log or cos).
double normal_abs_bound(std::uint64_t key);

enum Stream : std::uint32_t { kProgram = 1, kStuck = 2, kDrift = 3, kRead = 4 };

// Conductance of a level (ideal target).
double target_g(const DeviceParams& d, int level);
// Programming variation of one cell (clamped at 0 µS).
double programmed_g(const DeviceParams& d, double g_target, std::uint64_t key);
// Stuck-at: returns 0 (healthy), 1 (stuck at g_min) or 2 (stuck at g_max).
int stuck_state(const DeviceParams& d, std::uint64_t key);
// Drift exponent of one cell and the drifted conductance.
double drift_nu(const DeviceParams& d, double g_target, std::uint64_t key);
double drifted_g(const DeviceParams& d, double g0, double nu);
// First-order IR drop: G_eff = G / (1 + G R_wire (col + 1 + rows - row)), row/col inside the array,
// drivers at column 0's side, the ADC below the last row.
double ir_drop_g(const DeviceParams& d, double g_us, int row_in_array, int col_in_array);

// ADC: quantises x (cell levels) to LSB = full_scale / 2^bits (unipolar, codes 0..2^bits-1) or
// full_scale / 2^(bits-1) (bipolar, codes -2^(bits-1)..2^(bits-1)-1), rounding to nearest (ties
// away from zero) and clipping; returns the code.
// Inline: called for every column read. round() half away from zero without the libm call: for
// lo < v < hi (|v| < 2^25) the fraction v - trunc(v) is exact, so this equals clip(std::round(v)).
inline std::int64_t adc_code(double x, int bits, double lsb, bool bipolar) {
    const std::int64_t lo = bipolar ? -(std::int64_t{1} << (bits - 1)) : 0;
    const std::int64_t hi = bipolar ? (std::int64_t{1} << (bits - 1)) - 1 : (std::int64_t{1} << bits) - 1;
    const double v = x / lsb;
    if (v <= static_cast<double>(lo)) return lo;
    if (v >= static_cast<double>(hi)) return hi;
    std::int64_t q = static_cast<std::int64_t>(v);  // toward zero
    const double f = v - static_cast<double>(q);
    if (f >= 0.5) ++q;
    if (f <= -0.5) --q;
    return q < lo ? lo : q > hi ? hi : q;
}
double adc_lsb(const DeviceParams& d, bool bipolar);

}  // namespace spiketlm::nvm
