#include "sw/io/run_dir.h"

#include <filesystem>

#include "sw/common/error.h"
#include "sw/common/fs.h"

namespace spiketlm::io {

RunDir::RunDir(std::string path) : m_path(std::move(path)) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(m_path, ec);
    if (ec || !fs::is_directory(m_path))
        throw InputError("cannot create run directory '" + m_path + "': " + ec.message());
    for (const char* stale : {"report.json", "report.md"}) fs::remove(file(stale), ec);
    m_log.open(file("log.txt"), std::ios::trunc);
    if (!m_log) throw Error("cannot write '" + file("log.txt") + "'");
}

RunDir::~RunDir() = default;

std::string RunDir::file(const std::string& name) const {
    return (std::filesystem::path(m_path) / name).string();
}

void RunDir::write(const std::string& name, const std::string& content) const {
    write_file_atomic(file(name), content);
}

void RunDir::log(const std::string& line) {
    m_log << line << '\n';
    m_log.flush();
}

void RunDir::finish(const std::string& report_json, const std::string& report_md) {
    write("report.md", report_md);
    write("report.json", report_json);
}

}  // namespace spiketlm::io
