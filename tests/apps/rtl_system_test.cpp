// Regression 3 of docs/rtl.md: the trained Fashion-MNIST network on a chip whose PEs are all the
// RTL core (chip.pe.kind: rtl), through `spiketlm run` unchanged. Its spikes must equal the
// functional reference's (`trace diff`) and its cycles the TLM chip's (`trace diff --timing`),
// frame by frame; the two chip reports must agree in every figure but the wall time.
#include <catch2/catch.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/test_util.h"

using namespace spiketlm;
namespace fs = std::filesystem;

namespace {
const char* k_fmnist = "/usr/share/datasets/fashion-mnist";
}

TEST_CASE("rtl: a trained Fashion-MNIST network on RTL PEs has the reference's spikes and the TLM chip's cycles",
          "[rtl]") {
    test::require_file(std::string(k_fmnist) + "/t10k-images-idx3-ubyte.gz",
                       "install the Debian package dataset-fashion-mnist (make data)");
    const std::string dir = test::scratch_dir("rtl-system");
    fs::create_directories(dir + "/data");
    fs::create_directory_symlink(k_fmnist, dir + "/data/fashion-mnist");
    // The demo model (784-100-10 ReL-PSP, STDBP), one epoch: trained weights, not random ones.
    const auto tr = test::run_cli("train --dataset fashion-mnist --model " + test::source_dir() +
                                  "/configs/models/relpsp-demo.yaml --epochs 1 --data-dir " + dir + "/data --out " + dir +
                                  "/model");
    REQUIRE(tr.exit_code == 0);
    test::write_text(dir + "/run.yaml", "include: " + test::source_dir() +
                                            "/configs/chips/yoso.yaml\n"
                                            "chip:\n  energy_table: " +
                                            test::source_dir() + "/configs/energy/default-45nm.yaml\n" +
                                            "run:\n  model: " + dir + "/model\n  data_dir: " + dir +
                                            "/data\n  frames: 24\n");
    auto run = [&](const std::string& cmd, const std::string& out, const std::string& extra) {
        const auto r = test::run_cli(cmd + " --config " + dir + "/run.yaml --out " + dir + "/" + out + " " + extra);
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        return nlohmann::json::parse(test::read_text(dir + "/" + out + "/report.json"));
    };
    const auto rtl = run("run", "rtl", "--set chip.pe.kind=rtl");
    const auto tlm = run("run", "tlm", "");
    run("ref", "ref", "");

    const auto spikes = test::run_cli("trace diff " + dir + "/rtl/spikes.spk " + dir + "/ref/spikes.spk");
    INFO(spikes.output);
    CHECK(spikes.exit_code == 0);
    CHECK_THAT(spikes.output, Catch::Contains("traces equal"));
    const auto timing = test::run_cli("trace diff --timing " + dir + "/rtl/spikes.spk " + dir + "/tlm/spikes.spk");
    INFO(timing.output);
    CHECK(timing.exit_code == 0);
    CHECK_THAT(timing.output, Catch::Contains("same cycles"));

    CHECK(rtl["frames"] == 24);
    CHECK(rtl["accuracy"] == tlm["accuracy"]);
    CHECK(rtl["accuracy"].get<double>() > 0.5);  // trained, not chance
    CHECK(rtl["spikes_per_frame"].get<double>() > 20.0);
    for (const char* k : {"cycles_per_frame", "spikes_per_frame", "synops_per_frame", "energy_nj_per_frame", "energy_breakdown_nj", "noc", "utilization"}) {
        INFO(k);
        CHECK(rtl[k] == tlm[k]);
    }
}
