// Wall time of a chip of RTL PEs (chip.pe.kind: rtl, rtl/pe_core.sv Verilated) against the TLM
// chip (chip.pe.kind: sram) on the same frames, through `spiketlm run` as a user runs it: wall
// seconds, frames/s, simulated chip cycles per wall second, and the ratio. Also checks that both
// give the same spikes at the same cycles (`trace diff --timing`). Prints figures, never fails on
// time.
//   bench/rtl_vs_tlm [--config configs/runs/fashion-demo.yaml] [--frames N] [--out DIR]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace {
nlohmann::json run(const std::string& config, int frames, const std::string& out, const std::string& extra) {
    const std::string cmd = std::string(SPIKETLM_CLI) + " --quiet run --config " + config + " --set run.frames=" +
                            std::to_string(frames) + " --out " + out + " " + extra + " > /dev/null";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
    std::ifstream f(out + "/report.json");
    return nlohmann::json::parse(f);
}
}  // namespace

int main(int argc, char** argv) {
    std::string config = std::string(SPIKETLM_SOURCE_DIR) + "/configs/runs/fashion-demo.yaml", out = "runs/bench-rtl";
    int frames = 100;
    for (int k = 1; k + 1 < argc; k += 2) {
        if (!std::strcmp(argv[k], "--config")) config = argv[k + 1];
        else if (!std::strcmp(argv[k], "--frames")) frames = std::atoi(argv[k + 1]);
        else if (!std::strcmp(argv[k], "--out")) out = argv[k + 1];
    }
    try {
        const auto tlm = run(config, frames, out + "/tlm", "");
        const auto rtl = run(config, frames, out + "/rtl", "--set chip.pe.kind=rtl");
        const std::string diff = std::string(SPIKETLM_CLI) + " trace diff --timing " + out + "/rtl/spikes.spk " + out +
                                 "/tlm/spikes.spk";
        const int same = std::system(diff.c_str());
        auto line = [&](const char* what, const nlohmann::json& r) {
            const double wall = r["sim_wall_s"].get<double>();
            const double cycles = r["cycles_per_frame"].get<double>() * r["frames"].get<double>();
            std::printf("%-22s %8.3f s wall  %9.1f frames/s  %12.0f cycles/s\n", what, wall, r["frames"].get<double>() / wall,
                        cycles / wall);
            return wall;
        };
        std::printf("%s, %d frames, %.0f cycles per frame\n", config.c_str(), frames,
                    tlm["cycles_per_frame"].get<double>());
        const double t = line("TLM chip (sram PEs)", tlm);
        const double r = line("RTL PEs (Verilated)", rtl);
        std::printf("TLM / RTL speed ratio: %.1fx (goal for the TLM model: >= 100x)\n", r / t);
        std::printf("spikes and cycles equal: %s\n", same == 0 ? "yes" : "NO");
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rtl_vs_tlm: %s\n", e.what());
        return 1;
    }
}
