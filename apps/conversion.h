#pragma once
// ANN -> SNN conversion and saving, shared by `spiketlm train --method rate|ttfs` and
// `spiketlm import` (docs/conversion.md): convert at every conversion.report_steps value,
// evaluate each on the test images with the reference, write the model at conversion.steps
// (the ANN's float weights ride along as layer<k>.weight_float) and return the report entries
// (snn: one row per T; quantized_test_accuracy; steps; ...).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "sw/data/dataset.h"
#include "sw/io/model_file.h"
#include "sw/train/rate_conversion.h"

namespace spiketlm::app {

nlohmann::json rate_convert_and_save(const train::Ann& ann, const train::RateSpec& spec, const data::ImageSet& calib,
                                     const data::ImageSet& test, double ann_acc, int threads, const std::string& out,
                                     io::ModelMeta meta);

nlohmann::json ttfs_convert_and_save(const train::Ann& ann, const train::RateSpec& spec, const data::ImageSet& calib,
                                     const data::ImageSet& test, double ann_acc, int threads, const std::string& out,
                                     io::ModelMeta meta);

// The ANN's weights as row-major float vectors, one per layer.
std::vector<std::vector<float>> ann_float_weights(const train::Ann& ann);

// The float ANN as an .npz: layer<k>.weight (dense (out, in); conv (out_c, in_c/groups, k_h, k_w))
// and layer<k>.bias, float32 (the layout of `spiketlm import`'s ann/ann.npz).
void save_ann_npz(const train::Ann& ann, const std::string& path);
// The network of `spec` with the weights of such a file (`spiketlm train --ann`); every member's
// shape is checked against the spec (InputError naming the file and member).
train::Ann load_ann_npz(const train::RateSpec& spec, const std::string& path);

}  // namespace spiketlm::app
