#pragma once
// A fixed-size pool of worker threads (a TBB task arena) for data-parallel loops. Callers keep
// results independent of the thread count by writing each index's result to its own slot and
// reducing in index order afterwards.
#include <cstddef>
#include <functional>
#include <memory>

namespace spiketlm::train {

class Workers {
  public:
    explicit Workers(int threads);  // threads <= 0: all hardware threads
    ~Workers();
    Workers(const Workers&) = delete;
    Workers& operator=(const Workers&) = delete;

    int threads() const { return m_threads; }
    // Calls body(begin, end) on disjoint sub-ranges covering [0, n), `grain` indices or more each.
    void for_range(std::size_t n, std::size_t grain,
                   const std::function<void(std::size_t, std::size_t)>& body);

  private:
    int m_threads;
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace spiketlm::train
