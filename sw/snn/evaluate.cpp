#include "sw/snn/evaluate.h"

#include <algorithm>

#include "sw/common/error.h"
#include "sw/common/seed.h"

namespace spiketlm::snn {

std::uint64_t frame_seed(std::uint64_t master_seed, std::uint64_t frame_index) {
    return derive_seed(master_seed, "frame", frame_index);
}

std::unique_ptr<encode::Encoder> make_frame_encoder(const Network& net, std::size_t pixels_per_image) {
    auto enc = encode::make_encoder(net.encoding);
    const std::size_t n = enc->outputs(pixels_per_image);
    if (n != static_cast<std::size_t>(net.inputs))
        throw InputError("network '" + net.name + "' has " + std::to_string(net.inputs) + " inputs but the " +
                         net.encoding.kind + " encoding of " + std::to_string(pixels_per_image) +
                         "-pixel images gives " + std::to_string(n) + " input channels");
    return enc;
}

void EvalTotals::add(const FrameResult& r, int label) {
    ++frames;
    if (r.decision < 0) ++undecided;
    else if (r.decision == label) ++correct;
    input_spikes += r.input_spikes;
    spikes += r.spikes();
    synops += r.synops;
    timesteps += r.steps;
    if (spikes_per_layer.size() < r.spikes_per_layer.size()) spikes_per_layer.resize(r.spikes_per_layer.size(), 0);
    for (std::size_t l = 0; l < r.spikes_per_layer.size(); ++l) spikes_per_layer[l] += r.spikes_per_layer[l];
}

std::vector<BatchFrame> run_images(const Reference& ref, const data::ImageSet& set, std::size_t first,
                                   std::size_t count, std::uint64_t master_seed, int threads, bool record_spikes) {
    if (first + count > set.count())
        throw InputError(set.name + ": frames " + std::to_string(first) + ".." + std::to_string(first + count) +
                         " requested but the set has " + std::to_string(set.count()) + " images");
    const auto enc = make_frame_encoder(ref.network(), set.pixels_per_image());
    const std::size_t ppi = set.pixels_per_image();
    return run_batch(
        ref, count,
        [&](std::size_t k) {
            const std::size_t idx = first + k;
            return FrameInput{enc->encode(set.image(idx), ppi, frame_seed(master_seed, idx)), idx};
        },
        threads, record_spikes);
}

EvalTotals evaluate(const Reference& ref, const data::ImageSet& set, std::uint64_t master_seed, int threads,
                    std::size_t limit) {
    const std::size_t n = limit > 0 ? std::min(limit, set.count()) : set.count();
    EvalTotals t;
    // Chunks keep the memory of per-frame results small on big sets.
    const std::size_t chunk = 4096;
    for (std::size_t first = 0; first < n; first += chunk) {
        const std::size_t c = std::min(chunk, n - first);
        const auto res = run_images(ref, set, first, c, master_seed, threads);
        for (std::size_t k = 0; k < c; ++k) t.add(res[k].result, set.labels[first + k]);
    }
    return t;
}

}  // namespace spiketlm::snn
