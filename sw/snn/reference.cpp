#include "sw/snn/reference.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "sw/common/error.h"
#include "sw/snn/neuron.h"

namespace spiketlm::snn {

std::uint64_t FrameResult::spikes() const {
    std::uint64_t n = 0;
    for (auto c : spikes_per_layer) n += c;
    return n;
}

int decode_first_spike(const std::vector<std::pair<std::uint32_t, std::int32_t>>& fired) {
    int best = -1;
    std::int32_t best_v = 0;
    for (const auto& [n, v] : fired) {
        const int idx = static_cast<int>(n);
        if (best < 0 || v > best_v || (v == best_v && idx < best)) {
            best = idx;
            best_v = v;
        }
    }
    return best;
}

int decode_count(const std::vector<std::uint32_t>& counts) {
    int best = -1;
    std::uint32_t best_c = 0;
    for (std::size_t k = 0; k < counts.size(); ++k)
        if (counts[k] > best_c) {
            best_c = counts[k];
            best = static_cast<int>(k);
        }
    return best;
}

namespace {

// Event-driven accumulation of one source row into the accumulators: `W` is the stored weight
// type, `A` the accumulator type, chosen per layer so that the exact sum cannot overflow.
template <class W, class A>
struct Kernel {
    static void add_row(A* __restrict acc, const W* __restrict row, int n) {
        for (int o = 0; o < n; ++o) acc[o] += static_cast<A>(row[o]);
    }
};

// Synapses by source (the transpose of a layer's CSR): source s reaches targets
// tgt[ptr[s] .. ptr[s+1]) with weights w[same range].
struct SourceRows {
    std::vector<std::uint32_t> ptr, tgt;
    std::vector<std::int32_t> w;
};

SourceRows by_source(const Csr& c, std::uint32_t sources) {
    SourceRows r;
    r.ptr.assign(static_cast<std::size_t>(sources) + 1, 0);
    for (auto s : c.cols) ++r.ptr[s + 1];
    for (std::uint32_t s = 0; s < sources; ++s) r.ptr[s + 1] += r.ptr[s];
    r.tgt.resize(c.cols.size());
    r.w.resize(c.cols.size());
    std::vector<std::uint32_t> fill(r.ptr.begin(), r.ptr.end() - 1);
    for (std::uint32_t o = 0; o < c.rows(); ++o)  // targets ascending within each source row
        for (std::uint32_t k = c.row_ptr[o]; k < c.row_ptr[o + 1]; ++k) {
            const std::uint32_t at = fill[c.cols[k]]++;
            r.tgt[at] = o;
            r.w[at] = c.weights[k];
        }
    return r;
}

struct LayerPrep {
    int in = 0, out = 0, delay = 0;
    NeuronParams p;
    bool narrow = false;                // int16 weights + int32 accumulators
    bool simple = false;                // decays 0/4096, no noise: update_neuron_simple
    bool dense = true;                  // dense rows below; otherwise `rows`
    std::vector<std::int16_t> wt16;     // in x out (transposed), dense and narrow
    std::vector<std::int32_t> wt32;     // in x out (transposed), dense otherwise
    SourceRows rows;                    // sparse and conv2d layers
    bool recurrent = false;
    SourceRows rec;                     // recurrent synapses by source (own neurons)
};

struct Spike {
    std::uint32_t step, neuron;
};

}  // namespace

struct Reference::Impl {
    std::vector<LayerPrep> layers;
};

Reference::Reference(Network net, SimOptions opt) : m_net(std::move(net)), m_impl(std::make_unique<Impl>()) {
    m_net.validate();
    m_early_stop = opt.early_stop.value_or(m_net.early_stop);
    m_noise_seed = opt.noise_seed.value_or(m_net.seed);
    m_synapses = opt.synapses;
    if (m_early_stop && m_net.decode == Decode::count)
        throw InputError("network '" + m_net.name + "': early stop needs decode first_spike, the model decodes by count");
    for (const Layer& l : m_net.layers) {
        LayerPrep lp;
        lp.in = l.in;
        lp.out = l.out;
        lp.delay = l.delay;
        lp.p = l.neuron;
        lp.simple = has_simple_datapath(l.neuron);
        lp.dense = l.kind == LayerKind::dense;
        lp.recurrent = l.has_recurrent();
        if (m_synapses && m_synapses->replaces(static_cast<std::uint32_t>(m_impl->layers.size())) &&
            (!lp.dense || lp.recurrent))
            throw InputError("network '" + m_net.name + "' layer '" + l.name +
                             "': the synapse model (NVM crossbars) handles dense layers without recurrent synapses only");
        // |acc| <= (fan-in) * max|w| per step (each source spikes at most once per step).
        std::int64_t wmax = 0, fan_in = 0;
        for (auto w : l.weights) wmax = std::max<std::int64_t>(wmax, std::llabs(w));
        for (auto w : l.recurrent.weights) wmax = std::max<std::int64_t>(wmax, std::llabs(w));
        if (lp.dense) {
            fan_in = l.in;
        } else {
            lp.rows = by_source(l.synapses(), static_cast<std::uint32_t>(l.in));
            std::vector<std::int64_t> fan(static_cast<std::size_t>(l.out), 0);
            for (auto t : lp.rows.tgt) ++fan[t];
            for (auto f : fan) fan_in = std::max(fan_in, f);
        }
        if (lp.recurrent) {
            lp.rec = by_source(l.recurrent, static_cast<std::uint32_t>(l.out));
            fan_in += l.out;  // a bound: at most one spike per own neuron per step
        }
        lp.narrow = wmax <= 32767 && fan_in * wmax <= 2147483647LL;
        if (lp.dense) {
            const std::size_t n = static_cast<std::size_t>(l.in) * l.out;
            if (lp.narrow) lp.wt16.resize(n);
            else lp.wt32.resize(n);
            for (int o = 0; o < l.out; ++o)
                for (int i = 0; i < l.in; ++i) {
                    const std::size_t t = static_cast<std::size_t>(i) * l.out + o;
                    if (lp.narrow) lp.wt16[t] = static_cast<std::int16_t>(l.weight(o, i));
                    else lp.wt32[t] = l.weight(o, i);
                }
        }
        m_impl->layers.push_back(std::move(lp));
    }
}

Reference::~Reference() = default;

namespace {

struct LayerRun {
    std::vector<NeuronState> state;
    std::vector<std::int32_t> acc32;
    std::vector<std::int64_t> acc64;
    std::vector<std::uint32_t> rows;  // sources delivered this step (synapse-model layers)
    std::vector<Spike> emitted;  // in step order
    std::size_t cursor = 0;      // next source spike to deliver into this layer
    std::size_t rec_cursor = 0;  // next own spike to deliver back (recurrent synapses)
};

}  // namespace

FrameResult Reference::run(const encode::SpikeTrain& input, std::uint64_t frame_index, SpikeSink* sink) const {
    const auto& layers = m_impl->layers;
    const std::size_t nl = layers.size();
    for (std::size_t k = 0; k < input.size(); ++k) {
        if (input[k].input >= static_cast<std::uint32_t>(m_net.inputs))
            throw InputError("frame " + std::to_string(frame_index) + ": input spike " + std::to_string(k) +
                             " names input " + std::to_string(input[k].input) + " but network '" + m_net.name +
                             "' has " + std::to_string(m_net.inputs) + " inputs");
        // The SpikeTrain contract: sorted by (step, input), at most one spike per pair.
        if (k && !(input[k - 1] < input[k]))
            throw InputError("frame " + std::to_string(frame_index) + ": input spike " + std::to_string(k) +
                             " is out of (step, input) order or duplicated");
    }

    FrameResult r;
    r.input_spikes = input.size();
    r.spikes_per_layer.assign(nl, 0);
    r.output_counts.assign(static_cast<std::size_t>(layers.back().out), 0);

    std::vector<LayerRun> run(nl);
    for (std::size_t l = 0; l < nl; ++l) {
        run[l].state.assign(static_cast<std::size_t>(layers[l].out), NeuronState{});
        if (layers[l].narrow) run[l].acc32.assign(static_cast<std::size_t>(layers[l].out), 0);
        else run[l].acc64.assign(static_cast<std::size_t>(layers[l].out), 0);
    }
    std::size_t in_cursor = 0;
    std::vector<std::pair<std::uint32_t, std::int32_t>> out_fired;

    const std::uint32_t steps = static_cast<std::uint32_t>(m_net.timesteps);
    std::uint32_t t = 0;
    for (; t < steps; ++t) {
        for (std::size_t l = 0; l < nl; ++l) {
            const LayerPrep& lp = layers[l];
            LayerRun& lr = run[l];
            // Delivery: sources emitted at step s arrive at s + 1 + delay.
            bool delivered = false;
            const bool modelled = m_synapses && m_synapses->replaces(static_cast<std::uint32_t>(l));
            lr.rows.clear();
            const auto add_rows = [&](const SourceRows& rows, std::uint32_t src) {
                const std::uint32_t b = rows.ptr[src], e = rows.ptr[src + 1];
                r.synops += e - b;
                if (lp.narrow)
                    for (std::uint32_t k = b; k < e; ++k) lr.acc32[rows.tgt[k]] += rows.w[k];
                else
                    for (std::uint32_t k = b; k < e; ++k) lr.acc64[rows.tgt[k]] += rows.w[k];
            };
            const auto deliver = [&](std::uint32_t src) {
                delivered = true;
                if (!lp.dense) {
                    add_rows(lp.rows, src);
                    return;
                }
                r.synops += static_cast<std::uint64_t>(lp.out);
                if (modelled) {
                    lr.rows.push_back(src);
                    return;
                }
                const std::size_t base = static_cast<std::size_t>(src) * lp.out;
                if (lp.narrow) Kernel<std::int16_t, std::int32_t>::add_row(lr.acc32.data(), lp.wt16.data() + base, lp.out);
                else Kernel<std::int32_t, std::int64_t>::add_row(lr.acc64.data(), lp.wt32.data() + base, lp.out);
            };
            const std::int64_t due = static_cast<std::int64_t>(t) - 1 - lp.delay;  // source step delivered now
            if (l == 0) {
                while (in_cursor < input.size() && static_cast<std::int64_t>(input[in_cursor].step) <= due)
                    deliver(input[in_cursor++].input);
            } else {
                const auto& src = run[l - 1].emitted;
                while (lr.cursor < src.size() && static_cast<std::int64_t>(src[lr.cursor].step) <= due)
                    deliver(src[lr.cursor++].neuron);
            }
            if (lp.recurrent) {
                // The layer's own spikes, delivered with the same delay as feedforward ones.
                const auto& own = lr.emitted;
                while (lr.rec_cursor < own.size() && static_cast<std::int64_t>(own[lr.rec_cursor].step) <= due) {
                    delivered = true;
                    add_rows(lp.rec, own[lr.rec_cursor++].neuron);
                }
            }
            if (modelled && delivered) {
                // Sources arrive in (step, index) order, so a step's rows are sorted and unique
                // unless several source steps land together (delay changes): sort to be sure.
                std::sort(lr.rows.begin(), lr.rows.end());
                lr.rows.erase(std::unique(lr.rows.begin(), lr.rows.end()), lr.rows.end());
                if (lr.acc64.size() != static_cast<std::size_t>(lp.out)) lr.acc64.assign(static_cast<std::size_t>(lp.out), 0);
                m_synapses->layer_sums(static_cast<std::uint32_t>(l), lr.rows, frame_index, t, lr.acc64.data());
            }
            // Update every neuron at the step boundary.
            const bool is_out = l + 1 == nl;
            const auto on_fire = [&](int o, std::int32_t v_fire) {
                lr.emitted.push_back({t, static_cast<std::uint32_t>(o)});
                ++r.spikes_per_layer[l];
                if (sink) sink->on_spike(t, static_cast<std::uint32_t>(l), static_cast<std::uint32_t>(o));
                if (is_out) {
                    ++r.output_counts[static_cast<std::size_t>(o)];
                    if (r.first_output_step < 0 || r.first_output_step == static_cast<int>(t))
                        out_fired.emplace_back(static_cast<std::uint32_t>(o), v_fire);
                }
            };
            const auto acc_of = [&](int o) -> std::int64_t {
                if (!delivered) return 0;
                return lp.narrow && !modelled ? lr.acc32[static_cast<std::size_t>(o)] : lr.acc64[static_cast<std::size_t>(o)];
            };
            NeuronState* st = lr.state.data();
            std::int32_t v_fire = 0;
            if (lp.simple) {
                const NeuronParams p = lp.p;  // a local copy: no aliasing with the state writes
                const bool keep_i = p.decay_i == kDecayOne, keep_v = p.decay_v == kDecayOne;
                for (int o = 0; o < lp.out; ++o)
                    if (!st[o].done && update_neuron_simple(st[o], p, keep_i, keep_v, acc_of(o), v_fire))
                        on_fire(o, v_fire);
            } else {
                const bool stochastic = needs_noise(lp.p);
                for (int o = 0; o < lp.out; ++o) {
                    if (st[o].done) continue;
                    const std::uint32_t nw = stochastic ? noise_word(m_noise_seed, static_cast<std::uint32_t>(l),
                                                                     static_cast<std::uint32_t>(o), frame_index, t)
                                                        : 0u;
                    if (update_neuron(st[o], lp.p, acc_of(o), nw, v_fire)) on_fire(o, v_fire);
                }
            }
            if (delivered) {
                if (lp.narrow && !modelled) std::fill(lr.acc32.begin(), lr.acc32.end(), 0);
                else std::fill(lr.acc64.begin(), lr.acc64.end(), 0);
            }
            if (is_out && r.first_output_step < 0 && !out_fired.empty()) r.first_output_step = static_cast<int>(t);
        }
        if (m_early_stop && r.first_output_step >= 0) {
            ++t;
            break;
        }
    }
    r.steps = t;
    r.decision = m_net.decode == Decode::first_spike ? decode_first_spike(out_fired) : decode_count(r.output_counts);
    return r;
}

FrameResult simulate_frame(const Network& net, const encode::SpikeTrain& input, std::uint64_t frame_index,
                           SpikeSink* sink, SimOptions opt) {
    return Reference(net, opt).run(input, frame_index, sink);
}

std::vector<BatchFrame> run_batch(const Reference& ref, std::size_t count,
                                  const std::function<FrameInput(std::size_t)>& input, int threads,
                                  bool record_spikes) {
    std::vector<BatchFrame> out(count);
    unsigned n = threads > 0 ? static_cast<unsigned>(threads) : std::max(1u, std::thread::hardware_concurrency());
    n = static_cast<unsigned>(std::min<std::size_t>(n, std::max<std::size_t>(count, 1)));
    std::atomic<std::size_t> next{0};
    std::exception_ptr error;
    std::size_t error_frame = count;  // the lowest failing frame wins, whatever the thread count
    std::mutex error_mutex;
    const auto worker = [&] {
        for (;;) {
            const std::size_t k = next.fetch_add(1);
            if (k >= count) return;
            try {
                const FrameInput in = input(k);
                VectorSink sink;
                out[k].result = ref.run(in.spikes, in.frame_index, record_spikes ? &sink : nullptr);
                out[k].spikes = std::move(sink.spikes);
            } catch (...) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (k < error_frame) {
                    error = std::current_exception();
                    error_frame = k;
                }
                return;
            }
        }
    };
    if (n <= 1) {
        worker();
    } else {
        std::vector<std::thread> pool;
        for (unsigned w = 0; w < n; ++w) pool.emplace_back(worker);
        for (auto& th : pool) th.join();
    }
    if (error) std::rethrow_exception(error);
    return out;
}

}  // namespace spiketlm::snn
