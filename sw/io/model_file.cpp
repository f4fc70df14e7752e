#include "sw/io/model_file.h"

#include <yaml-cpp/yaml.h>

#include <climits>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/io/npz.h"

namespace spiketlm::io {

namespace fs = std::filesystem;
using snn::Layer;
using snn::Network;
using snn::NeuronParams;

namespace {

// ---------------------------------------------------------------- strict YAML reading

// 0 for a node that is not there (an invalid node's Mark() throws).
int line_of(const YAML::Node& n) { return n.IsDefined() && n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

std::string where(const std::string& file, const YAML::Node& n) {
    const int l = line_of(n);
    return l > 0 ? file + ":" + std::to_string(l) : file;
}

// A mapping whose keys are checked against the known ones; values typed with file:line errors.
class Section {
  public:
    Section(const YAML::Node& node, std::string file, std::string path, std::set<std::string> known)
        : m_node(node), m_file(std::move(file)), m_path(std::move(path)) {
        if (!node.IsMap())
            throw InputError(where(m_file, node) + ": " + (m_path.empty() ? "top level" : m_path) +
                             ": expected a mapping of keys");
        for (const auto& kv : node) {
            const std::string k = kv.first.as<std::string>();
            if (!known.count(k)) {
                std::string list;
                for (const auto& s : known) list += (list.empty() ? "" : ", ") + s;
                throw InputError(where(m_file, kv.first) + ": unknown key '" + key(k) + "' (known here: " + list + ")");
            }
        }
    }
    std::string key(const std::string& k) const { return m_path.empty() ? k : m_path + "." + k; }
    // "file:line: key" of a key (the line of this mapping when the key is absent).
    std::string at(const std::string& k) const {
        const YAML::Node n = c()[k];
        return where(m_file, n.IsDefined() ? n : m_node) + ": " + key(k);
    }
    bool has(const std::string& k) const { return static_cast<bool>(c()[k]); }
    YAML::Node node(const std::string& k) const { return c()[k]; }
    const std::string& file() const { return m_file; }

    YAML::Node required(const std::string& k) const {
        YAML::Node n = c()[k];
        if (!n)
            throw InputError(where(m_file, m_node) + ": missing required key '" + key(k) + "'");
        return n;
    }
    template <class T>
    T get(const std::string& k) const {
        return as<T>(required(k), k);
    }
    template <class T>
    T get(const std::string& k, T def) const {
        YAML::Node n = c()[k];
        return n ? as<T>(n, k) : def;
    }
    template <class T>
    T as(const YAML::Node& n, const std::string& k) const {
        if (!n.IsScalar())
            throw InputError(where(m_file, n) + ": '" + key(k) + "' must be " + type_name<T>());
        try {
            return n.as<T>();
        } catch (const YAML::Exception&) {
            throw InputError(where(m_file, n) + ": '" + key(k) + "' must be " + type_name<T>() + ", got '" +
                             n.Scalar() + "'");
        }
    }
    // An integer within [lo, hi].
    std::int64_t integer(const std::string& k, std::int64_t lo, std::int64_t hi) const {
        return check_range(required(k), k, lo, hi);
    }
    std::int64_t integer(const std::string& k, std::int64_t lo, std::int64_t hi, std::int64_t def) const {
        YAML::Node n = c()[k];
        return n ? check_range(n, k, lo, hi) : def;
    }

  private:
    // Const lookups: a non-const operator[] would insert the missing key.
    const YAML::Node& c() const { return m_node; }
    template <class T>
    static const char* type_name() {
        if constexpr (std::is_same_v<T, bool>) return "a boolean (true/false)";
        else if constexpr (std::is_integral_v<T>) return "an integer";
        else if constexpr (std::is_floating_point_v<T>) return "a number";
        else return "a string";
    }
    std::int64_t check_range(const YAML::Node& n, const std::string& k, std::int64_t lo, std::int64_t hi) const {
        const auto v = as<long long>(n, k);
        if (v < lo || v > hi)
            throw InputError(where(m_file, n) + ": '" + key(k) + "' = " + std::to_string(v) + " outside [" +
                             std::to_string(lo) + ", " + std::to_string(hi) + "]");
        return v;
    }
    YAML::Node m_node;
    std::string m_file, m_path;
};

YAML::Node parse_yaml(const std::string& file) {
    const std::string text = read_file(file);
    try {
        return YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw InputError(file + ":" + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
    }
}

// ---------------------------------------------------------------- writing

std::string num(double d) {
    if (std::isnan(d)) return ".nan";
    if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    std::string s = buf;
    if (s.find_first_of(".eE") == std::string::npos) s += ".0";
    return s;
}

std::string quoted(const std::string& s) {
    YAML::Emitter e;
    e << YAML::DoubleQuoted << s;
    return e.c_str();
}

std::string member_name(std::size_t k, const char* what) { return "layer" + std::to_string(k) + "." + what; }

void write_neuron(std::ostringstream& o, const NeuronParams& p) {
    o << "    neuron:\n"
      << "      kind: " << to_string(p.kind) << "\n"
      << "      decay_i: " << p.decay_i << "\n"
      << "      decay_v: " << p.decay_v << "\n"
      << "      theta: " << p.theta << "\n"
      << "      bias: " << p.bias << "\n"
      << "      v_reset: " << p.v_reset << "\n"
      << "      reset: " << to_string(p.reset) << "\n"
      << "      refractory: " << p.refractory << "\n"
      << "      state_bits: " << p.state_bits << "\n"
      << "      single_spike: " << (p.single_spike ? "true" : "false") << "\n"
      << "      noise: " << to_string(p.noise) << "\n"
      << "      noise_bits: " << p.noise_bits << "\n"
      << "      noise_shift: " << p.noise_shift << "\n";
}

std::string model_yaml(const Network& net, const ModelMeta& meta, bool has_float) {
    std::ostringstream o;
    o << "# spiketlm fixed-point SNN model (docs/model-format.md); weights in weights.npz\n"
      << "schema_version: " << kModelSchemaVersion << "\n"
      << "name: " << quoted(net.name) << "\n";
    if (!meta.source.empty()) o << "source: " << quoted(meta.source) << "\n";
    o << "inputs: " << net.inputs << "\n"
      << "timesteps: " << net.timesteps << "\n"
      << "decode: " << to_string(net.decode) << "\n"
      << "early_stop: " << (net.early_stop ? "true" : "false") << "\n"
      << "seed: " << net.seed << "\n"
      << "encoding:\n"
      << "  kind: " << quoted(net.encoding.kind) << "\n"
      << "  steps: " << net.encoding.steps << "\n"
      << "  threshold: " << num(net.encoding.threshold) << "\n"
      << "  rate_max: " << num(net.encoding.rate_max) << "\n"
      << "  log_base: " << num(net.encoding.log_base) << "\n"
      << "  delta_threshold: " << num(net.encoding.delta_threshold) << "\n";
    o << "layers:\n";
    for (std::size_t k = 0; k < net.layers.size(); ++k) {
        const Layer& l = net.layers[k];
        o << "  - name: " << quoted(l.name) << "\n"
          << "    kind: " << to_string(l.kind) << "\n"
          << "    in: " << l.in << "\n"
          << "    out: " << l.out << "\n"
          << "    weight_bits: " << l.weight_bits << "\n"
          << "    delay: " << l.delay << "\n"
          << "    weights: " << member_name(k, "weight") << "\n";
        if (has_float) o << "    weights_float: " << member_name(k, "weight_float") << "\n";
        if (l.kind == snn::LayerKind::sparse)
            o << "    row_ptr: " << member_name(k, "row_ptr") << "\n"
              << "    cols: " << member_name(k, "cols") << "\n";
        if (l.kind == snn::LayerKind::conv2d) {
            const snn::Conv2d& c = l.conv;
            o << "    conv: {in_c: " << c.in_c << ", in_h: " << c.in_h << ", in_w: " << c.in_w << ", out_c: " << c.out_c
              << ", out_h: " << c.out_h << ", out_w: " << c.out_w << ", k_h: " << c.k_h << ", k_w: " << c.k_w
              << ", stride_h: " << c.stride_h << ", stride_w: " << c.stride_w << ", pad_h: " << c.pad_h
              << ", pad_w: " << c.pad_w << ", groups: " << c.groups << "}\n";
        }
        if (l.has_recurrent())
            o << "    recurrent: {weights: " << member_name(k, "rec_weight") << ", row_ptr: "
              << member_name(k, "rec_row_ptr") << ", cols: " << member_name(k, "rec_cols") << "}\n";
        write_neuron(o, l.neuron);
    }
    if (meta.quant) {
        const QuantInfo& q = *meta.quant;
        o << "quantization:\n"
          << "  input_window: " << num(q.input_window) << "\n"
          << "  delta: " << num(q.delta) << "\n"
          << "  weight_scale: [";
        for (std::size_t k = 0; k < q.weight_scale.size(); ++k) o << (k ? ", " : "") << num(q.weight_scale[k]);
        o << "]\n  theta_float: [";
        for (std::size_t k = 0; k < q.theta_float.size(); ++k) o << (k ? ", " : "") << num(q.theta_float[k]);
        o << "]\n";
        if (q.float_test_accuracy) o << "  float_test_accuracy: " << num(*q.float_test_accuracy) << "\n";
        if (q.quantized_test_accuracy) o << "  quantized_test_accuracy: " << num(*q.quantized_test_accuracy) << "\n";
    }
    if (!meta.notes.empty()) {
        o << "notes:\n";
        for (const auto& [k, v] : meta.notes) o << "  " << quoted(k) << ": " << quoted(v) << "\n";
    }
    return o.str();
}

NeuronParams read_neuron(const Section& parent, const std::string& file) {
    const Section s(parent.required("neuron"), file, parent.key("neuron"),
                    {"kind", "decay_i", "decay_v", "theta", "bias", "v_reset", "reset", "refractory", "state_bits",
                     "single_spike", "noise", "noise_bits", "noise_shift"});
    const auto at = [&](const std::string& k) { return s.at(k); };
    NeuronParams p = NeuronParams::defaults(snn::parse_neuron_kind(s.get<std::string>("kind"), at("kind")));
    const std::int64_t i32min = INT32_MIN, i32max = INT32_MAX;
    p.decay_i = static_cast<std::int32_t>(s.integer("decay_i", 0, snn::kDecayOne, p.decay_i));
    p.decay_v = static_cast<std::int32_t>(s.integer("decay_v", 0, snn::kDecayOne, p.decay_v));
    p.theta = static_cast<std::int32_t>(s.integer("theta", i32min, i32max));
    p.bias = static_cast<std::int32_t>(s.integer("bias", i32min, i32max, p.bias));
    p.v_reset = static_cast<std::int32_t>(s.integer("v_reset", i32min, i32max, p.v_reset));
    if (s.has("reset")) p.reset = snn::parse_reset_mode(s.get<std::string>("reset"), at("reset"));
    p.refractory = static_cast<std::int32_t>(s.integer("refractory", 0, 65535, p.refractory));
    p.state_bits = static_cast<int>(s.integer("state_bits", 2, 32, p.state_bits));
    p.single_spike = s.get<bool>("single_spike", p.single_spike);
    if (s.has("noise")) p.noise = snn::parse_noise_mode(s.get<std::string>("noise"), at("noise"));
    p.noise_bits = static_cast<int>(s.integer("noise_bits", 0, 16, p.noise_bits));
    p.noise_shift = static_cast<int>(s.integer("noise_shift", 0, 16, p.noise_shift));
    return p;
}

// The stored shape of a layer's weights: dense (out, in); sparse (synapses); conv2d
// (out_c, in_c/groups, k_h, k_w).
std::vector<std::size_t> weight_shape(const Layer& l) {
    switch (l.kind) {
        case snn::LayerKind::sparse:
            return {l.weights.size()};
        case snn::LayerKind::conv2d:
            return {static_cast<std::size_t>(l.conv.out_c), static_cast<std::size_t>(l.conv.in_c / std::max(1, l.conv.groups)),
                    static_cast<std::size_t>(l.conv.k_h), static_cast<std::size_t>(l.conv.k_w)};
        case snn::LayerKind::dense:
            break;
    }
    return {static_cast<std::size_t>(l.out), static_cast<std::size_t>(l.in)};
}
const char* shape_words(const Layer& l) {
    switch (l.kind) {
        case snn::LayerKind::sparse: return "(synapses)";
        case snn::LayerKind::conv2d: return "(out_c, in_c/groups, k_h, k_w)";
        case snn::LayerKind::dense: break;
    }
    return "(out, in)";
}

std::vector<std::int32_t> as_i32(const std::vector<std::uint32_t>& v) { return {v.begin(), v.end()}; }

// A member holding non-negative indices (row_ptr, cols), any length (validate() checks them).
std::vector<std::uint32_t> index_member(const NpzArchive& a, const std::string& npz, const std::string& name,
                                        const std::string& layer) {
    const auto it = a.find(name);
    if (it == a.end()) throw InputError(npz + ": missing member '" + name + "' (" + layer + ")");
    if (it->second.shape.size() != 1)
        throw InputError(npz + " member " + name + ": shape " + it->second.shape_str() + ", expected one dimension");
    const auto v = it->second.to_int32(npz + " member " + name);
    std::vector<std::uint32_t> out;
    out.reserve(v.size());
    for (std::size_t k = 0; k < v.size(); ++k) {
        if (v[k] < 0)
            throw InputError(npz + " member " + name + ": entry " + std::to_string(k) + " is negative (" +
                             std::to_string(v[k]) + ")");
        out.push_back(static_cast<std::uint32_t>(v[k]));
    }
    return out;
}

const NpyArray& member(const NpzArchive& a, const std::string& npz, const std::string& name,
                       const std::vector<std::size_t>& shape, const std::string& layer,
                       const char* words = "(out, in)") {
    const auto it = a.find(name);
    if (it == a.end()) {
        std::string have;
        for (const auto& [k, v] : a) have += (have.empty() ? "" : ", ") + k;
        throw InputError(npz + ": missing member '" + name + "' (" + layer + "); members present: " +
                         (have.empty() ? "none" : have));
    }
    if (it->second.shape != shape) {
        NpyArray want;
        want.shape = shape;
        throw InputError(npz + " member " + name + ": shape " + it->second.shape_str() + " but model.yaml says " +
                         layer + " is " + words + " = " + want.shape_str());
    }
    return it->second;
}

}  // namespace

// ---------------------------------------------------------------- fixed-point model

void save_model(const std::string& dir, const Network& net, const ModelMeta& meta,
                const std::vector<std::vector<float>>& float_weights) {
    net.validate();
    const bool has_float = !float_weights.empty();
    if (has_float && float_weights.size() != net.layers.size())
        throw Error("save_model: " + std::to_string(float_weights.size()) + " float weight sets for " +
                    std::to_string(net.layers.size()) + " layers");
    fs::create_directories(dir);
    bool narrow = true;
    for (const auto& l : net.layers) narrow = narrow && l.weight_bits <= 16;
    NpzArchive a;
    for (std::size_t k = 0; k < net.layers.size(); ++k) {
        const Layer& l = net.layers[k];
        a[member_name(k, "weight")] = narrow ? NpyArray::from_int16(weight_shape(l), l.weights)
                                             : NpyArray::from_int32(weight_shape(l), l.weights);
        if (has_float) {
            if (float_weights[k].size() != l.weights.size())
                throw Error("save_model: layer " + std::to_string(k) + " has " + std::to_string(float_weights[k].size()) +
                            " float weights for " + std::to_string(l.weights.size()) + " integer ones");
            a[member_name(k, "weight_float")] = NpyArray::from_float(weight_shape(l), float_weights[k]);
        }
        if (l.kind == snn::LayerKind::sparse) {
            a[member_name(k, "row_ptr")] = NpyArray::from_int32({l.row_ptr.size()}, as_i32(l.row_ptr));
            a[member_name(k, "cols")] = NpyArray::from_int32({l.cols.size()}, as_i32(l.cols));
        }
        if (l.has_recurrent()) {
            const auto& r = l.recurrent;
            a[member_name(k, "rec_weight")] = narrow ? NpyArray::from_int16({r.weights.size()}, r.weights)
                                                     : NpyArray::from_int32({r.weights.size()}, r.weights);
            a[member_name(k, "rec_row_ptr")] = NpyArray::from_int32({r.row_ptr.size()}, as_i32(r.row_ptr));
            a[member_name(k, "rec_cols")] = NpyArray::from_int32({r.cols.size()}, as_i32(r.cols));
        }
    }
    write_npz((fs::path(dir) / "weights.npz").string(), a);
    write_file_atomic((fs::path(dir) / "model.yaml").string(), model_yaml(net, meta, has_float));
}

Model load_model(const std::string& dir) {
    const std::string yfile = (fs::path(dir) / "model.yaml").string();
    const std::string npz = (fs::path(dir) / "weights.npz").string();
    if (!fs::is_directory(dir)) throw InputError("model directory '" + dir + "' does not exist");
    if (!fs::exists(yfile)) throw InputError(yfile + ": missing (a model directory holds model.yaml + weights.npz)");
    const YAML::Node root = parse_yaml(yfile);
    const Section top(root, yfile, "",
                      {"schema_version", "name", "source", "inputs", "timesteps", "decode", "early_stop", "seed",
                       "encoding", "layers", "quantization", "notes"});
    const auto at = [](const Section& s, const std::string& k) { return s.at(k); };
    const auto version = top.get<int>("schema_version");
    if (version != kModelSchemaVersion)
        throw InputError(at(top, "schema_version") + ": schema_version " + std::to_string(version) +
                         " is not supported (this build reads " + std::to_string(kModelSchemaVersion) + ")");
    Model m;
    m.dir = dir;
    Network& net = m.net;
    net.name = top.get<std::string>("name", fs::path(dir).lexically_normal().filename().string());
    m.meta.source = top.get<std::string>("source", "");
    net.inputs = static_cast<int>(top.integer("inputs", 1, 1 << 30));
    net.timesteps = static_cast<int>(top.integer("timesteps", 1, 1000000));
    net.decode = snn::parse_decode(top.get<std::string>("decode"), at(top, "decode"));
    net.early_stop = top.get<bool>("early_stop", false);
    net.seed = top.get<std::uint64_t>("seed", 1);
    {
        const Section e(top.required("encoding"), yfile, "encoding",
                        {"kind", "steps", "threshold", "rate_max", "log_base", "delta_threshold"});
        const encode::EncodingSpec def;
        net.encoding.kind = e.get<std::string>("kind");
        net.encoding.steps = static_cast<std::uint32_t>(e.integer("steps", 1, 1000000));
        net.encoding.threshold = e.get<double>("threshold", def.threshold);
        net.encoding.rate_max = e.get<double>("rate_max", def.rate_max);
        net.encoding.log_base = e.get<double>("log_base", def.log_base);
        net.encoding.delta_threshold = e.get<double>("delta_threshold", def.delta_threshold);
    }
    const YAML::Node layers = top.required("layers");
    if (!layers.IsSequence() || layers.size() == 0)
        throw InputError(where(yfile, layers) + ": 'layers' must be a non-empty list");
    std::vector<std::string> weight_members, float_members;
    struct LayerMembers {
        std::string row_ptr, cols, rec_weights, rec_row_ptr, rec_cols;
    };
    std::vector<LayerMembers> members;
    for (std::size_t k = 0; k < layers.size(); ++k) {
        const Section s(layers[k], yfile, "layers[" + std::to_string(k) + "]",
                        {"name", "kind", "in", "out", "weight_bits", "delay", "weights", "weights_float", "neuron",
                         "row_ptr", "cols", "conv", "recurrent"});
        Layer l;
        l.name = s.get<std::string>("name");
        l.kind = snn::parse_layer_kind(s.get<std::string>("kind", "dense"), at(s, "kind"));
        const auto only_for = [&](const char* key, snn::LayerKind kind) {
            if (s.has(key) && l.kind != kind)
                throw InputError(at(s, key) + ": '" + key + "' belongs to layer kind " + to_string(kind) +
                                 ", this layer is " + to_string(l.kind));
        };
        only_for("row_ptr", snn::LayerKind::sparse);
        only_for("cols", snn::LayerKind::sparse);
        only_for("conv", snn::LayerKind::conv2d);
        LayerMembers mem;
        if (l.kind == snn::LayerKind::sparse) {
            mem.row_ptr = s.get<std::string>("row_ptr", member_name(k, "row_ptr"));
            mem.cols = s.get<std::string>("cols", member_name(k, "cols"));
        }
        if (l.kind == snn::LayerKind::conv2d) {
            const Section c(s.required("conv"), yfile, s.key("conv"),
                            {"in_c", "in_h", "in_w", "out_c", "out_h", "out_w", "k_h", "k_w", "stride_h", "stride_w",
                             "pad_h", "pad_w", "groups"});
            const int big = 1 << 20;
            l.conv.in_c = static_cast<int>(c.integer("in_c", 1, big));
            l.conv.in_h = static_cast<int>(c.integer("in_h", 1, big));
            l.conv.in_w = static_cast<int>(c.integer("in_w", 1, big));
            l.conv.out_c = static_cast<int>(c.integer("out_c", 1, big));
            l.conv.out_h = static_cast<int>(c.integer("out_h", 1, big));
            l.conv.out_w = static_cast<int>(c.integer("out_w", 1, big));
            l.conv.k_h = static_cast<int>(c.integer("k_h", 1, 1024));
            l.conv.k_w = static_cast<int>(c.integer("k_w", 1, 1024));
            l.conv.stride_h = static_cast<int>(c.integer("stride_h", 1, 1024, 1));
            l.conv.stride_w = static_cast<int>(c.integer("stride_w", 1, 1024, 1));
            l.conv.pad_h = static_cast<int>(c.integer("pad_h", 0, 1023, 0));
            l.conv.pad_w = static_cast<int>(c.integer("pad_w", 0, 1023, 0));
            l.conv.groups = static_cast<int>(c.integer("groups", 1, big, 1));
        }
        if (s.has("recurrent")) {
            const Section r(s.node("recurrent"), yfile, s.key("recurrent"), {"weights", "row_ptr", "cols"});
            mem.rec_weights = r.get<std::string>("weights", member_name(k, "rec_weight"));
            mem.rec_row_ptr = r.get<std::string>("row_ptr", member_name(k, "rec_row_ptr"));
            mem.rec_cols = r.get<std::string>("cols", member_name(k, "rec_cols"));
        }
        members.push_back(mem);
        l.in = static_cast<int>(s.integer("in", 1, 1 << 24));
        l.out = static_cast<int>(s.integer("out", 1, 1 << 24));
        l.weight_bits = static_cast<int>(s.integer("weight_bits", 2, 32));
        l.delay = static_cast<int>(s.integer("delay", 0, 1024, 0));
        l.neuron = read_neuron(s, yfile);
        weight_members.push_back(s.get<std::string>("weights", member_name(k, "weight")));
        float_members.push_back(s.get<std::string>("weights_float", ""));
        net.layers.push_back(std::move(l));
    }
    // Sizes chain (checked before the weights so the message names the layer, not a shape).
    for (std::size_t k = 0; k < net.layers.size(); ++k) {
        const int prev = k ? net.layers[k - 1].out : net.inputs;
        if (net.layers[k].in != prev)
            throw InputError(where(yfile, layers[k]["in"]) + ": layer " + std::to_string(k) + " '" +
                             net.layers[k].name + "': in = " + std::to_string(net.layers[k].in) + " but the " +
                             (k ? "previous layer has out = " : "network has inputs = ") + std::to_string(prev));
    }
    if (top.has("quantization")) {
        const Section q(top.node("quantization"), yfile, "quantization",
                        {"input_window", "delta", "weight_scale", "theta_float", "float_test_accuracy",
                         "quantized_test_accuracy"});
        QuantInfo qi;
        qi.input_window = q.get<double>("input_window", 0.0);
        qi.delta = q.get<double>("delta", 0.0);
        for (const char* key : {"weight_scale", "theta_float"}) {
            if (!q.has(key)) continue;
            const YAML::Node n = q.node(key);
            if (!n.IsSequence()) throw InputError(where(yfile, n) + ": quantization." + key + " must be a list");
            auto& dst = std::string(key) == "weight_scale" ? qi.weight_scale : qi.theta_float;
            for (const auto& e : n) dst.push_back(q.as<double>(e, key));
        }
        for (const auto* v : {&qi.weight_scale, &qi.theta_float})
            if (!v->empty() && v->size() != net.layers.size())
                throw InputError(where(yfile, q.node(v == &qi.weight_scale ? "weight_scale" : "theta_float")) +
                                 ": quantization." + (v == &qi.weight_scale ? "weight_scale" : "theta_float") +
                                 " has " + std::to_string(v->size()) + " entries for " +
                                 std::to_string(net.layers.size()) + " layers");
        if (q.has("float_test_accuracy")) qi.float_test_accuracy = q.get<double>("float_test_accuracy");
        if (q.has("quantized_test_accuracy")) qi.quantized_test_accuracy = q.get<double>("quantized_test_accuracy");
        m.meta.quant = qi;
    }
    if (top.has("notes")) {
        const YAML::Node n = top.node("notes");
        if (!n.IsMap()) throw InputError(where(yfile, n) + ": 'notes' must be a mapping");
        for (const auto& kv : n) m.meta.notes[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }

    // Weights.
    if (!fs::exists(npz)) throw InputError(npz + ": missing (model.yaml names its weights there)");
    const NpzArchive a = read_npz(npz);
    for (std::size_t k = 0; k < net.layers.size(); ++k) {
        Layer& l = net.layers[k];
        const std::string lname = "layer " + std::to_string(k) + " '" + l.name + "'";
        const LayerMembers& mem = members[k];
        if (l.kind == snn::LayerKind::sparse) {
            l.row_ptr = index_member(a, npz, mem.row_ptr, lname);
            l.cols = index_member(a, npz, mem.cols, lname);
            l.weights.resize(l.cols.size());  // the expected weight count, for weight_shape
        }
        const NpyArray& w = member(a, npz, weight_members[k], weight_shape(l), lname, shape_words(l));
        l.weights = w.to_int32(npz + " member " + weight_members[k]);
        if (!float_members[k].empty()) {
            if (m.float_weights.empty()) m.float_weights.resize(net.layers.size());
            m.float_weights[k] = member(a, npz, float_members[k], weight_shape(l), lname, shape_words(l)).to_float();
        }
        if (!mem.rec_weights.empty()) {
            l.recurrent.row_ptr = index_member(a, npz, mem.rec_row_ptr, lname + " recurrent");
            l.recurrent.cols = index_member(a, npz, mem.rec_cols, lname + " recurrent");
            const auto it = a.find(mem.rec_weights);
            if (it == a.end()) throw InputError(npz + ": missing member '" + mem.rec_weights + "' (" + lname + " recurrent)");
            if (it->second.shape != std::vector<std::size_t>{l.recurrent.cols.size()})
                throw InputError(npz + " member " + mem.rec_weights + ": shape " + it->second.shape_str() + ", expected (" +
                                 std::to_string(l.recurrent.cols.size()) + ",) like " + mem.rec_cols);
            l.recurrent.weights = it->second.to_int32(npz + " member " + mem.rec_weights);
        }
    }
    try {
        net.validate();
    } catch (const InputError& e) {
        throw InputError(dir + ": " + e.what());
    }
    return m;
}

// ---------------------------------------------------------------- float model

void save_float_model(const std::string& dir, const snn::FloatNetwork& net,
                      const std::map<std::string, std::string>& notes) {
    fs::create_directories(dir);
    NpzArchive a;
    std::ostringstream o;
    o << "# spiketlm float ReL-PSP model (docs/model-format.md); weights in float_weights.npz\n"
      << "schema_version: " << kModelSchemaVersion << "\n"
      << "format: float_relpsp\n"
      << "input_window: " << num(net.input_window) << "\n"
      << "input_threshold: " << num(net.input_threshold) << "\n"
      << "layers:\n";
    for (std::size_t k = 0; k < net.layers.size(); ++k) {
        const auto& l = net.layers[k];
        if (l.weights.size() != static_cast<std::size_t>(l.in) * static_cast<std::size_t>(l.out))
            throw Error("save_float_model: layer " + std::to_string(k) + " has " + std::to_string(l.weights.size()) +
                        " weights for " + std::to_string(l.out) + " x " + std::to_string(l.in));
        a[member_name(k, "weight")] =
            NpyArray::from_float({static_cast<std::size_t>(l.out), static_cast<std::size_t>(l.in)}, l.weights);
        o << "  - name: " << quoted(l.name) << "\n"
          << "    in: " << l.in << "\n"
          << "    out: " << l.out << "\n"
          << "    theta: " << num(l.theta) << "\n"
          << "    weights: " << member_name(k, "weight") << "\n";
    }
    if (!notes.empty()) {
        o << "notes:\n";
        for (const auto& [k, v] : notes) o << "  " << quoted(k) << ": " << quoted(v) << "\n";
    }
    write_npz((fs::path(dir) / "float_weights.npz").string(), a);
    write_file_atomic((fs::path(dir) / "float_model.yaml").string(), o.str());
}

snn::FloatNetwork load_float_model(const std::string& dir, std::map<std::string, std::string>* notes) {
    const std::string yfile = (fs::path(dir) / "float_model.yaml").string();
    const std::string npz = (fs::path(dir) / "float_weights.npz").string();
    if (!fs::exists(yfile)) throw InputError(yfile + ": missing (no float model in '" + dir + "')");
    const YAML::Node root = parse_yaml(yfile);
    const Section top(root, yfile, "", {"schema_version", "format", "input_window", "input_threshold", "layers", "notes"});
    const auto version = top.get<int>("schema_version");
    if (version != kModelSchemaVersion)
        throw InputError(where(yfile, top.node("schema_version")) + ": schema_version " + std::to_string(version) +
                         " is not supported");
    if (top.get<std::string>("format") != "float_relpsp")
        throw InputError(where(yfile, top.node("format")) + ": format must be float_relpsp");
    snn::FloatNetwork net;
    net.input_window = top.get<float>("input_window");
    net.input_threshold = top.get<float>("input_threshold", 0.0f);
    const YAML::Node layers = top.required("layers");
    if (!layers.IsSequence() || layers.size() == 0)
        throw InputError(where(yfile, layers) + ": 'layers' must be a non-empty list");
    if (!fs::exists(npz)) throw InputError(npz + ": missing (float_model.yaml names its weights there)");
    const NpzArchive a = read_npz(npz);
    int prev = -1;
    for (std::size_t k = 0; k < layers.size(); ++k) {
        const Section s(layers[k], yfile, "layers[" + std::to_string(k) + "]", {"name", "in", "out", "theta", "weights"});
        snn::FloatLayer l;
        l.name = s.get<std::string>("name");
        l.in = static_cast<int>(s.integer("in", 1, 1 << 24));
        l.out = static_cast<int>(s.integer("out", 1, 1 << 24));
        l.theta = s.get<float>("theta");
        if (prev >= 0 && l.in != prev)
            throw InputError(where(yfile, s.node("in")) + ": layers[" + std::to_string(k) + "].in = " +
                             std::to_string(l.in) + " but the previous layer has out = " + std::to_string(prev));
        prev = l.out;
        const std::string mname = s.get<std::string>("weights", member_name(k, "weight"));
        const NpyArray& w = member(a, npz, mname, {static_cast<std::size_t>(l.out), static_cast<std::size_t>(l.in)},
                                   "layer " + std::to_string(k) + " '" + l.name + "'");
        l.weights = w.to_float();
        net.layers.push_back(std::move(l));
    }
    if (notes && top.has("notes")) {
        const YAML::Node n = top.node("notes");
        if (!n.IsMap()) throw InputError(where(yfile, n) + ": 'notes' must be a mapping");
        for (const auto& kv : n) (*notes)[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
    return net;
}

}  // namespace spiketlm::io
