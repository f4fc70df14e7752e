#pragma once
// In-memory image datasets (MNIST, Fashion-MNIST): pixels scaled to [0, 1], labels 0..classes-1.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace spiketlm::data {

struct ImageSet {
    std::string name;            // e.g. "fashion-mnist/test"
    std::size_t rows = 0, cols = 0;
    std::size_t num_classes = 10;
    std::vector<float> pixels;   // count() * rows * cols, row-major per image, values in [0, 1]
    std::vector<std::uint8_t> labels;

    std::size_t count() const { return labels.size(); }
    std::size_t pixels_per_image() const { return rows * cols; }
    const float* image(std::size_t i) const { return pixels.data() + i * rows * cols; }
};

struct DatasetSplit {
    ImageSet train;
    ImageSet test;
};

}  // namespace spiketlm::data
