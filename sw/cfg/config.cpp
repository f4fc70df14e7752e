#include "sw/cfg/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include "sw/cfg/param.h"
#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/common/strings.h"

namespace spiketlm::cfg {

const char* type_name(ParamType t) {
    switch (t) {
        case ParamType::Int: return "int";
        case ParamType::Float: return "float";
        case ParamType::Bool: return "bool";
        case ParamType::String: return "string";
        case ParamType::IntList: return "list of int";
        case ParamType::FloatList: return "list of float";
        case ParamType::StringList: return "list of string";
    }
    return "?";
}

namespace {

std::string fmt_double(double d) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, d);
    std::string s(buf, res.ptr);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // keep it a float when re-read
    return s;
}

std::string quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string fmt_range_value(double d) {
    if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
    return fmt_double(d);
}

}  // namespace

namespace {
struct YamlText {
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return fmt_double(d); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::string& s) const { return quote(s); }
    template <class T>
    std::string operator()(const std::vector<T>& xs) const {
        std::string out = "[";
        for (std::size_t i = 0; i < xs.size(); ++i) out += (i ? ", " : "") + (*this)(xs[i]);
        return out + "]";
    }
};
}  // namespace

std::string value_to_yaml(const Value& v) { return std::visit(YamlText{}, v); }

std::string Origin::str() const {
    if (line > 0) return file + ":" + std::to_string(line);
    return file;
}

// ---------------------------------------------------------------------------------------------
// Loading

struct ConfigLoader {
    Config& cfg;
    const ParamRegistry& reg;

    static int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 1; }

    [[noreturn]] static void fail(const Origin& o, const std::string& key, const std::string& what) {
        throw ConfigError(o.str(), key, what);
    }

    static bool parse_int(const std::string& s, std::int64_t& out) {
        if (s.empty()) return false;
        const char* b = s.data();
        const char* e = s.data() + s.size();
        if (*b == '+') ++b;
        auto r = std::from_chars(b, e, out);
        return r.ec == std::errc() && r.ptr == e;
    }
    static bool parse_double(const std::string& s, double& out) {
        if (s.empty()) return false;
        const char* b = s.data();
        const char* e = s.data() + s.size();
        if (*b == '+') ++b;
        auto r = std::from_chars(b, e, out);
        return r.ec == std::errc() && r.ptr == e && std::isfinite(out);
    }
    static bool parse_bool(std::string s, bool& out) {
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (s == "true" || s == "yes" || s == "on") return out = true, true;
        if (s == "false" || s == "no" || s == "off") return out = false, true;
        return false;
    }

    static std::string describe(const YAML::Node& n) {
        if (n.IsNull()) return "nothing (null)";
        if (n.IsSequence()) return "a list";
        if (n.IsMap()) return "a mapping";
        return "'" + n.Scalar() + "'";
    }

    static void check_range(const ParamSpec& s, double v, const Origin& o, const std::string& text) {
        if (s.range && (v < s.range->min || v > s.range->max))
            fail(o, s.name,
                 "key '" + s.name + "' = " + text + " is out of range [" +
                     fmt_range_value(s.range->min) + ", " + fmt_range_value(s.range->max) + "]" +
                     (s.unit.empty() ? "" : " " + s.unit));
    }

    // One scalar element of the parameter's base type.
    static Value scalar(const ParamSpec& s, ParamType base, const YAML::Node& n, const Origin& o) {
        const std::string want = std::string("expects ") + type_name(base);
        if (!n.IsScalar()) fail(o, s.name, "key '" + s.name + "' " + want + ", got " + describe(n));
        const std::string& t = n.Scalar();
        switch (base) {
            case ParamType::Int: {
                std::int64_t i;
                if (!parse_int(t, i)) fail(o, s.name, "key '" + s.name + "' " + want + ", got '" + t + "'");
                check_range(s, static_cast<double>(i), o, t);
                return i;
            }
            case ParamType::Float: {
                double d;
                if (!parse_double(t, d)) fail(o, s.name, "key '" + s.name + "' " + want + ", got '" + t + "'");
                check_range(s, d, o, t);
                return d;
            }
            case ParamType::Bool: {
                bool b;
                if (!parse_bool(t, b)) fail(o, s.name, "key '" + s.name + "' " + want + " (true/false), got '" + t + "'");
                return b;
            }
            default: {
                if (!s.choices.empty() && std::find(s.choices.begin(), s.choices.end(), t) == s.choices.end()) {
                    std::string list;
                    for (const auto& c : s.choices) list += (list.empty() ? "" : ", ") + c;
                    const std::string near = nearest(t, s.choices);
                    fail(o, s.name, "key '" + s.name + "' = '" + t + "' is not one of: " + list +
                                        (near.empty() ? "" : " (did you mean '" + near + "'?)"));
                }
                return t;
            }
        }
    }

    static Value convert(const ParamSpec& s, const YAML::Node& n, const Origin& o) {
        auto list = [&](ParamType base, auto tag) -> Value {
            using T = decltype(tag);
            if (!n.IsSequence())
                fail(o, s.name, "key '" + s.name + "' expects " + type_name(s.type) + ", got " + describe(n));
            std::vector<T> out;
            for (const auto& e : n) {
                Origin eo{o.file, o.file == "--set" ? o.line : line_of(e)};
                out.push_back(std::get<T>(scalar(s, base, e, eo)));
            }
            return out;
        };
        switch (s.type) {
            case ParamType::IntList: return list(ParamType::Int, std::int64_t{});
            case ParamType::FloatList: return list(ParamType::Float, double{});
            case ParamType::StringList: return list(ParamType::String, std::string{});
            default: return scalar(s, s.type, n, o);
        }
    }

    void walk(const YAML::Node& map, const std::string& prefix, const std::string& file,
              std::set<std::string>& seen, std::vector<std::string>& stack) {
        for (const auto& kv : map) {
            const Origin o{file, line_of(kv.first)};
            if (!kv.first.IsScalar()) fail(o, prefix, "keys must be plain names");
            const std::string key = kv.first.Scalar();
            if (prefix.empty() && key == "include") continue;  // handled before
            const std::string name = prefix.empty() ? key : prefix + "." + key;
            if (const ParamSpec* s = reg.find(name)) {
                if (!seen.insert(name).second) fail(o, name, "key '" + name + "' is given twice");
                cfg.set_value(name, convert(*s, kv.second, {file, line_of(kv.second)}), o);
            } else if (reg.is_section(name)) {
                if (!kv.second.IsMap())
                    fail(o, name, "key '" + name + "' is a section: expected a mapping of its keys, got " + describe(kv.second));
                walk(kv.second, name, file, seen, stack);
            } else {
                // Candidates: every key and every section (a misspelt section is suggested too).
                std::vector<std::string> cands = reg.names();
                for (const auto& n : reg.names())
                    for (auto dot = n.find('.'); dot != std::string::npos; dot = n.find('.', dot + 1))
                        cands.push_back(n.substr(0, dot));
                const std::string near = nearest(name, cands);
                fail(o, name, "unknown key '" + name + "'" +
                                  (near.empty() ? "" : " (did you mean '" + near + "'?)"));
            }
        }
    }

    void load_node(const YAML::Node& root, const std::string& file, std::vector<std::string>& stack) {
        if (root.IsNull()) return;  // an empty file sets nothing
        if (!root.IsMap()) fail({file, line_of(root)}, "", "expected a mapping of keys at top level, got " + describe(root));
        if (const YAML::Node inc = root["include"]) {
            std::vector<std::string> files;
            if (inc.IsScalar()) files.push_back(inc.Scalar());
            else if (inc.IsSequence()) {
                for (const auto& e : inc) {
                    if (!e.IsScalar()) fail({file, line_of(e)}, "include", "'include' entries must be file names");
                    files.push_back(e.Scalar());
                }
            } else fail({file, line_of(inc)}, "include", "'include' expects a file name or a list of file names");
            for (const auto& f : files) {
                namespace fs = std::filesystem;
                fs::path p(f);
                if (p.is_relative() && file.front() != '<') p = fs::path(file).parent_path() / p;
                const std::string ps = p.lexically_normal().string();
                if (!fs::exists(ps)) fail({file, line_of(inc)}, "include", "included file '" + ps + "' does not exist");
                load(ps, stack);
            }
        }
        std::set<std::string> seen;
        walk(root, "", file, seen, stack);
    }

    static YAML::Node parse(const std::string& text, const std::string& file) {
        try {
            return YAML::Load(text);
        } catch (const YAML::ParserException& e) {
            fail({file, e.mark.line >= 0 ? e.mark.line + 1 : 1}, "", "malformed YAML: " + e.msg);
        }
    }

    void load(const std::string& path, std::vector<std::string>& stack) {
        namespace fs = std::filesystem;
        std::error_code ec;
        const std::string canon = fs::weakly_canonical(path, ec).string();
        if (std::find(stack.begin(), stack.end(), canon) != stack.end())
            fail({path, 1}, "include", "include cycle: '" + path + "' includes itself");
        if (fs::is_directory(path)) fail({path, 0}, "", "config '" + path + "' is a directory, not a file");
        std::string text;
        try {
            text = read_file(path);
        } catch (const InputError&) {
            fail({path, 0}, "", "cannot open config file '" + path + "' (missing or unreadable)");
        }
        stack.push_back(canon);
        load_node(parse(text, path), path, stack);
        stack.pop_back();
    }
};

Config::Config() : Config(ParamRegistry::global()) {}
Config::Config(const ParamRegistry& registry) : m_registry(&registry) {}

void Config::load_file(const std::string& path) {
    if (m_main_file.empty()) m_main_file = path;
    std::vector<std::string> stack;
    ConfigLoader{*this, *m_registry}.load(path, stack);
}

void Config::load_string(const std::string& yaml, const std::string& name) {
    if (m_main_file.empty()) m_main_file = name;
    std::vector<std::string> stack;
    ConfigLoader l{*this, *m_registry};
    l.load_node(ConfigLoader::parse(yaml, name), name, stack);
}

void Config::apply_set(const std::string& assignment, int index) {
    const Origin o{"--set", index};
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
        throw ConfigError(o.str(), assignment, "--set '" + assignment + "': expected key=value");
    const std::string key = assignment.substr(0, eq);
    const std::string text = assignment.substr(eq + 1);
    const ParamSpec* s = m_registry->find(key);
    if (!s) {
        const std::string near = nearest(key, m_registry->names());
        throw ConfigError(o.str(), key, "unknown key '" + key + "' in --set '" + assignment + "'" +
                                            (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    }
    YAML::Node node;
    if (s->type == ParamType::String) node = YAML::Node(text);  // strings are taken verbatim
    else {
        try {
            node = YAML::Load(text);
        } catch (const YAML::ParserException& e) {
            throw ConfigError(o.str(), key, "--set '" + assignment + "': malformed value: " + e.msg);
        }
    }
    set_value(key, ConfigLoader::convert(*s, node, o), o);
}

const Value& Config::lookup(const std::string& name) const {
    auto it = m_values.find(name);
    if (it != m_values.end()) return it->second.value;
    const ParamSpec* s = m_registry->find(name);
    if (!s) throw Error("parameter '" + name + "' is read but never declared");
    if (!s->default_value)
        throw ConfigError((m_main_file.empty() ? std::string("<config>") : m_main_file) + ":1", name,
                          "missing required key '" + name + "' (" + s->description + ")");
    return *s->default_value;
}

template <class T>
T Config::get(const std::string& name) const {
    const Value& v = lookup(name);
    if (const T* p = std::get_if<T>(&v)) return *p;
    throw Error("parameter '" + name + "' is declared with another type than it is read with");
}

template std::int64_t Config::get<std::int64_t>(const std::string&) const;
template double Config::get<double>(const std::string&) const;
template bool Config::get<bool>(const std::string&) const;
template std::string Config::get<std::string>(const std::string&) const;
template std::vector<std::int64_t> Config::get<std::vector<std::int64_t>>(const std::string&) const;
template std::vector<double> Config::get<std::vector<double>>(const std::string&) const;
template std::vector<std::string> Config::get<std::vector<std::string>>(const std::string&) const;

Origin Config::origin(const std::string& name) const {
    auto it = m_values.find(name);
    return it != m_values.end() ? it->second.origin : Origin{"default", 0};
}

void Config::require(const std::vector<std::string>& names) const {
    for (const auto& n : names) (void)lookup(n);
}

namespace {
std::vector<std::string> split_dots(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string seg;
    while (std::getline(ss, seg, '.')) out.push_back(seg);
    return out;
}
}  // namespace

std::string Config::effective_yaml() const {
    auto specs = m_registry->all();
    std::stable_sort(specs.begin(), specs.end(),
                     [](auto* a, auto* b) { return split_dots(a->name) < split_dots(b->name); });
    std::ostringstream out;
    out << "# spiketlm effective configuration (every declared parameter; origin in comments)\n";
    std::vector<std::string> open;
    for (const ParamSpec* s : specs) {
        auto segs = split_dots(s->name);
        std::size_t common = 0;
        while (common < open.size() && common + 1 < segs.size() && open[common] == segs[common]) ++common;
        open.resize(common);
        for (std::size_t i = common; i + 1 < segs.size(); ++i) {
            out << std::string(2 * i, ' ') << segs[i] << ":\n";
            open.push_back(segs[i]);
        }
        out << std::string(2 * (segs.size() - 1), ' ') << segs.back() << ": ";
        auto it = m_values.find(s->name);
        if (it != m_values.end()) out << value_to_yaml(it->second.value) << "  # " << it->second.origin.str();
        else if (s->default_value) out << value_to_yaml(*s->default_value) << "  # default";
        else out << "null  # required, not set";
        if (!s->unit.empty()) out << " [" << s->unit << "]";
        out << "\n";
    }
    return out.str();
}

std::string Config::hash() const {
    std::string text;
    for (const ParamSpec* s : m_registry->all()) {
        auto it = m_values.find(s->name);
        text += s->name + "=";
        if (it != m_values.end()) text += value_to_yaml(it->second.value);
        else if (s->default_value) text += value_to_yaml(*s->default_value);
        text += "\n";
    }
    return fnv1a_hex(text);
}

}  // namespace spiketlm::cfg
