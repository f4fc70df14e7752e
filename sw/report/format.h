#pragma once
// Numbers for people: a value with its unit at a sensible precision and with thousands
// separators (88.50 %, 6,098 cycles, 2.11 µJ). Used by report.md and the terminal summary;
// report.json keeps full precision. scripts/report_html.py applies the same rules.
#include <string>

namespace spiketlm::report {

// Thousands separators on the integer part of a plain decimal string ("-12345.6" -> "-12,345.6").
std::string group_digits(const std::string& decimal);
// `digits` significant digits (never fewer than the integer digits), separators: 0.5785 -> "0.579",
// 63.62 -> "63.6", 39653.5 -> "39,654". Non-finite values print as "n/a".
std::string fmt_sig(double v, int digits = 3);
// A count or per-frame average: whole number with separators from 100 up or when it is one,
// else fmt_sig (63.62 -> "63.6").
std::string fmt_count(double v);
// A fraction 0..1 as a percentage with two decimals: 0.885 -> "88.50 %".
std::string fmt_percent(double fraction);
// Scaled to the largest unit in which |v| >= 1, three significant digits.
std::string fmt_energy_nj(double nj);  // pJ, nJ, µJ, mJ, J
std::string fmt_time_us(double us);    // ns, µs, ms, s
std::string fmt_power_mw(double mw);   // µW, mW, W

}  // namespace spiketlm::report
