// A conv2d -> sparse (with recurrent inhibition) -> dense model through the command line:
// `spiketlm map` writes it, `spiketlm ref` and `spiketlm run` (cycle-level and loosely timed)
// read it as it is, and the chip's spikes equal the reference's (`trace diff`).
#include <catch2/catch.hpp>

#include <random>

#include <nlohmann/json.hpp>

#include "common/test_util.h"
#include "hw/chip/random_network.h"
#include "sw/io/model_file.h"
#include "sw/io/npz.h"

using namespace spiketlm;

TEST_CASE("cli: a conv2d/sparse/recurrent model is mapped, run on the chip and matches the reference spike for spike",
          "[system]") {
    const std::string dir = test::scratch_dir("kinds-cli");
    io::save_model(dir + "/model", test::mixed_network(37));
    // 30 frames of random events on 128 channels over the 12 input steps.
    std::mt19937_64 rng(3);
    std::bernoulli_distribution b(0.25);
    std::vector<std::int32_t> frame, step, channel, labels;
    for (int f = 0; f < 30; ++f) {
        labels.push_back(f % 10);
        for (int s = 0; s < 12; ++s)
            for (int c = 0; c < 128; ++c)
                if (b(rng)) frame.push_back(f), step.push_back(s), channel.push_back(c);
    }
    const std::size_t e = frame.size();
    io::write_npz(dir + "/in.npz", {{"frame", io::NpyArray::from_int32({e}, frame)},
                                    {"step", io::NpyArray::from_int32({e}, step)},
                                    {"channel", io::NpyArray::from_int32({e}, channel)},
                                    {"labels", io::NpyArray::from_int32({labels.size()}, labels)}});
    test::write_text(dir + "/chip.yaml", std::string(test::k_chip6x6) + "run:\n  model: " + dir + "/model\n  spikes: " +
                                             dir + "/in.npz\n  frames: 30\n");
    test::run_cli_ok("map --model " + dir + "/model --chip " + dir + "/chip.yaml --out " + dir + "/mapped");
    for (const char* cmd : {"ref", "run", "run-lt"}) {
        const std::string c(cmd);
        test::run_cli_ok((c == "ref" ? std::string("ref") : std::string("run")) + " --config " + dir +
                         "/chip.yaml --out " + dir + "/" + c +
                         (c == "run" ? " --set run.mapped=" + dir + "/mapped" : "") +
                         (c == "run-lt" ? " --set chip.timing=lt" : ""));
    }
    for (const char* chip : {"run", "run-lt"}) {
        const auto d = test::run_cli("trace diff " + dir + "/" + chip + "/spikes.spk " + dir + "/ref/spikes.spk");
        INFO(d.output);
        CHECK(d.exit_code == 0);
        CHECK_THAT(d.output, Catch::Contains("traces equal"));
    }
    const auto rep = test::read_json(dir + "/run/report.json");
    CHECK(rep["spikes_per_frame"].get<double>() > 30.0);  // not vacuous
}
