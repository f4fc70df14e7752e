#pragma once
// What `spiketlm run` (chip) and `spiketlm ref` (reference) both need before simulating: the
// model and the frames' input spikes. Frames come either from a dataset (run.dataset: frame k is
// image run.first_frame + k of the split, encoded with the model's encoding and the seed
// derive_seed(sim.seed, "frame", index)) or, when run.spikes is set, from a spike list (frame k
// is frame run.first_frame + k of the list, its spikes as given; sw/data/spike_list.h). Both
// commands feed identical spikes.
#include <cstdint>
#include <memory>
#include <string>

#include "apps/run_common.h"
#include "sw/data/dataset.h"
#include "sw/data/spike_list.h"
#include "sw/encode/encoder.h"
#include "sw/io/model_file.h"

namespace spiketlm::app {

class RunInputs {
  public:
    RunInputs(const RunParams& p, const cfg::Config& c);
    std::size_t frames() const { return m_count; }
    std::uint64_t frame_index(std::size_t k) const { return m_first + k; }
    int label(std::size_t k) const;
    encode::SpikeTrain encode(std::size_t k) const;
    const io::Model& model() const { return m_model; }
    const std::string& dataset_name() const { return m_name; }

  private:
    io::Model m_model;
    data::ImageSet m_images;
    data::SpikeList m_spikes;
    bool m_from_spikes = false;
    std::string m_name;
    std::unique_ptr<encode::Encoder> m_encoder;
    std::uint64_t m_seed;
    std::size_t m_first, m_count;
};

}  // namespace spiketlm::app
