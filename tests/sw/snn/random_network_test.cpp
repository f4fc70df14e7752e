// Random networks for chip/reference comparisons: valid, deterministic, and active (every layer
// spikes, but not every neuron at every step) on encoded random images.
#include <catch2/catch.hpp>

#include "sw/encode/encoder.h"
#include "sw/snn/neuron.h"
#include "sw/snn/random_network.h"
#include "sw/snn/reference.h"

using namespace spiketlm;
using namespace spiketlm::snn;

TEST_CASE("random network: every kind validates, is deterministic per seed and is active", "[unit]") {
    for (NeuronKind kind : {NeuronKind::relpsp, NeuronKind::if_, NeuronKind::lif, NeuronKind::cuba_lif,
                            NeuronKind::stochastic}) {
        INFO(to_string(kind));
        RandomNetworkSpec spec;
        spec.sizes = {100, 40, 20, 10};
        spec.kind = kind;
        spec.seed = 3;
        if (kind == NeuronKind::relpsp) spec.steps_to_fire = 8;
        const Network a = random_network(spec), b = random_network(spec);
        CHECK(a.layers[1].weights == b.layers[1].weights);
        spec.seed = 4;
        CHECK(random_network(spec).layers[1].weights != a.layers[1].weights);
        CHECK(a.decode == (kind == NeuronKind::relpsp ? Decode::first_spike : Decode::count));
        const auto enc = encode::make_encoder(a.encoding);
        const Reference ref(a);
        std::vector<std::uint64_t> per_layer(3, 0);
        std::uint64_t x = 5;
        for (std::uint64_t f = 0; f < 10; ++f) {
            std::vector<float> img(100);
            for (auto& p : img) {
                x = noise_mix(x);
                p = static_cast<float>(x % 1000) / 1000.0f;
            }
            const auto r = ref.run(enc->encode(img.data(), img.size(), f), f);
            for (std::size_t l = 0; l < 3; ++l) per_layer[l] += r.spikes_per_layer[l];
        }
        const int sizes[] = {40, 20, 10};
        for (std::size_t l = 0; l < 3; ++l) {
            INFO("layer " << l << ": " << per_layer[l] << " spikes in 10 frames");
            CHECK(per_layer[l] > 0);
            CHECK(per_layer[l] < static_cast<std::uint64_t>(10 * sizes[l] * a.timesteps) / 2);
        }
    }
}
