#pragma once
// The training model file (configs/models/*.yaml; format in docs/training.md): architecture,
// initialisation, optimiser, schedule, loss, encoding and quantization of a ReL-PSP network
// trained by STDBP.
#include <cstdint>
#include <string>
#include <vector>

#include "sw/train/stdbp.h"

namespace spiketlm::train {

struct InitSpec {
    double mean = 0.01;  // weights ~ N(mean, std^2)
    double std = 0.02;
};

enum class LrSchedule { constant, step, cosine };

struct TrainSpec {
    std::string name = "relpsp";
    std::string source;              // file the spec was read from ("" if built in code)
    // Architecture: inputs -> hidden... -> outputs, every layer dense ReL-PSP with threshold theta.
    int inputs = 784;
    std::vector<int> hidden{800};
    int outputs = 10;
    double theta = 1.0;
    std::vector<InitSpec> init;      // one per layer (hidden..., output)
    // Encoding (continuous time): x spikes at window * (1 - x) if x > threshold.
    double input_window = 1.0;
    double input_threshold = 0.0;
    // Optimiser: Adam.
    std::uint64_t seed = 1;
    int epochs = 10;
    int batch = 128;
    double lr = 1e-3;
    double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_eps = 1e-8;
    LrSchedule schedule = LrSchedule::constant;
    double lr_gamma = 0.5;           // step: lr *= gamma every lr_step_epochs
    int lr_step_epochs = 5;
    double lr_min = 0.0;             // cosine: lr goes from lr to lr_min over the epochs
    double clip_grad_norm = 10.0;    // 0 = no clipping
    LossSpec loss;
    int augment_shift = 0;           // random translation of training images by up to +-N pixels
    std::size_t train_samples = 0;   // 0 = the whole train split, else its first N
    std::size_t test_samples = 0;    // 0 = the whole test split
    // Quantization onto the fixed-point datapath (sw/quant).
    int weight_bits = 8;
    int steps = 64;                  // T: the input window maps to T timesteps
    int sim_steps = 0;               // simulated window per frame; 0 = sw/quant's default
    bool quantized_every_epoch = true;  // measure the quantized accuracy after every epoch

    std::vector<int> layer_sizes() const;  // inputs, hidden..., outputs
    double learning_rate(int epoch) const; // epoch counts from 0
    // Throws InputError naming the source and field on an inconsistent spec.
    void validate() const;
};

// Reads a training spec. Throws InputError with "file:line: ..." on unknown keys, wrong types,
// missing required keys and out-of-range values.
TrainSpec load_train_spec(const std::string& path);
TrainSpec parse_train_spec(const std::string& yaml_text, const std::string& source);

}  // namespace spiketlm::train
