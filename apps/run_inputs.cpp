#include "apps/run_inputs.h"

#include "sw/cfg/param.h"
#include "sw/common/error.h"
#include "sw/common/seed.h"
#include "sw/data/datasets.h"
#include "sw/snn/evaluate.h"

namespace spiketlm::app {

namespace {
const cfg::Param<std::string> p_spikes{
    "run.spikes", "", "",
    "spike list to run instead of encoding run.dataset: an .npz of (frame, step, channel) [+ labels], an STLMAER .aer "
    "file or a folder of them (docs/data.md); empty: use run.dataset"};
const cfg::Param<std::int64_t> p_bin_us{"run.spikes_bin_us", 1000, "us",
                                        "AER spike lists: microseconds per timestep", cfg::Range{1, 1e9}};
}  // namespace

RunInputs::RunInputs(const RunParams& p, const cfg::Config& c)
    : m_model(io::load_model(p.model)),
      m_seed(master_seed(c)),
      m_first(static_cast<std::size_t>(p.first_frame)),
      m_count(static_cast<std::size_t>(p.frames)) {
    const std::string spikes = p_spikes(c);
    const auto inputs = static_cast<std::size_t>(m_model.net.inputs);
    if (!spikes.empty()) {
        m_from_spikes = true;
        // The window the model's encoder spans: the steps an input spike may have.
        const std::uint32_t max_step = encode::make_encoder(m_model.net.encoding)->max_step();
        try {
            m_spikes = data::read_spike_list(spikes, inputs, max_step, static_cast<std::uint64_t>(p_bin_us(c)));
        } catch (const InputError& e) {
            throw InputError("run.spikes (" + c.origin("run.spikes").str() + "): " + e.what());
        }
        if (m_spikes.steps >= 0 && m_spikes.steps > static_cast<std::int64_t>(max_step) + 1)
            throw InputError("run.spikes (" + c.origin("run.spikes").str() + "): " + spikes + " was made for " +
                             std::to_string(m_spikes.steps) + " steps (member 'steps') but the model's input window has " +
                             std::to_string(max_step + 1));
        m_name = spikes;
        check_frame_range(p, m_spikes.frames.size(), spikes);
        return;
    }
    try {
        m_images = data::load_split(p.dataset, p.data_dir, p.split);
    } catch (const InputError& e) {
        throw InputError("run.dataset (" + c.origin("run.dataset").str() + "): " + e.what());
    }
    m_encoder = snn::make_frame_encoder(m_model.net, m_images.pixels_per_image());
    m_name = m_images.name;
    check_frame_range(p, m_images.count(), m_images.name);
}

int RunInputs::label(std::size_t k) const {
    return m_from_spikes ? m_spikes.labels[m_first + k] : static_cast<int>(m_images.labels[m_first + k]);
}

encode::SpikeTrain RunInputs::encode(std::size_t k) const {
    const std::size_t i = m_first + k;
    if (m_from_spikes) return m_spikes.frames[i];
    return m_encoder->encode(m_images.image(i), m_images.pixels_per_image(), snn::frame_seed(m_seed, i));
}

}  // namespace spiketlm::app
