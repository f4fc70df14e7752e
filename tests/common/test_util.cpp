#include "common/test_util.h"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace spiketlm::test {

std::string scratch_dir(const std::string& tag) {
    static std::atomic<int> n{0};
    const char* base = std::getenv("SPIKETLM_TEST_TMP");
    std::filesystem::path p = base ? base : std::filesystem::temp_directory_path() / "spiketlm-test";
    p /= tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p);
    return p.string();
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("test: cannot write " + path);
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("test: cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

CmdResult run_cmd(const std::string& cmdline) {
    const std::string full = cmdline + " 2>&1";
    FILE* p = ::popen(full.c_str(), "r");
    if (!p) throw std::runtime_error("test: popen failed");
    std::string out;
    std::array<char, 4096> buf;
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    const int status = ::pclose(p);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return {code, out};
}

CmdResult run_cli(const std::string& args) { return run_cmd(std::string(SPIKETLM_CLI) + " --quiet " + args); }

std::string source_dir() { return SPIKETLM_SOURCE_DIR; }

void require_file(const std::string& path, const std::string& how) {
    if (!std::filesystem::exists(path)) FAIL("required file " << path << " is missing: " << how);
}

}  // namespace spiketlm::test
