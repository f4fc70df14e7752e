// `spiketlm config dump`: every declared parameter with type, default, unit, range, description.
#include <iomanip>
#include <iostream>
#include <sstream>

#include "apps/command.h"
#include "sw/cfg/param.h"
#include "sw/common/error.h"

namespace spiketlm::app {
namespace {

std::string range_text(const cfg::ParamSpec& s) {
    if (!s.choices.empty()) {
        std::string out;
        for (const auto& c : s.choices) out += (out.empty() ? "" : " | ") + c;
        return out;
    }
    if (!s.range) return "";
    auto f = [](double d) {
        std::ostringstream ss;
        ss << std::setprecision(15) << d;
        return ss.str();
    };
    return "[" + f(s.range->min) + ", " + f(s.range->max) + "]";
}

std::string default_text(const cfg::ParamSpec& s) {
    return s.default_value ? cfg::value_to_yaml(*s.default_value) : std::string("(required)");
}

std::string dump(const std::string& format) {
    std::ostringstream out;
    const auto specs = cfg::ParamRegistry::global().all();
    if (format == "md") {
        out << "| key | type | default | unit | range / choices | description |\n";
        out << "|---|---|---|---|---|---|\n";
        auto esc = [](std::string s) {
            std::string o;
            for (char c : s) o += (c == '|') ? std::string("\\|") : std::string(1, c);
            return o;
        };
        for (auto* s : specs)
            out << "| `" << s->name << "` | " << cfg::type_name(s->type) << " | `" << esc(default_text(*s))
                << "` | " << s->unit << " | " << esc(range_text(*s)) << " | " << esc(s->description) << " |\n";
    } else if (format == "yaml") {
        out << cfg::Config().effective_yaml();
    } else {
        for (auto* s : specs) {
            out << s->name << " (" << cfg::type_name(s->type) << ") = " << default_text(*s);
            if (!s->unit.empty()) out << " " << s->unit;
            const auto r = range_text(*s);
            if (!r.empty()) out << "  " << r;
            out << "\n    " << s->description << "\n";
        }
    }
    return out.str();
}

void setup(CLI::App& root) {
    auto* cmd = root.add_subcommand("config", "inspect the configuration parameters");
    cmd->require_subcommand(1);
    auto* d = cmd->add_subcommand("dump", "print every declared parameter (default, unit, range, description)");
    static std::string format = "text";
    d->add_option("--format", format, "text | md | yaml")->check(CLI::IsMember({"text", "md", "yaml"}));
    d->callback([] { std::cout << dump(format); });
    auto* chk = cmd->add_subcommand("check", "validate a configuration and print the effective values");
    static ConfigOptions opts;
    opts.add_to(*chk, true);
    chk->callback([] { std::cout << opts.load().effective_yaml(); });
}

const bool registered = register_command("config", &setup);

}  // namespace
}  // namespace spiketlm::app
