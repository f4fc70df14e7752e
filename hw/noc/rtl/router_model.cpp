// The Verilated rtl/router.sv behind RouterModel (router_io.h). Compiled into the hw library with
// the model of the build tree, and by scripts/rtl_mutant_check.py into a plugin with a mutant
// model: it includes nothing of spiketlm but router_io.h and hw/common/verilated_model.h.
#include "hw/noc/rtl/router_io.h"

#include <type_traits>

#include "Vrouter.h"
#include "hw/common/verilated_model.h"

namespace {

using spiketlm::noc::RouterIo;
using spiketlm::rtl::get;
using spiketlm::rtl::put;

class VerilatedRouter final : public spiketlm::rtl::VerilatedModel<Vrouter, spiketlm::noc::RouterModel> {
  public:
    explicit VerilatedRouter(const char* name) : VerilatedModel(name, "router") {}

    spiketlm::noc::RouterModelLimits limits() const override {
        return {SPIKETLM_RTL_ROUTER_VC_MAX, SPIKETLM_RTL_ROUTER_DEPTH_MAX, SPIKETLM_RTL_ROUTER_FLIT_W,
                SPIKETLM_RTL_ROUTER_NODES_MAX, SPIKETLM_RTL_ROUTER_TAG_W};
    }
    void eval(RouterIo& io) override {
        Vrouter& t = top();
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
};

}  // namespace

extern "C" __attribute__((visibility("default"))) spiketlm::noc::RouterModel* spiketlm_make_router(const char* name) {
    return new VerilatedRouter(name);
}
