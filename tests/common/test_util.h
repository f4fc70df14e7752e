#pragma once
// Helpers shared by tests: scratch directories, files, and running the spiketlm program.
#include <string>

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

std::string source_dir();

// Fails the current test (never skips it) when a file a test depends on is missing; `how` says
// how to get it (e.g. "run `make data` (scripts/get-data.sh)"). Call inside a TEST_CASE.
void require_file(const std::string& path, const std::string& how);

}  // namespace spiketlm::test
