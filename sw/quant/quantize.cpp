#include "sw/quant/quantize.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <thread>

#include "sw/common/error.h"
#include "sw/encode/encoder.h"
#include "sw/snn/evaluate.h"
#include "sw/snn/reference.h"

namespace spiketlm::quant {

namespace {

void check_float(const snn::FloatNetwork& f) {
    if (f.layers.empty()) throw InputError("quantize: the float network has no layers");
    if (!(f.input_window > 0)) throw InputError("quantize: input_window must be > 0");
    for (std::size_t k = 0; k < f.layers.size(); ++k) {
        const auto& l = f.layers[k];
        const std::string w = "quantize: layer " + std::to_string(k) + " '" + l.name + "'";
        if (l.in < 1 || l.out < 1) throw InputError(w + ": in and out must be >= 1");
        if (k && l.in != f.layers[k - 1].out)
            throw InputError(w + ": in = " + std::to_string(l.in) + " but the previous layer has out = " +
                             std::to_string(f.layers[k - 1].out));
        if (l.weights.size() != static_cast<std::size_t>(l.in) * static_cast<std::size_t>(l.out))
            throw InputError(w + ": " + std::to_string(l.weights.size()) + " weights for out x in = " +
                             std::to_string(l.out) + " x " + std::to_string(l.in));
        if (!(l.theta > 0)) throw InputError(w + ": theta must be > 0 (got " + std::to_string(l.theta) + ")");
        for (float x : l.weights)
            if (!std::isfinite(x)) throw InputError(w + ": non-finite weight");
    }
}

}  // namespace

Quantized quantize(const snn::FloatNetwork& f, const QuantOptions& opt) {
    check_float(f);
    if (opt.weight_bits < 2 || opt.weight_bits > 24) throw InputError("quantize: weight_bits must be in [2, 24]");
    if (opt.steps < 1) throw InputError("quantize: steps (T) must be >= 1");
    Quantized q;
    snn::Network& net = q.net;
    net.name = opt.name;
    net.inputs = f.layers[0].in;
    net.encoding.kind = "ttfs";
    net.encoding.steps = static_cast<std::uint32_t>(opt.steps);
    net.encoding.threshold = f.input_threshold;
    net.timesteps = opt.timesteps > 0 ? opt.timesteps
                                      : static_cast<int>(std::ceil(opt.window_factor * static_cast<double>(opt.steps)));
    if (net.timesteps <= opt.steps)
        throw InputError("quantize: the simulated window (" + std::to_string(net.timesteps) +
                         " steps) must be longer than the input window T = " + std::to_string(opt.steps));
    net.decode = opt.decode;
    net.early_stop = opt.early_stop;
    net.seed = opt.seed;

    const double delta = static_cast<double>(f.input_window) / opt.steps;
    const double qmax = static_cast<double>((1 << (opt.weight_bits - 1)) - 1);
    q.info.input_window = f.input_window;
    q.info.delta = delta;
    for (std::size_t k = 0; k < f.layers.size(); ++k) {
        const auto& fl = f.layers[k];
        double maxabs = 0;
        for (float w : fl.weights) maxabs = std::max(maxabs, std::fabs(static_cast<double>(w)));
        const double s = maxabs > 0 ? maxabs / qmax : 1.0;
        snn::Layer l;
        l.name = fl.name.empty() ? "layer" + std::to_string(k) : fl.name;
        l.in = fl.in;
        l.out = fl.out;
        l.weight_bits = opt.weight_bits;
        l.weights.resize(fl.weights.size());
        for (std::size_t j = 0; j < fl.weights.size(); ++j) {
            const double r = std::round(static_cast<double>(fl.weights[j]) / s);  // half away from zero
            l.weights[j] = static_cast<std::int32_t>(std::clamp(r, -qmax, qmax));
        }
        l.neuron = snn::NeuronParams::defaults(snn::NeuronKind::relpsp);
        l.neuron.state_bits = opt.state_bits;
        // theta / (s delta), rounded up; a value within 1e-9 (relative) of an integer is that
        // integer (floating-point noise must not add a whole unit).
        double x = static_cast<double>(fl.theta) / (s * delta);
        if (std::fabs(x - std::round(x)) <= 1e-9 * std::fabs(x)) x = std::round(x);
        const double theta_q = std::ceil(x);
        if (theta_q > static_cast<double>(l.neuron.state_max()))
            throw InputError("quantize: layer " + std::to_string(k) + " '" + l.name + "': threshold " +
                             std::to_string(fl.theta) + " / (s * delta) = " + std::to_string(theta_q) +
                             " does not fit state_bits = " + std::to_string(opt.state_bits) +
                             " (raise state_bits or lower steps)");
        l.neuron.theta = static_cast<std::int32_t>(std::max(1.0, theta_q));
        q.info.weight_scale.push_back(s);
        q.info.theta_float.push_back(fl.theta);
        net.layers.push_back(std::move(l));
    }
    net.validate();
    return q;
}

std::vector<std::vector<double>> float_forward(const snn::FloatNetwork& f, const float* x, std::size_t n) {
    if (f.layers.empty() || n != static_cast<std::size_t>(f.layers[0].in))
        throw InputError("float_forward: " + std::to_string(n) + " inputs for a network with " +
                         std::to_string(f.layers.empty() ? 0 : f.layers[0].in));
    std::vector<double> times(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double v = encode::clamp01(x[i]);
        times[i] = v > f.input_threshold ? static_cast<double>(f.input_window) * (1.0 - v) : kSilent;
    }
    std::vector<std::vector<double>> out;
    std::vector<std::size_t> order;
    for (const auto& l : f.layers) {
        order.clear();
        for (std::size_t i = 0; i < times.size(); ++i)
            if (times[i] != kSilent) order.push_back(i);
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return times[a] < times[b]; });
        std::vector<double> next(static_cast<std::size_t>(l.out), kSilent);
        for (int j = 0; j < l.out; ++j) {
            const float* w = l.weights.data() + static_cast<std::size_t>(j) * l.in;
            double W = 0, S = 0;
            for (std::size_t k = 0; k < order.size();) {
                const double t = times[order[k]];
                while (k < order.size() && times[order[k]] == t) {
                    W += w[order[k]];
                    S += static_cast<double>(w[order[k]]) * t;
                    ++k;
                }
                const double t_next = k < order.size() ? times[order[k]] : kSilent;
                if (W > 0) {
                    const double tj = (static_cast<double>(l.theta) + S) / W;
                    if (tj <= t_next) {
                        next[static_cast<std::size_t>(j)] = std::max(tj, t);
                        break;
                    }
                }
            }
        }
        out.push_back(next);
        times = std::move(next);
    }
    return out;
}

int float_decision(const std::vector<double>& t) {
    int best = -1;
    for (std::size_t k = 0; k < t.size(); ++k)
        if (t[k] != kSilent && (best < 0 || t[k] < t[static_cast<std::size_t>(best)])) best = static_cast<int>(k);
    return best;
}

AccuracyReport compare_accuracy(const snn::FloatNetwork& f, const snn::Network& q, const data::ImageSet& set,
                                int threads, std::size_t limit, std::uint64_t master_seed) {
    const std::size_t n = limit > 0 ? std::min(limit, set.count()) : set.count();
    const snn::Reference ref(q);
    std::vector<int> fdec(n);
    {
        unsigned nt = threads > 0 ? static_cast<unsigned>(threads) : std::max(1u, std::thread::hardware_concurrency());
        std::atomic<std::size_t> next{0};
        const auto work = [&] {
            for (std::size_t k; (k = next.fetch_add(1)) < n;)
                fdec[k] = float_decision(float_forward(f, set.image(k), set.pixels_per_image()).back());
        };
        std::vector<std::thread> pool;
        for (unsigned t = 1; t < nt; ++t) pool.emplace_back(work);
        work();
        for (auto& th : pool) th.join();
    }
    AccuracyReport r;
    r.frames = n;
    std::uint64_t fc = 0, fu = 0, qc = 0, qu = 0, agree = 0;
    const std::size_t chunk = 4096;
    for (std::size_t first = 0; first < n; first += chunk) {
        const std::size_t c = std::min(chunk, n - first);
        const auto res = snn::run_images(ref, set, first, c, master_seed, threads);
        for (std::size_t k = 0; k < c; ++k) {
            const int label = set.labels[first + k];
            const int qd = res[k].result.decision, fd = fdec[first + k];
            qc += qd == label;
            qu += qd < 0;
            fc += fd == label;
            fu += fd < 0;
            agree += qd == fd;
        }
    }
    const double d = n ? static_cast<double>(n) : 1.0;
    r.float_accuracy = static_cast<double>(fc) / d;
    r.quantized_accuracy = static_cast<double>(qc) / d;
    r.float_undecided = static_cast<double>(fu) / d;
    r.quantized_undecided = static_cast<double>(qu) / d;
    r.agreement = static_cast<double>(agree) / d;
    return r;
}

}  // namespace spiketlm::quant
