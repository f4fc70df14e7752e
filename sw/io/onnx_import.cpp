#include "sw/io/onnx_import.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "sw/common/error.h"

namespace spiketlm::io {

namespace {

// A constant tensor (initializer or Constant node), values widened to double.
struct Const {
    std::vector<std::int64_t> dims;
    std::vector<double> v;
};

// Product of dimensions; sizes beyond 2^40 elements (or negative) are refused rather than
// overflowing (a corrupt file can hold any dims).
std::int64_t product(const std::vector<std::int64_t>& d) {
    constexpr std::int64_t kMax = std::int64_t{1} << 40;
    std::int64_t p = 1;
    for (auto x : d) {
        if (x < 0 || (x > 0 && p > kMax / x)) throw InputError("tensor dimensions out of range");
        p *= x;
    }
    return p;
}

std::string dims_str(const std::vector<std::int64_t>& d) {
    std::string s = "[";
    for (std::size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
    return s + "]";
}

const char* kSupported =
    "supported: Gemm, MatMul, Conv, Add (bias), Relu, AveragePool, GlobalAveragePool, Flatten, Reshape, Identity, "
    "Dropout, Pad with zero pads, Constant, Shape/Gather/Unsqueeze/Concat/Cast on shapes, Softmax or LogSoftmax at "
    "the end";

// The batch size in a shape computed from the data (Shape -> Gather -> Unsqueeze -> Concat ->
// Reshape, what torch writes for x.view(x.size(0), -1)): unknown, so a marker value (-2^63,
// exact as a double) that only Reshape may consume, as the batch dimension.
constexpr double kBatch = -9223372036854775808.0;

class GraphReader {
  public:
    explicit GraphReader(const std::string& path) : m_path(path) { m_net.path = path; }

    OnnxMlp read(const onnx::ModelProto& model) {
        m_net.producer = model.producer_name() + (model.producer_version().empty() ? "" : " " + model.producer_version());
        for (const auto& op : model.opset_import())
            if (op.domain().empty() || op.domain() == "ai.onnx") m_net.opset = op.version();
        const auto& g = model.graph();
        std::set<std::string> init_names;
        for (const auto& t : g.initializer()) {
            m_consts[t.name()] = tensor(t, "initializer '" + t.name() + "'");
            init_names.insert(t.name());
        }
        find_input(g, init_names);
        for (const auto& n : g.node()) node(n);
        finish(g);
        return std::move(m_net);
    }

  private:
    std::string m_path;
    OnnxMlp m_net;
    std::map<std::string, Const> m_consts;
    std::set<std::string> m_act;           // names that hold the current activation
    std::vector<std::int64_t> m_act_dims;  // its shape without the batch dimension
    std::int64_t m_batch = -1;             // static batch size of the input, -1 if symbolic
    bool m_open = false;                   // the last layer is affine and may still get a bias / Relu

    [[noreturn]] void fail(const std::string& what) const { throw InputError(m_path + ": " + what); }
    [[noreturn]] void fail(const onnx::NodeProto& n, const std::string& what) const {
        fail("node '" + n.name() + "' (" + n.op_type() + "): " + what);
    }

    Const tensor(const onnx::TensorProto& t, const std::string& what) const {
        if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
            fail(what + " stores its data in an external file (save the model with the weights inside)");
        Const c;
        for (auto d : t.dims()) {
            if (d < 0) fail(what + " has a negative dimension");
            c.dims.push_back(d);
        }
        const auto n = static_cast<std::size_t>(product(c.dims));
        const std::string& raw = t.raw_data();
        auto from_raw = [&](auto sample) {
            using T = decltype(sample);
            if (raw.size() != n * sizeof(T))
                fail(what + " holds " + std::to_string(raw.size()) + " bytes of data, its shape " + dims_str(c.dims) +
                     " needs " + std::to_string(n * sizeof(T)));
            c.v.resize(n);
            for (std::size_t i = 0; i < n; ++i) {
                T x;
                std::memcpy(&x, raw.data() + i * sizeof(T), sizeof(T));
                c.v[i] = static_cast<double>(x);
            }
        };
        auto from_field = [&](const auto& field) {
            if (static_cast<std::size_t>(field.size()) != n)
                fail(what + " holds " + std::to_string(field.size()) + " values, its shape " + dims_str(c.dims) +
                     " needs " + std::to_string(n));
            c.v.assign(field.begin(), field.end());
        };
        switch (t.data_type()) {
            case onnx::TensorProto_DataType_FLOAT:
                raw.empty() ? from_field(t.float_data()) : from_raw(float{});
                break;
            case onnx::TensorProto_DataType_DOUBLE:
                raw.empty() ? from_field(t.double_data()) : from_raw(double{});
                break;
            case onnx::TensorProto_DataType_INT64:
                raw.empty() ? from_field(t.int64_data()) : from_raw(std::int64_t{});
                break;
            case onnx::TensorProto_DataType_INT32:
                raw.empty() ? from_field(t.int32_data()) : from_raw(std::int32_t{});
                break;
            default:
                fail(what + " has ONNX data type " + std::to_string(t.data_type()) +
                     " (supported: float, double, int32, int64)");
        }
        return c;
    }

    void find_input(const onnx::GraphProto& g, const std::set<std::string>& init_names) {
        const onnx::ValueInfoProto* in = nullptr;
        for (const auto& v : g.input()) {
            if (init_names.count(v.name())) continue;  // IR < 4 lists initializers as inputs too
            if (in) fail("the graph has more than one data input ('" + in->name() + "', '" + v.name() + "')");
            in = &v;
        }
        if (!in) fail("the graph has no data input");
        m_net.input_name = in->name();
        if (!in->type().has_tensor_type() || !in->type().tensor_type().has_shape())
            fail("graph input '" + in->name() + "' has no tensor shape");
        const auto& shape = in->type().tensor_type().shape();
        if (shape.dim_size() < 2)
            fail("graph input '" + in->name() + "' must have a batch dimension and at least one more (e.g. [N, 784])");
        for (int i = 0; i < shape.dim_size(); ++i) {
            const auto& d = shape.dim(i);
            if (i == 0) {
                m_batch = d.has_dim_value() ? d.dim_value() : -1;
                continue;
            }
            if (!d.has_dim_value() || d.dim_value() < 1)
                fail("graph input '" + in->name() + "': dimension " + std::to_string(i) +
                     " must be a fixed positive size (only the batch dimension may be symbolic)");
            m_act_dims.push_back(d.dim_value());
        }
        m_net.input_shape = m_act_dims;
        if (product(m_act_dims) > (1 << 28)) fail("graph input '" + in->name() + "' is too large");
        m_net.inputs = static_cast<int>(product(m_act_dims));
        m_act = {in->name()};
    }

    bool is_act(const std::string& name) const { return m_act.count(name) > 0; }

    const Const& constant(const onnx::NodeProto& n, int k, const char* role) const {
        if (k >= n.input_size() || n.input(k).empty()) fail(n, std::string("missing input ") + role);
        const auto it = m_consts.find(n.input(k));
        if (it == m_consts.end()) {
            if (is_act(n.input(k))) fail(n, std::string(role) + " '" + n.input(k) + "' must be a constant (an initializer or Constant), not the data");
            fail(n, std::string(role) + " '" + n.input(k) + "' is neither a constant nor the current data (graphs must be a single chain)");
        }
        return it->second;
    }

    // The data input of node n at position k (must be the current activation).
    void need_act(const onnx::NodeProto& n, int k) const {
        if (k >= n.input_size() || !is_act(n.input(k)))
            fail(n, "input " + std::to_string(k) + " ('" + (k < n.input_size() ? n.input(k) : std::string()) +
                        "') is not the current data: only a single chain of layers is supported");
    }

    void check_attrs(const onnx::NodeProto& n, const std::set<std::string>& allowed) const {
        for (const auto& a : n.attribute())
            if (!allowed.count(a.name())) fail(n, "unsupported attribute '" + a.name() + "'");
    }
    const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name) const {
        for (const auto& a : n.attribute())
            if (a.name() == name) return &a;
        return nullptr;
    }
    std::int64_t attr_int(const onnx::NodeProto& n, const std::string& name, std::int64_t def) const {
        const auto* a = attr(n, name);
        return a ? a->i() : def;
    }
    double attr_float(const onnx::NodeProto& n, const std::string& name, double def) const {
        const auto* a = attr(n, name);
        return a ? a->f() : def;
    }

    void set_act(const onnx::NodeProto& n, std::vector<std::int64_t> dims) {
        if (n.output_size() < 1 || n.output(0).empty()) fail(n, "has no output");
        m_act = {n.output(0)};
        m_act_dims = std::move(dims);
    }

    std::vector<float> bias_values(const onnx::NodeProto& n, const Const& c, int out, double scale) const {
        const auto size = product(c.dims);
        const bool ok = size == 1 || (c.dims.size() == 1 && c.dims[0] == out) ||
                        (c.dims.size() == 2 && c.dims[0] == 1 && c.dims[1] == out);
        if (!ok)
            fail(n, "shape mismatch: bias of shape " + dims_str(c.dims) + " for a layer of " + std::to_string(out) +
                        " outputs (expected [" + std::to_string(out) + "], [1, " + std::to_string(out) + "] or a scalar)");
        std::vector<float> b(static_cast<std::size_t>(out));
        for (int o = 0; o < out; ++o) b[static_cast<std::size_t>(o)] = static_cast<float>(scale * c.v[size == 1 ? 0 : static_cast<std::size_t>(o)]);
        return b;
    }

    void new_layer(const onnx::NodeProto& n, int in, int out, std::vector<float> w) {
        if (m_act_dims.size() != 1)
            fail(n, "shape mismatch: the data has shape [N, " + dims_str(m_act_dims).substr(1) +
                        " but a dense layer needs [N, features]: flatten it first (Flatten or Reshape)");
        if (m_open)
            fail(n, "layer '" + m_net.layers.back().name +
                        "' is followed by another linear layer without Relu in between (fold the two into one)");
        if (in != m_act_dims[0])
            fail(n, "shape mismatch: the weights take " + std::to_string(in) + " inputs but the data has " +
                        std::to_string(m_act_dims[0]) + " features");
        OnnxDense d;
        d.name = n.name().empty() ? n.output(0) : n.name();
        d.in = in;
        d.out = out;
        d.w = std::move(w);
        d.b.assign(static_cast<std::size_t>(out), 0.0f);
        m_net.layers.push_back(std::move(d));
        m_open = true;
        set_act(n, {out});
    }

    void node(const onnx::NodeProto& n) {
        const std::string& op = n.op_type();
        m_net.ops.push_back(op);
        if (!m_net.output_activation.empty())
            fail(n, "follows the final " + m_net.output_activation + " (it must be the last node)");
        if (!n.domain().empty() && n.domain() != "ai.onnx")
            fail(n, "operator domain '" + n.domain() + "' is not supported (only the default ONNX domain)");
        if (op == "MaxPool" || op == "GlobalMaxPool" || op == "MaxUnpool" || op == "LpPool")
            fail(n, "unsupported: " + op + " (rate-coded integrate-and-fire neurons sum their inputs and cannot "
                    "compute a maximum; use AveragePool or a strided Conv and retrain)");
        if (op == "ConvTranspose") fail(n, "unsupported: ConvTranspose (only Conv)");
        if (op == "Conv") return op_conv(n);
        if (op == "AveragePool" || op == "GlobalAveragePool") return op_avgpool(n);
        if (op == "Constant") return op_constant(n);
        if (op == "Identity" || op == "Dropout") return op_identity(n);
        if (op == "Flatten") return op_flatten(n);
        if (op == "Reshape") return op_reshape(n);
        if (op == "Pad") return op_pad(n);
        if (op == "Gemm") return op_gemm(n);
        if (op == "MatMul") return op_matmul(n);
        if (op == "Add") return op_add(n);
        if (op == "Relu") return op_relu(n);
        if (op == "Shape") return op_shape(n);
        if (op == "Gather") return op_gather(n);
        if (op == "Unsqueeze") return op_unsqueeze(n);
        if (op == "Concat") return op_concat(n);
        if (op == "Cast") return op_cast(n);
        if (op == "Softmax" || op == "LogSoftmax") return op_softmax(n);
        fail(n, "unsupported operator '" + op + "' (" + kSupported + ")");
    }

    // The data as [C, H, W] for a 2-D convolution or pooling.
    void need_image(const onnx::NodeProto& n) const {
        if (m_act_dims.size() != 3)
            fail(n, "shape mismatch: the data has shape [N, " + dims_str(m_act_dims).substr(1) +
                        " but a 2-D convolution or pooling needs [N, C, H, W]");
    }

    std::vector<std::int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name,
                                        std::vector<std::int64_t> def) const {
        const auto* a = attr(n, name);
        if (!a) return def;
        return {a->ints().begin(), a->ints().end()};
    }

    // kernel_shape / strides / pads / dilations / auto_pad of Conv and AveragePool into g
    // (kernel already set from the weights or the attribute).
    void window_attrs(const onnx::NodeProto& n, snn::Conv2d& g) const {
        const auto ks = attr_ints(n, "kernel_shape", {g.k_h, g.k_w});
        if (ks.size() != 2) fail(n, "kernel_shape " + dims_str(ks) + " is not 2-D");
        if (ks[0] != g.k_h || ks[1] != g.k_w)
            fail(n, "shape mismatch: kernel_shape " + dims_str(ks) + " but the weights have a " + std::to_string(g.k_h) +
                        "x" + std::to_string(g.k_w) + " kernel");
        const auto dil = attr_ints(n, "dilations", {1, 1});
        for (auto d : dil)
            if (d != 1) fail(n, "dilations " + dims_str(dil) + " are not supported (only dilation 1)");
        const auto st = attr_ints(n, "strides", {1, 1});
        if (st.size() != 2 || st[0] < 1 || st[1] < 1 || st[0] > 4096 || st[1] > 4096)
            fail(n, "strides " + dims_str(st) + " must be two positive values");
        g.stride_h = static_cast<int>(st[0]);
        g.stride_w = static_cast<int>(st[1]);
        if (const auto* ap = attr(n, "auto_pad"); ap && ap->s() != "NOTSET" && ap->s() != "VALID")
            fail(n, "auto_pad '" + ap->s() + "' is not supported (export with explicit pads)");
        const auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
        if (pads.size() != 4) fail(n, "pads " + dims_str(pads) + " must have 4 values (top, left, bottom, right)");
        for (auto p : pads)
            if (p < 0 || p > 4096) fail(n, "pads " + dims_str(pads) + " out of range");
        if (pads[0] != pads[2] || pads[1] != pads[3])
            fail(n, "asymmetric pads " + dims_str(pads) + " are not supported (top = bottom and left = right)");
        g.pad_h = static_cast<int>(pads[0]);
        g.pad_w = static_cast<int>(pads[1]);
        auto out_dim = [](std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t p) {
            return in + 2 * p < k ? 0 : (in + 2 * p - k) / s + 1;
        };
        const auto oh = out_dim(g.in_h, g.k_h, g.stride_h, g.pad_h), ow = out_dim(g.in_w, g.k_w, g.stride_w, g.pad_w);
        if (oh < 1 || ow < 1)
            fail(n, "shape mismatch: a " + std::to_string(g.k_h) + "x" + std::to_string(g.k_w) + " kernel with pads " +
                        dims_str(pads) + " does not fit the " + std::to_string(g.in_h) + "x" + std::to_string(g.in_w) +
                        " input");
        g.out_h = static_cast<int>(oh);
        g.out_w = static_cast<int>(ow);
    }

    void push_conv_layer(const onnx::NodeProto& n, OnnxLayerKind kind, const snn::Conv2d& g, std::vector<float> w) {
        OnnxDense d;
        d.name = n.name().empty() ? n.output(0) : n.name();
        d.kind = kind;
        d.conv = g;
        d.in = g.in_size();
        d.out = g.out_size();
        d.w = std::move(w);
        d.b.assign(static_cast<std::size_t>(g.out_c), 0.0f);
        m_net.layers.push_back(std::move(d));
        set_act(n, {g.out_c, g.out_h, g.out_w});
    }

    void op_conv(const onnx::NodeProto& n) {
        check_attrs(n, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
        need_act(n, 0);
        need_image(n);
        if (m_open)
            fail(n, "layer '" + m_net.layers.back().name +
                        "' is followed by another linear layer without Relu in between (fold the two into one)");
        const Const& wc = constant(n, 1, "W (weights)");
        if (wc.dims.size() != 4)
            fail(n, "weights W have shape " + dims_str(wc.dims) + ", expected [M, C/group, kH, kW] (2-D convolution)");
        for (auto d : wc.dims)
            if (d < 1 || d > (1 << 20)) fail(n, "weights W have shape " + dims_str(wc.dims) + " (out of range)");
        snn::Conv2d g;
        g.in_c = static_cast<int>(m_act_dims[0]);
        g.in_h = static_cast<int>(m_act_dims[1]);
        g.in_w = static_cast<int>(m_act_dims[2]);
        const std::int64_t group = attr_int(n, "group", 1);
        if (group < 1 || g.in_c % group != 0 || wc.dims[0] % group != 0)
            fail(n, "group " + std::to_string(group) + " does not divide the " + std::to_string(g.in_c) +
                        " input channels and the " + std::to_string(wc.dims[0]) + " output channels");
        g.groups = static_cast<int>(group);
        if (wc.dims[1] * group != g.in_c)
            fail(n, "shape mismatch: weights W of shape " + dims_str(wc.dims) + " read " + std::to_string(wc.dims[1]) +
                        " channels per group (group " + std::to_string(group) + ") but the data has " +
                        std::to_string(g.in_c) + " channels");
        g.out_c = static_cast<int>(wc.dims[0]);
        g.k_h = static_cast<int>(wc.dims[2]);
        g.k_w = static_cast<int>(wc.dims[3]);
        window_attrs(n, g);
        std::vector<float> w(wc.v.size());
        for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(wc.v[i]);
        push_conv_layer(n, OnnxLayerKind::conv, g, std::move(w));
        if (n.input_size() >= 3 && !n.input(2).empty()) {
            auto& l = m_net.layers.back();
            l.b = bias_values(n, constant(n, 2, "B (bias)"), g.out_c, 1.0);
            l.has_bias = true;
        }
        m_open = true;
    }

    // Average pooling after a Relu (or on the input pixels): a depthwise conv with equal weights
    // 1 / (k_h k_w); the Relu the chain applies after it changes nothing (its inputs are >= 0).
    void op_avgpool(const onnx::NodeProto& n) {
        const bool global = n.op_type() == "GlobalAveragePool";
        if (global)
            check_attrs(n, {});
        else
            check_attrs(n, {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides", "dilations"});
        need_act(n, 0);
        need_image(n);
        if (m_open)
            fail(n, "pooling must follow a Relu (Conv -> Relu -> " + n.op_type() +
                        "): pooling a linear output before its Relu is not a separate spiking layer");
        snn::Conv2d g;
        g.in_c = g.out_c = g.groups = static_cast<int>(m_act_dims[0]);
        g.in_h = static_cast<int>(m_act_dims[1]);
        g.in_w = static_cast<int>(m_act_dims[2]);
        if (global) {
            g.k_h = g.in_h;
            g.k_w = g.in_w;
            g.out_h = g.out_w = 1;
        } else {
            const auto ks = attr_ints(n, "kernel_shape", {});
            if (ks.size() != 2 || ks[0] < 1 || ks[1] < 1 || ks[0] > 4096 || ks[1] > 4096)
                fail(n, "kernel_shape " + dims_str(ks) + " must be two positive values (2-D pooling)");
            g.k_h = static_cast<int>(ks[0]);
            g.k_w = static_cast<int>(ks[1]);
            window_attrs(n, g);
            if (attr_int(n, "ceil_mode", 0) != 0) {
                // ceil mode adds partial windows at the border unless the sizes divide evenly.
                auto ceil_dim = [](int in, int k, int s, int p) { return (in + 2 * p - k + s - 1) / s + 1; };
                if (ceil_dim(g.in_h, g.k_h, g.stride_h, g.pad_h) != g.out_h ||
                    ceil_dim(g.in_w, g.k_w, g.stride_w, g.pad_w) != g.out_w)
                    fail(n, "ceil_mode = 1 adds partial windows at the border (averaged over fewer values): not supported");
            }
            if ((g.pad_h || g.pad_w) && attr_int(n, "count_include_pad", 0) == 0)
                fail(n, "pads with count_include_pad = 0 average the border windows over fewer values (not one "
                        "kernel): not supported (use count_include_pad = 1 or no padding)");
        }
        push_conv_layer(n, OnnxLayerKind::avgpool, g,
                        std::vector<float>(static_cast<std::size_t>(g.out_c) * g.k_h * g.k_w,
                                           1.0f / static_cast<float>(g.k_h * g.k_w)));
        m_net.layers.back().relu = true;  // identity on its non-negative inputs; a Relu node after it is accepted
        m_open = false;
    }

    void op_constant(const onnx::NodeProto& n) {
        check_attrs(n, {"value", "value_float", "value_floats", "value_int", "value_ints"});
        Const c;
        if (const auto* a = attr(n, "value")) {
            c = tensor(a->t(), "Constant '" + n.name() + "'");
        } else if (const auto* f = attr(n, "value_float")) {
            c.v = {f->f()};
        } else if (const auto* fs = attr(n, "value_floats")) {
            c.v.assign(fs->floats().begin(), fs->floats().end());
            c.dims = {static_cast<std::int64_t>(c.v.size())};
        } else if (const auto* i = attr(n, "value_int")) {
            c.v = {static_cast<double>(i->i())};
        } else if (const auto* is = attr(n, "value_ints")) {
            c.v.assign(is->ints().begin(), is->ints().end());
            c.dims = {static_cast<std::int64_t>(c.v.size())};
        } else {
            fail(n, "has no value attribute (value, value_float(s), value_int(s))");
        }
        m_consts[n.output(0)] = std::move(c);
    }

    void op_identity(const onnx::NodeProto& n) {
        if (n.op_type() == "Dropout") {
            check_attrs(n, {"ratio", "seed"});
            if (n.input_size() >= 3 && !n.input(2).empty()) {
                const Const& tm = constant(n, 2, "training_mode");
                if (!tm.v.empty() && tm.v[0] != 0) fail(n, "training_mode is true (export the model in eval mode)");
            }
        } else {
            check_attrs(n, {});
        }
        if (n.input_size() < 1) fail(n, "has no input");
        const std::string& x = n.input(0);
        if (is_act(x)) {
            m_act.insert(n.output(0));
        } else {
            m_consts[n.output(0)] = constant(n, 0, "input");
        }
    }

    void op_flatten(const onnx::NodeProto& n) {
        check_attrs(n, {"axis"});
        need_act(n, 0);
        const auto rank = static_cast<std::int64_t>(m_act_dims.size()) + 1;
        std::int64_t axis = attr_int(n, "axis", 1);
        if (axis < 0) axis += rank;
        if (axis != 1)
            fail(n, "axis " + std::to_string(attr_int(n, "axis", 1)) +
                        " would merge the batch dimension or keep several feature dimensions (only axis 1 is supported)");
        set_act(n, {product(m_act_dims)});
    }

    // Reshape: of the data (must keep the batch dimension first), or of a constant.
    void op_reshape(const onnx::NodeProto& n) {
        check_attrs(n, {"allowzero"});
        const Const& s = constant(n, 1, "shape");
        std::vector<std::int64_t> shape(s.v.begin(), s.v.end());
        const bool allowzero = attr_int(n, "allowzero", 0) != 0;
        if (n.input_size() < 1) fail(n, "has no input");
        if (!is_act(n.input(0))) {
            for (double v : s.v)
                if (v == kBatch) fail(n, "reshapes a constant with the data's batch size");
            Const c = constant(n, 0, "data");
            c.dims = resolve_shape(n, shape, c.dims, allowzero, product(c.dims));
            m_consts[n.output(0)] = std::move(c);
            return;
        }
        if (shape.empty()) fail(n, "reshapes the data to a scalar");
        for (std::size_t i = 1; i < s.v.size(); ++i)
            if (s.v[i] == kBatch) fail(n, "shape puts the batch size at position " + std::to_string(i) + " (it must come first)");
        const bool batch_first = s.v[0] == kBatch;
        const std::int64_t first = batch_first ? 0 : shape[0];
        if (!(batch_first || first == -1 || (first == 0 && !allowzero) || (first > 0 && first == m_batch)))
            fail(n, "shape " + dims_str(shape) + " does not keep the batch dimension first (use 0 or -1 for it)");
        std::vector<std::int64_t> rest(shape.begin() + 1, shape.end());
        const std::int64_t features = product(m_act_dims);
        if (first == -1) {
            for (auto d : rest)
                if (d < 1) fail(n, "shape " + dims_str(shape) + ": with -1 as the batch size every other dimension must be given");
            if (product(rest) != features)
                fail(n, "shape mismatch: shape " + dims_str(shape) + " for data of " + std::to_string(features) + " features " +
                            dims_str(m_act_dims));
            set_act(n, rest);
            return;
        }
        set_act(n, resolve_shape(n, rest, m_act_dims, allowzero, features));
    }

    // ONNX Reshape semantics on the non-batch part: 0 copies the input dimension, -1 is inferred.
    std::vector<std::int64_t> resolve_shape(const onnx::NodeProto& n, std::vector<std::int64_t> shape,
                                            const std::vector<std::int64_t>& in_dims, bool allowzero,
                                            std::int64_t total) const {
        int infer = -1;
        std::int64_t known = 1;
        for (std::size_t i = 0; i < shape.size(); ++i) {
            if (shape[i] == 0 && !allowzero) {
                if (i >= in_dims.size()) fail(n, "shape " + dims_str(shape) + ": 0 at a position the input does not have");
                shape[i] = in_dims[i];
            }
            if (shape[i] == -1) {
                if (infer >= 0) fail(n, "shape " + dims_str(shape) + " has more than one -1");
                infer = static_cast<int>(i);
            } else if (shape[i] < 0) {
                fail(n, "shape " + dims_str(shape) + " has a negative dimension");
            } else {
                known *= shape[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || total % known != 0)
                fail(n, "shape mismatch: cannot reshape " + std::to_string(total) + " values to " + dims_str(shape));
            shape[static_cast<std::size_t>(infer)] = total / known;
        } else if (known != total) {
            fail(n, "shape mismatch: cannot reshape " + std::to_string(total) + " values " + dims_str(in_dims) + " to " +
                        dims_str(shape));
        }
        return shape;
    }

    void op_pad(const onnx::NodeProto& n) {
        check_attrs(n, {"mode", "pads", "value"});
        need_act(n, 0);
        if (const auto* m = attr(n, "mode"); m && m->s() != "constant")
            fail(n, "mode '" + m->s() + "' is not supported (only constant padding with zero pads)");
        std::vector<double> pads;
        if (const auto* p = attr(n, "pads")) {
            pads.assign(p->ints().begin(), p->ints().end());
        } else if (n.input_size() >= 2 && !n.input(1).empty()) {
            pads = constant(n, 1, "pads").v;
        }
        for (double p : pads)
            if (p != 0)
                fail(n, "non-zero pads change the input size; only Pad with all pads zero (as torch.onnx.export "
                        "may write) is supported");
        set_act(n, m_act_dims);
    }

    void op_gemm(const onnx::NodeProto& n) {
        check_attrs(n, {"alpha", "beta", "transA", "transB"});
        need_act(n, 0);
        if (attr_int(n, "transA", 0) != 0) fail(n, "transA = 1 is not supported (the data must be the left operand, [N, features])");
        const double alpha = attr_float(n, "alpha", 1.0), beta = attr_float(n, "beta", 1.0);
        const bool trans_b = attr_int(n, "transB", 0) != 0;
        const Const& b = constant(n, 1, "B (weights)");
        if (b.dims.size() != 2) fail(n, "weights B have shape " + dims_str(b.dims) + ", expected 2 dimensions");
        if (b.dims[0] > (1 << 28) || b.dims[1] > (1 << 28)) fail(n, "weights B are too large");
        const int out = static_cast<int>(trans_b ? b.dims[0] : b.dims[1]);
        const int in = static_cast<int>(trans_b ? b.dims[1] : b.dims[0]);
        std::vector<float> w(static_cast<std::size_t>(out) * static_cast<std::size_t>(in));
        for (int o = 0; o < out; ++o)
            for (int i = 0; i < in; ++i) {
                const std::size_t src = trans_b ? static_cast<std::size_t>(o) * in + i : static_cast<std::size_t>(i) * out + o;
                w[static_cast<std::size_t>(o) * in + i] = static_cast<float>(alpha * b.v[src]);
            }
        new_layer(n, in, out, std::move(w));
        if (n.input_size() >= 3 && !n.input(2).empty()) {
            auto& l = m_net.layers.back();
            l.b = bias_values(n, constant(n, 2, "C (bias)"), out, beta);
            l.has_bias = true;
        }
    }

    void op_matmul(const onnx::NodeProto& n) {
        check_attrs(n, {});
        need_act(n, 0);
        const Const& b = constant(n, 1, "B (weights)");
        if (b.dims.size() != 2) fail(n, "weights B have shape " + dims_str(b.dims) + ", expected 2 dimensions");
        if (b.dims[0] > (1 << 28) || b.dims[1] > (1 << 28)) fail(n, "weights B are too large");
        const int in = static_cast<int>(b.dims[0]), out = static_cast<int>(b.dims[1]);
        std::vector<float> w(static_cast<std::size_t>(out) * static_cast<std::size_t>(in));
        for (int o = 0; o < out; ++o)
            for (int i = 0; i < in; ++i)
                w[static_cast<std::size_t>(o) * in + i] = static_cast<float>(b.v[static_cast<std::size_t>(i) * out + o]);
        new_layer(n, in, out, std::move(w));
    }

    void op_add(const onnx::NodeProto& n) {
        check_attrs(n, {});
        if (n.input_size() != 2) fail(n, "must have two inputs");
        const int k = is_act(n.input(0)) ? 0 : (is_act(n.input(1)) ? 1 : -1);
        if (k < 0) {
            // Constant + constant: fold (torch sometimes exports it for a bias).
            const Const& a = constant(n, 0, "A");
            const Const& b = constant(n, 1, "B");
            if (a.v.size() != b.v.size()) fail(n, "adds constants of shapes " + dims_str(a.dims) + " and " + dims_str(b.dims));
            Const c = a;
            for (std::size_t i = 0; i < c.v.size(); ++i) c.v[i] += b.v[i];
            m_consts[n.output(0)] = std::move(c);
            return;
        }
        if (!m_open)
            fail(n, "adding a constant is supported only as the bias right after a Gemm or MatMul layer");
        auto& l = m_net.layers.back();
        const auto b = bias_values(n, constant(n, 1 - k, "bias"), l.out, 1.0);
        for (std::size_t o = 0; o < b.size(); ++o) l.b[o] += b[o];
        l.has_bias = true;
        set_act(n, m_act_dims);
    }

    void op_relu(const onnx::NodeProto& n) {
        check_attrs(n, {});
        need_act(n, 0);
        if (!m_open) {
            if (m_net.layers.empty() || !m_net.layers.back().relu)
                fail(n, "Relu must follow a Gemm, MatMul or Conv layer (here it reads the graph input)");
        } else {
            m_net.layers.back().relu = true;
            m_open = false;
        }
        set_act(n, m_act_dims);
    }

    // Shape of the data: [batch marker, feature dims...] (opset 15 start/end slice it).
    void op_shape(const onnx::NodeProto& n) {
        check_attrs(n, {"start", "end"});
        need_act(n, 0);
        std::vector<double> full{kBatch};
        for (auto d : m_act_dims) full.push_back(static_cast<double>(d));
        const auto rank = static_cast<std::int64_t>(full.size());
        auto clampi = [&](std::int64_t i) { return std::clamp<std::int64_t>(i < 0 ? i + rank : i, 0, rank); };
        const std::int64_t b = clampi(attr_int(n, "start", 0)), e = clampi(attr_int(n, "end", rank));
        Const c;
        if (e > b) c.v.assign(full.begin() + b, full.begin() + e);
        c.dims = {static_cast<std::int64_t>(c.v.size())};
        m_consts[n.output(0)] = std::move(c);
    }

    void op_gather(const onnx::NodeProto& n) {
        check_attrs(n, {"axis"});
        const Const& data = constant(n, 0, "data");
        const Const& idx = constant(n, 1, "indices");
        if (data.dims.size() != 1 || attr_int(n, "axis", 0) != 0)
            fail(n, "only gathers from a 1-D constant along axis 0 are supported (shape arithmetic)");
        Const c;
        c.dims = idx.dims;
        const auto len = static_cast<std::int64_t>(data.v.size());
        for (double d : idx.v) {
            auto i = static_cast<std::int64_t>(d);
            if (i < 0) i += len;
            if (i < 0 || i >= len) fail(n, "index " + std::to_string(static_cast<std::int64_t>(d)) + " out of range");
            c.v.push_back(data.v[static_cast<std::size_t>(i)]);
        }
        m_consts[n.output(0)] = std::move(c);
    }

    void op_unsqueeze(const onnx::NodeProto& n) {
        check_attrs(n, {"axes"});
        Const c = constant(n, 0, "data");
        std::vector<std::int64_t> axes;
        if (const auto* a = attr(n, "axes")) {
            axes.assign(a->ints().begin(), a->ints().end());
        } else {
            for (double v : constant(n, 1, "axes").v) axes.push_back(static_cast<std::int64_t>(v));
        }
        const auto out_rank = static_cast<std::int64_t>(c.dims.size() + axes.size());
        for (auto& ax : axes) ax = ax < 0 ? ax + out_rank : ax;
        std::sort(axes.begin(), axes.end());
        for (auto ax : axes) {
            if (ax < 0 || ax > static_cast<std::int64_t>(c.dims.size())) fail(n, "axis out of range");
            c.dims.insert(c.dims.begin() + ax, 1);
        }
        m_consts[n.output(0)] = std::move(c);
    }

    void op_concat(const onnx::NodeProto& n) {
        check_attrs(n, {"axis"});
        Const c;
        for (int k = 0; k < n.input_size(); ++k) {
            const Const& part = constant(n, k, "input");
            if (part.dims.size() != 1) fail(n, "only 1-D constants (shapes) can be concatenated");
            c.v.insert(c.v.end(), part.v.begin(), part.v.end());
        }
        c.dims = {static_cast<std::int64_t>(c.v.size())};
        m_consts[n.output(0)] = std::move(c);
    }

    void op_cast(const onnx::NodeProto& n) {
        check_attrs(n, {"to", "saturate"});
        if (n.input_size() >= 1 && is_act(n.input(0))) {
            if (attr_int(n, "to", onnx::TensorProto_DataType_FLOAT) != onnx::TensorProto_DataType_FLOAT)
                fail(n, "casts the data to a type other than float");
            m_act.insert(n.output(0));
            return;
        }
        m_consts[n.output(0)] = constant(n, 0, "input");
    }

    // A final Softmax / LogSoftmax over the classes: kept for the ANN's outputs, irrelevant to the
    // decision (the arg-max of the logits), so the spiking model reads the logits.
    void op_softmax(const onnx::NodeProto& n) {
        check_attrs(n, {"axis"});
        need_act(n, 0);
        const std::int64_t axis = attr_int(n, "axis", m_net.opset >= 13 ? -1 : 1);
        if (!(axis == -1 || axis == 1)) fail(n, "axis " + std::to_string(axis) + " is not the class axis");
        if (!m_open) fail(n, "must follow the last Gemm or MatMul layer (the logits)");
        m_net.output_activation = n.op_type();
        set_act(n, m_act_dims);
    }

    void finish(const onnx::GraphProto& g) {
        if (g.output_size() != 1) fail("the graph must have exactly one output (it has " + std::to_string(g.output_size()) + ")");
        m_net.output_name = g.output(0).name();
        if (m_net.layers.empty()) fail("the graph has no Gemm or MatMul layer");
        if (m_net.layers.back().kind != OnnxLayerKind::dense)
            fail("the graph ends in '" + m_net.layers.back().name +
                 "' (a convolution or pooling): the last layer must be a Gemm or MatMul giving the logits");
        if (!is_act(m_net.output_name))
            fail("graph output '" + m_net.output_name + "' is not the result of the layer chain (missing nodes? a truncated file?)");
        if (m_act_dims.size() != 1)
            fail("graph output '" + m_net.output_name + "' has shape [N, " + dims_str(m_act_dims).substr(1) + ", expected [N, classes]");
        if (m_net.layers.back().relu)
            fail("the output layer '" + m_net.layers.back().name +
                 "' ends in Relu: the last layer must give linear logits (a spiking output layer reads them)");
    }
};

}  // namespace

OnnxMlp read_onnx_mlp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw InputError(path + ": cannot open the ONNX file");
    std::ostringstream ss;
    ss << f.rdbuf();
    const std::string bytes = ss.str();
    if (bytes.empty()) throw InputError(path + ": empty file, not an ONNX model");
    onnx::ModelProto model;
    if (!model.ParseFromString(bytes))
        throw InputError(path + ": not a valid ONNX model (protobuf parse failed: truncated or corrupt file, " +
                         std::to_string(bytes.size()) + " bytes)");
    if (!model.has_graph()) throw InputError(path + ": not an ONNX model (no graph)");
    try {
        onnx::checker::check_model(model);
    } catch (const std::exception& e) {
        std::string msg = e.what();
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        throw InputError(path + ": the ONNX checker rejects the model: " + msg);
    }
    try {
        return GraphReader(path).read(model);
    } catch (const InputError& e) {
        const std::string m = e.what();
        if (m.rfind(path, 0) == 0) throw;
        throw InputError(path + ": " + m);  // e.g. dimensions out of range, found below the node level
    }
}

std::vector<float> onnx_mlp_forward(const OnnxMlp& net, const std::vector<float>& x) {
    if (static_cast<int>(x.size()) != net.inputs)
        throw InputError("onnx_mlp_forward: input of size " + std::to_string(x.size()) + ", the network takes " +
                         std::to_string(net.inputs));
    std::vector<float> a = x;
    for (const auto& l : net.layers) {
        if (l.kind != OnnxLayerKind::dense) {
            // Direct 2-D convolution over the CHW data (zero padding), then Relu.
            const snn::Conv2d& g = l.conv;
            const int cin_g = g.in_c / g.groups, cout_g = g.out_c / g.groups;
            std::vector<float> y(static_cast<std::size_t>(g.out_size()));
            for (int co = 0; co < g.out_c; ++co)
                for (int oy = 0; oy < g.out_h; ++oy)
                    for (int ox = 0; ox < g.out_w; ++ox) {
                        float s = l.b[static_cast<std::size_t>(co)];
                        for (int ci = 0; ci < cin_g; ++ci) {
                            const int c = (co / cout_g) * cin_g + ci;
                            for (int ky = 0; ky < g.k_h; ++ky) {
                                const int iy = oy * g.stride_h - g.pad_h + ky;
                                if (iy < 0 || iy >= g.in_h) continue;
                                for (int kx = 0; kx < g.k_w; ++kx) {
                                    const int ix = ox * g.stride_w - g.pad_w + kx;
                                    if (ix < 0 || ix >= g.in_w) continue;
                                    s += l.w[((static_cast<std::size_t>(co) * cin_g + ci) * g.k_h + ky) * g.k_w + kx] *
                                         a[(static_cast<std::size_t>(c) * g.in_h + iy) * g.in_w + ix];
                                }
                            }
                        }
                        y[(static_cast<std::size_t>(co) * g.out_h + oy) * g.out_w + ox] = l.relu ? std::max(s, 0.0f) : s;
                    }
            a = std::move(y);
            continue;
        }
        std::vector<float> y(static_cast<std::size_t>(l.out));
        for (int o = 0; o < l.out; ++o) {
            float s = l.b[static_cast<std::size_t>(o)];
            const float* w = l.w.data() + static_cast<std::size_t>(o) * l.in;
            for (int i = 0; i < l.in; ++i) s += w[i] * a[static_cast<std::size_t>(i)];
            y[static_cast<std::size_t>(o)] = l.relu ? std::max(s, 0.0f) : s;
        }
        a = std::move(y);
    }
    if (!net.output_activation.empty()) {
        const float m = *std::max_element(a.begin(), a.end());
        double sum = 0;
        for (float v : a) sum += std::exp(static_cast<double>(v - m));
        for (float& v : a)
            v = net.output_activation == "Softmax" ? static_cast<float>(std::exp(static_cast<double>(v - m)) / sum)
                                                   : static_cast<float>(static_cast<double>(v - m) - std::log(sum));
    }
    return a;
}

}  // namespace spiketlm::io
