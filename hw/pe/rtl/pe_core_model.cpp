// The Verilated rtl/pe_core.sv behind PeCoreModel (pe_core_io.h). Compiled into the hw library
// with the model of the build tree, and by scripts/rtl_mutant_check.py into a plugin with a
// mutant model: it includes nothing of spiketlm but pe_core_io.h.
#include "hw/pe/rtl/pe_core_io.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <type_traits>

#include <unistd.h>

#include <verilated.h>
#include <verilated_vcd_c.h>
#if VM_COVERAGE
#include <verilated_cov.h>
#endif

#include "Vpe_core.h"

namespace {

using spiketlm::pe::PeCoreIo;

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
        for (std::size_t i = 0; i < N && i < 2; ++i) v[i] = static_cast<std::uint32_t>(std::uint64_t{port} >> (32 * i));
    } else {
        for (std::size_t i = 0; i < N; ++i) v[i] = port[i];
    }
}

#if VM_COVERAGE
// `make coverage`: every process that built a model writes the coverage counts at exit into
// $SPIKETLM_RTL_COVERAGE_DIR (scripts/rtl-coverage.sh merges them).
void write_coverage() {
    const char* dir = std::getenv("SPIKETLM_RTL_COVERAGE_DIR");
    if (!dir) return;
    const std::string file = std::string(dir) + "/coverage-" + std::to_string(::getpid()) + ".dat";
    Verilated::defaultContextp()->coveragep()->write(file.c_str());
}
#endif

class VerilatedPeCore final : public spiketlm::pe::PeCoreModel {
  public:
    explicit VerilatedPeCore(const char* name) : m_top(std::make_unique<Vpe_core>(Verilated::defaultContextp(), name)) {
#if VM_COVERAGE
        static const bool armed = (std::atexit(write_coverage), true);
        (void)armed;
#endif
    }
    ~VerilatedPeCore() override { final(); }

    void eval(PeCoreIo& io) override {
        Vpe_core& t = *m_top;
        t.clk = io.clk;
        t.rst_n = io.rst_n;
#define SPIKETLM_IN(n) t.n = io.n;
        SPIKETLM_PE_CORE_INPUTS(SPIKETLM_IN)
#undef SPIKETLM_IN
        put(t.in_axon, io.in_axon);
        put(t.in_step, io.in_step);
        t.eval();
#define SPIKETLM_OUT(n) io.n = t.n;
        SPIKETLM_PE_CORE_OUTPUTS(SPIKETLM_OUT)
#undef SPIKETLM_OUT
        get(t.fire_v, io.fire_v);
        get(t.pkt_neuron, io.pkt_neuron);
        get(t.pkt_vfire, io.pkt_vfire);
        get(t.pkt_dest_set, io.pkt_dest_set);
        get(t.pkt_axon, io.pkt_axon);
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
    }

  private:
    std::unique_ptr<Vpe_core> m_top;
    std::unique_ptr<VerilatedVcdC> m_vcd;
    bool m_done = false;
};

}  // namespace

extern "C" __attribute__((visibility("default"))) spiketlm::pe::PeCoreModel* spiketlm_make_pe_core(const char* name) {
    return new VerilatedPeCore(name);
}
