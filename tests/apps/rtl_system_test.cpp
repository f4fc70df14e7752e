// Regression 3 of docs/rtl.md: the trained Fashion-MNIST network on a chip whose PEs are all the
// RTL core (chip.pe.kind: rtl), and on a chip whose PEs and routers are all RTL (also
// chip.noc.router: rtl), through `spiketlm run` unchanged. Their spikes must equal the
// functional reference's (`trace diff`) and their cycles the TLM chip's (`trace diff --timing`),
// frame by frame; the chip reports must agree in every figure but the wall time.
#include <catch2/catch.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/test_util.h"

using namespace spiketlm;
namespace fs = std::filesystem;

TEST_CASE("rtl: a trained Fashion-MNIST network on RTL PEs, and on RTL PEs and RTL routers, has the reference's spikes and the TLM chip's cycles",
          "[rtl]") {
    const std::string dir = test::scratch_dir("rtl-system");
    test::fashion_mnist_data_dir(dir);
    // The demo model (784-100-10 ReL-PSP, STDBP), one epoch: trained weights, not random ones.
    const auto tr = test::run_cli("train --dataset fashion-mnist --model " + test::source_dir() +
                                  "/configs/models/relpsp-demo.yaml --epochs 1 --data-dir " + dir + "/data --out " + dir +
                                  "/model");
    REQUIRE(tr.exit_code == 0);
    test::write_text(dir + "/run.yaml",
                     test::yoso_run_config(dir + "/model", "", dir + "/data", 24, test::default_energy_table_yaml()));
    auto run = [&](const std::string& cmd, const std::string& out, const std::string& extra) {
        test::run_cli_ok(cmd + " --config " + dir + "/run.yaml --out " + dir + "/" + out + " " + extra);
        return test::read_json(dir + "/" + out + "/report.json");
    };
    const auto tlm = run("run", "tlm", "");
    run("ref", "ref", "");
    for (const char* kind : {"rtl", "rtl-all"}) {
        const std::string k(kind);
        INFO((k == "rtl" ? "RTL PEs, TLM routers" : "RTL PEs and RTL routers"));
        const auto rtl = run("run", k, k == "rtl" ? "--set chip.pe.kind=rtl" : "--set chip.pe.kind=rtl --set chip.noc.router=rtl");
        const auto spikes = test::run_cli("trace diff " + dir + "/" + k + "/spikes.spk " + dir + "/ref/spikes.spk");
        INFO(spikes.output);
        CHECK(spikes.exit_code == 0);
        CHECK_THAT(spikes.output, Catch::Contains("traces equal"));
        const auto timing = test::run_cli("trace diff --timing " + dir + "/" + k + "/spikes.spk " + dir + "/tlm/spikes.spk");
        INFO(timing.output);
        CHECK(timing.exit_code == 0);
        CHECK_THAT(timing.output, Catch::Contains("same cycles"));

        CHECK(rtl["frames"] == 24);
        CHECK(rtl["accuracy"] == tlm["accuracy"]);
        CHECK(rtl["accuracy"].get<double>() > 0.5);  // trained, not chance
        CHECK(rtl["spikes_per_frame"].get<double>() > 20.0);
        for (const char* key : {"cycles_per_frame", "spikes_per_frame", "synops_per_frame", "energy_nj_per_frame",
                                "energy_breakdown_nj", "noc", "utilization"}) {
            INFO(key);
            CHECK(rtl[key] == tlm[key]);
        }
    }
}
