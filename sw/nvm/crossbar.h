#pragma once
// One layer programmed onto crossbar arrays: the weight matrix (in x out, integer) becomes
// physical columns (per output neuron: slices x cells per slice), tiled onto R x C arrays. A
// delivered spike activates its row for the timestep; at the step boundary every array column
// with an active row is read (current summed over the active rows), converted by the ADC and
// the digital side combines slices (shift-add), pairs (differential) or the offset, and row
// tiles (partial sums) into one integer current per neuron: that is the input the neuron
// datapath of docs/neuron.md gets instead of the exact weight sum.
//
// Static non-idealities (programming, stuck-at, drift, IR drop) are applied once at
// construction; read noise and the ADC per read, keyed by (frame, step), so the result is a
// pure function of (active rows, neuron, frame, step).
#include <cstdint>
#include <vector>

#include "sw/nvm/device.h"

namespace spiketlm::nvm {

struct Tiling {
    std::uint32_t in = 0, out = 0;
    std::uint32_t weight_mag_bits = 0;  // bits of max |w| (offset: of the shifted unsigned weight)
    std::uint32_t slices = 1;           // cells per weight per sign
    std::uint32_t cells_per_slice = 2;  // differential: 2, offset: 1
    std::uint32_t phys_cols = 0;        // out * slices * cells_per_slice
    std::uint32_t row_tiles = 0, col_tiles = 0;
    std::uint32_t arrays() const { return row_tiles * col_tiles; }
    double utilisation(const DeviceParams& d) const;  // used cells / cells of all arrays
};

// Counts of the actions of one read (for energy and timing).
struct ReadActions {
    std::uint64_t row_activations = 0;  // (array, active row) pairs
    std::uint64_t column_reads = 0;     // array columns read (arrays with an active row)
    std::uint64_t adc_conversions = 0;
    std::uint64_t accumulations = 0;    // digital shift-adds of ADC results into neuron sums
    std::uint64_t conversion_rounds = 0;  // max over arrays of ceil(cols used / cols_per_adc)
};

class LayerCrossbar {
  public:
    // `weights` row-major [out][in] as snn::Layer stores them. Only the columns of neurons
    // [first, first + count) are built (a PE holds a group; count 0: all); draws are keyed by the
    // layer-wide array, row and column, so a group's cells equal the whole layer's.
    LayerCrossbar(const DeviceParams& d, std::uint64_t seed, std::uint32_t layer, std::uint32_t in,
                  std::uint32_t out, const std::vector<std::int32_t>& weights, std::uint32_t first = 0,
                  std::uint32_t count = 0);

    const Tiling& tiling() const { return m_t; }
    const DeviceParams& device() const { return m_d; }

    // Neuron currents of neurons [first, first + count) for the active rows (sorted ascending,
    // unique) of one step: out[k] for neuron first + k. `acts` (optional) adds the action counts
    // of the arrays holding those neurons' columns.
    void read(const std::vector<std::uint32_t>& active_rows, std::uint64_t frame, std::uint32_t step,
              std::uint32_t first, std::uint32_t count, std::int64_t* out, ReadActions* acts = nullptr) const;

    // Effective conductance of one physical cell after the static non-idealities (µS).
    double cell_g(std::uint32_t row, std::uint32_t phys_col) const;
    // Cells built (one programming pulse each: no write-verify iterations are modelled).
    std::uint64_t cells() const { return static_cast<std::uint64_t>(m_t.in) * m_npc; }
    // Arrays holding the built columns (every row tile x the column tiles they span): the arrays
    // of a PE's neuron group; cells() / (arrays_built() rows cols) is its utilisation.
    std::uint32_t arrays_built() const {
        if (m_npc == 0) return 0;
        const std::uint32_t c = m_d.cols;
        return m_t.row_tiles * ((m_pc0 + m_npc + c - 1) / c - m_pc0 / c);
    }

  private:
    std::uint32_t phys_col(std::uint32_t neuron, std::uint32_t slice, std::uint32_t cell) const {
        return (neuron * m_t.slices + slice) * m_t.cells_per_slice + cell;
    }
    DeviceParams m_d;
    std::uint64_t m_seed;
    std::uint32_t m_layer;
    std::uint32_t m_first = 0, m_count = 0;  // neurons built
    std::uint32_t m_pc0 = 0, m_npc = 0;      // their physical columns [m_pc0, m_pc0 + m_npc)
    Tiling m_t;
    std::int64_t m_offset = 0;       // offset signing: stored u = w + m_offset
    std::vector<double> m_g;         // [row][phys col - m_pc0] effective G (µS)
    std::vector<double> m_level;     // [row][phys col] (G - g_min) / dG: the cell's contribution in levels
    double m_lsb;                    // ADC LSB in levels
};

}  // namespace spiketlm::nvm
