#include "sw/stats/stats.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "sw/common/error.h"

namespace spiketlm::stats {

Histogram::Histogram(double bin_width, std::size_t bins) : m_bin_width(bin_width), m_bins(bins + 1, 0) {
    if (!(bin_width > 0) || bins == 0) throw Error("histogram needs a positive bin width and at least one bin");
}

void Histogram::add(double v, std::uint64_t n) {
    if (n == 0) return;
    const double idx = std::floor(v / m_bin_width);
    const std::size_t last = m_bins.size() - 1;
    const std::size_t b = idx < 0 ? 0 : (idx >= static_cast<double>(last) ? last : static_cast<std::size_t>(idx));
    m_bins[b] += n;
    if (m_count == 0) m_min = m_max = v;
    m_min = std::min(m_min, v);
    m_max = std::max(m_max, v);
    m_count += n;
    m_sum += v * static_cast<double>(n);
}

void Histogram::reset() {
    std::fill(m_bins.begin(), m_bins.end(), 0);
    m_count = 0;
    m_sum = m_min = m_max = 0;
}

void Registry::check_new(const std::string& name) const {
    if (name.empty()) throw Error("statistic without a name");
    if (find_counter(name)) throw Error("statistic '" + name + "' is declared twice");
    for (const auto& h : m_histograms)
        if (h.info.name == name) throw Error("statistic '" + name + "' is declared twice");
}

Counter& Registry::counter(const std::string& name, const std::string& unit, const std::string& description) {
    check_new(name);
    m_counters.push_back({StatInfo{name, unit, description, "", ""}, std::make_unique<Counter>()});
    return *m_counters.back().counter;
}

Counter& Registry::action(const std::string& component, const std::string& cls, const std::string& action,
                          const std::string& description) {
    if (!find_component(component)) add_component(component, cls);
    const std::string name = component + "." + action;
    check_new(name);
    m_counters.push_back({StatInfo{name, "events", description, component, cls + "." + action},
                          std::make_unique<Counter>()});
    return *m_counters.back().counter;
}

Histogram& Registry::histogram(const std::string& name, const std::string& unit, const std::string& description,
                               double bin_width, std::size_t bins) {
    check_new(name);
    m_histograms.push_back({StatInfo{name, unit, description, "", ""}, std::make_unique<Histogram>(bin_width, bins)});
    return *m_histograms.back().histogram;
}

namespace {
void check_attribute(const std::string& component, const std::string& name, double value) {
    bool ok = !name.empty() && (name[0] >= 'a' && name[0] <= 'z');
    for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    if (!ok)
        throw Error("component '" + component + "': attribute name '" + name +
                    "' is not a lower_snake_case identifier");
    if (!std::isfinite(value))
        throw Error("component '" + component + "': attribute '" + name + "' is not a finite number");
}
}  // namespace

void Registry::add_component(const std::string& path, const std::string& cls, const std::string& group,
                             Attributes attributes) {
    if (find_component(path)) throw Error("component '" + path + "' is declared twice");
    if (cls.empty()) throw Error("component '" + path + "' has no class");
    for (const auto& [k, v] : attributes) check_attribute(path, k, v);
    m_components.push_back({path, cls, group, std::move(attributes)});
}

void Registry::set_attribute(const std::string& component, const std::string& name, double value) {
    check_attribute(component, name, value);
    for (auto& c : m_components)
        if (c.path == component) {
            c.attributes[name] = value;
            return;
        }
    throw Error("attribute '" + name + "' set on component '" + component + "', which is not declared");
}

const Component* Registry::find_component(const std::string& path) const {
    for (const auto& c : m_components)
        if (c.path == path) return &c;
    return nullptr;
}

const Counter* Registry::find_counter(const std::string& name) const {
    for (const auto& c : m_counters)
        if (c.info.name == name) return c.counter.get();
    return nullptr;
}

std::uint64_t Registry::total(const std::string& energy_key) const {
    std::uint64_t t = 0;
    for (const auto& c : m_counters)
        if (c.info.energy_key == energy_key) t += c.counter->value();
    return t;
}

namespace {
std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}
std::string num(double d) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, r.ptr);
}
}  // namespace

std::string Registry::to_csv() const {
    std::string out = "name,kind,value,unit,component,energy_key,description\n";
    auto row = [&](const std::string& name, const char* kind, const std::string& value, const StatInfo& i) {
        out += csv_field(name) + "," + kind + "," + value + "," + csv_field(i.unit) + "," + csv_field(i.component) +
               "," + csv_field(i.energy_key) + "," + csv_field(i.description) + "\n";
    };
    for (const auto& c : m_counters) row(c.info.name, "counter", std::to_string(c.counter->value()), c.info);
    for (const auto& h : m_histograms) {
        const auto& H = *h.histogram;
        row(h.info.name + ".count", "histogram", std::to_string(H.count()), h.info);
        row(h.info.name + ".sum", "histogram", num(H.sum()), h.info);
        row(h.info.name + ".min", "histogram", num(H.min()), h.info);
        row(h.info.name + ".max", "histogram", num(H.max()), h.info);
        for (std::size_t b = 0; b < H.bins().size(); ++b) {
            const bool overflow = b + 1 == H.bins().size();
            const std::string label = overflow ? ".bin[" + num(H.bin_width() * static_cast<double>(b)) + ",inf)"
                                               : ".bin[" + num(H.bin_width() * static_cast<double>(b)) + "," +
                                                     num(H.bin_width() * static_cast<double>(b + 1)) + ")";
            if (H.bins()[b]) row(h.info.name + label, "histogram", std::to_string(H.bins()[b]), h.info);
        }
    }
    return out;
}

void Registry::reset() {
    for (auto& c : m_counters) c.counter->reset();
    for (auto& h : m_histograms) h.histogram->reset();
}

}  // namespace spiketlm::stats
