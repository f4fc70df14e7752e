// The Verilated rtl/router.sv behind RouterModel (router_io.h). Compiled into the hw library with
// the model of the build tree, and by scripts/rtl_mutant_check.py into a plugin with a mutant
// model: it includes nothing of spiketlm but router_io.h.
#include "hw/noc/rtl/router_io.h"

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

#include "Vrouter.h"

namespace {

using spiketlm::noc::RouterIo;

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
template <typename P, std::size_t N>
void get(const P& port, std::array<std::uint32_t, N>& v) {
    if constexpr (std::is_integral_v<P>) {
        for (std::size_t i = 0; i < N; ++i) v[i] = i < 2 ? static_cast<std::uint32_t>(std::uint64_t{port} >> (32 * i)) : 0;
    } else {
        for (std::size_t i = 0; i < N; ++i) v[i] = port[i];
    }
}

#if VM_COVERAGE
// `make coverage`: as the rtl PE's model does (hw/pe/rtl/pe_core_model.cpp), the coverage counts
// of the live models are written into $SPIKETLM_RTL_COVERAGE_DIR when a router model ends, and the
// items dropped (they point into the models' memory). The routers of a mesh end together, after
// the simulation, so nothing counted is lost.
void write_coverage() {
    static int seq = 0;
    const char* dir = std::getenv("SPIKETLM_RTL_COVERAGE_DIR");
    auto* cov = Verilated::defaultContextp()->coveragep();
    if (dir) {
        std::filesystem::create_directories(dir);
        const std::string file =
            std::string(dir) + "/coverage-" + std::to_string(::getpid()) + "-router" + std::to_string(seq++) + ".dat";
        cov->write(file.c_str());
    }
    cov->clear();
}
#endif

class VerilatedRouter final : public spiketlm::noc::RouterModel {
  public:
    explicit VerilatedRouter(const char* name) : m_top(std::make_unique<Vrouter>(Verilated::defaultContextp(), name)) {}
    ~VerilatedRouter() override { final(); }

    spiketlm::noc::RouterModelLimits limits() const override {
        return {SPIKETLM_RTL_ROUTER_VC_MAX, SPIKETLM_RTL_ROUTER_DEPTH_MAX, SPIKETLM_RTL_ROUTER_FLIT_W,
                SPIKETLM_RTL_ROUTER_NODES_MAX, SPIKETLM_RTL_ROUTER_TAG_W};
    }
    void eval(RouterIo& io) override {
        Vrouter& t = *m_top;
        t.clk = io.clk;
        t.rst_n = io.rst_n;
#define SPIKETLM_IN(n) t.n = static_cast<std::remove_reference_t<decltype(t.n)>>(io.n);
        SPIKETLM_ROUTER_INPUTS(SPIKETLM_IN)
#undef SPIKETLM_IN
#define SPIKETLM_WIN(n, w) put(t.n, io.n);
        SPIKETLM_ROUTER_WIDE_INPUTS(SPIKETLM_WIN)
#undef SPIKETLM_WIN
        t.eval();
#define SPIKETLM_OUT(n) io.n = t.n;
        SPIKETLM_ROUTER_OUTPUTS(SPIKETLM_OUT)
#undef SPIKETLM_OUT
#define SPIKETLM_WOUT(n, w) get(t.n, io.n);
        SPIKETLM_ROUTER_WIDE_OUTPUTS(SPIKETLM_WOUT)
#undef SPIKETLM_WOUT
    }
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

  private:
    std::unique_ptr<Vrouter> m_top;
    std::unique_ptr<VerilatedVcdC> m_vcd;
    bool m_done = false;
};

}  // namespace

extern "C" __attribute__((visibility("default"))) spiketlm::noc::RouterModel* spiketlm_make_router(const char* name) {
    return new VerilatedRouter(name);
}
