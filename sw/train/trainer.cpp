#include "sw/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/common/seed.h"

namespace spiketlm::train {

namespace {
// Neurons per block of BatchForward: the block's transposed weights (inputs x 64 doubles, 400 kB
// for 784 inputs) stay in a 1 MB L2 while the batch streams through.
constexpr int kBlock = 64;

// Column form of fire_time for neurons j0..j0+nb-1: each input adds one contiguous weight row
// slice to all lanes. The per-lane sums run in the same order as fire_time, so the results are
// bit-identical to forward().
// True if some lane may reach its threshold before t_next: thr + P <= S * t_next (the same
// rounded operations as the exact test, so no firing lane is missed; S > 0 is checked later).
// nb_even lanes, padding lanes have thr = +inf.
inline bool any_reaches(const double* S, const double* P, const double* thr, int nb_even,
                        double t_next) {
#if defined(__SSE2__)
    const __m128d tn = _mm_set1_pd(t_next);
    __m128d acc = _mm_setzero_pd();
    for (int b = 0; b < nb_even; b += 2) {
        const __m128d lhs = _mm_add_pd(_mm_load_pd(thr + b), _mm_load_pd(P + b));
        const __m128d rhs = _mm_mul_pd(_mm_load_pd(S + b), tn);
        acc = _mm_or_pd(acc, _mm_cmple_pd(lhs, rhs));
    }
    return _mm_movemask_pd(acc) != 0;
#else
    bool any = false;
    for (int b = 0; b < nb_even; ++b) any |= thr[b] + P[b] <= S[b] * t_next;
    return any;
#endif
}

void fire_block_columns(const double* wt, int out, double theta, int j0, int nb,
                        const std::uint32_t* idx, const double* t, std::size_t n, double* t_out,
                        std::uint32_t* ncausal, double* wsum) {
    // thr[b] is theta while lane b is waiting and +inf once it fired, so the per-group test
    // is one branch-free (vectorisable) pass; the rare groups where a lane fires take a slow path.
    alignas(16) double S[kBlock], P[kBlock], thr[kBlock];
    const int nb_even = (nb + 1) & ~1;
    for (int b = 0; b < nb_even; ++b) S[b] = P[b] = 0.0, thr[b] = b < nb ? theta : kNoSpike;
    int remaining = nb;
    std::size_t k = 0;
    while (k < n && remaining > 0) {
        const double tk = t[k];
        do {
            const double* w = wt + static_cast<std::size_t>(idx[k]) * out + j0;
            const double ti = t[k];
            for (int b = 0; b < nb; ++b) {
                S[b] += w[b];
                P[b] += w[b] * ti;
            }
            ++k;
        } while (k < n && t[k] == tk);
        if (k == n) {
            for (int b = 0; b < nb; ++b)
                if (thr[b] == theta && S[b] > 0.0) {
                    thr[b] = kNoSpike;
                    --remaining;
                    t_out[b] = (theta + P[b]) / S[b];
                    ncausal[b] = static_cast<std::uint32_t>(k);
                    wsum[b] = S[b];
                }
            break;
        }
        const double t_next = t[k];
        if (!any_reaches(S, P, thr, nb_even, t_next)) continue;
        for (int b = 0; b < nb; ++b)
            if (thr[b] == theta && S[b] > 0.0 && theta + P[b] <= S[b] * t_next) {
                thr[b] = kNoSpike;
                --remaining;
                t_out[b] = (theta + P[b]) / S[b];
                ncausal[b] = static_cast<std::uint32_t>(k);
                wsum[b] = S[b];
            }
    }
    for (int b = 0; b < nb; ++b)
        if (thr[b] == theta) {
            // Silent: no lane stopped the loop early, so the sums cover every input.
            t_out[b] = kNoSpike;
            ncausal[b] = static_cast<std::uint32_t>(n);
            wsum[b] = S[b];
        }
}
}  // namespace

void BatchForward::prepare(const Net& net, Workers& workers) {
    m_wt.resize(net.layers.size());
    for (std::size_t l = 0; l < net.layers.size(); ++l) {
        const Layer& layer = net.layers[l];
        auto& wt = m_wt[l];
        wt.resize(layer.w.size());
        workers.for_range(layer.in, 32, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i)
                for (int j = 0; j < layer.out; ++j)
                    wt[i * layer.out + j] = layer.w[static_cast<std::size_t>(j) * layer.in + i];
        });
    }
}

void BatchForward::run(const Net& net, std::vector<SampleTrace>& traces, Workers& workers) const {
    if (m_wt.size() != net.layers.size()) throw Error("BatchForward::run before prepare()");
    const std::size_t B = traces.size();
    for (std::size_t l = 0; l < net.layers.size(); ++l) {
        const Layer& layer = net.layers[l];
        for (auto& tr : traces) {
            tr.layers.resize(net.layers.size());
            LayerTrace& lt = tr.layers[l];
            lt.t.resize(layer.out);
            lt.wsum.resize(layer.out);
            lt.ncausal.resize(layer.out);
        }
        const std::size_t blocks = (static_cast<std::size_t>(layer.out) + kBlock - 1) / kBlock;
        // Tasks = (block, chunk of samples); blocks outermost so a task reuses its weights.
        const std::size_t chunk = 32, chunks = (B + chunk - 1) / chunk;
        workers.for_range(blocks * chunks, 1, [&](std::size_t b, std::size_t e) {
            for (std::size_t task = b; task < e; ++task) {
                const int j0 = static_cast<int>(task / chunks) * kBlock;
                const int nb = std::min(kBlock, layer.out - j0);
                const std::size_t s0 = (task % chunks) * chunk, s1 = std::min(B, s0 + chunk);
                for (std::size_t s = s0; s < s1; ++s) {
                    LayerTrace& lt = traces[s].layers[l];
                    fire_block_columns(m_wt[l].data(), layer.out, layer.theta, j0, nb,
                                       lt.in_idx.data(), lt.in_t.data(), lt.in_idx.size(),
                                       &lt.t[j0], &lt.ncausal[j0], &lt.wsum[j0]);
                }
            }
        });
        workers.for_range(B, 8, [&](std::size_t b, std::size_t e) {
            for (std::size_t s = b; s < e; ++s) finish_layer(net, l, traces[s]);
        });
    }
}

double batch_gradient(const Net& net, const LossSpec& loss, std::vector<SampleTrace>& traces,
                      Gradients& grad, Workers& workers) {
    BatchForward fwd;
    fwd.prepare(net, workers);
    return batch_gradient(net, loss, traces, grad, workers, fwd);
}

double batch_gradient(const Net& net, const LossSpec& loss, std::vector<SampleTrace>& traces,
                      Gradients& grad, Workers& workers, BatchForward& fwd) {
    const std::size_t B = traces.size();
    if (B == 0) throw Error("batch_gradient: empty batch");
    fwd.run(net, traces, workers);
    workers.for_range(B, 4, [&](std::size_t b, std::size_t e) {
        for (std::size_t s = b; s < e; ++s) backward(net, loss, traces[s]);
    });
    if (grad.dw.size() != net.layers.size()) grad.resize_like(net);
    const double inv_b = 1.0 / static_cast<double>(B);
    for (std::size_t l = 0; l < net.layers.size(); ++l) {
        const Layer& layer = net.layers[l];
        double* dw = grad.dw[l].data();
        // Rows are independent; inside a row the samples are added in batch order.
        workers.for_range(layer.out, 4, [&](std::size_t jb, std::size_t je) {
            for (std::size_t j = jb; j < je; ++j) {
                double* row = dw + j * layer.in;
                std::fill(row, row + layer.in, 0.0);
                for (std::size_t s = 0; s < B; ++s) {
                    const LayerTrace& lt = traces[s].layers[l];
                    const double c1 = lt.c1[j], c0 = lt.c0[j];
                    if (c1 == 0.0 && c0 == 0.0) continue;
                    const std::uint32_t n = lt.ncausal[j];
                    const std::uint32_t* idx = lt.in_idx.data();
                    const double* t = lt.in_t.data();
                    for (std::uint32_t k = 0; k < n; ++k) row[idx[k]] += c1 * t[k] + c0;
                }
                for (int i = 0; i < layer.in; ++i) row[i] *= inv_b;
            }
        });
    }
    double total = 0.0;
    for (const auto& tr : traces) total += tr.loss;
    return total * inv_b;
}

namespace {

// Unbiased integer in [0, n) from a 64-bit generator (std::uniform_int_distribution is not
// specified bit for bit across standard libraries; this is).
std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t n) {
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
    std::uint64_t r;
    do r = rng();
    while (r >= limit);
    return r % n;
}

// Box-Muller normal from the same generator (portable, unlike std::normal_distribution).
double normal(std::mt19937_64& rng) {
    const double two_pi = 2.0 * std::acos(-1.0);
    const double u1 = (static_cast<double>(rng() >> 11) + 1.0) * 0x1.0p-53;
    const double u2 = static_cast<double>(rng() >> 11) * 0x1.0p-53;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2);
}

// out(r, c) = in(r - dy, c - dx), zero outside the image.
void shift_image(const float* in, int rows, int cols, int dx, int dy, std::vector<float>& out) {
    out.assign(static_cast<std::size_t>(rows) * cols, 0.0f);
    for (int r = 0; r < rows; ++r) {
        const int sr = r - dy;
        if (sr < 0 || sr >= rows) continue;
        for (int c = 0; c < cols; ++c) {
            const int sc = c - dx;
            if (sc >= 0 && sc < cols) out[static_cast<std::size_t>(r) * cols + c] = in[sr * cols + sc];
        }
    }
}

}  // namespace

Trainer::Trainer(TrainSpec spec, int threads) : m_spec(std::move(spec)), m_workers(threads) {
    m_spec.validate();
    const auto sizes = m_spec.layer_sizes();
    m_net.input_window = m_spec.input_window;
    m_net.input_threshold = m_spec.input_threshold;
    for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
        Layer layer;
        layer.in = sizes[l];
        layer.out = sizes[l + 1];
        layer.theta = m_spec.theta;
        layer.w.resize(static_cast<std::size_t>(layer.in) * layer.out);
        std::mt19937_64 rng(derive_seed(m_spec.seed, "train.init", l));
        const InitSpec& init = m_spec.init[l];
        for (double& w : layer.w) w = init.mean + init.std * normal(rng);
        m_net.layers.push_back(std::move(layer));
        m_m.emplace_back(m_net.layers.back().w.size(), 0.0);
        m_v.emplace_back(m_net.layers.back().w.size(), 0.0);
    }
    m_grad.resize_like(m_net);
}

void Trainer::adam_step(const Gradients& g, double lr) {
    ++m_step;
    const double b1 = m_spec.adam_beta1, b2 = m_spec.adam_beta2, eps = m_spec.adam_eps;
    const double lr_t = lr * std::sqrt(1.0 - std::pow(b2, static_cast<double>(m_step))) /
                        (1.0 - std::pow(b1, static_cast<double>(m_step)));
    for (std::size_t l = 0; l < m_net.layers.size(); ++l) {
        double* w = m_net.layers[l].w.data();
        double* m = m_m[l].data();
        double* v = m_v[l].data();
        const double* d = g.dw[l].data();
        m_workers.for_range(m_m[l].size(), 16384, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) {
                m[i] = b1 * m[i] + (1.0 - b1) * d[i];
                v[i] = b2 * v[i] + (1.0 - b2) * d[i] * d[i];
                w[i] -= lr_t * m[i] / (std::sqrt(v[i]) + eps);
            }
        });
    }
}

EpochMetrics Trainer::train_epoch(const data::ImageSet& train, const data::ImageSet& test,
                                  const std::function<void(std::size_t, std::size_t)>& on_batch) {
    const auto start = std::chrono::steady_clock::now();
    const int epoch = epochs_done();
    if (train.pixels_per_image() != static_cast<std::size_t>(m_net.inputs()))
        throw InputError("training set '" + train.name + "' has " +
                         std::to_string(train.pixels_per_image()) + " pixels per image, the network " +
                         std::to_string(m_net.inputs()) + " inputs");
    const std::size_t N = train.count();
    if (N == 0) throw InputError("training set '" + train.name + "' is empty");
    for (std::size_t s = 0; s < N; ++s)
        if (train.labels[s] >= static_cast<std::size_t>(m_net.outputs()))
            throw InputError("training set '" + train.name + "': label " +
                             std::to_string(train.labels[s]) + " of sample " + std::to_string(s) +
                             " >= " + std::to_string(m_net.outputs()) + " outputs");

    std::vector<std::size_t> order(N);
    for (std::size_t i = 0; i < N; ++i) order[i] = i;
    std::mt19937_64 rng(derive_seed(m_spec.seed, "train.shuffle", static_cast<std::uint64_t>(epoch)));
    for (std::size_t i = N; i > 1; --i) std::swap(order[i - 1], order[uniform_below(rng, i)]);

    EpochMetrics em;
    em.epoch = epoch + 1;
    em.lr = m_spec.learning_rate(epoch);
    std::vector<std::vector<std::uint8_t>> fired(m_net.layers.size() - 1);
    for (std::size_t l = 0; l + 1 < m_net.layers.size(); ++l) fired[l].assign(m_net.layers[l].out, 0);

    const std::size_t batch = static_cast<std::size_t>(m_spec.batch);
    const std::size_t batches = (N + batch - 1) / batch;
    double loss_sum = 0.0;
    std::size_t correct = 0, clipped = 0;
    for (std::size_t bi = 0; bi < batches; ++bi) {
        const std::size_t first = bi * batch, B = std::min(batch, N - first);
        m_traces.resize(B);
        m_workers.for_range(B, 8, [&](std::size_t b, std::size_t e) {
            for (std::size_t s = b; s < e; ++s) {
                const std::size_t idx = order[first + s];
                m_traces[s].layers.resize(m_net.layers.size());
                m_traces[s].label = train.labels[idx];
                const float* image = train.image(idx);
                thread_local std::vector<float> shifted;
                if (m_spec.augment_shift > 0) {
                    // Seeded per (epoch, sample): independent of batch split and thread count.
                    std::mt19937_64 arng(derive_seed(m_spec.seed, "train.augment",
                                                     static_cast<std::uint64_t>(epoch) * N + idx));
                    const auto span = static_cast<std::uint64_t>(2 * m_spec.augment_shift + 1);
                    const int dx = static_cast<int>(uniform_below(arng, span)) - m_spec.augment_shift;
                    const int dy = static_cast<int>(uniform_below(arng, span)) - m_spec.augment_shift;
                    shift_image(image, static_cast<int>(train.rows), static_cast<int>(train.cols), dx,
                                dy, shifted);
                    image = shifted.data();
                }
                encode_ttfs(image, m_net.inputs(), m_net.input_window, m_net.input_threshold,
                            m_traces[s].layers[0]);
            }
        });
        m_fwd.prepare(m_net, m_workers);
        loss_sum += batch_gradient(m_net, m_spec.loss, m_traces, m_grad, m_workers, m_fwd) * B;
        for (const auto& tr : m_traces) {
            if (tr.predicted == tr.label) ++correct;
            for (std::size_t l = 0; l < fired.size(); ++l)
                for (std::size_t j = 0; j < fired[l].size(); ++j)
                    fired[l][j] |= tr.layers[l].t[j] != kNoSpike;
        }
        const double norm = m_grad.norm();
        if (m_spec.clip_grad_norm > 0 && norm > m_spec.clip_grad_norm) {
            ++clipped;
            const double f = m_spec.clip_grad_norm / norm;
            for (auto& d : m_grad.dw)
                for (double& v : d) v *= f;
        }
        adam_step(m_grad, em.lr);
        if (on_batch) on_batch(bi + 1, batches);
    }
    em.loss = loss_sum / N;
    em.train_accuracy = static_cast<double>(correct) / N;
    std::size_t dead = 0, hidden = 0;
    for (const auto& f : fired) {
        hidden += f.size();
        dead += static_cast<std::size_t>(std::count(f.begin(), f.end(), 0));
    }
    em.dead_fraction = hidden ? static_cast<double>(dead) / hidden : 0.0;
    em.clipped_fraction = static_cast<double>(clipped) / batches;
    em.test_accuracy = test.count() ? evaluate(test).accuracy() : 0.0;
    em.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    m_history.push_back(em);
    return em;
}

EvalResult Trainer::evaluate(const data::ImageSet& set) {
    if (set.pixels_per_image() != static_cast<std::size_t>(m_net.inputs()))
        throw InputError("data set '" + set.name + "' has " + std::to_string(set.pixels_per_image()) +
                         " pixels per image, the network " + std::to_string(m_net.inputs()) +
                         " inputs");
    EvalResult r;
    r.total = set.count();
    std::vector<int> pred(set.count(), -1);
    m_fwd.prepare(m_net, m_workers);
    const std::size_t chunk = 256;
    std::vector<SampleTrace> traces;
    for (std::size_t first = 0; first < set.count(); first += chunk) {
        const std::size_t B = std::min(chunk, set.count() - first);
        traces.resize(B);
        m_workers.for_range(B, 8, [&](std::size_t b, std::size_t e) {
            for (std::size_t s = b; s < e; ++s) {
                traces[s].layers.resize(m_net.layers.size());
                encode_ttfs(set.image(first + s), m_net.inputs(), m_net.input_window,
                            m_net.input_threshold, traces[s].layers[0]);
            }
        });
        m_fwd.run(m_net, traces, m_workers);
        for (std::size_t s = 0; s < B; ++s) pred[first + s] = traces[s].predicted;
    }
    for (std::size_t s = 0; s < set.count(); ++s) {
        if (pred[s] == set.labels[s]) ++r.correct;
        if (pred[s] < 0) ++r.no_output;
    }
    return r;
}

// Checkpoint layout (little-endian, as written by this machine):
//   "STDBPCK1" | u32 layers | u64 adam step | u32 epochs | per layer: u32 in, u32 out,
//   f64 theta, f64 w[in*out], f64 m[in*out], f64 v[in*out] | per epoch: 9 x f64 metrics.
namespace {
constexpr char kMagic[8] = {'S', 'T', 'D', 'B', 'P', 'C', 'K', '2'};

template <typename T>
void put(std::string& out, const T& v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}
void put_array(std::string& out, const std::vector<double>& v) {
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
}

class Cursor {
  public:
    Cursor(const std::string& data, std::string path) : m_data(data), m_path(std::move(path)) {}
    template <typename T>
    T get() {
        T v;
        take(&v, sizeof(T));
        return v;
    }
    void get_array(std::vector<double>& v) { take(v.data(), v.size() * sizeof(double)); }
    bool at_end() const { return m_pos == m_data.size(); }

  private:
    void take(void* dst, std::size_t n) {
        if (m_data.size() - m_pos < n)
            throw InputError(m_path + ": checkpoint is truncated (" + std::to_string(m_data.size()) +
                             " bytes)");
        std::memcpy(dst, m_data.data() + m_pos, n);
        m_pos += n;
    }
    const std::string& m_data;
    std::string m_path;
    std::size_t m_pos = 0;
};
}  // namespace

void Trainer::set_quantized_accuracy(double accuracy) {
    if (m_history.empty()) throw Error("set_quantized_accuracy before the first epoch");
    m_history.back().quantized_test_accuracy = accuracy;
}

void Trainer::save_checkpoint(const std::string& path) const {
    std::string out(kMagic, sizeof(kMagic));
    put(out, static_cast<std::uint32_t>(m_net.layers.size()));
    put(out, m_step);
    put(out, static_cast<std::uint32_t>(m_history.size()));
    for (std::size_t l = 0; l < m_net.layers.size(); ++l) {
        const Layer& layer = m_net.layers[l];
        put(out, static_cast<std::uint32_t>(layer.in));
        put(out, static_cast<std::uint32_t>(layer.out));
        put(out, layer.theta);
        put_array(out, layer.w);
        put_array(out, m_m[l]);
        put_array(out, m_v[l]);
    }
    for (const auto& h : m_history) {
        put(out, static_cast<double>(h.epoch));
        for (double v : {h.lr, h.loss, h.train_accuracy, h.test_accuracy, h.dead_fraction,
                         h.clipped_fraction, h.seconds, h.quantized_test_accuracy})
            put(out, v);
    }
    write_file_atomic(path, out);
}

void Trainer::load_checkpoint(const std::string& path) {
    const std::string data = read_file(path);
    if (data.size() < sizeof(kMagic) || std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0)
        throw InputError(path + ": not an STDBP checkpoint (bad magic)");
    Cursor c(data, path);
    for (std::size_t i = 0; i < sizeof(kMagic); ++i) c.get<char>();
    const auto layers = c.get<std::uint32_t>();
    if (layers != m_net.layers.size())
        throw InputError(path + ": checkpoint has " + std::to_string(layers) + " layers, the model " +
                         std::to_string(m_net.layers.size()));
    const auto step = c.get<std::uint64_t>();
    const auto epochs = c.get<std::uint32_t>();
    Net net = m_net;
    auto m = m_m, v = m_v;
    for (std::size_t l = 0; l < layers; ++l) {
        const auto in = c.get<std::uint32_t>(), out = c.get<std::uint32_t>();
        if (static_cast<int>(in) != net.layers[l].in || static_cast<int>(out) != net.layers[l].out)
            throw InputError(path + ": checkpoint layer " + std::to_string(l) + " is " +
                             std::to_string(out) + " x " + std::to_string(in) + ", the model's " +
                             std::to_string(net.layers[l].out) + " x " +
                             std::to_string(net.layers[l].in));
        net.layers[l].theta = c.get<double>();
        c.get_array(net.layers[l].w);
        c.get_array(m[l]);
        c.get_array(v[l]);
    }
    std::vector<EpochMetrics> history(epochs);
    for (auto& h : history) {
        h.epoch = static_cast<int>(c.get<double>());
        for (double* p : {&h.lr, &h.loss, &h.train_accuracy, &h.test_accuracy, &h.dead_fraction,
                          &h.clipped_fraction, &h.seconds, &h.quantized_test_accuracy})
            *p = c.get<double>();
    }
    if (!c.at_end()) throw InputError(path + ": trailing bytes after the checkpoint data");
    m_net = std::move(net);
    m_m = std::move(m);
    m_v = std::move(v);
    m_step = step;
    m_history = std::move(history);
}

}  // namespace spiketlm::train
