// ONNX import (sw/io/onnx_import.h): MLPs written the way torch.onnx.export writes them
// (tests/sw/io/make_onnx_models.py, python3-onnx) give NumPy's outputs on 100 inputs, and
// malformed files are InputErrors naming the node and operator.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <random>

#include "common/test_util.h"
#include "sw/common/error.h"
#include "sw/io/npz.h"
#include "sw/io/onnx_import.h"

using namespace spiketlm;

namespace {

// The model folder, written once per process by the generator script (python3-onnx and
// python3-numpy are dependencies: a missing one fails the test, never skips it).
const std::string& models() {
    static const std::string dir = [] {
        const std::string d = test::scratch_dir("onnx-models");
        const std::string script = test::source_dir() + "/tests/sw/io/make_onnx_models.py";
        test::CmdResult r{1, ""};
        for (const char* py : {"python3", "/usr/bin/python3"}) {
            r = test::run_cmd(std::string(py) + " '" + script + "' '" + d + "'");
            if (r.exit_code == 0) break;
        }
        if (r.exit_code != 0) FAIL("make_onnx_models.py failed (needs python3-onnx, python3-numpy: make deps):\n" + r.output);
        return d;
    }();
    return dir;
}

std::string error_of(const std::string& file) {
    try {
        io::read_onnx_mlp(models() + "/" + file);
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no error)";
}

// Max |ours - NumPy's| over the 100 reference inputs, relative to the output's magnitude.
double max_rel_error(const io::OnnxMlp& net, const std::string& member, const std::string& file = "reference.npz") {
    const auto ref = io::read_npz(models() + "/" + file);
    const auto x = ref.at("inputs").to_float();
    const auto y = ref.at(member).to_float();
    REQUIRE(ref.at("inputs").shape == std::vector<std::size_t>{100, 784});
    REQUIRE(ref.at(member).shape == std::vector<std::size_t>{100, 10});
    double worst = 0;
    for (std::size_t k = 0; k < 100; ++k) {
        const std::vector<float> in(x.begin() + static_cast<std::ptrdiff_t>(k * 784),
                                    x.begin() + static_cast<std::ptrdiff_t>((k + 1) * 784));
        const auto out = io::onnx_mlp_forward(net, in);
        REQUIRE(out.size() == 10);
        for (std::size_t o = 0; o < 10; ++o) {
            const double e = std::abs(out[o] - y[k * 10 + o]) / (1.0 + std::abs(y[k * 10 + o]));
            worst = std::max(worst, e);
        }
    }
    return worst;
}

}  // namespace

TEST_CASE("onnx import: a Gemm MLP with Flatten and Identity gives NumPy's outputs on 100 inputs", "[unit]") {
    const auto net = io::read_onnx_mlp(models() + "/mlp_gemm.onnx");
    CHECK(net.inputs == 784);
    CHECK(net.input_shape == std::vector<std::int64_t>{1, 28, 28});
    REQUIRE(net.layers.size() == 3);
    CHECK(net.layers[0].in == 784);
    CHECK(net.layers[0].out == 32);
    CHECK(net.layers[1].out == 16);
    CHECK(net.layers[2].out == 10);
    CHECK(net.layers[0].relu);
    CHECK(net.layers[1].relu);
    CHECK_FALSE(net.layers[2].relu);
    CHECK(net.layers[0].has_bias);
    CHECK(net.layers[0].name == "/fc1/Gemm");
    CHECK(max_rel_error(net, "out_gemm") < 1e-5);
}

TEST_CASE("onnx import: a MatMul+Add MLP with Constant, Reshape, zero Pad and Dropout gives NumPy's outputs", "[unit]") {
    const auto net = io::read_onnx_mlp(models() + "/mlp_matmul.onnx");
    REQUIRE(net.layers.size() == 3);
    CHECK(net.layers[1].has_bias);  // its bias is a Constant node, the others initializers
    CHECK(max_rel_error(net, "out_matmul") < 1e-5);
}

TEST_CASE("onnx import: Gemm layers without C have no bias and give NumPy's outputs", "[unit]") {
    const auto net = io::read_onnx_mlp(models() + "/mlp_nobias.onnx");
    REQUIRE(net.layers.size() == 2);
    CHECK_FALSE(net.layers[0].has_bias);
    CHECK(max_rel_error(net, "out_nobias") < 1e-5);
}

TEST_CASE("onnx import: a flatten computed from Shape/Gather/Unsqueeze/Concat and a final LogSoftmax give NumPy's outputs", "[unit]") {
    const auto net = io::read_onnx_mlp(models() + "/mlp_dynflat.onnx");
    REQUIRE(net.layers.size() == 2);
    CHECK(net.inputs == 784);
    CHECK(net.output_activation == "LogSoftmax");
    CHECK(max_rel_error(net, "out_dynflat") < 1e-5);
}

TEST_CASE("onnx import: Conv with padding and groups, Relu, AveragePool and Flatten give NumPy's outputs on 100 inputs",
          "[unit]") {
    const auto net = io::read_onnx_mlp(models() + "/cnn_pool.onnx");
    REQUIRE(net.layers.size() == 4);
    const auto& c1 = net.layers[0];
    CHECK(c1.kind == io::OnnxLayerKind::conv);
    CHECK(c1.name == "conv1");
    CHECK(c1.conv.out_c == 4);
    CHECK(c1.conv.out_h == 28);
    CHECK(c1.conv.pad_h == 1);
    CHECK(c1.out == 4 * 28 * 28);
    CHECK(c1.relu);
    CHECK(c1.has_bias);
    const auto& p = net.layers[1];
    CHECK(p.kind == io::OnnxLayerKind::avgpool);
    CHECK(p.conv.groups == 4);
    CHECK(p.conv.out_h == 14);
    CHECK(p.w == std::vector<float>(16, 0.25f));
    const auto& c2 = net.layers[2];
    CHECK(c2.conv.groups == 2);
    CHECK(c2.conv.stride_h == 2);
    CHECK(c2.conv.out_h == 7);
    CHECK(c2.w.size() == 8 * 2 * 3 * 3);
    CHECK(net.layers[3].kind == io::OnnxLayerKind::dense);
    CHECK(net.layers[3].in == 392);
    CHECK(max_rel_error(net, "out_pool", "cnn_reference.npz") < 1e-5);
}

TEST_CASE("onnx import: padded AveragePool, GlobalAveragePool and Reshape after Conv give NumPy's outputs", "[unit]") {
    const auto net = io::read_onnx_mlp(models() + "/cnn_gap.onnx");
    REQUIRE(net.layers.size() == 5);
    CHECK(net.layers[1].conv.pad_h == 1);
    CHECK(net.layers[1].conv.out_h == 7);
    CHECK(net.layers[3].kind == io::OnnxLayerKind::avgpool);
    CHECK(net.layers[3].conv.k_h == 5);
    CHECK(net.layers[3].out == 8);
    CHECK_FALSE(net.layers[0].has_bias);
    CHECK(max_rel_error(net, "out_gap", "cnn_reference.npz") < 1e-5);
}

TEST_CASE("onnx import: a Conv without padding or bias, AveragePool and Flatten (TTFS-convertible) give NumPy's outputs",
          "[unit]") {
    const auto net = io::read_onnx_mlp(models() + "/cnn_ttfs.onnx");
    REQUIRE(net.layers.size() == 3);
    CHECK(net.layers[0].kind == io::OnnxLayerKind::conv);
    CHECK(net.layers[0].conv.pad_h == 0);
    CHECK(net.layers[0].conv.out_h == 12);
    CHECK(net.layers[1].kind == io::OnnxLayerKind::avgpool);
    CHECK(net.layers[2].in == 216);
    CHECK(max_rel_error(net, "out_ttfs", "cnn_reference.npz") < 1e-5);
}

TEST_CASE("onnx import: dilation, MaxPool, asymmetric pads, pooling before Relu and conv shape mismatches are errors",
          "[unit]") {
    CHECK_THAT(error_of("bad_dilation.onnx"),
               Catch::Contains("node 'conv1' (Conv)") && Catch::Contains("dilations [2, 2] are not supported"));
    CHECK_THAT(error_of("bad_maxpool.onnx"),
               Catch::Contains("node 'pool1' (MaxPool)") && Catch::Contains("cannot compute a maximum"));
    CHECK_THAT(error_of("bad_asympad.onnx"),
               Catch::Contains("node 'conv1' (Conv)") && Catch::Contains("asymmetric pads [0, 0, 1, 1]"));
    CHECK_THAT(error_of("bad_poolorder.onnx"),
               Catch::Contains("node 'pool1' (AveragePool)") && Catch::Contains("pooling must follow a Relu"));
    CHECK_THAT(error_of("bad_convshape.onnx"),
               Catch::Contains("node 'conv2' (Conv)") && Catch::Contains("shape mismatch") &&
                   Catch::Contains("the data has 4 channels"));
}

TEST_CASE("onnx import: malformed files are input errors naming the file, node and operator", "[unit]") {
    CHECK_THAT(error_of("bad_truncated.onnx"),
               Catch::Contains("bad_truncated.onnx") &&
                   (Catch::Contains("truncated or corrupt") || Catch::Contains("not the result of the layer chain")));
    CHECK_THAT(error_of("bad_conv.onnx"),
               Catch::Contains("node '/fc1/Gemm' (Gemm)") &&
                   Catch::Contains("layer 'conv1' is followed by another linear layer without Relu"));
    CHECK_THAT(error_of("bad_sigmoid.onnx"),
               Catch::Contains("node 'act1' (Sigmoid)") && Catch::Contains("unsupported operator 'Sigmoid'"));
    CHECK_THAT(error_of("bad_shape.onnx"),
               Catch::Contains("node '/fc2/Gemm' (Gemm)") && Catch::Contains("shape mismatch") &&
                   Catch::Contains("31 inputs") && Catch::Contains("32 features"));
    CHECK_THAT(error_of("bad_pad.onnx"), Catch::Contains("node 'pad1' (Pad)") && Catch::Contains("non-zero pads"));
    CHECK_THAT(error_of("missing.onnx"), Catch::Contains("missing.onnx") && Catch::Contains("cannot open"));
}

TEST_CASE("onnx import: truncated and corrupted files give a result or an input error, nothing else", "[unit]") {
    const std::string good = test::read_text(models() + "/mlp_matmul.onnx");
    const std::string dir = test::scratch_dir("onnx-fuzz");
    std::mt19937_64 rng(3);
    int errors = 0, ok = 0;
    for (int k = 0; k < 300; ++k) {
        std::string bytes = good;
        if (k < 150) {
            bytes.resize(std::uniform_int_distribution<std::size_t>(0, good.size() - 1)(rng));
        } else {
            for (int f = 0; f < 3; ++f)
                bytes[std::uniform_int_distribution<std::size_t>(0, good.size() - 1)(rng)] =
                    static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
        }
        test::write_text(dir + "/x.onnx", bytes);
        try {
            const auto net = io::read_onnx_mlp(dir + "/x.onnx");
            ++ok;
            CHECK(net.layers.size() >= 1);
        } catch (const InputError&) {
            ++errors;
        }  // any other exception type fails the test
    }
    CHECK(errors > 100);
    INFO(ok << " corrupted files still parsed");
}
