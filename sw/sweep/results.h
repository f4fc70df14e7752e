#pragma once
// Gathers a sweep directory's point reports into one table (results.csv) and marks the Pareto
// front over chosen columns.
#include <optional>
#include <string>
#include <vector>

namespace spiketlm::sweep {

// The report.json fields copied into results.csv, in column order.
const std::vector<std::string>& result_fields();

struct ResultTable {
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> rows;  // cells as CSV text (unquoted); "" = no value
    int column(const std::string& name) const;   // -1 when absent
};

// One row per point of DIR/sweep.json: point id, the swept values, seed, the report fields,
// status (ok, failed, pending) and error.
ResultTable collect(const std::string& dir);

// Adds a column `pareto`: "1" for the ok rows no other ok row dominates on `metrics`, "0" for the
// other ok rows, "" for rows that are not ok or lack a metric. `accuracy` is maximised, every
// other metric minimised. Throws InputError for a metric that is not a numeric column.
void mark_pareto(ResultTable& t, const std::vector<std::string>& metrics);

// CSV text (RFC 4180 quoting), and the same written atomically.
std::string to_csv(const ResultTable& t);
void write_csv(const ResultTable& t, const std::string& path);

}  // namespace spiketlm::sweep
