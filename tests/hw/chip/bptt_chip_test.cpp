// A network trained by surrogate-gradient BPTT (sw/train/bptt.h) and quantised onto the datapath
// runs spike-exact on the YOSO-like chip: 200 MNIST test frames, encoded as `spiketlm ref`
// encodes them, every spike, decision, step count and synop compared with the reference. A
// convolutional BPTT network (conv with padding, average pooling, grouped strided conv, dense
// output) likewise on 200 frames of a small synthetic image set.
// Each TEST_CASE elaborates one chip (one SystemC elaboration per process).
#include <catch2/catch.hpp>

#include "common/test_util.h"
#include "hw/chip/chip.h"
#include "hw/chip/random_network.h"
#include "sw/cfg/config.h"
#include "sw/data/datasets.h"
#include "sw/map/capacity.h"
#include "sw/map/mapper.h"
#include "sw/snn/evaluate.h"
#include "sw/snn/reference.h"
#include "sw/stats/stats.h"
#include "sw/train/bptt.h"

#include <random>

using namespace spiketlm;

namespace {

void check_chip_equals_reference(train::BpttSpec spec) {
    const std::string data = test::mnist_data_dir();
    data::DatasetSplit ds = data::load_dataset("mnist", data);
    const data::ImageSet train_set = data::head(ds.train, 2000);
    const data::ImageSet test_set = data::head(ds.test, 200);
    const train::BpttNet fnet = train::train_bptt(spec, train_set, {}, 2);
    const snn::Network net = train::quantize_bptt(fnet, spec).net;

    cfg::Config c;
    c.load_file(test::source_dir() + "/configs/chips/yoso.yaml");
    stats::Registry stats;
    const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
    chip::Chip chip("chip", c, net, mapped, stats, false, net.seed);
    const snn::Reference ref(net);
    test::ChipReferenceCompare cmp(chip, net, ref);
    const auto enc = snn::make_frame_encoder(net, test_set.pixels_per_image());
    for (std::size_t f = 0; f < test_set.count(); ++f)
        cmp.frame(enc->encode(test_set.image(f), test_set.pixels_per_image(), snn::frame_seed(spec.seed, f)), f,
                  test_set.labels[f]);
    INFO(cmp.first_difference);
    CHECK(cmp.mismatched == 0);
    CHECK(cmp.spikes > 200 * 20);        // the comparison is not vacuous
    CHECK(cmp.correct > 200 * 6 / 10);   // a trained network (chance: 10 %)
}

train::BpttSpec small_spec() {
    train::BpttSpec s;
    s.source = "test";
    s.hidden = {32};
    s.encoding.steps = 8;
    s.epochs = 1;
    s.batch = 32;
    s.lr = 2e-3;
    s.lr_min = 2e-3;
    s.surrogate_slope = 2;
    s.seed = 3;
    return s;
}

}  // namespace

TEST_CASE("chip: a BPTT-trained LIF network with subtractive reset and count decoding is spike-exact on 200 MNIST frames",
          "[system]") {
    check_chip_equals_reference(small_spec());
}

TEST_CASE("chip: a BPTT-trained CUBA-LIF network with reset to zero and first-spike decoding is spike-exact on "
          "200 MNIST frames",
          "[system]") {
    train::BpttSpec s = small_spec();
    s.kind = snn::NeuronKind::cuba_lif;
    s.reset = snn::ResetMode::to_value;
    s.decode = snn::Decode::first_spike;
    s.train_leak = true;
    s.train_threshold = true;
    check_chip_equals_reference(s);
}

TEST_CASE("chip: a BPTT-trained convolutional LIF network with pooling and a grouped strided conv is spike-exact on "
          "200 frames",
          "[system]") {
    // 1x10x10 images, 4 classes: the bright quadrant.
    train::BpttSpec spec = train::parse_bptt_spec(R"(name: bptt-conv-chip
network:
  inputs: 100
  input_shape: [1, 10, 10]
  layers:
    - {type: conv, channels: 4, kernel: 3, stride: 1, padding: 1}
    - {type: avgpool, kernel: 2}
    - {type: conv, channels: 8, kernel: 3, stride: 2, padding: 1, groups: 2}
  outputs: 4
neuron: {kind: lif, decay_v: 3840, reset: subtract, train_leak: true, train_threshold: true}
encoding: {kind: rate, steps: 12}
train: {seed: 2, epochs: 3, batch: 16, lr: 5.0e-3, lr_min: 5.0e-3, surrogate_slope: 2}
)",
                                                          "bptt-conv-chip.yaml");
    const data::ImageSet set = test::quadrant_images(400, 4);
    const train::BpttNet fnet = train::train_bptt(spec, set, {}, 1);
    const snn::Network net = train::quantize_bptt(fnet, spec).net;
    REQUIRE(net.layers.size() == 4);
    REQUIRE(net.layers[0].kind == snn::LayerKind::conv2d);
    REQUIRE(net.layers[1].kind == snn::LayerKind::conv2d);
    REQUIRE(net.layers[2].conv.groups == 2);

    cfg::Config c;
    c.load_string("chip:\n  noc: {width: 4, height: 4}\n  pe: {neurons: 64, synapse_words: 4096, axon_entries: 1024}\n",
                  "chip.yaml");
    stats::Registry stats;
    const auto mapped = map::map_network(net, map::capacity_from(c), map::mesh_from(c));
    chip::Chip chip("chip", c, net, mapped, stats, false, net.seed);
    const snn::Reference ref(net);
    test::ChipReferenceCompare cmp(chip, net, ref);
    const auto enc = snn::make_frame_encoder(net, set.pixels_per_image());
    for (std::size_t f = 0; f < 200; ++f) {
        const std::size_t k = 200 + f;  // frames the training did not see in this encoding
        cmp.frame(enc->encode(set.image(k), set.pixels_per_image(), snn::frame_seed(spec.seed, f)), f, set.labels[k]);
    }
    INFO(cmp.first_difference);
    CHECK(cmp.mismatched == 0);
    CHECK(cmp.spikes > 200 * 50);      // the conv layers are active: the comparison is not vacuous
    CHECK(cmp.correct > 200 * 8 / 10);  // a trained network (chance: 25 %)
}
