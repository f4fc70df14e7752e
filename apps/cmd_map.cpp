// `spiketlm map`: places a model on a chip and writes the mapped network (manifest + images).
#include <iostream>

#include "apps/command.h"
#include "hw/noc/noc_config.h"
#include "sw/cfg/config.h"
#include "sw/io/model_file.h"
#include "sw/map/capacity.h"
#include "sw/map/mapper.h"

namespace spiketlm::app {

namespace {
struct MapOptions {
    std::string model, chip, out;
    std::vector<std::string> sets;
};

void run_map(const MapOptions& o) {
    cfg::Config c;
    c.load_file(o.chip);
    int i = 1;
    for (const auto& s : o.sets) c.apply_set(s, i++);
    noc::NocConfig::from(c);  // validates the mesh parameters
    const auto model = io::load_model(o.model);
    const auto m = map::map_network(model.net, map::capacity_from(c), map::mesh_from(c));
    map::save_mapped(o.out, m);
    std::size_t words = 0;
    for (const auto& p : m.pes) words += p.synapse.size();
    std::cout << "mapped '" << model.net.name << "' onto " << m.pes.size() << " PEs of the " << m.mesh_width << "x"
              << m.mesh_height << " mesh (" << words << " synapse words, " << m.dest_sets.size()
              << " multicast sets); wrote " << o.out << "/manifest.yaml and images.npz\n";
}

void setup(CLI::App& root) {
    auto* cmd = root.add_subcommand("map", "map a model onto a chip: partition, place, routing tables, memory images");
    auto o = std::make_shared<MapOptions>();
    cmd->add_option("--model,-m", o->model, "model directory (model.yaml + weights.npz)")->required();
    cmd->add_option("--chip", o->chip, "chip configuration (YAML, e.g. configs/chips/yoso.yaml)")->required();
    cmd->add_option("--set", o->sets, "override one parameter: key=value (repeatable)")->take_all();
    cmd->add_option("--out,-o", o->out, "output directory for the mapped network")->required();
    cmd->callback([o] { run_map(*o); });
}
const bool registered = register_command("map", setup);
}  // namespace

}  // namespace spiketlm::app
