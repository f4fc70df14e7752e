#pragma once
// Helpers shared by tests: scratch directories, files, and running the spiketlm program.
#include <string>

#include <nlohmann/json.hpp>

namespace spiketlm::test {

// A fresh directory under the build tree (SPIKETLM_TEST_TMP), unique per call.
std::string scratch_dir(const std::string& tag);
void write_text(const std::string& path, const std::string& text);
std::string read_text(const std::string& path);

struct CmdResult {
    int exit_code;
    std::string output;  // stdout + stderr
};
// Runs a shell command line, capturing stdout and stderr together.
CmdResult run_cmd(const std::string& cmdline);
// Runs the spiketlm program with the given arguments (shell-quoted by the caller).
CmdResult run_cli(const std::string& args);

// run_cli that requires exit 0 (the program's output is shown when it is not).
CmdResult run_cli_ok(const std::string& args);

std::string source_dir();

// A JSON file (report.json, train_report.json, ...) parsed.
nlohmann::json read_json(const std::string& path);

// Fails the current test (never skips it) when a file a test depends on is missing; `how` says
// how to get it (e.g. "run `make data` (scripts/get-data.sh)"). Call inside a TEST_CASE.
void require_file(const std::string& path, const std::string& how);

// The project's data/ folder, after require_file of its MNIST file `file` (make data).
std::string mnist_data_dir(const std::string& file = "t10k-images-idx3-ubyte");
// A data folder under `dir` holding only Debian's Fashion-MNIST (dir/data/fashion-mnist, a link
// to /usr/share/datasets/fashion-mnist, required); returns dir/data.
std::string fashion_mnist_data_dir(const std::string& dir);

// A run config on configs/chips/yoso.yaml: `extra` (YAML sections such as "sim: {seed: 7}\n"),
// then run.model, run.dataset (omitted when empty), run.data_dir and run.frames.
std::string yoso_run_config(const std::string& model, const std::string& dataset, const std::string& data_dir,
                            int frames, const std::string& extra = "");

// "chip: {energy_table: <configs/energy/default-45nm.yaml>}" as a YAML section (for `extra` above).
std::string default_energy_table_yaml();

// `spiketlm run` (out dir/<chip_out>) and `spiketlm ref` (out dir/<ref_out>) on one run config
// must exit 0 and write equal spike traces (`spiketlm trace diff`). Call inside a TEST_CASE.
void check_chip_equals_ref(const std::string& config, const std::string& dir, const std::string& chip_out = "chip",
                           const std::string& ref_out = "ref");

// `spiketlm <train_args> --out dir/a --threads 1` and the same with --out dir/b --threads 2 must
// exit 0 and write the same model bytes (weights.npz, model.yaml). Call inside a TEST_CASE.
void check_train_same_bytes(const std::string& train_args, const std::string& dir);

}  // namespace spiketlm::test
