#include "sw/stats/stats.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

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

void Histogram::merge(const Histogram& o) {
    if (o.m_bin_width != m_bin_width || o.m_bins.size() != m_bins.size())
        throw Error("histograms with different bins cannot be merged");
    if (o.m_count == 0) return;
    for (std::size_t b = 0; b < m_bins.size(); ++b) m_bins[b] += o.m_bins[b];
    if (m_count == 0) {
        m_min = o.m_min;
        m_max = o.m_max;
    } else {
        m_min = std::min(m_min, o.m_min);
        m_max = std::max(m_max, o.m_max);
    }
    m_count += o.m_count;
    m_sum += o.m_sum;
}

void Registry::check_new(const std::string& name) const {
    if (name.empty()) throw Error("statistic without a name");
    if (m_counter_index.count(name) || m_histogram_names.count(name))
        throw Error("statistic '" + name + "' is declared twice");
}

Counter& Registry::counter(const std::string& name, const std::string& unit, const std::string& description) {
    check_new(name);
    m_counters.push_back({StatInfo{name, unit, description, "", ""}, std::make_unique<Counter>()});
    index_last_counter();
    return *m_counters.back().counter;
}

Counter& Registry::setup_counter(const std::string& name, const std::string& unit, const std::string& description) {
    check_new(name);
    StatInfo info{name, unit, description, "", ""};
    info.once = true;
    m_counters.push_back({std::move(info), std::make_unique<Counter>()});
    index_last_counter();
    return *m_counters.back().counter;
}

Counter& Registry::setup_action(const std::string& component, const std::string& cls, const std::string& action,
                                const std::string& description) {
    Counter& c = this->action(component, cls, action, description);
    m_counters.back().info.once = true;
    return c;
}

Counter& Registry::action(const std::string& component, const std::string& cls, const std::string& action,
                          const std::string& description) {
    if (!find_component(component)) add_component(component, cls);
    const std::string name = component + "." + action;
    check_new(name);
    m_counters.push_back({StatInfo{name, "events", description, component, cls + "." + action},
                          std::make_unique<Counter>()});
    index_last_counter();
    return *m_counters.back().counter;
}

Histogram& Registry::histogram(const std::string& name, const std::string& unit, const std::string& description,
                               double bin_width, std::size_t bins) {
    check_new(name);
    m_histograms.push_back({StatInfo{name, unit, description, "", ""}, std::make_unique<Histogram>(bin_width, bins)});
    m_histogram_names.insert(name);
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
    m_component_index.emplace(path, m_components.size());
    m_components.push_back({path, cls, group, std::move(attributes)});
}

void Registry::set_attribute(const std::string& component, const std::string& name, double value) {
    check_attribute(component, name, value);
    const auto it = m_component_index.find(component);
    if (it != m_component_index.end()) {
        m_components[it->second].attributes[name] = value;
        return;
    }
    throw Error("attribute '" + name + "' set on component '" + component + "', which is not declared");
}

const Component* Registry::find_component(const std::string& path) const {
    const auto it = m_component_index.find(path);
    return it == m_component_index.end() ? nullptr : &m_components[it->second];
}

const Counter* Registry::find_counter(const std::string& name) const {
    const auto it = m_counter_index.find(name);
    return it == m_counter_index.end() ? nullptr : it->second;
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

namespace {
nlohmann::json info_json(const StatInfo& i) {
    return {{"name", i.name},           {"unit", i.unit},     {"description", i.description},
            {"component", i.component}, {"energy_key", i.energy_key}, {"once", i.once}};
}
StatInfo info_from(const nlohmann::json& j) {
    StatInfo i{j.at("name").get<std::string>(), j.at("unit").get<std::string>(),
               j.at("description").get<std::string>(), j.at("component").get<std::string>(),
               j.at("energy_key").get<std::string>()};
    i.once = j.value("once", false);
    return i;
}
}  // namespace

nlohmann::json Registry::to_json() const {
    using nlohmann::json;
    json comps = json::array(), counters = json::array(), hists = json::array();
    for (const auto& c : m_components)
        comps.push_back({{"path", c.path}, {"class", c.cls}, {"group", c.group}, {"attributes", c.attributes}});
    for (const auto& c : m_counters) {
        json e = info_json(c.info);
        e["value"] = c.counter->value();
        counters.push_back(std::move(e));
    }
    for (const auto& h : m_histograms) {
        const Histogram& H = *h.histogram;
        json e = info_json(h.info);
        e.update({{"bin_width", H.bin_width()}, {"bins", H.bins()}, {"count", H.count()}, {"sum", H.sum()},
                  {"min", H.min()}, {"max", H.max()}});
        hists.push_back(std::move(e));
    }
    return {{"components", comps}, {"counters", counters}, {"histograms", hists}};
}

Registry Registry::from_json(const nlohmann::json& j) {
    Registry r;
    try {
        for (const auto& c : j.at("components"))
            r.add_component(c.at("path").get<std::string>(), c.at("class").get<std::string>(),
                            c.at("group").get<std::string>(), c.at("attributes").get<Attributes>());
        for (const auto& c : j.at("counters")) {
            StatInfo info = info_from(c);
            r.check_new(info.name);
            if (!info.component.empty() && !r.find_component(info.component))
                throw Error("counter '" + info.name + "' names the undeclared component '" + info.component + "'");
            r.m_counters.push_back({std::move(info), std::make_unique<Counter>()});
            r.index_last_counter();
            r.m_counters.back().counter->inc(c.at("value").get<std::uint64_t>());
        }
        for (const auto& h : j.at("histograms")) {
            StatInfo info = info_from(h);
            r.check_new(info.name);
            auto bins = h.at("bins").get<std::vector<std::uint64_t>>();
            if (bins.size() < 2) throw Error("histogram '" + info.name + "' has no bins");
            auto H = std::make_unique<Histogram>(h.at("bin_width").get<double>(), bins.size() - 1);
            H->m_bins = std::move(bins);
            H->m_count = h.at("count").get<std::uint64_t>();
            H->m_sum = h.at("sum").get<double>();
            H->m_min = h.at("min").get<double>();
            H->m_max = h.at("max").get<double>();
            std::uint64_t in_bins = 0;
            for (auto b : H->m_bins) in_bins += b;
            if (in_bins != H->m_count)
                throw Error("histogram '" + info.name + "': its bins hold " + std::to_string(in_bins) +
                            " values but its count is " + std::to_string(H->m_count));
            r.m_histogram_names.insert(info.name);
            r.m_histograms.push_back({std::move(info), std::move(H)});
        }
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("malformed statistics: ") + e.what());
    }
    return r;
}

void Registry::merge(const Registry& o) {
    auto differ = [](const std::string& what) { throw Error("cannot merge statistics: " + what); };
    if (o.m_components.size() != m_components.size() || o.m_counters.size() != m_counters.size() ||
        o.m_histograms.size() != m_histograms.size())
        differ("the runs declare different numbers of components, counters or histograms (" +
               std::to_string(m_components.size()) + "/" + std::to_string(m_counters.size()) + "/" +
               std::to_string(m_histograms.size()) + " vs " + std::to_string(o.m_components.size()) + "/" +
               std::to_string(o.m_counters.size()) + "/" + std::to_string(o.m_histograms.size()) + ")");
    for (std::size_t k = 0; k < m_components.size(); ++k) {
        const auto &a = m_components[k], &b = o.m_components[k];
        if (a.path != b.path || a.cls != b.cls || a.group != b.group || a.attributes != b.attributes)
            differ("component " + std::to_string(k) + " is '" + a.path + "' (" + a.cls + ") in one run and '" + b.path +
                   "' (" + b.cls + ") or with other attributes in the other");
    }
    auto same = [&](const StatInfo& a, const StatInfo& b) {
        if (a.name != b.name || a.unit != b.unit || a.component != b.component || a.energy_key != b.energy_key ||
            a.once != b.once)
            differ("statistic '" + a.name + "' meets '" + b.name + "' (declared differently)");
    };
    for (std::size_t k = 0; k < m_counters.size(); ++k) {
        same(m_counters[k].info, o.m_counters[k].info);
        if (m_counters[k].info.once && m_counters[k].counter->value() != o.m_counters[k].counter->value())
            differ("setup counter '" + m_counters[k].info.name + "' is " + std::to_string(m_counters[k].counter->value()) +
                   " in one run and " + std::to_string(o.m_counters[k].counter->value()) + " in the other");
    }
    for (std::size_t k = 0; k < m_histograms.size(); ++k) {
        same(m_histograms[k].info, o.m_histograms[k].info);
        const auto &a = *m_histograms[k].histogram, &b = *o.m_histograms[k].histogram;
        if (a.bin_width() != b.bin_width() || a.bins().size() != b.bins().size())
            differ("histogram '" + m_histograms[k].info.name + "' has different bins");
    }
    // Checked in full before anything changes.
    for (std::size_t k = 0; k < m_counters.size(); ++k)
        if (!m_counters[k].info.once) m_counters[k].counter->inc(o.m_counters[k].counter->value());
    for (std::size_t k = 0; k < m_histograms.size(); ++k) m_histograms[k].histogram->merge(*o.m_histograms[k].histogram);
}

void Registry::reset() {
    for (auto& c : m_counters) c.counter->reset();
    for (auto& h : m_histograms) h.histogram->reset();
}

}  // namespace spiketlm::stats
