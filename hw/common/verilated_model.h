#pragma once
// The part of a Verilated model wrapper (hw/pe/rtl/pe_core_model.cpp, hw/noc/rtl/router_model.cpp)
// that does not depend on the ports: owning the model, its VCD trace, the end of simulation and the
// coverage counts, and copying packed ports to and from arrays of 32-bit words. Compiled into the
// hw library and, by scripts/rtl_mutant_check.py, into model plugins: it includes nothing of
// spiketlm, only the C++ library and Verilator's headers. The loading side is hw/common/rtl_plugin.h.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <type_traits>

#include <unistd.h>

#include <verilated.h>
#include <verilated_vcd_c.h>
#if VM_COVERAGE
#include <verilated_cov.h>
#endif

namespace spiketlm::rtl {

// A packed port from 32-bit words (word i = bits [32 i, 32 i + 32)). Verilator: uint8/16/32 up to
// 32 bits, uint64_t up to 64, VlWide above.
template <typename P, std::size_t N>
void put(P& port, const std::array<std::uint32_t, N>& v) {
    if constexpr (std::is_integral_v<P>) {
        std::uint64_t x = 0;
        for (std::size_t i = 0; i < N && i < 2; ++i) x |= std::uint64_t{v[i]} << (32 * i);
        port = static_cast<P>(x);
    } else {
        for (std::size_t i = 0; i < N; ++i) port[i] = v[i];
    }
}
// A packed port into 32-bit words (words beyond a 64-bit port read 0).
template <typename P, std::size_t N>
void get(const P& port, std::array<std::uint32_t, N>& v) {
    if constexpr (std::is_integral_v<P>) {
        for (std::size_t i = 0; i < N; ++i) v[i] = i < 2 ? static_cast<std::uint32_t>(std::uint64_t{port} >> (32 * i)) : 0;
    } else {
        for (std::size_t i = 0; i < N; ++i) v[i] = port[i];
    }
}

// The Verilated model `Top` behind the model interface `Model` (PeCoreModel, RouterModel: eval,
// trace_open, trace_dump, final); the wrapper derives from it and adds eval (and what else its
// interface asks).
template <typename Top, typename Model>
class VerilatedModel : public Model {
  public:
    // `coverage_tag` goes into the names of the coverage files (below).
    VerilatedModel(const char* name, const char* coverage_tag)
        : m_top(std::make_unique<Top>(Verilated::defaultContextp(), name)), m_coverage_tag(coverage_tag) {}
    ~VerilatedModel() override { VerilatedModel::final(); }

    void trace_open(const char* path) override {
        Verilated::defaultContextp()->traceEverOn(true);
        m_vcd = std::make_unique<VerilatedVcdC>();
        m_top->trace(m_vcd.get(), 99);
        m_vcd->open(path);
    }
    void trace_dump(std::uint64_t time) override {
        if (m_vcd) m_vcd->dump(time);
    }
    void final() override {
        if (m_done) return;
        m_done = true;
        if (m_vcd) m_vcd->close();
        m_top->final();
#if VM_COVERAGE
        write_coverage();
#endif
    }

  protected:
    Top& top() { return *m_top; }

  private:
#if VM_COVERAGE
    // `make coverage`: the coverage counts of the live models are written into
    // $SPIKETLM_RTL_COVERAGE_DIR (coverage-<pid>-<tag><n>.dat) when a model ends, and their items
    // dropped (the items point into the models' memory, so they must be written before a model is
    // deleted; scripts/rtl-coverage.sh merges the files). The models of one chip end together,
    // after the simulation, so nothing counted is lost.
    void write_coverage() {
        static int seq = 0;  // one count per model type
        const char* dir = std::getenv("SPIKETLM_RTL_COVERAGE_DIR");
        auto* cov = Verilated::defaultContextp()->coveragep();
        if (dir) {
            std::filesystem::create_directories(dir);
            const std::string file = std::string(dir) + "/coverage-" + std::to_string(::getpid()) + "-" +
                                     m_coverage_tag + std::to_string(seq++) + ".dat";
            cov->write(file.c_str());
        }
        cov->clear();
    }
#endif

    std::unique_ptr<Top> m_top;
    std::unique_ptr<VerilatedVcdC> m_vcd;
    [[maybe_unused]] const char* m_coverage_tag;
    bool m_done = false;
};

}  // namespace spiketlm::rtl
