#include "sw/report/format.h"

#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <utility>

namespace spiketlm::report {

namespace {
std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string scaled(double v, std::initializer_list<std::pair<double, const char*>> units) {
    if (!std::isfinite(v)) return "n/a";
    auto best = *units.begin();
    for (const auto& u : units)
        if (std::fabs(v) >= u.first * 0.9995) best = u;  // 999.7 nJ is "1.00 µJ", not "1,000 nJ"
    return fmt_sig(v / best.first) + " " + best.second;
}
}  // namespace

std::string group_digits(const std::string& decimal) {
    std::size_t start = (!decimal.empty() && (decimal[0] == '-' || decimal[0] == '+')) ? 1 : 0;
    std::size_t end = decimal.find('.');
    if (end == std::string::npos) end = decimal.size();
    std::string out = decimal.substr(end);
    std::size_t n = 0;
    for (std::size_t i = end; i > start; --i, ++n) {
        if (n && n % 3 == 0) out.insert(out.begin(), ',');
        out.insert(out.begin(), decimal[i - 1]);
    }
    return decimal.substr(0, start) + out;
}

std::string fmt_sig(double v, int digits) {
    if (!std::isfinite(v)) return "n/a";
    if (v == 0) return "0";
    // Round first, then count integer digits: 99.96 at 3 digits is "100", not "100.0".
    const int mag = static_cast<int>(std::floor(std::log10(std::fabs(v))));
    int decimals = std::max(0, digits - 1 - mag);
    const double rounded = std::stod(fixed(v, decimals));
    if (rounded != 0 && static_cast<int>(std::floor(std::log10(std::fabs(rounded)))) > mag)
        decimals = std::max(0, decimals - 1);
    return group_digits(fixed(v, decimals));
}

std::string fmt_count(double v) {
    if (!std::isfinite(v)) return "n/a";
    return std::fabs(v) >= 99.5 || v == std::floor(v) ? group_digits(fixed(v, 0)) : fmt_sig(v);
}

std::string fmt_percent(double fraction) {
    return std::isfinite(fraction) ? fixed(100.0 * fraction, 2) + " %" : "n/a";
}

std::string fmt_energy_nj(double nj) {
    return scaled(nj, {{1e-3, "pJ"}, {1.0, "nJ"}, {1e3, "µJ"}, {1e6, "mJ"}, {1e9, "J"}});
}
std::string fmt_time_us(double us) { return scaled(us, {{1e-3, "ns"}, {1.0, "µs"}, {1e3, "ms"}, {1e6, "s"}}); }
std::string fmt_power_mw(double mw) { return scaled(mw, {{1e-3, "µW"}, {1.0, "mW"}, {1e3, "W"}}); }

}  // namespace spiketlm::report
