#include "sw/map/mapper.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_map>

#include <yaml-cpp/yaml.h>

#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/io/npz.h"
#include "sw/snn/network.h"

namespace spiketlm::map {

namespace {
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
    if (!input_sets.empty() && input_sets.size() != inputs)
        bad("input_sets has " + str(input_sets.size()) + " entries for " + str(inputs) + " inputs");
    for (auto s : input_sets)
        if (s >= dest_sets.size()) bad("an input's destination set is out of range");
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
// sum of positive weights] of the neuron's fan-in (feedforward and recurrent synapses); both must
// fit acc_bits (two's complement).
void check_accumulators(const snn::Network& net, const std::vector<snn::Csr>& ff, const PeCapacity& pe) {
    for (std::size_t li = 0; li < net.layers.size(); ++li) {
        const auto& l = net.layers[li];
        if (static_cast<std::uint32_t>(l.delay) + 2 > pe.acc_slots)
            throw InputError("network does not fit the chip: layer '" + l.name + "' has delivery delay " + str(l.delay) +
                             " and needs " + str(l.delay + 2) + " accumulator slots, chip.pe.acc_slots is " +
                             str(pe.acc_slots));
        const std::int64_t hi = pe.acc_bits >= 64 ? INT64_MAX : (std::int64_t{1} << (pe.acc_bits - 1)) - 1;
        for (int n = 0; n < l.out; ++n) {
            std::int64_t pos = 0, neg = 0;
            const auto add = [&](const snn::Csr& c) {
                for (std::uint32_t k = c.row_ptr[n]; k < c.row_ptr[n + 1]; ++k) {
                    const std::int64_t w = c.weights[k];
                    (w > 0 ? pos : neg) += w;
                }
            };
            add(ff[li]);
            if (l.has_recurrent()) add(l.recurrent);
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

// Axon ids (docs/mapping.md): a spike carries one axon id to all its receivers. Layer l's PEs
// see source a of the previous population as axon ff_base[l] + a and, with recurrent synapses,
// their own layer's neuron j as rec_base[l] + j = ff_base[l] + in + j; a layer's neurons send
// rec_base (0 without recurrent synapses) + their index.
struct AxonIds {
    std::vector<std::uint32_t> ff_base, own_base;
};
AxonIds axon_ids(const snn::Network& net) {
    AxonIds a;
    std::uint32_t prev = 0;  // the inputs' base
    for (const auto& l : net.layers) {
        a.ff_base.push_back(prev);
        const std::uint32_t own = l.has_recurrent() ? prev + static_cast<std::uint32_t>(l.in) : 0;
        a.own_base.push_back(own);
        prev = own;
    }
    return a;
}

// The synapses of layer li's outputs [first, first + n) as (axon id, local target, weight),
// feedforward then recurrent, each output's sources ascending.
struct Entry {
    std::uint32_t axon, local;
    std::int32_t w;
};
template <class F>
void for_each_entry(const snn::Layer& l, const snn::Csr& ff, const AxonIds& ids, std::size_t li, std::uint32_t first,
                    std::uint32_t n, F&& f) {
    for (std::uint32_t o = first; o < first + n; ++o) {
        for (std::uint32_t k = ff.row_ptr[o]; k < ff.row_ptr[o + 1]; ++k)
            f(Entry{ids.ff_base[li] + ff.cols[k], o - first, ff.weights[k]});
        if (l.has_recurrent())
            for (std::uint32_t k = l.recurrent.row_ptr[o]; k < l.recurrent.row_ptr[o + 1]; ++k)
                f(Entry{ids.own_base[li] + l.recurrent.cols[k], o - first, l.recurrent.weights[k]});
    }
}

// What a group of a layer costs on a PE, grown one neuron at a time: per axon the last local
// target (its row ends in that word), the synapse words and the axon id range.
class Footprint {
  public:
    explicit Footprint(std::uint32_t wpw) : m_wpw(wpw) {}
    // The cost with local neuron `local` (reading `axons`) added, without adding it.
    void probe(const std::vector<std::uint32_t>& axons, std::uint32_t local, std::uint64_t& words, std::uint32_t& lo,
               std::uint32_t& hi) const {
        words = m_words;
        lo = m_lo;
        hi = m_hi;
        const std::uint64_t row = local / m_wpw + 1;
        for (auto a : axons) {
            const auto it = m_last.find(a);
            words += row - (it == m_last.end() ? 0 : it->second / m_wpw + 1);
            lo = std::min(lo, a);
            hi = std::max(hi, a);
        }
    }
    void add(const std::vector<std::uint32_t>& axons, std::uint32_t local) {
        probe(axons, local, m_words, m_lo, m_hi);
        for (auto a : axons) m_last[a] = local;
    }
    std::uint64_t words() const { return m_words; }
    std::uint32_t entries() const { return m_hi >= m_lo ? m_hi - m_lo + 1 : 0; }

  private:
    std::uint32_t m_wpw;
    std::unordered_map<std::uint32_t, std::uint32_t> m_last;
    std::uint64_t m_words = 0;
    std::uint32_t m_lo = UINT32_MAX, m_hi = 0;
};

// Splits a sparse, conv2d or recurrent layer into groups that fit a PE: first greedily (each
// group as large as the neurons, routing entries, synapse words and axon-table entries allow),
// then, with the same group count, evenly when every even group fits.
void split_layer(const snn::Layer& l, const snn::Csr& ff, const AxonIds& ids, std::size_t li, const PeCapacity& pe,
                 FixedSplit& split) {
    if (l.weight_bits <= 0 || static_cast<std::uint32_t>(l.weight_bits) > pe.synapse_word_bits)
        throw InputError("layer '" + l.name + "' does not fit a PE: weights of " + str(l.weight_bits) +
                         " bits do not fit a " + str(pe.synapse_word_bits) + "-bit synapse word");
    const std::uint32_t wpw = pe.synapse_word_bits / static_cast<std::uint32_t>(l.weight_bits);
    const std::uint32_t cap = std::min(pe.neurons, pe.route_entries);
    const auto out = static_cast<std::uint32_t>(l.out);
    std::vector<std::uint32_t> axons;
    const auto axons_of = [&](std::uint32_t o) {
        axons.clear();
        for_each_entry(l, ff, ids, li, o, 1, [&](const Entry& e) { axons.push_back(e.axon); });
    };
    // Fits [first, first + n) on one PE? (words out when it does)
    const auto fits = [&](std::uint32_t first, std::uint32_t n, std::uint64_t* words) {
        if (n > cap) return false;
        Footprint f(wpw);
        for (std::uint32_t o = first; o < first + n; ++o) {
            axons_of(o);
            f.add(axons, o - first);
        }
        if (f.words() > pe.synapse_words || f.entries() > pe.axon_entries) return false;
        if (words) *words = f.words();
        return true;
    };
    std::vector<std::uint32_t> sizes, words;
    for (std::uint32_t first = 0; first < out;) {
        Footprint f(wpw);
        std::uint32_t n = 0;
        for (std::uint32_t o = first; o < out && n < cap; ++o, ++n) {
            axons_of(o);
            std::uint64_t w;
            std::uint32_t lo, hi;
            f.probe(axons, n, w, lo, hi);
            const std::uint32_t entries = hi >= lo ? hi - lo + 1 : 0;
            if (w > pe.synapse_words || entries > pe.axon_entries) {
                if (n == 0)
                    throw InputError("layer '" + l.name + "' does not fit a PE: neuron " + str(o) + " alone needs " +
                                     str(w) + " synapse words (a PE has " + str(pe.synapse_words) + ") and " +
                                     str(entries) + " axon-table entries (a PE has " + str(pe.axon_entries) + ")");
                break;
            }
            f.add(axons, n);
        }
        sizes.push_back(n);
        words.push_back(static_cast<std::uint32_t>(f.words()));
        first += n;
    }
    // Even split with the same count, when it fits.
    const auto g = static_cast<std::uint32_t>(sizes.size());
    std::vector<std::uint32_t> even(g), even_words(g);
    bool ok = true;
    for (std::uint32_t k = 0, first = 0; k < g && ok; ++k) {
        even[k] = out / g + (k < out % g ? 1 : 0);
        std::uint64_t w = 0;
        ok = fits(first, even[k], &w);
        even_words[k] = static_cast<std::uint32_t>(w);
        first += even[k];
    }
    split.sizes = ok ? even : sizes;
    split.words = ok ? even_words : words;
}

std::uint32_t intern(std::vector<std::vector<std::uint32_t>>& sets, std::map<std::vector<std::uint32_t>, std::uint32_t>& ids,
                     const std::vector<std::uint32_t>& set) {
    const auto it = ids.find(set);
    if (it != ids.end()) return it->second;
    const auto id = static_cast<std::uint32_t>(sets.size());
    sets.push_back(set);
    ids.emplace(set, id);
    return id;
}
}  // namespace

std::uint32_t MappedNetwork::axon_id_limit() const {
    std::uint32_t lim = inputs;
    for (const auto& p : pes)
        for (const auto& r : p.routes) lim = std::max(lim, r.axon + 1);
    return lim;
}

MappedNetwork map_network(const snn::Network& net, const PeCapacity& pe, const MeshShape& mesh) {
    net.validate();
    if (mesh.host_node >= mesh.nodes())
        throw InputError("host node " + str(mesh.host_node) + " is outside the " + str(mesh.width) + "x" +
                         str(mesh.height) + " mesh");
    if (net.layers.back().has_recurrent())
        throw InputError("layer '" + net.layers.back().name +
                         "': the output layer cannot have recurrent synapses on the chip (its spikes go to the host "
                         "only); add a readout layer after it");
    const AxonIds ids = axon_ids(net);
    std::vector<snn::Csr> ff;
    ff.reserve(net.layers.size());
    for (const auto& l : net.layers) ff.push_back(l.synapses());
    std::vector<LayerShape> shapes;
    std::vector<FixedSplit> splits(net.layers.size());
    for (std::size_t li = 0; li < net.layers.size(); ++li) {
        const auto& l = net.layers[li];
        shapes.push_back({l.name, static_cast<std::uint32_t>(l.in), static_cast<std::uint32_t>(l.out),
                          static_cast<std::uint32_t>(l.weight_bits)});
        if (l.kind != snn::LayerKind::dense || l.has_recurrent()) split_layer(l, ff[li], ids, li, pe, splits[li]);
    }
    const Placement place = partition_and_place(shapes, pe, mesh, splits);
    check_accumulators(net, ff, pe);

    MappedNetwork m;
    m.network = net.name;
    m.mesh_width = mesh.width;
    m.mesh_height = mesh.height;
    m.host_node = mesh.host_node;
    m.synapse_word_bits = pe.synapse_word_bits;
    m.inputs = static_cast<std::uint32_t>(net.inputs);
    for (const auto& l : net.layers) m.layer_out.push_back(static_cast<std::uint32_t>(l.out));

    // Destination sets: first the nodes of each layer's groups and the host (all a dense network
    // uses), then the narrower sets of sources that reach only some of the next layer's PEs.
    std::map<std::vector<std::uint32_t>, std::uint32_t> set_ids;
    std::vector<std::uint32_t> layer_set(net.layers.size());
    for (std::size_t li = 0; li < net.layers.size(); ++li) {
        std::vector<std::uint32_t> nodes;
        for (auto g : place.layer_groups[li]) nodes.push_back(place.groups[g].node);
        std::sort(nodes.begin(), nodes.end());
        layer_set[li] = static_cast<std::uint32_t>(m.dest_sets.size());
        m.dest_sets.push_back(nodes);
        set_ids.emplace(nodes, layer_set[li]);
    }
    m.input_dest_set = layer_set[0];
    const auto host_set = static_cast<std::uint32_t>(m.dest_sets.size());
    m.dest_sets.push_back({mesh.host_node});
    m.output_set_ids.push_back(host_set);

    // Receivers of every source: population 0 = inputs, p = layer p-1's neurons.
    const std::size_t nl = net.layers.size();
    std::vector<std::vector<std::vector<std::uint32_t>>> receivers(nl + 1);
    receivers[0].resize(static_cast<std::size_t>(net.inputs));
    for (std::size_t li = 0; li < nl; ++li) receivers[li + 1].resize(static_cast<std::size_t>(net.layers[li].out));
    for (std::size_t gi = 0; gi < place.groups.size(); ++gi) {
        const Group& g = place.groups[gi];
        const auto& l = net.layers[g.layer];
        const std::uint32_t ffb = ids.ff_base[g.layer], in = static_cast<std::uint32_t>(l.in);
        for_each_entry(l, ff[g.layer], ids, g.layer, g.first_neuron, g.neurons, [&](const Entry& e) {
            auto& r = e.axon - ffb < in ? receivers[g.layer][e.axon - ffb] : receivers[g.layer + 1][e.axon - ids.own_base[g.layer]];
            if (r.empty() || r.back() != g.node) r.push_back(g.node);
        });
    }
    const auto source_set = [&](std::size_t pop, std::uint32_t src) -> std::uint32_t {
        auto& r = receivers[pop][src];  // empty for a source no synapse reads: its spikes are dropped
        std::sort(r.begin(), r.end());
        r.erase(std::unique(r.begin(), r.end()), r.end());
        return intern(m.dest_sets, set_ids, r);
    };
    // Inputs: one set for all unless some reach only part of the first layer.
    {
        std::vector<std::uint32_t> sets(static_cast<std::size_t>(net.inputs));
        bool all_same = true;
        for (std::uint32_t i = 0; i < static_cast<std::uint32_t>(net.inputs); ++i) {
            sets[i] = source_set(0, i);
            all_same = all_same && sets[i] == m.input_dest_set;
        }
        if (!all_same) m.input_sets = std::move(sets);
    }
    std::vector<std::vector<std::uint32_t>> neuron_set(nl);
    for (std::size_t li = 0; li + 1 < nl; ++li) {
        neuron_set[li].resize(static_cast<std::size_t>(net.layers[li].out));
        for (std::uint32_t n = 0; n < static_cast<std::uint32_t>(net.layers[li].out); ++n)
            neuron_set[li][n] = source_set(li + 1, n);
    }

    for (std::size_t gi = 0; gi < place.groups.size(); ++gi) {
        const Group& g = place.groups[gi];
        const auto& l = net.layers[g.layer];
        PeImage img;
        img.node = g.node;
        img.layer = g.layer;
        img.first_neuron = g.first_neuron;
        img.neurons = g.neurons;
        img.weight_bits = static_cast<std::uint32_t>(l.weight_bits);
        img.weights_per_word = pe.synapse_word_bits / img.weight_bits;
        const std::uint32_t wpw = img.weights_per_word;
        std::vector<Entry> list;
        for_each_entry(l, ff[g.layer], ids, g.layer, g.first_neuron, g.neurons, [&](const Entry& e) { list.push_back(e); });
        std::uint32_t lo = UINT32_MAX, hi = 0;
        for (const auto& e : list) lo = std::min(lo, e.axon), hi = std::max(hi, e.axon);
        if (lo > hi) lo = hi = 0;  // a group without synapses still has a one-entry table
        img.axon_first = lo;
        const std::uint32_t table = hi - lo + 1;
        if (table > pe.axon_entries)
            throw InputError("network does not fit the chip: the PE of layer '" + l.name + "' at node " + str(g.node) +
                             " needs " + str(table) + " axon-table entries, a PE has " + str(pe.axon_entries));
        std::vector<std::uint32_t> last(table, 0);
        std::vector<bool> used(table, false);
        for (const auto& e : list) {
            const std::uint32_t a = e.axon - lo;
            last[a] = used[a] ? std::max(last[a], e.local) : e.local;
            used[a] = true;
        }
        img.axon_base.resize(table);
        img.axon_words.resize(table);
        std::uint32_t words = 0;
        for (std::uint32_t a = 0; a < table; ++a) {
            img.axon_base[a] = words;
            img.axon_words[a] = used[a] ? last[a] / wpw + 1 : 0;
            words += img.axon_words[a];
        }
        if (words > pe.synapse_words)  // the split guarantees it; a cheap guard against drift
            throw Error("mapper: PE at node " + str(g.node) + " got " + str(words) + " synapse words (model bug)");
        img.synapse.assign(words, 0);
        const std::uint64_t mask = img.weight_bits >= 64 ? ~0ull : ((1ull << img.weight_bits) - 1);
        for (const auto& e : list) {
            const auto w = static_cast<std::uint64_t>(static_cast<std::int64_t>(e.w));
            img.synapse[img.axon_base[e.axon - lo] + e.local / wpw] |= (w & mask) << ((e.local % wpw) * img.weight_bits);
        }
        const bool last_layer = g.layer + 1 == nl;
        const std::uint32_t own = ids.own_base[g.layer];
        for (std::uint32_t n = 0; n < g.neurons; ++n)
            img.routes.push_back({last_layer ? host_set : neuron_set[g.layer][g.first_neuron + n], own + g.first_neuron + n});
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
          << p.neurons << YAML::Key << "axon_first" << YAML::Value << p.axon_first << YAML::Key << "weight_bits"
          << YAML::Value << p.weight_bits << YAML::Key
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
    if (!m.input_sets.empty()) {
        y << YAML::Key << "input_sets" << YAML::Value << "images.npz:input_sets";
        arrays["input_sets"] = io::NpyArray::from_int32({m.input_sets.size()}, as_i32(m.input_sets));
    }
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
        p.axon_first = pn["axon_first"] ? yget<std::uint32_t>(pn, "axon_first", file) : 0;
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
    if (root["input_sets"]) {
        const auto it = arrays.find("input_sets");
        if (it == arrays.end()) throw InputError(dir + "/images.npz: missing member 'input_sets' (manifest.yaml names it)");
        m.input_sets = u32_from(it->second, dir + "/images.npz member input_sets");
    }
    m.validate(dir);
    return m;
}

void check_mapped_matches(const MappedNetwork& m, const snn::Network& net, const std::string& what) {
    auto bad = [&](const std::string& s) { throw InputError(what + " does not match the model: " + s); };
    if (m.inputs != static_cast<std::uint32_t>(net.inputs)) bad("input size differs");
    if (m.layer_out.size() != net.layers.size()) bad("layer count differs");
    const AxonIds ids = axon_ids(net);
    std::vector<std::uint32_t> covered(net.layers.size(), 0);
    std::vector<snn::Csr> ff(net.layers.size());
    for (const auto& p : m.pes) {
        if (p.layer >= net.layers.size()) bad("a PE holds layer " + str(p.layer) + ", which the model lacks");
        const auto& l = net.layers[p.layer];
        if (m.layer_out[p.layer] != static_cast<std::uint32_t>(l.out)) bad("layer '" + l.name + "' size differs");
        if (p.weight_bits != static_cast<std::uint32_t>(l.weight_bits)) bad("layer '" + l.name + "' weight bits differ");
        if (ff[p.layer].row_ptr.empty()) ff[p.layer] = l.synapses();
        // Every synapse of the group is in its row, and a row's other lanes are 0.
        std::vector<std::uint64_t> seen(p.synapse.size(), 0);  // lanes accounted for, as bit masks per word
        const std::uint64_t lane_mask = p.weight_bits >= 64 ? ~0ull : ((1ull << p.weight_bits) - 1);
        for_each_entry(l, ff[p.layer], ids, p.layer, p.first_neuron, p.neurons, [&](const Entry& e) {
            const std::string syn = "synapse (" + str(p.first_neuron + e.local) + " <- axon " + str(e.axon) +
                                    ") of layer '" + l.name + "'";
            if (e.axon < p.axon_first || e.axon - p.axon_first >= p.axon_base.size()) bad(syn + " has no axon-table entry");
            const std::uint32_t a = e.axon - p.axon_first, k = e.local / p.weights_per_word;
            if (k >= p.axon_words[a]) bad(syn + " lies beyond its row");
            const std::uint64_t word = p.synapse[p.axon_base[a] + k];
            if (unpack_weight(word, e.local % p.weights_per_word, p.weight_bits) != e.w) bad("the weight of " + syn + " differs");
            seen[p.axon_base[a] + k] |= lane_mask << ((e.local % p.weights_per_word) * p.weight_bits);
        });
        for (std::size_t k = 0; k < p.synapse.size(); ++k)
            if (p.synapse[k] & ~seen[k])
                bad("PE at node " + str(p.node) + " holds a weight that is no synapse of layer '" + l.name + "' (word " +
                    str(k) + ")");
        covered[p.layer] += p.neurons;
    }
    for (std::size_t li = 0; li < net.layers.size(); ++li)
        if (covered[li] != static_cast<std::uint32_t>(net.layers[li].out))
            bad("layer '" + net.layers[li].name + "' is not fully placed");
}

}  // namespace spiketlm::map
