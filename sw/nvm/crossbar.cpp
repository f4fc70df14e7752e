#include "sw/nvm/crossbar.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "sw/common/error.h"

namespace spiketlm::nvm {

double Tiling::utilisation(const DeviceParams& d) const {
    const double cells = static_cast<double>(arrays()) * d.rows * d.cols;
    return cells > 0 ? static_cast<double>(in) * phys_cols / cells : 0.0;
}

namespace {
std::uint32_t bits_of(std::int64_t v) {
    std::uint32_t b = 0;
    while (v > 0) {
        ++b;
        v >>= 1;
    }
    return b;
}
}  // namespace

LayerCrossbar::LayerCrossbar(const DeviceParams& d, std::uint64_t seed, std::uint32_t layer, std::uint32_t in,
                             std::uint32_t out, const std::vector<std::int32_t>& weights, std::uint32_t first,
                             std::uint32_t count)
    : m_d(d), m_seed(seed), m_layer(layer), m_first(first), m_count(count ? count : out - first) {
    m_d.validate();
    if (weights.size() != static_cast<std::size_t>(in) * out)
        throw InputError("nvm: layer " + std::to_string(layer) + " has " + std::to_string(weights.size()) +
                         " weights, expected " + std::to_string(in) + " x " + std::to_string(out));
    std::int64_t wmax = 0;
    for (auto w : weights) wmax = std::max<std::int64_t>(wmax, std::llabs(w));
    m_t.in = in;
    m_t.out = out;
    const std::uint32_t b = static_cast<std::uint32_t>(d.bits_per_cell);
    if (d.signing == Signing::differential) {
        m_t.weight_mag_bits = std::max(1u, bits_of(wmax));
        m_t.cells_per_slice = 2;
    } else {
        m_offset = std::int64_t{1} << bits_of(wmax);  // u = w + offset in [0, 2 offset)
        m_t.weight_mag_bits = bits_of(wmax) + 1;
        m_t.cells_per_slice = 1;
    }
    m_t.slices = (m_t.weight_mag_bits + b - 1) / b;
    m_t.phys_cols = out * m_t.slices * m_t.cells_per_slice;
    m_t.row_tiles = (in + d.rows - 1) / d.rows;
    m_t.col_tiles = (m_t.phys_cols + d.cols - 1) / d.cols;
    m_lsb = adc_lsb(m_d, false);
    if (m_first + m_count > out)
        throw InputError("nvm: layer " + std::to_string(layer) + ": neurons " + std::to_string(m_first) + "+" +
                         std::to_string(m_count) + " beyond its " + std::to_string(out));
    m_pc0 = phys_col(m_first, 0, 0);
    m_npc = phys_col(m_first + m_count, 0, 0) - m_pc0;

    const std::size_t n = static_cast<std::size_t>(in) * m_npc;
    m_g.assign(n, 0.0);
    m_level.assign(n, 0.0);
    const std::int64_t mask = (std::int64_t{1} << b) - 1;
    for (std::uint32_t o = m_first; o < m_first + m_count; ++o)
        for (std::uint32_t r = 0; r < in; ++r) {
            const std::int64_t w = weights[static_cast<std::size_t>(o) * in + r];
            for (std::uint32_t s = 0; s < m_t.slices; ++s)
                for (std::uint32_t c = 0; c < m_t.cells_per_slice; ++c) {
                    std::int64_t v;
                    if (d.signing == Signing::differential) v = (c == 0) == (w > 0) ? std::llabs(w) : 0;
                    else v = w + m_offset;
                    const int level = static_cast<int>((v >> (s * b)) & mask);
                    const std::uint32_t pc = phys_col(o, s, c);
                    const std::uint32_t array = (r / d.rows) * m_t.col_tiles + pc / d.cols;
                    const int ra = static_cast<int>(r % d.rows), ca = static_cast<int>(pc % d.cols);
                    const double gt = target_g(d, level);
                    double g = programmed_g(d, gt, draw_key(seed, kProgram, layer, array, r, pc));
                    const int stuck = stuck_state(d, draw_key(seed, kStuck, layer, array, r, pc));
                    if (stuck == 1) g = d.g_min_us;
                    if (stuck == 2) g = d.g_max_us;
                    g = drifted_g(d, g, drift_nu(d, gt, draw_key(seed, kDrift, layer, array, r, pc)));
                    g = ir_drop_g(d, g, ra, ca);
                    const std::size_t k = static_cast<std::size_t>(r) * m_npc + (pc - m_pc0);
                    m_g[k] = g;
                    // Exact integer level when the cell is ideal (keeps ideal runs bit-exact).
                    m_level[k] = g == gt ? level : level + (g - gt) / d.delta_g_us();
                }
        }
}

double LayerCrossbar::cell_g(std::uint32_t row, std::uint32_t pc) const {
    return m_g.at(static_cast<std::size_t>(row) * m_npc + (pc - m_pc0));
}

void LayerCrossbar::read(const std::vector<std::uint32_t>& rows, std::uint64_t frame, std::uint32_t step,
                         std::uint32_t first, std::uint32_t count, std::int64_t* out, ReadActions* acts) const {
    std::fill(out, out + count, 0);
    if (first < m_first || first + count > m_first + m_count)
        throw Error("nvm: layer " + std::to_string(m_layer) + ": read of neurons outside the ones built");
    if (rows.empty()) return;
    const std::uint32_t R = static_cast<std::uint32_t>(m_d.rows), C = static_cast<std::uint32_t>(m_d.cols);
    const std::uint32_t pc_lo = phys_col(first, 0, 0), pc_hi = phys_col(first + count, 0, 0);  // [lo, hi)
    const double dg = m_d.delta_g_us();
    const std::uint32_t shift = static_cast<std::uint32_t>(m_d.bits_per_cell);
    std::size_t a = 0;
    while (a < rows.size()) {
        const std::uint32_t tile = rows[a] / R;
        std::size_t b = a;
        while (b < rows.size() && rows[b] / R == tile) ++b;  // rows[a, b) in this row tile
        const std::int64_t n_active = static_cast<std::int64_t>(b - a);
        // Column sums over the active rows, rows in ascending order (the same floating-point
        // additions for every caller), contiguous in the column index.
        const std::uint32_t used = pc_hi - pc_lo;
        thread_local std::vector<double> xs, g2s;
        xs.assign(used, 0.0);
        const bool noisy = m_d.read_noise > 0.0;
        // (kMaxAbsNormal x read_noise / (dG x LSB))^2 x (1 + 1e-6): times sum G^2, the square of the
        // largest |noise| a column can get, in LSBs, with room for rounding.
        const double nk = kMaxAbsNormal * m_d.read_noise / (dg * m_lsb);
        const double noise_k2 = nk * nk * (1.0 + 1e-6);
        const std::int64_t code_max = (std::int64_t{1} << m_d.adc_bits) - 1;
        // The ADC code of x + amp z, amp = read_noise sqrt(sum G^2) / dG, z = normal(key()).
        // code(z) is monotone in z and every draw has |z| < kMaxAbsNormal, so when both ends give
        // the same code, every draw does and the draw is skipped (bit-identical; most columns hold
        // only level-0 cells among the active rows). Three tests, cheapest first: (1) no square
        // root: the room between x and the rounding boundaries of its own code (none needed on a
        // clipped side) against kMaxAbsNormal amp, squared, with a margin far above the rounding
        // errors; (2) the codes at x -+ kMaxAbsNormal amp; (3) the same with this key's own bound on
        // |z| (no log, no cos); else the draw.
        auto noisy_code = [&](double x, double g2, auto key) -> std::int64_t {
            const int bits = m_d.adc_bits;
            const std::int64_t c0 = adc_code(x, bits, m_lsb, false);
            const double v = x / m_lsb;
            double room = std::numeric_limits<double>::infinity();
            if (c0 > 0) room = v - (static_cast<double>(c0) - 0.5);
            if (c0 < code_max) room = std::min(room, (static_cast<double>(c0) + 0.5) - v);
            room -= 1e-9 * (1.0 + std::fabs(v));
            if (room > 0.0 && noise_k2 * g2 < room * room) return c0;
            const double amp = m_d.read_noise * std::sqrt(g2) / dg;
            const std::int64_t lo = adc_code(x + amp * -kMaxAbsNormal, bits, m_lsb, false);
            if (lo == adc_code(x + amp * kMaxAbsNormal, bits, m_lsb, false)) return lo;
            const std::uint64_t k = key();
            const double zb = std::min(normal_abs_bound(k), kMaxAbsNormal);
            const std::int64_t lo1 = adc_code(x + amp * -zb, bits, m_lsb, false);
            if (lo1 == adc_code(x + amp * zb, bits, m_lsb, false)) return lo1;
            return adc_code(x + amp * normal(k), bits, m_lsb, false);
        };
        if (noisy) g2s.assign(used, 0.0);
        for (std::size_t k = a; k < b; ++k) {
            const std::size_t base = static_cast<std::size_t>(rows[k]) * m_npc + (pc_lo - m_pc0);
            const double* lv = m_level.data() + base;
            for (std::uint32_t j = 0; j < used; ++j) xs[j] += lv[j];
            if (noisy) {
                const double* g = m_g.data() + base;
                for (std::uint32_t j = 0; j < used; ++j) g2s[j] += g[j] * g[j];
            }
        }
        for (std::uint32_t o = first; o < first + count; ++o) {
            double sum = 0.0;  // this tile's contribution to neuron o, in weight units
            for (std::uint32_t s = 0; s < m_t.slices; ++s) {
                double slice_val = 0.0;
                for (std::uint32_t c = 0; c < m_t.cells_per_slice; ++c) {
                    const std::uint32_t pc = phys_col(o, s, c);
                    const double x = xs[pc - pc_lo];
                    std::int64_t code;
                    if (noisy) {
                        code = noisy_code(x, g2s[pc - pc_lo], [&] {
                            return draw_key(m_seed, kRead, m_layer, tile * m_t.col_tiles + pc / C, tile, pc, frame, step);
                        });
                    } else {
                        code = adc_code(x, m_d.adc_bits, m_lsb, false);
                    }
                    const double val = static_cast<double>(code) * m_lsb;
                    slice_val += (c == 0) ? val : -val;
                }
                sum += std::ldexp(slice_val, static_cast<int>(s * shift));
            }
            if (m_d.signing == Signing::offset) sum -= static_cast<double>(m_offset * n_active);
            out[o - first] += std::llround(sum);
        }
        if (acts) {
            acts->row_activations += static_cast<std::uint64_t>(n_active) * ((pc_hi - 1) / C - pc_lo / C + 1);
            acts->column_reads += used;
            acts->adc_conversions += used;
            acts->accumulations += used;
            std::uint64_t rounds = 0;
            for (std::uint32_t ct = pc_lo / C; ct <= (pc_hi - 1) / C; ++ct) {
                const std::uint32_t lo = std::max(pc_lo, ct * C), hi = std::min(pc_hi, (ct + 1) * C);
                rounds = std::max<std::uint64_t>(rounds, (hi - lo + m_d.cols_per_adc - 1) / m_d.cols_per_adc);
            }
            acts->conversion_rounds = std::max(acts->conversion_rounds, rounds);
        }
        a = b;
    }
}

}  // namespace spiketlm::nvm
