#include "apps/run_inputs.h"

#include "sw/common/error.h"
#include "sw/common/seed.h"
#include "sw/data/datasets.h"
#include "sw/snn/evaluate.h"

namespace spiketlm::app {

RunInputs::RunInputs(const RunParams& p, const cfg::Config& c)
    : m_model(io::load_model(p.model)),
      m_images(data::load_split(p.dataset, p.data_dir, p.split)),
      m_encoder(snn::make_frame_encoder(m_model.net, m_images.pixels_per_image())),
      m_seed(master_seed(c)),
      m_first(static_cast<std::size_t>(p.first_frame)),
      m_count(static_cast<std::size_t>(p.frames)) {
    check_frame_range(p, m_images.count(), m_images.name);
}

encode::SpikeTrain RunInputs::encode(std::size_t k) const {
    const std::size_t i = m_first + k;
    return m_encoder->encode(m_images.image(i), m_images.pixels_per_image(), snn::frame_seed(m_seed, i));
}

}  // namespace spiketlm::app
