#pragma once
// Spike lists: input spikes given directly instead of encoded from images (docs/data.md), for
// `spiketlm ref` / `run` (run.spikes) and for training (a path to a spike-list .npz as the
// dataset). Two forms:
//   X.npz   members frame, step, channel: integer arrays of equal length E, one input spike per
//           entry (any order); optional labels (F,) (the class of every frame; -1 = unknown;
//           without it the frames are max(frame) + 1, all unknown), inputs () and steps () (the
//           input size and window the list was made for; checked against the model when given).
//   X.aer / a folder of *.aer   STLMAER event files (sw/data/aer.h), one frame per file (folder:
//           in name order), label from the header, binned to steps by sw/encode/aer_adapter
//           (bin_us microseconds per step; channels 2 W H, ON then OFF).
// Errors name the file and the event (index, frame, step, channel): negative values, a frame
// outside the labels, a duplicate (frame, step, channel), a channel outside the input size or a
// step outside the window.
#include <cstdint>
#include <string>
#include <vector>

#include "sw/data/dataset.h"
#include "sw/encode/spike_train.h"

namespace spiketlm::data {

struct SpikeList {
    std::string path;
    std::vector<encode::SpikeTrain> frames;  // sorted by (step, input), unique
    std::vector<int> labels;                 // per frame, -1 = unknown
    std::int64_t inputs = -1, steps = -1;    // declared by the file (npz members, AER: 2 W H), -1 if not
};

// Reads a spike list and checks every event against `inputs` channels and steps 0..max_step.
SpikeList read_spike_list(const std::string& path, std::size_t inputs, std::uint32_t max_step,
                          std::uint64_t bin_us = 1000);

// Spike counts as images for training: pixel = spikes of the channel / window (clamped to 1), one
// row of `inputs` values per frame; frames with unknown labels are an error.
ImageSet spike_list_images(const SpikeList& list, std::size_t inputs, std::uint32_t window);

// A spike-list file: ends in .aer, or an .npz with a 'channel' member.
bool is_spike_list_file(const std::string& path);

}  // namespace spiketlm::data
