// Convolutional layers of the rate-conversion ANN (sw/train/conv.h, sw/train/rate_conversion.h):
// hand-computed convolutions (stride, padding, groups, average pooling), the backward pass
// against central finite differences of an independent direct-loop forward in double, the model
// file's conv layers and their file:line errors, deterministic training, and the conversion to
// conv2d Layers.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "common/test_util.h"
#include "sw/common/error.h"
#include "sw/train/conv.h"
#include "sw/train/rate_conversion.h"

using namespace spiketlm;
using namespace spiketlm::train;

namespace {

snn::Conv2d geom(int in_c, int in_h, int in_w, int out_c, int k, int stride, int pad, int groups = 1) {
    snn::Conv2d g;
    g.in_c = in_c;
    g.in_h = in_h;
    g.in_w = in_w;
    g.out_c = out_c;
    g.k_h = g.k_w = k;
    g.stride_h = g.stride_w = stride;
    g.pad_h = g.pad_w = pad;
    g.groups = groups;
    g.out_h = conv_out_dim(in_h, k, stride, pad);
    g.out_w = conv_out_dim(in_w, k, stride, pad);
    return g;
}

// Direct-loop convolution in double, written from the definition (not im2col): the independent
// forward of the gradient check.
Eigen::VectorXd direct_conv(const snn::Conv2d& g, const Eigen::MatrixXd& w, const Eigen::VectorXd& b,
                            const Eigen::VectorXd& x) {
    Eigen::VectorXd y(g.out_size());
    const int cin_g = g.in_c / g.groups, cout_g = g.out_c / g.groups;
    for (int co = 0; co < g.out_c; ++co)
        for (int oy = 0; oy < g.out_h; ++oy)
            for (int ox = 0; ox < g.out_w; ++ox) {
                double s = b(co);
                for (int ci = 0; ci < cin_g; ++ci)
                    for (int ky = 0; ky < g.k_h; ++ky)
                        for (int kx = 0; kx < g.k_w; ++kx) {
                            const int iy = oy * g.stride_h - g.pad_h + ky, ix = ox * g.stride_w - g.pad_w + kx;
                            if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) continue;
                            const int c = (co / cout_g) * cin_g + ci;
                            s += w(co, (ci * g.k_h + ky) * g.k_w + kx) * x((c * g.in_h + iy) * g.in_w + ix);
                        }
                y((co * g.out_h + oy) * g.out_w + ox) = s;
            }
    return y;
}

const char* kTinySpec = R"(name: tiny-conv
network:
  inputs: 36
  input_shape: [1, 6, 6]
  layers:
    - {type: conv, channels: 2, kernel: 3, stride: 1, padding: 1}
    - {type: avgpool, kernel: 2}
    - {type: conv, channels: 2, kernel: 2, groups: 2}
    - {type: dense, units: 4}
  outputs: 3
train: {seed: 5, epochs: 2, batch: 4}
)";

}  // namespace

TEST_CASE("conv forward by hand: stride 1 without padding and stride 2 with padding", "[unit]") {
    Eigen::MatrixXf x(9, 1);
    x << 1, 2, 3, 4, 5, 6, 7, 8, 9;  // [[1,2,3],[4,5,6],[7,8,9]]
    Eigen::MatrixXf w(1, 4);
    w << 1, 2, 3, 4;  // [[1,2],[3,4]]
    const Eigen::VectorXf b = Eigen::VectorXf::Constant(1, 0.5f);
    const auto y1 = conv_forward(geom(1, 3, 3, 1, 2, 1, 0), w, b, x);
    REQUIRE(y1.rows() == 4);
    // (0,0): 1*1 + 2*2 + 3*4 + 4*5 = 37; (0,1): 2 + 6 + 15 + 24 = 47; (1,0): 67; (1,1): 77.
    CHECK(y1(0) == 37.5f);
    CHECK(y1(1) == 47.5f);
    CHECK(y1(2) == 67.5f);
    CHECK(y1(3) == 77.5f);
    // Stride 2, padding 1: output (oy, ox) reads rows 2 oy - 1 + ky, columns 2 ox - 1 + kx.
    const auto y2 = conv_forward(geom(1, 3, 3, 1, 2, 2, 1), w, Eigen::VectorXf(), x);
    REQUIRE(y2.rows() == 4);
    CHECK(y2(0) == 4.0f);   // only tap (1,1) on x(0,0) = 1
    CHECK(y2(1) == 18.0f);  // taps (1,0), (1,1) on x(0,1) = 2, x(0,2) = 3: 3*2 + 4*3
    CHECK(y2(2) == 36.0f);  // taps (0,1), (1,1) on x(1,0) = 4, x(2,0) = 7: 2*4 + 4*7
    CHECK(y2(3) == 77.0f);  // the full window on 5, 6, 8, 9
}

TEST_CASE("conv forward by hand: groups and 2x2 average pooling", "[unit]") {
    // Two channels of 2x2, groups 2, 1x1 kernels (3, -1): output channel c scales input channel c.
    Eigen::MatrixXf x(8, 2);
    x.col(0) << 1, 2, 3, 4, 10, 20, 30, 40;
    x.col(1) << 0, 1, 0, 1, 5, 5, 5, 5;
    Eigen::MatrixXf w(2, 1);
    w << 3, -1;
    const auto y = conv_forward(geom(2, 2, 2, 2, 1, 1, 0, 2), w, Eigen::VectorXf(), x);
    Eigen::MatrixXf expect(8, 2);
    expect.col(0) << 3, 6, 9, 12, -10, -20, -30, -40;
    expect.col(1) << 0, 3, 0, 3, -5, -5, -5, -5;
    CHECK(y == expect);
    // Average pooling, kernel 2 stride 2 on one 4x4 channel = means of the four 2x2 blocks.
    Eigen::MatrixXf img(16, 1);
    for (int i = 0; i < 16; ++i) img(i) = static_cast<float>(i);
    const auto p = conv_forward(geom(1, 4, 4, 1, 2, 2, 0, 1), Eigen::MatrixXf::Constant(1, 4, 0.25f), Eigen::VectorXf(), img);
    REQUIRE(p.rows() == 4);
    CHECK(p(0) == 2.5f);   // (0 + 1 + 4 + 5) / 4
    CHECK(p(1) == 4.5f);   // (2 + 3 + 6 + 7) / 4
    CHECK(p(2) == 10.5f);  // (8 + 9 + 12 + 13) / 4
    CHECK(p(3) == 12.5f);
}

TEST_CASE("conv ANN: forward equals a direct-loop convolution and the gradient equals central finite differences",
          "[unit]") {
    const RateSpec spec = parse_rate_spec(kTinySpec, "tiny.yaml");
    Ann ann = init_ann(spec);
    REQUIRE(ann.layers() == 5);
    CHECK(ann.kind_of(1) == AnnLayerKind::avgpool);
    CHECK(spec.layer_sizes() == std::vector<int>{36, 72, 18, 8, 4, 3});
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<float> u(-0.3f, 0.3f);
    for (int k : {0, 2, 3, 4})
        for (Eigen::Index i = 0; i < ann.b[static_cast<std::size_t>(k)].size(); ++i) ann.b[static_cast<std::size_t>(k)](i) = u(rng);
    Eigen::MatrixXf x(36, 5);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = u(rng) + 0.5f;
    const std::vector<int> y{0, 1, 2, 1, 0};

    // Independent forward in double (direct loops for conv and pooling layers).
    auto forward = [&](const Ann& a, const Eigen::VectorXd& in) {
        Eigen::VectorXd h = in;
        for (int k = 0; k < a.layers(); ++k) {
            const auto ks = static_cast<std::size_t>(k);
            if (a.is_dense(k))
                h = a.w[ks].cast<double>() * h + a.b[ks].cast<double>();
            else
                h = direct_conv(a.conv[ks], a.w[ks].cast<double>(), a.b[ks].cast<double>(), h);
            if (k + 1 < a.layers()) h = h.cwiseMax(0.0);
        }
        return h;
    };
    auto loss = [&](const Ann& a) {
        double l = 0;
        for (Eigen::Index j = 0; j < x.cols(); ++j) {
            const Eigen::VectorXd z = forward(a, x.col(j).cast<double>());
            const double m = z.maxCoeff();
            l -= z(y[static_cast<std::size_t>(j)]) - m - std::log((z.array() - m).exp().sum());
        }
        return l / static_cast<double>(x.cols());
    };
    const auto acts = ann_forward(ann, x);
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
        const Eigen::VectorXd ref = forward(ann, x.col(j).cast<double>());
        CHECK((acts.back().col(j).cast<double>() - ref).cwiseAbs().maxCoeff() < 1e-5);
    }
    Ann g;
    const double l0 = ann_loss_grad(ann, x, y, g, true);
    CHECK(l0 == Approx(loss(ann)).epsilon(1e-5));
    const double eps = 1e-3;
    int checked = 0;
    for (int k = 0; k < ann.layers(); ++k) {
        const auto ks = static_cast<std::size_t>(k);
        if (ann.kind_of(k) == AnnLayerKind::avgpool) {
            CHECK(g.w[ks].isZero());  // fixed weights, never trained
            continue;
        }
        for (Eigen::Index i = 0; i < ann.w[ks].size(); ++i) {
            Ann p = ann, m = ann;
            p.w[ks].data()[i] += static_cast<float>(eps);
            m.w[ks].data()[i] -= static_cast<float>(eps);
            const double fd = (loss(p) - loss(m)) / (2 * eps);
            INFO("layer " << k << " weight " << i);
            CHECK(g.w[ks].data()[i] == Approx(fd).margin(2e-3));
            ++checked;
        }
        for (Eigen::Index i = 0; i < ann.b[ks].size(); ++i) {
            Ann p = ann, m = ann;
            p.b[ks](i) += static_cast<float>(eps);
            m.b[ks](i) -= static_cast<float>(eps);
            const double fd = (loss(p) - loss(m)) / (2 * eps);
            INFO("layer " << k << " bias " << i);
            CHECK(g.b[ks](i) == Approx(fd).margin(2e-3));
        }
    }
    // conv 2x1x3x3, grouped conv 2x1x2x2, dense 4x8 and 3x4.
    CHECK(checked == 18 + 8 + 32 + 12);
}

TEST_CASE("conv model file: layers parse and bad geometry is an error with file:line", "[unit]") {
    const RateSpec s = parse_rate_spec(kTinySpec, "tiny.yaml");
    REQUIRE(s.layers.size() == 4);
    CHECK(s.layers[0].line == 6);
    CHECK(s.hidden.empty());
    auto err = [](const std::string& layers, const std::string& shape = "[1, 6, 6]") {
        try {
            parse_rate_spec("network:\n  inputs: 36\n  input_shape: " + shape + "\n  layers:\n" + layers + "  outputs: 3\n",
                            "bad.yaml");
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    CHECK_THAT(err("    - {type: dense, units: 4}\n    - {type: conv, channels: 2, kernel: 3}\n"),
               Catch::Contains("bad.yaml:6") && Catch::Contains("network.layers[1] (conv)") &&
                   Catch::Contains("cannot follow a dense layer"));
    CHECK_THAT(err("    - {type: conv, channels: 2, kernel: 7}\n"),
               Catch::Contains("bad.yaml:5") && Catch::Contains("does not fit the input 6x6"));
    CHECK_THAT(err("    - {type: conv, channels: 3, kernel: 3, groups: 2}\n"),
               Catch::Contains("bad.yaml:5") && Catch::Contains("groups 2 must divide"));
    CHECK_THAT(err("    - {type: conv, channels: 2, kernel: 3, padding: 3}\n"),
               Catch::Contains("bad.yaml:5") && Catch::Contains("padding 3 must be smaller than the kernel 3"));
    CHECK_THAT(err("    - {type: maxpool, kernel: 2}\n"),
               Catch::Contains("bad.yaml:5") && Catch::Contains("unknown layer type 'maxpool'"));
    CHECK_THAT(err("    - {type: avgpool, kernel: 2, padding: 1}\n"),
               Catch::Contains("bad.yaml:5") && Catch::Contains("unknown key 'network.layers[0].padding'"));
    CHECK_THAT(err("    - {type: conv, channels: 2}\n"), Catch::Contains("bad.yaml:5") && Catch::Contains("needs 'kernel'"));
    CHECK_THAT(err("    - {type: conv, channels: 2, kernel: 3}\n", "[2, 6, 6]"),
               Catch::Contains("bad.yaml") && Catch::Contains("does not hold network.inputs = 36"));
    CHECK_THAT(err("    - {type: conv, channels: 2, kernel: 3, stride: 0}\n"),
               Catch::Contains("bad.yaml:5") && Catch::Contains("stride' must be >= 1"));
    try {
        parse_rate_spec(std::string(kTinySpec) + "conversion: {steps: 8}\n", "tiny.yaml").validate();
        RateSpec bad = parse_rate_spec(kTinySpec, "tiny.yaml");
        bad.augment_shift = 9;
        bad.validate();
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK_THAT(e.what(), Catch::Contains("tiny.yaml") && Catch::Contains("train.augment_shift must be in 0..8"));
    }
    try {
        parse_rate_spec(kTinySpec, "tiny.yaml", "ttfs");
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK_THAT(e.what(), Catch::Contains("tiny.yaml") && Catch::Contains("exactly one hidden layer"));
    }
}

TEST_CASE("conv ANN: training is deterministic, learns a separable task and converts to conv2d layers", "[unit]") {
    RateSpec spec = parse_rate_spec(kTinySpec, "tiny.yaml");
    spec.epochs = 6;
    spec.lr = 1e-2;
    spec.lr_min = 1e-3;
    // Class = which third of the 6x6 image (rows 0-1, 2-3, 4-5) is bright.
    data::ImageSet set;
    set.rows = set.cols = 6;
    set.num_classes = 3;
    std::mt19937_64 rng(9);
    std::uniform_real_distribution<float> u(0.0f, 0.3f);
    for (int i = 0; i < 240; ++i) {
        const int c = i % 3;
        for (int p = 0; p < 36; ++p) set.pixels.push_back(p / 12 == c ? 0.7f + u(rng) : u(rng));
        set.labels.push_back(static_cast<std::uint8_t>(c));
    }
    const Ann a = train_ann(spec, set, set);
    const Ann b = train_ann(spec, set, set);
    for (int k = 0; k < a.layers(); ++k) CHECK(a.w[static_cast<std::size_t>(k)] == b.w[static_cast<std::size_t>(k)]);
    // With shifted training images (seeded per epoch and sample): deterministic too, and different.
    RateSpec aug = spec;
    aug.augment_shift = 1;
    aug.input_noise_steps = 16;  // and binomial rate noise on the pixels
    const Ann c = train_ann(aug, set, set), d = train_ann(aug, set, set);
    for (int k = 0; k < c.layers(); ++k) CHECK(c.w[static_cast<std::size_t>(k)] == d.w[static_cast<std::size_t>(k)]);
    CHECK(c.w[0] != a.w[0]);
    // Decoupled weight decay shrinks the trained weights.
    RateSpec wd = spec;
    wd.weight_decay = 0.5;
    const Ann f = train_ann(wd, set, set);
    CHECK(f.w[3].norm() < 0.9f * a.w[3].norm());
    // Fine-tuning starts from the given network: zero epochs' worth of change at lr ~ 0.
    RateSpec ft = spec;
    ft.epochs = 1;
    ft.lr = ft.lr_min = 1e-12;
    const Ann e = train_ann(ft, set, set, {}, {}, &a);
    CHECK((e.w[0] - a.w[0]).cwiseAbs().maxCoeff() < 1e-6f);
    CHECK(ann_accuracy(a, set) > 0.9);
    // Pooling weights stay 1/4.
    CHECK(a.w[1].isApproxToConstant(0.25f));

    const RateConversion rc = convert_rate(a, set, spec, 32);
    const snn::Network& net = rc.net;
    REQUIRE(net.layers.size() == 5);
    CHECK(net.inputs == 36);
    CHECK(net.timesteps == 32 + 5);
    const snn::Layer& c1 = net.layers[0];
    CHECK(c1.kind == snn::LayerKind::conv2d);
    CHECK(c1.name == "conv1");
    CHECK(c1.in == 36);
    CHECK(c1.out == 72);
    CHECK(c1.conv.out_h == 6);
    CHECK(c1.conv.pad_h == 1);
    REQUIRE(c1.weights.size() == 18);
    // The kernel is the ANN's weight matrix (row-major) scaled by 1 / lambda_1 and quantised.
    for (std::size_t i = 0; i < 18; ++i) {
        const double wf = a.w[0](static_cast<Eigen::Index>(i / 9), static_cast<Eigen::Index>(i % 9));
        CHECK(c1.weights[i] == std::lround(wf * (1.0 / rc.lambda[0]) / rc.weight_scale[0]));
    }
    const snn::Layer& p2 = net.layers[1];
    CHECK(p2.name == "pool2");
    CHECK(p2.kind == snn::LayerKind::conv2d);
    CHECK(p2.conv.groups == 2);
    CHECK(p2.conv.out_h == 3);
    CHECK(p2.weights == std::vector<std::int32_t>(8, 127));  // equal weights at full scale
    CHECK(net.layers[2].conv.groups == 2);
    CHECK(net.layers[3].kind == snn::LayerKind::dense);
    CHECK(net.layers[3].in == 8);
    CHECK(net.layers[4].out == 3);
}
