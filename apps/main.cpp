// spiketlm: the command-line program. Exit codes: 0 ok, 1 failure, 2 bad input.
#include <cstdio>
#include <iostream>
#include <map>

#include "apps/command.h"
#include "sw/common/error.h"
#include "sw/common/progress.h"

namespace spiketlm::app {

namespace {
std::map<std::string, CommandSetup>& commands() {
    static std::map<std::string, CommandSetup> c;
    return c;
}
}  // namespace

bool register_command(const char* name, CommandSetup setup) {
    commands()[name] = setup;
    return true;
}

void ConfigOptions::add_to(CLI::App& cmd, bool config_required) {
    auto* opt = cmd.add_option("--config,-c", config, "run configuration (YAML)");
    if (config_required) opt->required();
    cmd.add_option("--set", sets, "override one parameter: key=value (repeatable)")->take_all();
}

cfg::Config ConfigOptions::load() const {
    cfg::Config c;
    if (!config.empty()) c.load_file(config);
    int i = 1;
    for (const auto& s : sets) c.apply_set(s, i++);
    return c;
}

}  // namespace spiketlm::app

int main(int argc, char** argv) {
    using namespace spiketlm;
    CLI::App app{"spiketlm: SystemC/TLM-2.0 simulator of neuromorphic spiking-neural-network accelerators"};
    app.set_version_flag("--version", std::string("spiketlm ") + SPIKETLM_VERSION);
    app.require_subcommand(1);
    // Applied while parsing, before the subcommand's callback runs.
    app.add_flag_callback("--quiet,-q", [] { Progress::set_quiet(true); }, "no progress output");
    app.footer("Exit codes: 0 success, 1 failure, 2 bad input (configuration, data or model files).");
    for (const auto& [name, setup] : app::commands()) setup(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::RuntimeError& e) {
        return e.get_exit_code();  // a command's own verdict (e.g. trace diff: traces differ)
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return 2;
    } catch (const InputError& e) {
        std::cerr << "spiketlm: error: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "spiketlm: failure: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
