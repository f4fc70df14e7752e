#include "sw/train/ttfs_conversion.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "sw/common/error.h"
#include "sw/data/datasets.h"
#include "sw/encode/ttfs.h"

namespace spiketlm::train {

namespace {

// floor(a / b) for b > 0 and any sign of a.
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Round w / s to integers in [-qmax, qmax] whose sum is exactly zero: round half away from zero,
// then move the entries with the largest rounding error by one step until the sum vanishes (each
// entry at most once, so every integer stays within one step of w / s).
std::vector<std::int32_t> zero_sum_round(const float* w, int n, double s, std::int64_t qmax, const std::string& row) {
    std::vector<std::int32_t> q(static_cast<std::size_t>(n));
    std::vector<double> err(static_cast<std::size_t>(n));
    std::int64_t sum = 0;
    for (int i = 0; i < n; ++i) {
        const double x = static_cast<double>(w[i]) / s;
        q[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(std::clamp<long>(std::lround(x), -qmax, qmax));
        err[static_cast<std::size_t>(i)] = q[static_cast<std::size_t>(i)] - x;
        sum += q[static_cast<std::size_t>(i)];
    }
    if (sum == 0) return q;
    std::vector<int> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    const int dir = sum > 0 ? -1 : 1;  // step applied to the chosen entries
    // Entries rounded furthest in the direction we must undo come first; ties: lower index.
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return dir < 0 ? err[static_cast<std::size_t>(a)] > err[static_cast<std::size_t>(b)]
                       : err[static_cast<std::size_t>(a)] < err[static_cast<std::size_t>(b)];
    });
    for (int i : order) {
        if (sum == 0) break;
        auto& v = q[static_cast<std::size_t>(i)];
        if (std::llabs(v + dir) > qmax) continue;
        v += dir;
        sum += dir;
    }
    if (sum != 0)
        throw InputError("ttfs conversion: cannot make the integer weights of " + row +
                         " sum to zero within the weight range");
    return q;
}

int bits_for(std::int64_t magnitude) {
    int b = 2;
    while (b < 63 && (std::int64_t{1} << (b - 1)) - 1 < magnitude) ++b;
    return b;
}

}  // namespace

void zero_first_layer_row_sums(Ann& ann) {
    if (ann.w.empty()) return;
    Eigen::MatrixXf& w = ann.w[0];
    const Eigen::VectorXf mean = w.rowwise().mean();
    w.colwise() -= mean;
}

void check_ttfs_ann(const Ann& ann) {
    const int n = ann.layers();
    const bool conv0 = n >= 1 && ann.kind_of(0) == AnnLayerKind::conv;
    const bool shape_ok = (n == 2 && (ann.is_dense(0) || conv0) && ann.is_dense(1)) ||
                          (n == 3 && conv0 && ann.kind_of(1) == AnnLayerKind::avgpool && ann.is_dense(2));
    if (!shape_ok) {
        std::string kinds;
        for (int k = 0; k < n; ++k)
            kinds += std::string(k ? " -> " : "") +
                     (ann.kind_of(k) == AnnLayerKind::conv ? "conv" : ann.kind_of(k) == AnnLayerKind::avgpool ? "avgpool" : "dense");
        throw InputError("ttfs conversion: the network has " + std::to_string(n) + " layers (" + kinds +
                         "); the exact mapping needs exactly one hidden layer: dense or conv (a conv optionally followed "
                         "by average pooling, which folds into the output layer), then the dense output layer");
    }
    if (conv0) {
        const snn::Conv2d& g = ann.conv[0];
        if (g.pad_h || g.pad_w)
            throw InputError("ttfs conversion: the conv layer has padding " + std::to_string(g.pad_h) + "x" +
                             std::to_string(g.pad_w) +
                             "; a padding tap has no input spike, so a kernel's zero sum would not hold at the border "
                             "(use padding 0)");
    }
    for (int k = 0; k < n; ++k)
        if (ann.kind_of(k) != AnnLayerKind::avgpool && ann.b[static_cast<std::size_t>(k)].size() &&
            ann.b[static_cast<std::size_t>(k)].cwiseAbs().maxCoeff() > 0)
            throw InputError("ttfs conversion: layer " + std::to_string(k) +
                             " has biases; the datapath has one bias per layer, which the conversion uses for the slope "
                             "(train or export the network without biases)");
    const Eigen::MatrixXf& w0 = ann.w[0];
    for (Eigen::Index j = 0; j < w0.rows(); ++j) {
        const double sum = w0.row(j).cast<double>().sum(), mag = w0.row(j).cast<double>().cwiseAbs().sum();
        if (std::abs(sum) > 1e-3 * std::max(mag, 1e-30))
            throw InputError("ttfs conversion: the weights of " + std::string(conv0 ? "kernel (output channel) " : "hidden neuron ") +
                             std::to_string(j) + " sum to " + std::to_string(sum) +
                             "; every first-layer row must sum to zero (spiketlm train --method ttfs trains with this "
                             "constraint; docs/conversion.md)");
    }
}

Eigen::MatrixXf ttfs_output_weights(const Ann& ann) {
    check_ttfs_ann(ann);
    if (ann.layers() == 2) return ann.w[1];
    // W_out * P, P the pooling as a matrix (pool outputs x hidden neurons): every pooled value's
    // weight goes to the hidden neurons its window reads, times the pooling weight.
    const snn::Conv2d& g = ann.conv[1];
    const Eigen::MatrixXf& wp = ann.w[1];  // (out_c, in_c/groups * k_h * k_w)
    const Eigen::MatrixXf& w2 = ann.w[2];  // (outputs, pool outputs)
    Eigen::MatrixXd f = Eigen::MatrixXd::Zero(w2.rows(), g.in_size());
    const int icg = g.in_c / g.groups, ocg = g.out_c / g.groups;
    for (int c = 0; c < g.out_c; ++c)
        for (int y = 0; y < g.out_h; ++y)
            for (int x = 0; x < g.out_w; ++x) {
                const int po = (c * g.out_h + y) * g.out_w + x;
                for (int cl = 0; cl < icg; ++cl) {
                    const int ci = (c / ocg) * icg + cl;
                    for (int ky = 0; ky < g.k_h; ++ky)
                        for (int kx = 0; kx < g.k_w; ++kx) {
                            const int iy = y * g.stride_h - g.pad_h + ky, ix = x * g.stride_w - g.pad_w + kx;
                            if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) continue;
                            const double tap = wp(c, (cl * g.k_h + ky) * g.k_w + kx);
                            f.col((ci * g.in_h + iy) * g.in_w + ix) += w2.col(po).cast<double>() * tap;
                        }
                }
            }
    return f.cast<float>();
}

TtfsConversion convert_ttfs_with_scale(const Ann& ann, double lambda, const RateSpec& spec, int steps,
                                       int hidden_steps) {
    const Eigen::MatrixXf w1 = ttfs_output_weights(ann);  // checks the ANN (check_ttfs_ann)
    if (!(lambda > 0)) throw InputError("ttfs conversion: the hidden layer has no positive activation on the calibration data");
    if (steps < 1 || hidden_steps < 1) throw InputError("ttfs conversion: steps and hidden_steps must be >= 1");
    const Eigen::MatrixXf& w0 = ann.w[0];  // dense (hidden, inputs); conv (out_c, kernel taps)
    const std::int64_t qmax = (std::int64_t{1} << (spec.weight_bits - 1)) - 1;
    const bool conv0 = !ann.is_dense(0);
    // Rows of the first layer's weights and their length: hidden neurons x inputs (dense) or
    // output channels x kernel taps (conv; valid conv: every neuron's row is its channel's kernel).
    const int rows0 = static_cast<int>(w0.rows()), cols0 = static_cast<int>(w0.cols());
    const int n_in = ann.in_size(0), n_h = ann.out_size(0), n_out = static_cast<int>(w1.rows());
    const double s0 = std::max(static_cast<double>(w0.cwiseAbs().maxCoeff()), 1e-30) / static_cast<double>(qmax);
    const double s1 = std::max(static_cast<double>(w1.cwiseAbs().maxCoeff()), 1e-30) / static_cast<double>(qmax);

    TtfsConversion c;
    c.lambda = lambda;
    c.weight_scale = {s0, s1};
    c.float_weights = {row_major(w0), row_major(w1)};
    c.input_steps = steps;
    c.hidden_steps = hidden_steps;
    snn::Network& net = c.net;
    net.name = spec.name;
    net.inputs = n_in;
    net.encoding.kind = "ttfs";
    net.encoding.steps = static_cast<std::uint32_t>(steps);
    net.encoding.threshold = -1.0;  // every input spikes: x = 0 at step T
    net.decode = snn::Decode::first_spike;
    net.early_stop = false;

    // Layer 0: zero-sum integer rows (row-major copy of w0 first).
    snn::Layer l0;
    l0.name = conv0 ? "conv1" : "fc1";
    l0.in = n_in;
    l0.out = n_h;
    l0.weight_bits = spec.weight_bits;
    if (conv0) {
        l0.kind = snn::LayerKind::conv2d;
        l0.conv = ann.conv[0];
    }
    l0.weights.resize(static_cast<std::size_t>(rows0) * static_cast<std::size_t>(cols0));
    std::vector<float> row(static_cast<std::size_t>(cols0));
    std::int64_t q0_pos = 0, q0_neg = 0;  // largest positive / negative row sums of |q|
    for (int j = 0; j < rows0; ++j) {
        for (int i = 0; i < cols0; ++i) row[static_cast<std::size_t>(i)] = w0(j, i);
        const auto q = zero_sum_round(row.data(), cols0, s0, qmax, (conv0 ? "kernel " : "hidden neuron ") + std::to_string(j));
        std::int64_t pos = 0, neg = 0;
        for (int i = 0; i < cols0; ++i) {
            l0.weights[static_cast<std::size_t>(j) * cols0 + i] = q[static_cast<std::size_t>(i)];
            (q[static_cast<std::size_t>(i)] > 0 ? pos : neg) += std::llabs(q[static_cast<std::size_t>(i)]);
        }
        q0_pos = std::max(q0_pos, pos);
        q0_neg = std::max(q0_neg, neg);
    }
    const std::int64_t T = steps;
    // U = sum q m with m = round(T x) ~ T z / s0; one hidden step = lambda / hidden_steps of activation.
    const std::int64_t beta0 = std::max<std::int64_t>(
        1, std::llround(static_cast<double>(T) * lambda / (s0 * static_cast<double>(hidden_steps))));
    // No hidden spike before step T: v(t) <= beta0 (t + 1) + q0_pos t for t < T.
    const std::int64_t K = (q0_pos * (T - 1) + 1 + beta0 - 1) / beta0;
    const std::int64_t h = spec.hidden_rounding == "down" ? -1 : beta0 / 2;
    const std::int64_t theta0 = beta0 * (T + 1) + K * beta0 - h;
    const std::int64_t R = T + K;  // the step the output layer reads
    c.beta0 = beta0;
    c.k_window = K;
    c.h = h;

    // Layer 1: plain rounding; every output fires at R.
    snn::Layer l1;
    l1.name = "fc2";
    l1.in = n_h;
    l1.out = n_out;
    l1.weight_bits = spec.weight_bits;
    l1.weights.resize(static_cast<std::size_t>(n_h) * static_cast<std::size_t>(n_out));
    std::int64_t q1_pos = 0, q1_neg = 0;
    for (int o = 0; o < n_out; ++o) {
        std::int64_t pos = 0, neg = 0;
        for (int j = 0; j < n_h; ++j) {
            const auto q = static_cast<std::int32_t>(
                std::clamp<long>(std::lround(static_cast<double>(w1(o, j)) / s1), -qmax, qmax));
            l1.weights[static_cast<std::size_t>(o) * n_h + j] = q;
            (q > 0 ? pos : neg) += std::llabs(q);
        }
        q1_pos = std::max(q1_pos, pos);
        q1_neg = std::max(q1_neg, neg);
    }
    // Before R the hidden contributions are at most q1_pos (K - 1) (hidden spikes come at >= T);
    // at R an output's membrane is L + beta1 (R + 1) with L >= -q1_neg K.
    const std::int64_t beta1 = q1_pos * (K - 1) + 1 + q1_neg * K;
    const std::int64_t theta1 = beta1 * R + q1_pos * (K - 1) + 1;

    const std::int64_t m0 = std::max({theta0 + q0_pos + beta0, q0_neg * (R + 1), q0_pos + q0_neg});
    const std::int64_t m1 = std::max({beta1 * (R + 1) + q1_pos * K, q1_neg * K, theta1});
    const int b0 = std::max(24, bits_for(m0)), b1 = std::max(24, bits_for(m1));
    if (b0 > 32 || b1 > 32)
        throw InputError("ttfs conversion: the membrane range needs " + std::to_string(std::max(b0, b1)) +
                         " bits (more than 32): use fewer hidden_steps or steps, or fewer weight_bits");
    auto params = [](std::int64_t theta, std::int64_t bias, int bits) {
        snn::NeuronParams p = snn::NeuronParams::defaults(snn::NeuronKind::relpsp);
        p.theta = static_cast<std::int32_t>(theta);
        p.bias = static_cast<std::int32_t>(bias);
        p.state_bits = bits;
        return p;
    };
    l0.neuron = params(theta0, beta0, b0);
    l1.neuron = params(theta1, beta1, b1);
    net.layers = {std::move(l0), std::move(l1)};
    net.timesteps = static_cast<int>(R + 1);
    net.validate();
    return c;
}

double ttfs_hidden_scale(const Ann& ann, const data::ImageSet& calibration, const RateSpec& spec) {
    const data::ImageSet cal = data::head(calibration, spec.calibration_samples);
    if (cal.count() == 0) throw InputError("ttfs conversion: no calibration images");
    check_ttfs_ann(ann);
    if (ann.is_dense(0)) return positive_percentile(ann_forward(ann, image_columns(cal, 0, cal.count()))[0], spec.percentile);
    // Convolutional: the hidden activations of all calibration images at once would be large;
    // the positive ones are gathered chunk by chunk (the same percentile).
    const auto pos = positive_activations(ann, image_columns(cal, 0, cal.count()), 1)[0];
    return positive_percentile(Eigen::Map<const Eigen::MatrixXf>(pos.data(), static_cast<Eigen::Index>(pos.size()), 1),
                               spec.percentile);
}

TtfsConversion convert_ttfs(const Ann& ann, const data::ImageSet& calibration, const RateSpec& spec, int steps,
                            int hidden_steps) {
    return convert_ttfs_with_scale(ann, ttfs_hidden_scale(ann, calibration, spec), spec, steps, hidden_steps);
}

TtfsIntegerResult ttfs_integer_forward(const TtfsConversion& c, const float* pixels) {
    const auto& l0 = c.net.layers[0];
    const auto& l1 = c.net.layers[1];
    const auto T = static_cast<std::int64_t>(c.input_steps);
    TtfsIntegerResult res;
    std::vector<std::int64_t> m(static_cast<std::size_t>(l0.in));
    for (int i = 0; i < l0.in; ++i)
        m[static_cast<std::size_t>(i)] = T - static_cast<std::int64_t>(encode::ttfs_step(pixels[i], c.net.encoding.steps, -1.0));
    const std::int64_t h = c.h;
    const snn::Csr syn = l0.synapses();  // dense: every pair; conv2d: unrolled
    for (int j = 0; j < l0.out; ++j) {
        std::int64_t u = 0;
        for (std::uint32_t e = syn.row_ptr[static_cast<std::size_t>(j)]; e < syn.row_ptr[static_cast<std::size_t>(j) + 1]; ++e)
            u += static_cast<std::int64_t>(syn.weights[e]) * m[syn.cols[e]];
        res.u.push_back(u);
        res.r.push_back(std::clamp<std::int64_t>(floor_div(u + h, c.beta0), 0, c.k_window));
    }
    for (int o = 0; o < l1.out; ++o) {
        std::int64_t s = 0;
        for (int j = 0; j < l1.in; ++j) s += static_cast<std::int64_t>(l1.weight(o, j)) * res.r[static_cast<std::size_t>(j)];
        res.logits.push_back(s);
        if (res.decision < 0 || s > res.logits[static_cast<std::size_t>(res.decision)]) res.decision = o;
    }
    return res;
}

}  // namespace spiketlm::train
