#include "sw/train/parallel.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <thread>

namespace spiketlm::train {

struct Workers::Impl {
    explicit Impl(int n) : arena(n) {}
    tbb::task_arena arena;
};

Workers::Workers(int threads)
    : m_threads(threads > 0 ? threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))) {
    if (m_threads > 1) m_impl = std::make_unique<Impl>(m_threads);
}

Workers::~Workers() = default;

void Workers::for_range(std::size_t n, std::size_t grain,
                        const std::function<void(std::size_t, std::size_t)>& body) {
    if (n == 0) return;
    if (!m_impl || n <= grain) {
        body(0, n);
        return;
    }
    m_impl->arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, std::max<std::size_t>(1, grain)),
                          [&](const tbb::blocked_range<std::size_t>& r) { body(r.begin(), r.end()); });
    });
}

}  // namespace spiketlm::train
