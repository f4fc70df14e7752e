// A convolutional network converted from a trained ANN (sw/train/rate_conversion.h: conv with
// padding, average pooling as a depthwise conv2d, a grouped strided conv, dense output) runs
// spike-exact on the chip against the reference (unrolled conv2d synapses, sw/map).
#include <catch2/catch.hpp>

#include <random>

#include "hw/chip/chip.h"
#include "hw/chip/random_network.h"
#include "sw/cfg/config.h"
#include "sw/map/capacity.h"
#include "sw/map/mapper.h"
#include "sw/snn/reference.h"
#include "sw/stats/stats.h"
#include "sw/train/rate_conversion.h"

using namespace spiketlm;

TEST_CASE("chip: a conv network converted from a trained ANN is spike-exact with the reference on 200 frames",
          "[system]") {
    // 1x10x10 images, 4 classes: the bright quadrant.
    const train::RateSpec spec = train::parse_rate_spec(R"(name: conv-chip
network:
  inputs: 100
  input_shape: [1, 10, 10]
  layers:
    - {type: conv, channels: 4, kernel: 3, stride: 1, padding: 1}
    - {type: avgpool, kernel: 2}
    - {type: conv, channels: 8, kernel: 3, stride: 2, padding: 1, groups: 2}
  outputs: 4
train: {seed: 2, epochs: 4, batch: 16, lr: 5.0e-3}
conversion: {calibration_samples: 200, weight_bits: 8, steps: 16}
)",
                                                        "conv-chip.yaml");
    const data::ImageSet set = test::quadrant_images(400, 4);
    const train::Ann ann = train::train_ann(spec, set, set);
    REQUIRE(train::ann_accuracy(ann, set) > 0.9);
    const train::RateConversion rc = train::convert_rate(ann, set, spec, spec.steps);
    const snn::Network& net = rc.net;
    REQUIRE(net.layers.size() == 4);
    REQUIRE(net.layers[1].kind == snn::LayerKind::conv2d);
    net.validate();

    cfg::Config c;
    c.load_string("chip:\n  noc: {width: 4, height: 4}\n  pe: {neurons: 64, synapse_words: 4096, axon_entries: 1024}\n",
                  "chip.yaml");
    stats::Registry stats;
    const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
    chip::Chip chip("chip", c, net, mapped, stats, false, net.seed);
    const snn::Reference ref(net);
    test::ChipReferenceCompare cmp(chip, net, ref);
    std::mt19937_64 in_rng(7);
    for (int f = 0; f < 200; ++f) {
        // Rate-coded image of class f % 4 (pixel value = spike probability per step).
        encode::SpikeTrain in;
        for (std::uint32_t s = 0; s < net.encoding.steps; ++s)
            for (int i = 0; i < 100; ++i) {
                const float p = set.pixels[static_cast<std::size_t>(f % 400) * 100 + static_cast<std::size_t>(i)];
                if (std::bernoulli_distribution(p)(in_rng)) in.push_back({s, static_cast<std::uint32_t>(i)});
            }
        cmp.frame(in, static_cast<std::uint64_t>(f), set.labels[static_cast<std::size_t>(f % 400)]);
    }
    INFO(cmp.first_difference);
    CHECK(cmp.mismatched == 0);
    CHECK(cmp.spikes > 20000);   // the conv layers are active: the comparison is not vacuous
    CHECK(cmp.correct > 180);    // and the converted network classifies
}
