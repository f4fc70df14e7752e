#pragma once
// Model directories (format: docs/model-format.md).
//
// Fixed-point model (what the reference simulator and the chip run):
//   <dir>/model.yaml   architecture, neuron parameters per layer, encoding, timesteps, decode,
//                      quantization info, schema_version
//   <dir>/weights.npz  layer<k>.weight: int16 or int32 (out, in); optional layer<k>.weight_float
// Float ReL-PSP model (training checkpoints, sw/snn/float_model.h):
//   <dir>/float_model.yaml + <dir>/float_weights.npz (layer<k>.weight float32 (out, in))
//
// Loading checks everything (unknown or missing keys with file:line, types, dtypes, shapes,
// network consistency) and throws InputError naming the file, key or member. Saving writes each
// file to a temporary name and renames it.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sw/snn/float_model.h"
#include "sw/snn/network.h"

namespace spiketlm::io {

constexpr int kModelSchemaVersion = 1;

// How a fixed-point model was obtained from a float one (sw/quant), when it was.
struct QuantInfo {
    double input_window = 0;           // T_in of the float model
    double delta = 0;                  // float time per step: T_in / T
    std::vector<double> weight_scale;  // per layer: real weight = s * integer weight
    std::vector<double> theta_float;   // per layer: the float threshold
    std::optional<double> float_test_accuracy;      // fractions in 0..1
    std::optional<double> quantized_test_accuracy;
};

struct ModelMeta {
    std::string source;                       // e.g. "spiketlm train", "test"
    std::optional<QuantInfo> quant;
    std::map<std::string, std::string> notes; // free-form strings kept in model.yaml
};

struct Model {
    snn::Network net;
    ModelMeta meta;
    std::vector<std::vector<float>> float_weights;  // per layer, empty when not stored
    std::string dir;
};

// Writes <dir>/weights.npz then <dir>/model.yaml (creating <dir>). Integer weights are stored as
// int16 when every layer's weight_bits <= 16, else int32. `float_weights`, if given, has one
// entry per layer (out x in) or is empty.
void save_model(const std::string& dir, const snn::Network& net, const ModelMeta& meta = {},
                const std::vector<std::vector<float>>& float_weights = {});
// Loads and validates a model directory.
Model load_model(const std::string& dir);

// Float checkpoint; `notes` carries free-form training state (epoch, ...).
void save_float_model(const std::string& dir, const snn::FloatNetwork& net,
                      const std::map<std::string, std::string>& notes = {});
snn::FloatNetwork load_float_model(const std::string& dir, std::map<std::string, std::string>* notes = nullptr);

}  // namespace spiketlm::io
