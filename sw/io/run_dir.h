#pragma once
// A run directory (runs/<name>/). Every file is written to a temporary name and renamed;
// report.json is written last and only by finish(), so a run that fails or is killed never
// leaves one (a stale report.json from an earlier run is removed when the directory opens).
#include <fstream>
#include <string>

namespace spiketlm::io {

class RunDir {
  public:
    explicit RunDir(std::string path);
    ~RunDir();
    RunDir(const RunDir&) = delete;
    RunDir& operator=(const RunDir&) = delete;

    const std::string& path() const { return m_path; }
    std::string file(const std::string& name) const;
    // Atomically writes runs/<name>/<file>.
    void write(const std::string& name, const std::string& content) const;
    // log.txt, appended line by line and flushed.
    void log(const std::string& line);
    // Writes report.md then report.json (the completion marker).
    void finish(const std::string& report_json, const std::string& report_md);

  private:
    std::string m_path;
    std::ofstream m_log;
};

}  // namespace spiketlm::io
