// Model directories and .npz files: round trips, NumPy interoperability in both directions
// (python3-numpy is a dependency: without it those tests fail), and malformed files with clear errors.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "common/test_util.h"
#include "sw/common/error.h"
#include "sw/io/model_file.h"
#include "sw/io/npz.h"

using namespace spiketlm;
using namespace spiketlm::io;

namespace {

snn::Network sample_net(int bits = 8) {
    snn::Network n;
    n.name = "sample";
    n.inputs = 3;
    n.timesteps = 40;
    n.encoding.kind = "ttfs";
    n.encoding.steps = 16;
    n.encoding.threshold = 0.1;
    n.early_stop = true;
    n.seed = 77;
    snn::Layer a;
    a.name = "fc1";
    a.in = 3;
    a.out = 2;
    a.weight_bits = bits;
    a.weights = {1, -2, 3, -4, 5, -127};
    a.neuron = snn::NeuronParams::defaults(snn::NeuronKind::relpsp);
    a.neuron.theta = 1234;
    snn::Layer b;
    b.name = "out";
    b.in = 2;
    b.out = 2;
    b.weight_bits = bits;
    b.weights = {100, -100, 7, 0};
    b.delay = 2;
    b.neuron = snn::NeuronParams::defaults(snn::NeuronKind::stochastic);
    b.neuron.theta = 50;
    b.neuron.refractory = 3;
    b.neuron.reset = snn::ResetMode::subtract;
    b.neuron.noise_bits = 5;
    b.neuron.noise_shift = 2;
    b.neuron.bias = -3;
    n.layers = {a, b};
    return n;
}

// A Python 3 with NumPy: the first `python3` on PATH, else the system one (a pyenv python3 on
// PATH may lack the Debian python3-numpy package).
const std::string& python() {
    static const std::string py = [] {
        for (const char* p : {"python3", "/usr/bin/python3"})
            if (test::run_cmd(std::string(p) + " -c 'import numpy' 2>/dev/null").exit_code == 0) return std::string(p);
        return std::string();
    }();
    return py;
}

// python3-numpy is a dependency (scripts/setup-deps.sh): its absence fails the test, never skips it.
void require_numpy() {
    if (python().empty()) FAIL("no python3 with NumPy on PATH or at /usr/bin/python3: install python3-numpy (make deps)");
}

std::string expect_input_error(const std::function<void()>& f) {
    try {
        f();
    } catch (const InputError& e) {
        return e.what();
    }
    FAIL("expected an InputError");
    return "";
}

}  // namespace

TEST_CASE("model file: save then load gives the same network and metadata", "[unit]") {
    const auto dir = test::scratch_dir("model") + "/m";
    const snn::Network net = sample_net();
    ModelMeta meta;
    meta.source = "test";
    QuantInfo q;
    q.input_window = 1.0;
    q.delta = 1.0 / 16;
    q.weight_scale = {0.01, 0.25};
    q.theta_float = {1.5, 2.0};
    q.float_test_accuracy = 0.881;
    meta.quant = q;
    meta.notes["epochs"] = "12";
    save_model(dir, net, meta, {{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}, {1, 2, 3, 4}});
    const Model m = load_model(dir);
    CHECK(m.net.name == "sample");
    CHECK(m.net.inputs == 3);
    CHECK(m.net.timesteps == 40);
    CHECK(m.net.early_stop);
    CHECK(m.net.seed == 77);
    CHECK(m.net.encoding.threshold == 0.1);
    REQUIRE(m.net.layers.size() == 2);
    for (std::size_t k = 0; k < 2; ++k) {
        const auto &a = net.layers[k], &b = m.net.layers[k];
        CHECK(a.weights == b.weights);
        CHECK(a.name == b.name);
        CHECK(a.delay == b.delay);
        CHECK(a.neuron.kind == b.neuron.kind);
        CHECK(a.neuron.theta == b.neuron.theta);
        CHECK(a.neuron.decay_i == b.neuron.decay_i);
        CHECK(a.neuron.decay_v == b.neuron.decay_v);
        CHECK(a.neuron.bias == b.neuron.bias);
        CHECK(a.neuron.reset == b.neuron.reset);
        CHECK(a.neuron.refractory == b.neuron.refractory);
        CHECK(a.neuron.noise == b.neuron.noise);
        CHECK(a.neuron.noise_bits == b.neuron.noise_bits);
        CHECK(a.neuron.noise_shift == b.neuron.noise_shift);
        CHECK(a.neuron.single_spike == b.neuron.single_spike);
        CHECK(a.neuron.state_bits == b.neuron.state_bits);
    }
    REQUIRE(m.meta.quant);
    CHECK(m.meta.quant->weight_scale == std::vector<double>{0.01, 0.25});
    CHECK(*m.meta.quant->float_test_accuracy == 0.881);
    CHECK(!m.meta.quant->quantized_test_accuracy);
    CHECK(m.meta.notes.at("epochs") == "12");
    REQUIRE(m.float_weights.size() == 2);
    CHECK(m.float_weights[1] == std::vector<float>{1, 2, 3, 4});
    // 8-bit weights are stored as int16, wider ones as int32.
    CHECK(read_npz(dir + "/weights.npz").at("layer0.weight").dtype == DType::i2);
    save_model(dir, sample_net(20));
    CHECK(read_npz(dir + "/weights.npz").at("layer0.weight").dtype == DType::i4);
    // No temporary files are left behind.
    for (const auto& e : std::filesystem::directory_iterator(dir))
        CHECK_THAT(e.path().filename().string(), !Catch::Contains("tmp"));
}

TEST_CASE("model file: float model checkpoint round trip", "[unit]") {
    const auto dir = test::scratch_dir("float");
    snn::FloatNetwork f;
    f.input_window = 2.5f;
    f.input_threshold = 0.05f;
    f.layers = {{"h", 3, 2, {0.5f, -1.25f, 3e-5f, 7.f, 8.f, -9.f}, 1.5f}, {"o", 2, 1, {0.25f, 0.75f}, 2.0f}};
    save_float_model(dir, f, {{"epoch", "3"}});
    std::map<std::string, std::string> notes;
    const auto g = load_float_model(dir, &notes);
    CHECK(g.input_window == 2.5f);
    CHECK(g.input_threshold == 0.05f);
    REQUIRE(g.layers.size() == 2);
    CHECK(g.layers[0].weights == f.layers[0].weights);
    CHECK(g.layers[1].theta == 2.0f);
    CHECK(notes.at("epoch") == "3");
}

TEST_CASE("npz: NumPy reads our archive with the exact values", "[unit]") {
    require_numpy();
    const auto dir = test::scratch_dir("npz-out");
    NpzArchive a;
    a["w16"] = NpyArray::from_int16({2, 3}, {1, -2, 3, -32768, 32767, 0});
    a["w32"] = NpyArray::from_int32({3}, {2147483647, -5, 9});
    a["f"] = NpyArray::from_float({2, 2}, {0.5f, -1.5f, 3.25f, 1e-3f});
    a["d"] = NpyArray::from_double({}, {3.141592653589793});
    write_npz(dir + "/a.npz", a);
    const std::string py =
        "import numpy as np, sys\n"
        "z = np.load(sys.argv[1])\n"
        "assert sorted(z.files) == ['d', 'f', 'w16', 'w32'], z.files\n"
        "assert z['w16'].dtype == np.int16 and z['w16'].shape == (2, 3)\n"
        "assert z['w16'].tolist() == [[1, -2, 3], [-32768, 32767, 0]]\n"
        "assert z['w32'].dtype == np.int32 and z['w32'].tolist() == [2147483647, -5, 9]\n"
        "assert z['f'].dtype == np.float32 and (z['f'] == np.array([[0.5, -1.5], [3.25, 1e-3]], np.float32)).all()\n"
        "assert z['d'].shape == () and z['d'] == 3.141592653589793\n"
        "print('ok')\n";
    test::write_text(dir + "/check.py", py);
    const auto r = test::run_cmd(python() + " " + dir + "/check.py " + dir + "/a.npz");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    // A whole model directory too: weights of layer 0 as (out, in).
    save_model(dir + "/m", sample_net());
    const auto r2 = test::run_cmd(python() + " -c \"import numpy as np; z = np.load('" + dir +
                                  "/m/weights.npz'); w = z['layer0.weight']; assert w.shape == (2, 3); "
                                  "assert w.tolist() == [[1, -2, 3], [-4, 5, -127]]; print('ok')\"");
    INFO(r2.output);
    CHECK(r2.exit_code == 0);
}

TEST_CASE("npz: archives written by np.savez and np.savez_compressed load here", "[unit]") {
    require_numpy();
    const auto dir = test::scratch_dir("npz-in");
    const std::string py =
        "import numpy as np, sys\n"
        "d = sys.argv[1]\n"
        "w = np.arange(-6, 6, dtype=np.int32).reshape(3, 4)\n"
        "f = np.linspace(-1, 1, 5).astype(np.float32)\n"
        "np.savez(d + '/plain.npz', w=w, f=f, h=w.astype(np.int16), g=np.float64(2.5), big=np.arange(20000, dtype=np.int64))\n"
        "np.savez_compressed(d + '/comp.npz', w=w, f=f, h=w.astype(np.int16), g=np.float64(2.5), big=np.arange(20000, dtype=np.int64))\n"
        "np.savez(d + '/fortran.npz', w=np.asfortranarray(w))\n"
        "np.savez(d + '/bad_dtype.npz', w=w.astype(np.uint8))\n"
        "np.savez(d + '/big_endian.npz', w=w.astype('>i4'))\n";
    test::write_text(dir + "/make.py", py);
    const auto r = test::run_cmd(python() + " " + dir + "/make.py " + dir);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    for (const char* name : {"plain", "comp"}) {
        INFO(name);
        const auto a = read_npz(dir + "/" + name + ".npz");
        REQUIRE(a.size() == 5);
        CHECK(a.at("w").shape == std::vector<std::size_t>{3, 4});
        CHECK(a.at("w").to_int32("w") == std::vector<std::int32_t>{-6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5});
        CHECK(a.at("h").dtype == DType::i2);
        CHECK(a.at("h").to_int32("h")[11] == 5);
        CHECK(a.at("f").to_float() == std::vector<float>{-1.f, -0.5f, 0.f, 0.5f, 1.f});
        CHECK(a.at("g").shape.empty());
        CHECK(a.at("g").to_double()[0] == 2.5);
        CHECK(a.at("big").to_int32("big")[19999] == 19999);
    }
    CHECK_THAT(expect_input_error([&] { read_npz(dir + "/fortran.npz"); }),
               Catch::Contains("fortran.npz member w.npy") && Catch::Contains("Fortran-order"));
    CHECK_THAT(expect_input_error([&] { read_npz(dir + "/bad_dtype.npz"); }),
               Catch::Contains("bad_dtype.npz member w.npy") && Catch::Contains("unsupported dtype '|u1'"));
    CHECK_THAT(expect_input_error([&] { read_npz(dir + "/big_endian.npz"); }),
               Catch::Contains("unsupported dtype '>i4'"));
}

namespace {

// A valid model directory to break in one way.
struct Broken {
    std::string dir = test::scratch_dir("broken") + "/m";
    Broken() { save_model(dir, sample_net()); }
    std::string yaml() const { return test::read_text(dir + "/model.yaml"); }
    void set_yaml(const std::string& text) const { test::write_text(dir + "/model.yaml", text); }
    void replace(const std::string& from, const std::string& to) const {
        std::string y = yaml();
        const auto p = y.find(from);
        REQUIRE(p != std::string::npos);
        set_yaml(y.replace(p, from.size(), to));
    }
    std::string error() const {
        return expect_input_error([&] { load_model(dir); });
    }
};

}  // namespace

TEST_CASE("model file errors: corrupt or truncated weights.npz names the file", "[unit]") {
    Broken b;
    test::write_text(b.dir + "/weights.npz", "this is not a zip file at all");
    CHECK_THAT(b.error(), Catch::Contains("weights.npz") && Catch::Contains("not a valid .npz"));
    Broken c;
    const auto bytes = test::read_text(c.dir + "/weights.npz");
    test::write_text(c.dir + "/weights.npz", bytes.substr(0, bytes.size() / 2));
    CHECK_THAT(c.error(), Catch::Contains("weights.npz"));
    Broken d;
    std::filesystem::remove(d.dir + "/weights.npz");
    CHECK_THAT(d.error(), Catch::Contains("weights.npz: missing"));
}

TEST_CASE("model file errors: missing member, shape mismatch, float dtype for weights", "[unit]") {
    Broken b;
    NpzArchive a = read_npz(b.dir + "/weights.npz");
    a.erase("layer1.weight");
    write_npz(b.dir + "/weights.npz", a);
    CHECK_THAT(b.error(), Catch::Contains("weights.npz: missing member 'layer1.weight'") && Catch::Contains("'out'"));

    Broken c;
    a = read_npz(c.dir + "/weights.npz");
    a["layer0.weight"] = NpyArray::from_int16({3, 2}, {1, 2, 3, 4, 5, 6});
    write_npz(c.dir + "/weights.npz", a);
    CHECK_THAT(c.error(), Catch::Contains("member layer0.weight: shape (3, 2)") && Catch::Contains("(out, in) = (2, 3)"));

    Broken d;
    a = read_npz(d.dir + "/weights.npz");
    a["layer0.weight"] = NpyArray::from_float({2, 3}, {1, 2, 3, 4, 5, 6});
    write_npz(d.dir + "/weights.npz", a);
    CHECK_THAT(d.error(), Catch::Contains("member layer0.weight") && Catch::Contains("dtype <f4"));

    Broken e;  // weights that do not fit weight_bits
    a = read_npz(e.dir + "/weights.npz");
    a["layer1.weight"] = NpyArray::from_int16({2, 2}, {1000, 0, 0, 0});
    write_npz(e.dir + "/weights.npz", a);
    CHECK_THAT(e.error(), Catch::Contains("layer 1 'out'") && Catch::Contains("does not fit 8-bit"));
}

TEST_CASE("model file errors: unknown, missing and mistyped keys in model.yaml with file:line", "[unit]") {
    Broken b;
    b.replace("      theta: 1234\n", "      theta: 1234\n      thta: 5\n");
    const auto line_of = [&](const std::string& y, const std::string& what) {
        const auto p = y.find(what);
        return std::to_string(1 + std::count(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(p), '\n'));
    };
    CHECK_THAT(b.error(), Catch::Contains("model.yaml:" + line_of(b.yaml(), "thta")) &&
                              Catch::Contains("unknown key 'layers[0].neuron.thta'"));

    Broken c;
    c.replace("timesteps: 40\n", "");
    CHECK_THAT(c.error(), Catch::Contains("model.yaml:") && Catch::Contains("missing required key 'timesteps'"));

    Broken d;
    d.replace("    out: 2\n", "    out: two\n");
    CHECK_THAT(d.error(), Catch::Contains("model.yaml:" + line_of(d.yaml(), "two")));
    CHECK_THAT(d.error(), Catch::Contains("'layers[0].out' must be an integer, got 'two'"));

    Broken e;
    e.replace("      kind: relpsp\n", "      kind: izhikevich\n");
    CHECK_THAT(e.error(), Catch::Contains("layers[0].neuron.kind") && Catch::Contains("unknown neuron kind 'izhikevich'"));

    Broken f;
    f.replace("schema_version: 1", "schema_version: 9");
    CHECK_THAT(f.error(), Catch::Contains("schema_version 9 is not supported"));

    Broken g;
    g.set_yaml("layers: [oops\n");
    CHECK_THAT(g.error(), Catch::Contains("model.yaml:") && Catch::Contains("malformed YAML"));

    Broken h;
    h.replace("    kind: dense\n", "    kind: conv2d\n");
    CHECK_THAT(h.error(), Catch::Contains("model.yaml:") && Catch::Contains("missing required key 'layers[0].conv'"));

    Broken j;
    j.set_yaml(j.yaml() + "quantization:\n  weight_scale: [0.5]\n");
    CHECK_THAT(j.error(), Catch::Contains("quantization.weight_scale has 1 entries for 2 layers"));

    Broken i;
    i.replace("    in: 2\n", "    in: 5\n");
    CHECK_THAT(i.error(), Catch::Contains("layer 1 'out': in = 5 but the previous layer has out = 2"));

    CHECK_THAT(expect_input_error([] { load_model("/nonexistent/model"); }), Catch::Contains("does not exist"));
}

TEST_CASE("model file: a hand-written model (flow style, defaults, int8 weights from np.savez_compressed) loads",
          "[unit]") {
    require_numpy();
    const auto dir = test::scratch_dir("pymodel");
    const std::string py =
        "import numpy as np, sys\n"
        "d = sys.argv[1]\n"
        "np.savez_compressed(d + '/weights.npz', **{'layer0.weight': np.array([[3, -2], [1, 1], [0, 5]], np.int8)})\n"
        "open(d + '/model.yaml', 'w').write('''schema_version: 1\n"
        "inputs: 2\n"
        "timesteps: 12\n"
        "decode: first_spike\n"
        "encoding: {kind: ttfs, steps: 8}\n"
        "layers:\n"
        "  - {name: out, in: 2, out: 3, weight_bits: 4, neuron: {kind: lif, theta: 9, decay_v: 2048, refractory: 1}}\n"
        "''')\n";
    test::write_text(dir + "/make.py", py);
    const auto r = test::run_cmd(python() + " " + dir + "/make.py " + dir);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const Model m = load_model(dir);
    CHECK(m.net.name == std::filesystem::path(dir).filename().string());
    CHECK(m.net.encoding.steps == 8u);
    CHECK(m.net.encoding.threshold == 0.0);
    const auto& l = m.net.layers[0];
    CHECK(l.weights == std::vector<std::int32_t>{3, -2, 1, 1, 0, 5});
    CHECK(l.kind == snn::LayerKind::dense);
    CHECK(l.neuron.kind == snn::NeuronKind::lif);
    CHECK(l.neuron.decay_v == 2048);
    CHECK(l.neuron.decay_i == 0);        // the lif default
    CHECK(!l.neuron.single_spike);       // the lif default
    CHECK(l.neuron.refractory == 1);
    CHECK(l.neuron.state_bits == 24);
    CHECK(!m.meta.quant);
}
