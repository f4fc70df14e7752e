#pragma once
// Subcommands register themselves (one file each: apps/cmd_<name>.cpp) so main() stays short.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "sw/cfg/config.h"

namespace spiketlm::app {

using CommandSetup = void (*)(CLI::App& root);
bool register_command(const char* name, CommandSetup setup);

// The shared --config / --set options of commands that read a run configuration.
struct ConfigOptions {
    std::string config;
    std::vector<std::string> sets;
    void add_to(CLI::App& cmd, bool config_required);
    // Loads --config (if given) and applies every --set in order. Throws ConfigError.
    cfg::Config load() const;
};

}  // namespace spiketlm::app
