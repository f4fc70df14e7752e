#include "sw/train/stdbp.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "sw/common/error.h"

namespace spiketlm::train {

std::size_t Net::parameter_count() const {
    std::size_t n = 0;
    for (const auto& l : layers) n += l.w.size();
    return n;
}

snn::FloatNetwork to_float_network(const Net& net) {
    snn::FloatNetwork f;
    f.input_window = static_cast<float>(net.input_window);
    f.input_threshold = static_cast<float>(net.input_threshold);
    for (std::size_t l = 0; l < net.layers.size(); ++l) {
        const auto& src = net.layers[l];
        snn::FloatLayer d;
        d.name = l + 1 == net.layers.size() ? "output" : "hidden" + std::to_string(l + 1);
        d.in = src.in;
        d.out = src.out;
        d.theta = static_cast<float>(src.theta);
        d.weights.assign(src.w.begin(), src.w.end());
        f.layers.push_back(std::move(d));
    }
    return f;
}

Net from_float_network(const snn::FloatNetwork& f) {
    Net net;
    net.input_window = f.input_window;
    net.input_threshold = f.input_threshold;
    for (const auto& src : f.layers) {
        if (src.weights.size() != static_cast<std::size_t>(src.in) * src.out)
            throw InputError("float network layer '" + src.name + "': " +
                             std::to_string(src.weights.size()) + " weights for " +
                             std::to_string(src.out) + " x " + std::to_string(src.in));
        Layer l;
        l.in = src.in;
        l.out = src.out;
        l.theta = src.theta;
        l.w.assign(src.weights.begin(), src.weights.end());
        net.layers.push_back(std::move(l));
    }
    return net;
}

namespace {

// Sorts parallel (index, time) arrays by (time, index).
void sort_inputs(std::vector<std::uint32_t>& idx, std::vector<double>& t) {
    const std::size_t n = idx.size();
    std::vector<std::uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        return t[a] != t[b] ? t[a] < t[b] : idx[a] < idx[b];
    });
    std::vector<std::uint32_t> idx2(n);
    std::vector<double> t2(n);
    for (std::size_t k = 0; k < n; ++k) {
        idx2[k] = idx[order[k]];
        t2[k] = t[order[k]];
    }
    idx.swap(idx2);
    t.swap(t2);
}

}  // namespace

void encode_ttfs(const float* x, int n, double window, double threshold, LayerTrace& first) {
    // Bright pixels spike first; sorting by descending x and ascending index is the same as
    // sorting by (time, index) because t is a decreasing function of x.
    first.in_idx.clear();
    first.in_t.clear();
    thread_local std::vector<std::uint32_t> order;
    order.clear();
    for (int i = 0; i < n; ++i)
        if (x[i] > threshold) order.push_back(static_cast<std::uint32_t>(i));
    std::sort(order.begin(), order.end(), [x](std::uint32_t a, std::uint32_t b) {
        return x[a] != x[b] ? x[a] > x[b] : a < b;
    });
    first.in_idx.assign(order.begin(), order.end());
    first.in_t.resize(order.size());
    for (std::size_t k = 0; k < order.size(); ++k)
        first.in_t[k] = window * (1.0 - static_cast<double>(x[order[k]]));
}

void set_inputs(const std::vector<std::uint32_t>& idx, const std::vector<double>& t,
                LayerTrace& first) {
    if (idx.size() != t.size()) throw Error("set_inputs: index and time lists differ in size");
    first.in_idx = idx;
    first.in_t = t;
    sort_inputs(first.in_idx, first.in_t);
}

double fire_time(const double* w_row, double theta, const std::uint32_t* idx, const double* t,
                 std::size_t n, std::uint32_t* ncausal, double* wsum) {
    // Walk the inputs in time order, one group of equal times at a time. After a group the
    // membrane is V(t) = S t - P on [t_k, t_next) with S = sum w, P = sum w t_i; it was below
    // theta at t_k, so it crosses inside the interval iff S > 0 and (theta + P) / S <= t_next.
    double S = 0.0, P = 0.0;
    std::size_t k = 0;
    while (k < n) {
        const double tk = t[k];
        do {
            const double w = w_row[idx[k]];
            S += w;
            P += w * t[k];
            ++k;
        } while (k < n && t[k] == tk);
        if (S > 0.0) {
            const double num = theta + P;
            if (k == n || num <= S * t[k]) {
                *ncausal = static_cast<std::uint32_t>(k);
                *wsum = S;
                return num / S;
            }
        }
    }
    *ncausal = static_cast<std::uint32_t>(n);
    *wsum = S;
    return kNoSpike;
}

namespace {

// fire_time for `lanes` (<= kLanes) neurons j0.. at once over the same inputs: the independent
// accumulator chains of the lanes overlap in the CPU, which makes this several times faster than
// one neuron after the other (the sums of one neuron form a serial dependency chain).
constexpr int kLanes = 4;

void fire_times_block(const Layer& layer, int j0, int lanes, const std::uint32_t* idx,
                      const double* t, std::size_t n, double* t_out, std::uint32_t* ncausal,
                      double* wsum) {
    const double* rows[kLanes];
    bool done[kLanes];
    double S[kLanes] = {}, P[kLanes] = {};
    for (int b = 0; b < kLanes; ++b) {
        rows[b] = layer.w.data() + static_cast<std::size_t>(b < lanes ? j0 + b : j0) * layer.in;
        done[b] = b >= lanes;
    }
    int remaining = lanes;
    const double theta = layer.theta;
    std::size_t k = 0;
    while (k < n) {
        const double tk = t[k];
        do {
            const std::uint32_t i = idx[k];
            const double ti = t[k];
            for (int b = 0; b < kLanes; ++b) {
                const double w = rows[b][i];
                S[b] += w;
                P[b] += w * ti;
            }
            ++k;
        } while (k < n && t[k] == tk);
        const double t_next = k < n ? t[k] : kNoSpike;
        for (int b = 0; b < kLanes; ++b)
            if (!done[b] && S[b] > 0.0 && (k == n || theta + P[b] <= S[b] * t_next)) {
                done[b] = true;
                --remaining;
                t_out[b] = (theta + P[b]) / S[b];
                ncausal[b] = static_cast<std::uint32_t>(k);
                wsum[b] = S[b];
            }
        if (remaining == 0) return;
    }
    for (int b = 0; b < lanes; ++b)
        if (!done[b]) {
            t_out[b] = kNoSpike;
            ncausal[b] = static_cast<std::uint32_t>(n);
            wsum[b] = S[b];
        }
}

}  // namespace

void forward(const Net& net, SampleTrace& tr) {
    const std::size_t L = net.layers.size();
    tr.layers.resize(L);
    for (std::size_t l = 0; l < L; ++l) {
        const Layer& layer = net.layers[l];
        LayerTrace& lt = tr.layers[l];
        const std::size_t n = lt.in_idx.size();
        lt.t.resize(layer.out);
        lt.wsum.resize(layer.out);
        lt.ncausal.resize(layer.out);
        for (int j = 0; j < layer.out; j += kLanes) {
            const int lanes = std::min(kLanes, layer.out - j);
            fire_times_block(layer, j, lanes, lt.in_idx.data(), lt.in_t.data(), n, &lt.t[j],
                             &lt.ncausal[j], &lt.wsum[j]);
        }
        finish_layer(net, l, tr);
    }
}

void finish_layer(const Net& net, std::size_t l, SampleTrace& tr) {
    const std::size_t L = net.layers.size();
    const Layer& layer = net.layers[l];
    const LayerTrace& lt = tr.layers[l];
    {
        if (l + 1 < L) {
            LayerTrace& next = tr.layers[l + 1];
            next.in_idx.clear();
            next.in_t.clear();
            for (int j = 0; j < layer.out; ++j)
                if (lt.t[j] != kNoSpike) {
                    next.in_idx.push_back(static_cast<std::uint32_t>(j));
                    next.in_t.push_back(lt.t[j]);
                }
            sort_inputs(next.in_idx, next.in_t);
            return;
        }
    }
    const LayerTrace& out = tr.layers.back();
    tr.predicted = -1;
    double best = kNoSpike;
    for (std::size_t j = 0; j < out.t.size(); ++j)
        if (out.t[j] < best) {
            best = out.t[j];
            tr.predicted = static_cast<int>(j);
        }
}

void backward(const Net& net, const LossSpec& spec, SampleTrace& tr) {
    const std::size_t L = net.layers.size();
    const LayerTrace& out = tr.layers.back();
    const int K = net.layers.back().out;
    if (tr.label < 0 || tr.label >= K)
        throw Error("backward: label " + std::to_string(tr.label) + " outside 0.." +
                    std::to_string(K - 1));

    // Cross-entropy of softmax(z), z_k = -beta * min(t_k, cap); dL/dt_k = -beta (p_k - [k==y]).
    std::vector<double> g(K);
    double zmax = -std::numeric_limits<double>::infinity();
    std::vector<double> z(K);
    for (int k = 0; k < K; ++k) {
        z[k] = -spec.beta * std::min(out.t[k], spec.time_cap);
        zmax = std::max(zmax, z[k]);
    }
    double sum = 0.0;
    for (int k = 0; k < K; ++k) sum += std::exp(z[k] - zmax);
    const double log_sum = zmax + std::log(sum);
    tr.loss = log_sum - z[tr.label];
    for (int k = 0; k < K; ++k) {
        const double p = std::exp(z[k] - log_sum);
        g[k] = out.t[k] < spec.time_cap ? -spec.beta * (p - (k == tr.label ? 1.0 : 0.0)) : 0.0;
    }

    for (std::size_t l = L; l-- > 0;) {
        const Layer& layer = net.layers[l];
        LayerTrace& lt = tr.layers[l];
        lt.c1.assign(layer.out, 0.0);
        lt.c0.assign(layer.out, 0.0);
        std::vector<double> gin;
        if (l > 0) gin.assign(net.layers[l - 1].out, 0.0);
        const double hinge =
            (l + 1 == L || spec.hinge_hidden) ? spec.hinge_weight / layer.out : 0.0;
        for (int j = 0; j < layer.out; ++j) {
            if (g[j] != 0.0 && lt.t[j] != kNoSpike) {
                const double a = g[j] / lt.wsum[j];
                lt.c1[j] = a;
                lt.c0[j] = -a * lt.t[j];
                if (l > 0) {
                    const double* w = layer.w.data() + static_cast<std::size_t>(j) * layer.in;
                    for (std::uint32_t k = 0; k < lt.ncausal[j]; ++k)
                        gin[lt.in_idx[k]] += a * w[lt.in_idx[k]];
                }
            }
            if (hinge > 0.0 && lt.wsum[j] < spec.hinge_min_sum && lt.ncausal[j] > 0) {
                tr.loss += hinge * (spec.hinge_min_sum - lt.wsum[j]);
                lt.c0[j] -= hinge;
            }
        }
        g.swap(gin);
    }
}

void Gradients::resize_like(const Net& net) {
    dw.resize(net.layers.size());
    for (std::size_t l = 0; l < net.layers.size(); ++l) dw[l].assign(net.layers[l].w.size(), 0.0);
}

double Gradients::norm() const {
    double s = 0.0;
    for (const auto& d : dw)
        for (double v : d) s += v * v;
    return std::sqrt(s);
}

}  // namespace spiketlm::train
