#pragma once
// `spiketlm train --method bptt` (apps/cmd_train_bptt.cpp): surrogate-gradient BPTT of a LIF /
// CUBA-LIF network (sw/train/bptt.h), quantised onto the datapath, measured with the reference.
#include <string>

namespace spiketlm::app {

struct BpttArgs {
    std::string dataset, model, data_dir = "data", out;
    int epochs = 0, threads = 2;
    bool resume = false;
};

void run_train_bptt(const BpttArgs& a);

}  // namespace spiketlm::app
