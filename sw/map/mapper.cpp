#include "sw/map/mapper.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include <yaml-cpp/yaml.h>

#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/io/npz.h"
#include "sw/snn/network.h"

namespace spiketlm::map {

namespace {
std::uint32_t ceil_div(std::uint32_t a, std::uint32_t b) { return (a + b - 1) / b; }
std::string str(std::uint64_t v) { return std::to_string(v); }
}  // namespace

const PeImage* MappedNetwork::pe_at(std::uint32_t node) const {
    for (const auto& p : pes)
        if (p.node == node) return &p;
    return nullptr;
}

void MappedNetwork::validate(const std::string& what) const {
    auto bad = [&](const std::string& m) { throw InputError(what + ": " + m); };
    if (mesh_width == 0 || mesh_height == 0) bad("mesh has no nodes");
    if (host_node >= nodes()) bad("host node " + str(host_node) + " is outside the mesh");
    if (synapse_word_bits == 0 || synapse_word_bits > 64) bad("synapse_word_bits must be 1..64");
    if (input_dest_set >= dest_sets.size()) bad("input destination set out of range");
    std::vector<bool> used(nodes(), false);
    for (const auto& s : dest_sets)
        for (auto n : s)
            if (n >= nodes()) bad("destination node " + str(n) + " is outside the mesh");
    for (std::size_t k = 0; k < pes.size(); ++k) {
        const auto& p = pes[k];
        const std::string pe = "PE at node " + str(p.node);
        if (p.node >= nodes()) bad(pe + " is outside the mesh");
        if (used[p.node]) bad("two PEs at node " + str(p.node));
        used[p.node] = true;
        if (p.layer >= layer_out.size()) bad(pe + ": layer " + str(p.layer) + " does not exist");
        if (p.first_neuron + p.neurons > layer_out[p.layer]) bad(pe + ": neurons beyond the layer");
        if (p.weight_bits == 0 || p.weight_bits > synapse_word_bits) bad(pe + ": bad weight_bits");
        if (p.weights_per_word != synapse_word_bits / p.weight_bits) bad(pe + ": weights_per_word mismatch");
        if (p.axon_base.size() != p.axon_words.size()) bad(pe + ": axon table columns differ in length");
        for (std::size_t a = 0; a < p.axon_base.size(); ++a)
            if (std::uint64_t{p.axon_base[a]} + p.axon_words[a] > p.synapse.size())
                bad(pe + ": axon " + str(a) + " points beyond the synapse image");
        if (p.routes.size() != p.neurons) bad(pe + ": routing table has " + str(p.routes.size()) + " entries for " + str(p.neurons) + " neurons");
        for (const auto& r : p.routes)
            if (r.dest_set >= dest_sets.size()) bad(pe + ": route to a missing destination set");
    }
}

namespace {
// Accumulators (docs/pe.md): a layer with delivery delay d keeps d + 2 timestep slots, and one
// slot receives at most one event per axon, so its sum lies in [-(sum of |negative weights|),
// sum of positive weights] of the neuron's fan-in; both must fit acc_bits (two's complement).
void check_accumulators(const snn::Network& net, const PeCapacity& pe) {
    for (const auto& l : net.layers) {
        if (static_cast<std::uint32_t>(l.delay) + 2 > pe.acc_slots)
            throw InputError("network does not fit the chip: layer '" + l.name + "' has delivery delay " + str(l.delay) +
                             " and needs " + str(l.delay + 2) + " accumulator slots, chip.pe.acc_slots is " +
                             str(pe.acc_slots));
        const std::int64_t hi = pe.acc_bits >= 64 ? INT64_MAX : (std::int64_t{1} << (pe.acc_bits - 1)) - 1;
        for (int n = 0; n < l.out; ++n) {
            std::int64_t pos = 0, neg = 0;
            for (int a = 0; a < l.in; ++a) {
                const std::int64_t w = l.weight(n, a);
                (w > 0 ? pos : neg) += w;
            }
            if (pos > hi || -neg > hi + 1) {
                int bits = 1;
                while (bits < 64 && ((std::int64_t{1} << (bits - 1)) - 1 < pos || (std::int64_t{1} << (bits - 1)) < -neg))
                    ++bits;
                throw InputError("network does not fit the chip: neuron " + str(n) + " of layer '" + l.name +
                                 "' can accumulate a sum in [" + std::to_string(neg) + ", " + std::to_string(pos) +
                                 "], which needs " + str(bits) + "-bit accumulators; chip.pe.acc_bits is " +
                                 str(pe.acc_bits));
            }
        }
    }
}
}  // namespace

MappedNetwork map_network(const snn::Network& net, const PeCapacity& pe, const MeshShape& mesh) {
    net.validate();
    if (mesh.host_node >= mesh.nodes())
        throw InputError("host node " + str(mesh.host_node) + " is outside the " + str(mesh.width) + "x" +
                         str(mesh.height) + " mesh");
    std::vector<LayerShape> shapes;
    for (const auto& l : net.layers)
        shapes.push_back({l.name, static_cast<std::uint32_t>(l.in), static_cast<std::uint32_t>(l.out),
                          static_cast<std::uint32_t>(l.weight_bits)});
    const Placement place = partition_and_place(shapes, pe, mesh);
    check_accumulators(net, pe);

    MappedNetwork m;
    m.network = net.name;
    m.mesh_width = mesh.width;
    m.mesh_height = mesh.height;
    m.host_node = mesh.host_node;
    m.synapse_word_bits = pe.synapse_word_bits;
    m.inputs = static_cast<std::uint32_t>(net.inputs);
    for (const auto& l : net.layers) m.layer_out.push_back(static_cast<std::uint32_t>(l.out));

    // Destination sets: the nodes of each layer's groups; the host for the output layer.
    std::vector<std::uint32_t> layer_set(net.layers.size());
    for (std::size_t li = 0; li < net.layers.size(); ++li) {
        std::vector<std::uint32_t> nodes;
        for (auto g : place.layer_groups[li]) nodes.push_back(place.groups[g].node);
        std::sort(nodes.begin(), nodes.end());
        layer_set[li] = static_cast<std::uint32_t>(m.dest_sets.size());
        m.dest_sets.push_back(nodes);
    }
    m.input_dest_set = layer_set[0];
    const auto host_set = static_cast<std::uint32_t>(m.dest_sets.size());
    m.dest_sets.push_back({mesh.host_node});
    m.output_set_ids.push_back(host_set);

    for (const auto& g : place.groups) {
        const auto& l = net.layers[g.layer];
        PeImage img;
        img.node = g.node;
        img.layer = g.layer;
        img.first_neuron = g.first_neuron;
        img.neurons = g.neurons;
        img.weight_bits = static_cast<std::uint32_t>(l.weight_bits);
        img.weights_per_word = pe.synapse_word_bits / img.weight_bits;
        const std::uint32_t row = ceil_div(g.neurons, img.weights_per_word);
        img.axon_base.resize(l.in);
        img.axon_words.assign(l.in, row);
        img.synapse.assign(std::size_t{row} * l.in, 0);
        const std::uint64_t mask = img.weight_bits >= 64 ? ~0ull : ((1ull << img.weight_bits) - 1);
        for (std::uint32_t a = 0; a < static_cast<std::uint32_t>(l.in); ++a) {
            img.axon_base[a] = a * row;
            for (std::uint32_t n = 0; n < g.neurons; ++n) {
                const auto w = static_cast<std::uint64_t>(static_cast<std::int64_t>(l.weight(g.first_neuron + n, a)));
                img.synapse[std::size_t{a} * row + n / img.weights_per_word] |=
                    (w & mask) << ((n % img.weights_per_word) * img.weight_bits);
            }
        }
        const bool last = g.layer + 1 == net.layers.size();
        const std::uint32_t set = last ? host_set : layer_set[g.layer + 1];
        for (std::uint32_t n = 0; n < g.neurons; ++n) img.routes.push_back({set, g.first_neuron + n});
        m.pes.push_back(std::move(img));
    }
    m.validate("mapped network '" + net.name + "'");
    return m;
}

// ---- file format ------------------------------------------------------------------------------

namespace {
constexpr int kMappedSchemaVersion = 1;

std::vector<std::int32_t> as_i32(const std::vector<std::uint32_t>& v) { return {v.begin(), v.end()}; }

io::NpyArray i64_array(const std::vector<std::uint64_t>& v) {
    io::NpyArray a;
    a.dtype = io::DType::i8;
    a.shape = {v.size()};
    a.data.resize(v.size() * 8);
    for (std::size_t k = 0; k < v.size(); ++k)
        for (int b = 0; b < 8; ++b) a.data[k * 8 + b] = static_cast<unsigned char>(v[k] >> (8 * b));
    return a;
}

std::vector<std::uint64_t> u64_from(const io::NpyArray& a, const std::string& what) {
    if (a.dtype != io::DType::i8) throw InputError(what + ": expected int64 synapse words, found " + io::descr(a.dtype));
    std::vector<std::uint64_t> v(a.size());
    for (std::size_t k = 0; k < v.size(); ++k) {
        std::uint64_t x = 0;
        for (int b = 0; b < 8; ++b) x |= std::uint64_t{a.data[k * 8 + b]} << (8 * b);
        v[k] = x;
    }
    return v;
}

std::vector<std::uint32_t> u32_from(const io::NpyArray& a, const std::string& what) {
    const auto v = a.to_int32(what);
    std::vector<std::uint32_t> out;
    out.reserve(v.size());
    for (auto x : v) {
        if (x < 0) throw InputError(what + ": negative entry " + std::to_string(x));
        out.push_back(static_cast<std::uint32_t>(x));
    }
    return out;
}

template <class T>
T yget(const YAML::Node& n, const char* key, const std::string& file) {
    const YAML::Node v = n[key];
    if (!v) {
        throw InputError(file + ":" + std::to_string(n.Mark().line + 1) + ": missing key '" + key + "'");
    }
    try {
        return v.as<T>();
    } catch (const YAML::Exception&) {
        throw InputError(file + ":" + std::to_string(v.Mark().line + 1) + ": key '" + key + "' has the wrong type");
    }
}
}  // namespace

void save_mapped(const std::string& dir, const MappedNetwork& m) {
    std::filesystem::create_directories(dir);
    io::NpzArchive arrays;
    YAML::Emitter y;
    y << YAML::BeginMap;
    y << YAML::Key << "schema_version" << YAML::Value << kMappedSchemaVersion;
    y << YAML::Key << "network" << YAML::Value << m.network;
    y << YAML::Key << "mesh" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "width" << YAML::Value
      << m.mesh_width << YAML::Key << "height" << YAML::Value << m.mesh_height << YAML::EndMap;
    y << YAML::Key << "host_node" << YAML::Value << m.host_node;
    y << YAML::Key << "synapse_word_bits" << YAML::Value << m.synapse_word_bits;
    y << YAML::Key << "inputs" << YAML::Value << m.inputs;
    y << YAML::Key << "layer_out" << YAML::Value << YAML::Flow << m.layer_out;
    y << YAML::Key << "input_dest_set" << YAML::Value << m.input_dest_set;
    y << YAML::Key << "output_dest_sets" << YAML::Value << YAML::Flow << m.output_set_ids;
    y << YAML::Key << "dest_sets" << YAML::Value << YAML::BeginSeq;
    for (const auto& s : m.dest_sets) y << YAML::Flow << s;
    y << YAML::EndSeq;
    y << YAML::Key << "pes" << YAML::Value << YAML::BeginSeq;
    for (const auto& p : m.pes) {
        y << YAML::Flow << YAML::BeginMap;
        y << YAML::Key << "node" << YAML::Value << p.node << YAML::Key << "layer" << YAML::Value << p.layer
          << YAML::Key << "first_neuron" << YAML::Value << p.first_neuron << YAML::Key << "neurons" << YAML::Value
          << p.neurons << YAML::Key << "weight_bits" << YAML::Value << p.weight_bits << YAML::Key
          << "synapse_words" << YAML::Value << p.synapse.size() << YAML::Key << "axon_entries" << YAML::Value
          << p.axon_base.size();
        y << YAML::EndMap;
        const std::string k = "pe" + std::to_string(p.node);
        arrays[k + ".axon_base"] = io::NpyArray::from_int32({p.axon_base.size()}, as_i32(p.axon_base));
        arrays[k + ".axon_words"] = io::NpyArray::from_int32({p.axon_words.size()}, as_i32(p.axon_words));
        arrays[k + ".synapse"] = i64_array(p.synapse);
        std::vector<std::int32_t> rs, ra;
        for (const auto& r : p.routes) {
            rs.push_back(static_cast<std::int32_t>(r.dest_set));
            ra.push_back(static_cast<std::int32_t>(r.axon));
        }
        arrays[k + ".route_set"] = io::NpyArray::from_int32({rs.size()}, rs);
        arrays[k + ".route_axon"] = io::NpyArray::from_int32({ra.size()}, ra);
    }
    y << YAML::EndSeq;
    y << YAML::EndMap;
    io::write_npz(dir + "/images.npz", arrays);
    write_file_atomic(dir + "/manifest.yaml",
                      "# spiketlm mapped network (docs/mapping.md); memory images in images.npz\n" +
                          std::string(y.c_str()) + "\n");
}

MappedNetwork load_mapped(const std::string& dir) {
    const std::string file = dir + "/manifest.yaml";
    YAML::Node root;
    try {
        root = YAML::Load(read_file(file));
    } catch (const YAML::Exception& e) {
        throw InputError(file + ":" + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
    }
    if (!root.IsMap()) throw InputError(file + ": not a mapping");
    const int version = yget<int>(root, "schema_version", file);
    if (version != kMappedSchemaVersion)
        throw InputError(file + ": schema_version " + std::to_string(version) + " is not supported (expected " +
                         std::to_string(kMappedSchemaVersion) + ")");
    MappedNetwork m;
    m.network = yget<std::string>(root, "network", file);
    const YAML::Node mesh = root["mesh"];
    if (!mesh || !mesh.IsMap()) throw InputError(file + ": missing 'mesh'");
    m.mesh_width = yget<std::uint32_t>(mesh, "width", file);
    m.mesh_height = yget<std::uint32_t>(mesh, "height", file);
    m.host_node = yget<std::uint32_t>(root, "host_node", file);
    m.synapse_word_bits = yget<std::uint32_t>(root, "synapse_word_bits", file);
    m.inputs = yget<std::uint32_t>(root, "inputs", file);
    m.layer_out = yget<std::vector<std::uint32_t>>(root, "layer_out", file);
    m.input_dest_set = yget<std::uint32_t>(root, "input_dest_set", file);
    m.output_set_ids = yget<std::vector<std::uint32_t>>(root, "output_dest_sets", file);
    m.dest_sets = yget<std::vector<std::vector<std::uint32_t>>>(root, "dest_sets", file);
    const YAML::Node pes = root["pes"];
    if (!pes || !pes.IsSequence()) throw InputError(file + ": missing 'pes' list");
    const auto arrays = io::read_npz(dir + "/images.npz");
    for (const auto& pn : pes) {
        PeImage p;
        p.node = yget<std::uint32_t>(pn, "node", file);
        p.layer = yget<std::uint32_t>(pn, "layer", file);
        p.first_neuron = yget<std::uint32_t>(pn, "first_neuron", file);
        p.neurons = yget<std::uint32_t>(pn, "neurons", file);
        p.weight_bits = yget<std::uint32_t>(pn, "weight_bits", file);
        if (p.weight_bits == 0 || p.weight_bits > m.synapse_word_bits)
            throw InputError(file + ":" + std::to_string(pn.Mark().line + 1) + ": bad weight_bits");
        p.weights_per_word = m.synapse_word_bits / p.weight_bits;
        const std::string k = "pe" + std::to_string(p.node);
        auto member = [&](const std::string& name) -> const io::NpyArray& {
            const auto it = arrays.find(k + "." + name);
            if (it == arrays.end()) throw InputError(dir + "/images.npz: missing member '" + k + "." + name + "'");
            return it->second;
        };
        const std::string where = dir + "/images.npz member ";
        p.axon_base = u32_from(member("axon_base"), where + k + ".axon_base");
        p.axon_words = u32_from(member("axon_words"), where + k + ".axon_words");
        p.synapse = u64_from(member("synapse"), where + k + ".synapse");
        const auto rs = u32_from(member("route_set"), where + k + ".route_set");
        const auto ra = u32_from(member("route_axon"), where + k + ".route_axon");
        if (rs.size() != ra.size()) throw InputError(where + k + ".route_*: columns differ in length");
        for (std::size_t i = 0; i < rs.size(); ++i) p.routes.push_back({rs[i], ra[i]});
        m.pes.push_back(std::move(p));
    }
    m.validate(dir);
    return m;
}

void check_mapped_matches(const MappedNetwork& m, const snn::Network& net, const std::string& what) {
    auto bad = [&](const std::string& s) { throw InputError(what + " does not match the model: " + s); };
    if (m.inputs != static_cast<std::uint32_t>(net.inputs)) bad("input size differs");
    if (m.layer_out.size() != net.layers.size()) bad("layer count differs");
    std::vector<std::uint32_t> covered(net.layers.size(), 0);
    for (const auto& p : m.pes) {
        const auto& l = net.layers.at(p.layer);
        if (m.layer_out[p.layer] != static_cast<std::uint32_t>(l.out)) bad("layer '" + l.name + "' size differs");
        if (p.weight_bits != static_cast<std::uint32_t>(l.weight_bits)) bad("layer '" + l.name + "' weight bits differ");
        if (p.axon_base.size() != static_cast<std::size_t>(l.in)) bad("layer '" + l.name + "' fan-in differs");
        for (std::uint32_t a = 0; a < static_cast<std::uint32_t>(l.in); ++a)
            for (std::uint32_t n = 0; n < p.neurons; ++n) {
                const std::uint64_t word = p.synapse[p.axon_base[a] + n / p.weights_per_word];
                if (unpack_weight(word, n % p.weights_per_word, p.weight_bits) != l.weight(p.first_neuron + n, a))
                    bad("weight (" + std::to_string(p.first_neuron + n) + ", " + std::to_string(a) + ") of layer '" +
                        l.name + "' differs");
            }
        covered[p.layer] += p.neurons;
    }
    for (std::size_t li = 0; li < net.layers.size(); ++li)
        if (covered[li] != static_cast<std::uint32_t>(net.layers[li].out))
            bad("layer '" + net.layers[li].name + "' is not fully placed");
}

}  // namespace spiketlm::map
