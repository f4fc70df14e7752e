// The Verilated rtl/pe_core.sv behind PeCoreModel (pe_core_io.h). Compiled into the hw library
// with the model of the build tree, and by scripts/rtl_mutant_check.py into a plugin with a
// mutant model: it includes nothing of spiketlm but pe_core_io.h and hw/common/verilated_model.h.
#include "hw/pe/rtl/pe_core_io.h"

#include "Vpe_core.h"
#include "hw/common/verilated_model.h"

namespace {

using spiketlm::pe::PeCoreIo;
using spiketlm::rtl::get;
using spiketlm::rtl::put;

class VerilatedPeCore final : public spiketlm::rtl::VerilatedModel<Vpe_core, spiketlm::pe::PeCoreModel> {
  public:
    explicit VerilatedPeCore(const char* name) : VerilatedModel(name, "") {}

    void eval(PeCoreIo& io) override {
        Vpe_core& t = top();
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
};

}  // namespace

extern "C" __attribute__((visibility("default"))) spiketlm::pe::PeCoreModel* spiketlm_make_pe_core(const char* name) {
    return new VerilatedPeCore(name);
}
