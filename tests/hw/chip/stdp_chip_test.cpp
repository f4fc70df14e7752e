// An STDP-trained network (sw/train/stdp.h) on the chip: a small excitatory layer learns bar
// patterns without labels, is labelled and converted (lateral inhibition as recurrent synapses,
// thresholds folded into row scales, count readout), mapped over several PEs and run frame by
// frame on the chip and the reference with the same rate-coded inputs: every spike, decision and
// step count must agree (test::frame_difference).
#include <catch2/catch.hpp>

#include <random>

#include "hw/chip/chip.h"
#include "hw/chip/random_network.h"
#include "sw/cfg/config.h"
#include "sw/map/capacity.h"
#include "sw/map/mapper.h"
#include "sw/snn/evaluate.h"
#include "sw/snn/reference.h"
#include "sw/stats/stats.h"
#include "sw/train/stdp.h"

using namespace spiketlm;

namespace {

// 8x8 images of 8 classes: class c is row c (c < 4: rows 1, 3, 5, 7) or column c - 4 (columns
// 1, 3, 5, 7) at full intensity, plus weak seeded background noise.
data::ImageSet bars(std::size_t n, std::uint64_t seed) {
    data::ImageSet s;
    s.rows = s.cols = 8;
    s.num_classes = 8;
    std::mt19937_64 rng(seed);
    for (std::size_t k = 0; k < n; ++k) {
        const int c = static_cast<int>(rng() % 8);
        s.labels.push_back(static_cast<std::uint8_t>(c));
        for (int y = 0; y < 8; ++y)
            for (int x = 0; x < 8; ++x) {
                const bool on = c < 4 ? y == 2 * c + 1 : x == 2 * (c - 4) + 1;
                s.pixels.push_back(on ? 1.0f : static_cast<float>(rng() % 100) / 1000.0f);
            }
    }
    return s;
}

}  // namespace

TEST_CASE("chip: an STDP-trained layer with recurrent inhibition is spike-exact with the reference on 200 frames",
          "[system]") {
    train::StdpSpec s;
    s.name = "stdp-bars";
    s.inputs = 64;
    s.neurons = 24;
    s.outputs = 8;
    s.steps = 50;
    s.rate_max = 0.3;
    s.threshold = 4;
    s.inhibition = 20;
    s.norm = 8;
    s.theta_plus = 0.05;
    s.drain_steps = 6;
    s.weight_bits = 10;
    s.validate();
    const data::ImageSet train_set = bars(600, 1), test_set = bars(200, 2);
    const train::StdpNet net = train::train_stdp(s, train_set);
    const auto counts = train::stdp_responses(net, s, train_set, train_set.count(), 1, s.seed);
    const auto labels = train::assign_labels(counts, train_set.labels, s.neurons, s.outputs);
    const train::StdpConversion conv = train::convert_stdp(net, labels, s);
    const snn::Network& q = conv.net;
    REQUIRE(q.layers[0].has_recurrent());

    // 24 excitatory neurons over 3 PEs of 8 (each PE receives the other PEs' spikes as recurrent input).
    cfg::Config c;
    c.load_string("chip:\n  noc: {width: 2, height: 2}\n  pe: {neurons: 8, synapse_words: 2048, axon_entries: 128}\n",
                  "chip.yaml");
    stats::Registry stats;
    const auto mapped = map::map_network(q, map::capacity_from(c), map::mesh_from(c));
    REQUIRE(mapped.pes.size() == 4);
    chip::Chip chip("chip", c, q, mapped, stats, false, q.seed);
    const snn::Reference ref(q);
    test::ChipReferenceCompare cmp(chip, q, ref);
    snn::Network open = q;  // the same network without its inhibition
    open.layers[0].recurrent = snn::Csr{};
    const snn::Reference ref_open(open);
    const auto enc = snn::make_frame_encoder(q, test_set.pixels_per_image());
    std::uint64_t open_spikes = 0;
    for (std::size_t f = 0; f < test_set.count(); ++f) {
        const auto in = enc->encode(test_set.image(f), test_set.pixels_per_image(), snn::frame_seed(7, f));
        cmp.frame(in, f, test_set.labels[f]);
        open_spikes += ref_open.run(in, f).spikes();
    }
    INFO(cmp.first_difference);
    CHECK(cmp.mismatched == 0);
    CHECK(cmp.spikes > 1500);
    CHECK(2 * open_spikes > 3 * cmp.spikes);  // the recurrent inhibition does its work (measured: 5656 vs 2168)
    CHECK(cmp.correct > 100);  // 8 classes, chance 25 of 200: the unsupervised layer has learned the bars
}
