#pragma once
// Running the reference on dataset images: the frame seed, encoding with the network's encoder,
// and batched simulation. Shared by `spiketlm ref`, sw/quant's accuracy report and the training
// report, so all of them see the same input spikes as the chip run.
#include <cstdint>
#include <memory>
#include <vector>

#include "sw/data/dataset.h"
#include "sw/encode/encoder.h"
#include "sw/snn/reference.h"

namespace spiketlm::snn {

// The seed of frame `frame_index` (its index in the dataset split): derive_seed(master, "frame", i).
std::uint64_t frame_seed(std::uint64_t master_seed, std::uint64_t frame_index);

// The network's encoder, checked against the image size (encoder outputs == network inputs).
std::unique_ptr<encode::Encoder> make_frame_encoder(const Network& net, std::size_t pixels_per_image);

struct EvalTotals {
    std::uint64_t frames = 0, correct = 0, undecided = 0;
    std::uint64_t input_spikes = 0, spikes = 0, synops = 0, timesteps = 0;
    std::vector<std::uint64_t> spikes_per_layer;
    double accuracy() const { return frames ? static_cast<double>(correct) / static_cast<double>(frames) : 0.0; }
    void add(const FrameResult& r, int label);
};

// Simulates images [first, first + count) of `set` (frame index = image index), `threads`
// workers; results in frame order, independent of the thread count.
std::vector<BatchFrame> run_images(const Reference& ref, const data::ImageSet& set, std::size_t first,
                                   std::size_t count, std::uint64_t master_seed, int threads,
                                   bool record_spikes = false);

// Accuracy and totals over a whole set (or its first `limit` images when limit > 0).
EvalTotals evaluate(const Reference& ref, const data::ImageSet& set, std::uint64_t master_seed, int threads,
                    std::size_t limit = 0);

}  // namespace spiketlm::snn
