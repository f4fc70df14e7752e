#include "sw/sweep/results.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/sweep/runner.h"

namespace spiketlm::sweep {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<std::string>& result_fields() {
    static const std::vector<std::string> f = {"accuracy",    "cycles_per_frame", "latency_us_per_frame",
                                               "energy_nj_per_frame", "pj_per_sop", "power_mw",
                                               "spikes_per_frame"};
    return f;
}

int ResultTable::column(const std::string& name) const {
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (columns[i] == name) return static_cast<int>(i);
    return -1;
}

ResultTable collect(const std::string& dir) {
    const Manifest m = read_manifest(dir);
    ResultTable t;
    t.columns.push_back("point");
    for (const auto& k : m.spec.keys) t.columns.push_back(k);
    t.columns.push_back("seed");
    for (const auto& f : result_fields()) t.columns.push_back(f);
    t.columns.push_back("status");
    t.columns.push_back("error");
    for (const auto& p : m.spec.points) {
        std::vector<std::string> row{p.id};
        for (const auto& k : m.spec.keys) {
            const SweepValue* v = p.find(k);
            row.push_back(v ? v->text : "");
        }
        row.push_back(std::to_string(p.seed));
        const fs::path report = fs::path(point_dir(dir, p)) / "report.json";
        const fs::path error = fs::path(dir) / "logs" / (p.id + ".error");
        if (fs::exists(report)) {
            json j;
            try {
                j = json::parse(read_file(report.string()));
            } catch (const json::exception& e) {
                throw InputError(report.string() + ": malformed report: " + e.what());
            }
            // nlohmann prints the shortest text that reads back to the same double.
            for (const auto& f : result_fields()) row.push_back(j.contains(f) && !j[f].is_null() ? j[f].dump() : "");
            row.push_back("ok");
            row.push_back("");
        } else {
            row.insert(row.end(), result_fields().size(), "");
            if (fs::exists(error)) {
                std::string e = read_file(error.string());
                while (!e.empty() && (e.back() == '\n' || e.back() == '\r')) e.pop_back();
                row.push_back("failed");
                row.push_back(e);
            } else {
                row.push_back("pending");
                row.push_back("");
            }
        }
        t.rows.push_back(std::move(row));
    }
    return t;
}

void mark_pareto(ResultTable& t, const std::vector<std::string>& metrics) {
    if (metrics.empty()) throw InputError("--pareto: give at least one column, e.g. accuracy,energy_nj_per_frame");
    std::vector<int> cols;
    std::vector<double> sign;  // +1: smaller is better
    for (const auto& name : metrics) {
        const int c = t.column(name);
        const auto& f = result_fields();
        if (c < 0 || std::find(f.begin(), f.end(), name) == f.end()) {
            std::string list;
            for (const auto& x : f) list += (list.empty() ? "" : ", ") + x;
            throw InputError("--pareto: '" + name + "' is not a result column (one of: " + list + ")");
        }
        cols.push_back(c);
        sign.push_back(name == "accuracy" ? -1.0 : 1.0);
    }
    const int status = t.column("status");
    std::vector<std::vector<double>> v(t.rows.size());
    std::vector<bool> valid(t.rows.size(), false);
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        if (status >= 0 && t.rows[r][static_cast<std::size_t>(status)] != "ok") continue;
        valid[r] = true;
        for (std::size_t k = 0; k < cols.size(); ++k) {
            const std::string& cell = t.rows[r][static_cast<std::size_t>(cols[k])];
            if (cell.empty()) {
                valid[r] = false;
                break;
            }
            v[r].push_back(sign[k] * std::strtod(cell.c_str(), nullptr));
        }
    }
    auto dominates = [&](std::size_t a, std::size_t b) {
        bool strictly = false;
        for (std::size_t k = 0; k < cols.size(); ++k) {
            if (v[a][k] > v[b][k]) return false;
            if (v[a][k] < v[b][k]) strictly = true;
        }
        return strictly;
    };
    t.columns.push_back("pareto");
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        std::string mark;
        if (valid[r]) {
            mark = "1";
            for (std::size_t o = 0; o < t.rows.size(); ++o)
                if (o != r && valid[o] && dominates(o, r)) {
                    mark = "0";
                    break;
                }
        }
        t.rows[r].push_back(mark);
    }
}

namespace {
std::string cell(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}
}  // namespace

std::string to_csv(const ResultTable& t) {
    std::string out;
    auto line = [&](const std::vector<std::string>& cells) {
        for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + cell(cells[i]);
        out += "\n";
    };
    line(t.columns);
    for (const auto& r : t.rows) line(r);
    return out;
}

void write_csv(const ResultTable& t, const std::string& path) { write_file_atomic(path, to_csv(t)); }

}  // namespace spiketlm::sweep
