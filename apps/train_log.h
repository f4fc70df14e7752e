#pragma once
// The per-epoch line `spiketlm train` prints for the ANN and BPTT trainers, and its entry in
// train_report.json's "history".
#include <nlohmann/json.hpp>

#include <cstdio>
#include <functional>
#include <iostream>

#include "sw/train/rate_conversion.h"

namespace spiketlm::app {

// Prints "epoch e/E  lr ...  loss ...  train ...%  test ...%  ... s" and appends the epoch to
// report["history"]; `seconds`, if given, sums the epochs' times.
inline std::function<void(const train::EpochStats&)> epoch_logger(int epochs, nlohmann::json& report, double* seconds) {
    return [epochs, &report, seconds](const train::EpochStats& m) {
        char line[200];
        std::snprintf(line, sizeof(line), "epoch %d/%d  lr %.2e  loss %.4f  train %.2f%%  test %.2f%%  %.1f s", m.epoch,
                      epochs, m.lr, m.loss, 100 * m.train_accuracy, 100 * m.test_accuracy, m.seconds);
        std::cout << line << std::endl;
        if (seconds) *seconds += m.seconds;
        report["history"].push_back({{"epoch", m.epoch},
                                     {"lr", m.lr},
                                     {"loss", m.loss},
                                     {"train_accuracy", m.train_accuracy},
                                     {"test_accuracy", m.test_accuracy},
                                     {"seconds", m.seconds}});
    };
}

}  // namespace spiketlm::app
