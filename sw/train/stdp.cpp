#include "sw/train/stdp.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <set>

#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/common/seed.h"
#include "sw/encode/encoder.h"
#include "sw/snn/evaluate.h"
#include "sw/train/parallel.h"
#include "sw/train/spec_yaml.h"

namespace spiketlm::train {

// ---------------------------------------------------------------------------------------------
// Spec

std::int32_t StdpSpec::decay_v_q12() const {
    return static_cast<std::int32_t>(std::lround(4096.0 * std::exp(-1.0 / tau_v)));
}

void StdpSpec::validate() const {
    const std::string where = source.empty() ? name : source;
    auto bad = [&](const std::string& what) { throw InputError(where + ": " + what); };
    if (inputs < 1) bad("network.inputs must be >= 1");
    if (neurons < 2) bad("network.neurons must be >= 2");
    if (outputs < 2) bad("network.outputs must be >= 2");
    if (!(threshold > 0)) bad("neuron.threshold must be > 0");
    if (!(tau_v > 0)) bad("neuron.tau_v must be > 0");
    if (refractory < 0 || refractory > 65535) bad("neuron.refractory must be in 0..65535");
    if (!(inhibition >= 0)) bad("neuron.inhibition must be >= 0");
    if (!(theta_plus >= 0)) bad("neuron.theta_plus must be >= 0");
    if (!(tau_theta > 0)) bad("neuron.tau_theta must be > 0");
    if (!(nu_pre >= 0)) bad("stdp.nu_pre must be >= 0");
    if (!(nu_post >= 0)) bad("stdp.nu_post must be >= 0");
    if (!(tau_pre > 0)) bad("stdp.tau_pre must be > 0");
    if (!(tau_post > 0)) bad("stdp.tau_post must be > 0");
    if (!(w_max > 0)) bad("stdp.w_max must be > 0");
    if (!(w_init_max >= 0 && w_init_max <= w_max)) bad("stdp.w_init_max must be in [0, stdp.w_max]");
    if (!(norm >= 0)) bad("stdp.norm must be >= 0");
    if (norm > w_max * inputs) bad("stdp.norm must be <= stdp.w_max * network.inputs (the weights cannot reach it)");
    if (steps < 1 || steps > 65536) bad("encoding.steps must be in 1..65536");
    if (!(rate_max > 0 && rate_max <= 1)) bad("encoding.rate_max must be in (0, 1]");
    if (min_spikes < 0) bad("encoding.min_spikes must be >= 0");
    if (!(rate_boost >= 0 && rate_boost <= 1)) bad("encoding.rate_boost must be in [0, 1]");
    if (max_retries < 0 || max_retries > 100) bad("encoding.max_retries must be in 0..100");
    if (epochs < 1) bad("train.epochs must be >= 1");
    if (weight_bits < 2 || weight_bits > 16) bad("conversion.weight_bits must be in 2..16");
    if (state_bits < 8 || state_bits > 32) bad("conversion.state_bits must be in 8..32");
    if (drain_steps < 0 || drain_steps > 65536) bad("conversion.drain_steps must be in 0..65536");
}

namespace {

using spec_yaml::check_keys;
using spec_yaml::fail;
using spec_yaml::get;

// Range errors of a value read from the file carry its line (validate() repeats them without).
template <typename T, typename Ok>
void get_checked(const std::string& source, const YAML::Node& map, const char* key, const std::string& section,
                 T& out, Ok ok, const char* rule) {
    get(source, map, key, section, out);
    if (map[key] && !ok(out)) fail(source, map[key], "'" + spec_yaml::key_path(section, key) + "' " + rule);
}

}  // namespace

StdpSpec parse_stdp_spec(const std::string& text, const std::string& source) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw InputError(source + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
    }
    if (!root.IsMap()) throw InputError(source + ": an STDP model file must be a YAML mapping");
    StdpSpec s;
    s.source = source;
    check_keys(source, root, "", {"name", "network", "neuron", "stdp", "encoding", "train", "conversion"});
    get(source, root, "name", "", s.name);
    const auto pos = [](auto x) { return x > 0; };
    const auto nonneg = [](auto x) { return x >= 0; };
    if (const auto n = root["network"]) {
        check_keys(source, n, "network", {"inputs", "neurons", "outputs"});
        get_checked(source, n, "inputs", "network", s.inputs, pos, "must be >= 1");
        get_checked(source, n, "neurons", "network", s.neurons, [](int x) { return x >= 2; }, "must be >= 2");
        get_checked(source, n, "outputs", "network", s.outputs, [](int x) { return x >= 2; }, "must be >= 2");
    } else {
        throw InputError(source + ": missing key 'network'");
    }
    if (const auto n = root["neuron"]) {
        check_keys(source, n, "neuron",
                   {"threshold", "tau_v", "refractory", "inhibition", "theta_plus", "tau_theta"});
        get_checked(source, n, "threshold", "neuron", s.threshold, pos, "must be > 0");
        get_checked(source, n, "tau_v", "neuron", s.tau_v, pos, "must be > 0");
        get_checked(source, n, "refractory", "neuron", s.refractory, [](int x) { return x >= 0 && x <= 65535; },
                    "must be in 0..65535");
        get_checked(source, n, "inhibition", "neuron", s.inhibition, nonneg, "must be >= 0");
        get_checked(source, n, "theta_plus", "neuron", s.theta_plus, nonneg, "must be >= 0");
        get_checked(source, n, "tau_theta", "neuron", s.tau_theta, pos, "must be > 0");
    }
    if (const auto n = root["stdp"]) {
        check_keys(source, n, "stdp", {"nu_pre", "nu_post", "tau_pre", "tau_post", "w_max", "w_init_max", "norm"});
        get_checked(source, n, "nu_pre", "stdp", s.nu_pre, nonneg, "must be >= 0");
        get_checked(source, n, "nu_post", "stdp", s.nu_post, nonneg, "must be >= 0");
        get_checked(source, n, "tau_pre", "stdp", s.tau_pre, pos, "must be > 0");
        get_checked(source, n, "tau_post", "stdp", s.tau_post, pos, "must be > 0");
        get_checked(source, n, "w_max", "stdp", s.w_max, pos, "must be > 0");
        get_checked(source, n, "w_init_max", "stdp", s.w_init_max, nonneg, "must be >= 0");
        get_checked(source, n, "norm", "stdp", s.norm, nonneg, "must be >= 0");
    }
    if (const auto n = root["encoding"]) {
        check_keys(source, n, "encoding", {"kind", "steps", "rate_max", "min_spikes", "rate_boost", "max_retries"});
        std::string kind = "rate";
        get(source, n, "kind", "encoding", kind);
        if (kind != "rate")
            fail(source, n["kind"], "'encoding.kind' must be rate (STDP learns from rate-coded inputs), not '" + kind + "'");
        get_checked(source, n, "steps", "encoding", s.steps, [](int x) { return x >= 1 && x <= 65536; },
                    "must be in 1..65536");
        get_checked(source, n, "rate_max", "encoding", s.rate_max, [](double x) { return x > 0 && x <= 1; },
                    "must be in (0, 1]");
        get_checked(source, n, "min_spikes", "encoding", s.min_spikes, nonneg, "must be >= 0");
        get_checked(source, n, "rate_boost", "encoding", s.rate_boost, [](double x) { return x >= 0 && x <= 1; },
                    "must be in [0, 1]");
        get_checked(source, n, "max_retries", "encoding", s.max_retries, [](int x) { return x >= 0 && x <= 100; },
                    "must be in 0..100");
    }
    if (const auto n = root["train"]) {
        check_keys(source, n, "train", {"seed", "epochs", "train_samples", "test_samples", "assign_samples"});
        get(source, n, "seed", "train", s.seed);
        get_checked(source, n, "epochs", "train", s.epochs, pos, "must be >= 1");
        get(source, n, "train_samples", "train", s.train_samples);
        get(source, n, "test_samples", "train", s.test_samples);
        get(source, n, "assign_samples", "train", s.assign_samples);
    }
    if (const auto n = root["conversion"]) {
        check_keys(source, n, "conversion", {"weight_bits", "state_bits", "drain_steps"});
        get_checked(source, n, "weight_bits", "conversion", s.weight_bits, [](int x) { return x >= 2 && x <= 16; },
                    "must be in 2..16");
        get_checked(source, n, "state_bits", "conversion", s.state_bits, [](int x) { return x >= 8 && x <= 32; },
                    "must be in 8..32");
        get_checked(source, n, "drain_steps", "conversion", s.drain_steps,
                    [](int x) { return x >= 0 && x <= 65536; }, "must be in 0..65536");
    }
    s.validate();
    return s;
}

StdpSpec load_stdp_spec(const std::string& path) { return parse_stdp_spec(read_file(path), path); }

// ---------------------------------------------------------------------------------------------
// Network state

StdpNet init_stdp(const StdpSpec& spec) {
    StdpNet net;
    net.inputs = spec.inputs;
    net.neurons = spec.neurons;
    net.w.resize(static_cast<std::size_t>(spec.inputs) * spec.neurons);
    net.theta.assign(static_cast<std::size_t>(spec.neurons), 0.0);
    std::mt19937_64 rng(derive_seed(spec.seed, "stdp-init"));
    // 53-bit uniform draws from the raw generator (std::uniform_real_distribution's algorithm is
    // implementation-defined; this keeps the weights identical across standard libraries).
    for (auto& x : net.w) x = static_cast<float>(spec.w_init_max * (static_cast<double>(rng() >> 11) * 0x1.0p-53));
    normalize_weights(net, spec);
    return net;
}

void normalize_weights(StdpNet& net, const StdpSpec& spec) {
    if (spec.norm <= 0) return;
    const int n = net.neurons;
    std::vector<double> sum(static_cast<std::size_t>(n), 0.0);
    for (int i = 0; i < net.inputs; ++i) {
        const float* row = net.w.data() + static_cast<std::size_t>(i) * n;
        for (int o = 0; o < n; ++o) sum[static_cast<std::size_t>(o)] += row[o];
    }
    std::vector<float> f(static_cast<std::size_t>(n));
    for (int o = 0; o < n; ++o) {
        const double s = sum[static_cast<std::size_t>(o)];
        f[static_cast<std::size_t>(o)] = s > 0 ? static_cast<float>(spec.norm / s) : 1.0f;
    }
    for (int i = 0; i < net.inputs; ++i) {
        float* row = net.w.data() + static_cast<std::size_t>(i) * n;
        for (int o = 0; o < n; ++o) row[o] *= f[static_cast<std::size_t>(o)];
    }
}

// ---------------------------------------------------------------------------------------------
// Simulation

namespace {

// One presentation. Learn = false reads `w` only (and `theta` only). Timing as the datapath
// (header comment): deliveries at step t are the input spikes encoded at t - 1 and the layer's
// own spikes of t - 1.
template <bool Learn>
StdpFrameResult simulate(float* w, double* theta, int inputs, int n, const StdpSpec& spec,
                         const encode::SpikeTrain& in, int total_steps, bool record) {
    StdpFrameResult r;
    r.counts.assign(static_cast<std::size_t>(n), 0);
    const double d = spec.decay_v();
    const double d_pre = std::exp(-1.0 / spec.tau_pre), d_post = std::exp(-1.0 / spec.tau_post);
    const float nu_pre = static_cast<float>(spec.nu_pre), nu_post = static_cast<float>(spec.nu_post);
    const float w_max = static_cast<float>(spec.w_max);
    std::vector<double> v(static_cast<std::size_t>(n), 0.0);
    std::vector<float> acc(static_cast<std::size_t>(n));
    std::vector<double> thr(static_cast<std::size_t>(n));
    for (int o = 0; o < n; ++o) thr[static_cast<std::size_t>(o)] = spec.threshold + theta[o];
    std::vector<int> ref(static_cast<std::size_t>(n), 0);
    std::vector<int> prev, cur;
    // Traces jump to 1 at a spike and decay by d_pre (d_post) per step: the trace of a source
    // whose last spike was k steps ago is decay^k, looked up in a table (k >= total_steps: never).
    std::vector<int> last_pre, last_post;
    std::vector<float> pow_pre, pow_post, y_post;
    if constexpr (Learn) {
        last_pre.assign(static_cast<std::size_t>(inputs), -total_steps);
        last_post.assign(static_cast<std::size_t>(n), -total_steps);
        y_post.resize(static_cast<std::size_t>(n));
        pow_pre.resize(static_cast<std::size_t>(total_steps) + 1);
        pow_post.resize(static_cast<std::size_t>(total_steps) + 1);
        double a = 1, b = 1;
        for (int k = 0; k < total_steps; ++k, a *= d_pre, b *= d_post) {
            pow_pre[static_cast<std::size_t>(k)] = static_cast<float>(a);
            pow_post[static_cast<std::size_t>(k)] = static_cast<float>(b);
        }
        pow_pre[static_cast<std::size_t>(total_steps)] = pow_post[static_cast<std::size_t>(total_steps)] = 0.0f;
    }
    auto age = [total_steps](int t, int last) { return static_cast<std::size_t>(std::min(t - last, total_steps)); };
    std::size_t k = 0;  // next input spike
    for (int t = 0; t < total_steps; ++t) {
        std::fill(acc.begin(), acc.end(), 0.0f);
        const std::size_t first = k;
        while (k < in.size() && static_cast<int>(in[k].step) + 1 <= t) ++k;  // encoded at t - 1 (or before: none)
        for (std::size_t s = first; s < k; ++s) {
            const float* row = w + static_cast<std::size_t>(in[s].input) * n;
            for (int o = 0; o < n; ++o) acc[static_cast<std::size_t>(o)] += row[o];
        }
        if (!prev.empty() && spec.inhibition > 0) {
            const auto inh = static_cast<float>(spec.inhibition);
            const float total = inh * static_cast<float>(prev.size());
            for (int o = 0; o < n; ++o) acc[static_cast<std::size_t>(o)] -= total;
            for (int j : prev) acc[static_cast<std::size_t>(j)] += inh;  // no self-inhibition
        }
        cur.clear();
        for (int o = 0; o < n; ++o) {
            const auto uo = static_cast<std::size_t>(o);
            if (ref[uo] > 0) {
                --ref[uo];
                continue;
            }
            v[uo] = d * v[uo] + acc[uo];
            if (v[uo] >= thr[uo]) {
                cur.push_back(o);
                v[uo] = 0.0;
                ref[uo] = spec.refractory;
                ++r.counts[uo];
            }
        }
        r.spikes += cur.size();
        if (record)
            for (int o : cur) r.events.emplace_back(static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(o));
        if constexpr (Learn) {
            // Pre spikes arriving now: depression by the post traces of earlier post spikes.
            if (k > first)
                for (int o = 0; o < n; ++o)
                    y_post[static_cast<std::size_t>(o)] = nu_pre * pow_post[age(t, last_post[static_cast<std::size_t>(o)])];
            for (std::size_t s = first; s < k; ++s) {
                const auto i = in[s].input;
                last_pre[i] = t;
                float* row = w + static_cast<std::size_t>(i) * n;
                for (int o = 0; o < n; ++o) row[o] = std::max(0.0f, row[o] - y_post[static_cast<std::size_t>(o)]);
            }
            // Post spikes now: potentiation by the pre traces (this step's arrivals included:
            // they caused the spike).
            for (int o : cur) {
                last_post[static_cast<std::size_t>(o)] = t;
                theta[o] += spec.theta_plus;
                thr[static_cast<std::size_t>(o)] += spec.theta_plus;  // from the next step on
                for (int i = 0; i < inputs; ++i) {
                    float& wi = w[static_cast<std::size_t>(i) * n + o];
                    wi = std::min(w_max, wi + nu_post * pow_pre[age(t, last_pre[static_cast<std::size_t>(i)])]);
                }
            }
        }
        prev.swap(cur);
    }
    return r;
}

}  // namespace

StdpFrameResult run_stdp_frame(StdpNet& net, const StdpSpec& spec, const encode::SpikeTrain& input, int total_steps,
                               bool learn) {
    if (learn)
        return simulate<true>(net.w.data(), net.theta.data(), net.inputs, net.neurons, spec, input, total_steps,
                               false);
    return eval_stdp_frame(net, spec, input, total_steps);
}

StdpFrameResult eval_stdp_frame(const StdpNet& net, const StdpSpec& spec, const encode::SpikeTrain& input,
                                int total_steps, bool record) {
    // simulate<false> never writes through these pointers.
    return simulate<false>(const_cast<float*>(net.w.data()), const_cast<double*>(net.theta.data()), net.inputs,
                           net.neurons, spec, input, total_steps, record);
}

namespace {
encode::EncodingSpec rate_encoding(const StdpSpec& spec, double rate) {
    encode::EncodingSpec e;
    e.kind = "rate";
    e.steps = static_cast<std::uint32_t>(spec.steps);
    e.rate_max = std::min(1.0, rate);
    return e;
}
}  // namespace

StdpNet train_stdp(const StdpSpec& spec, const data::ImageSet& train, const std::function<void(const StdpEpoch&)>& on_epoch,
                   const std::function<void(std::size_t, std::size_t)>& progress) {
    StdpNet net = init_stdp(spec);
    train_stdp_epochs(
        net, spec, train, 0,
        [&](const StdpEpoch& m, const StdpNet&) {
            if (on_epoch) on_epoch(m);
        },
        progress);
    return net;
}

void train_stdp_epochs(StdpNet& net, const StdpSpec& spec, const data::ImageSet& train, int first_epoch,
                       const std::function<void(const StdpEpoch&, const StdpNet&)>& on_epoch,
                       const std::function<void(std::size_t, std::size_t)>& progress) {
    if (train.pixels_per_image() != static_cast<std::size_t>(spec.inputs))
        throw InputError(spec.source + ": network.inputs is " + std::to_string(spec.inputs) + " but the images have " +
                         std::to_string(train.pixels_per_image()) + " pixels");
    std::vector<std::unique_ptr<encode::Encoder>> enc;
    for (int a = 0; a <= spec.max_retries; ++a) enc.push_back(encode::make_encoder(rate_encoding(spec, spec.rate_max + a * spec.rate_boost)));
    const std::size_t count = train.count();
    const double theta_decay_per_step = std::exp(-1.0 / spec.tau_theta);
    for (int e = first_epoch; e < spec.epochs; ++e) {
        const auto t0 = std::chrono::steady_clock::now();
        std::vector<std::size_t> order(count);
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::mt19937_64 rng(derive_seed(spec.seed, "stdp-shuffle", static_cast<std::uint64_t>(e)));
        for (std::size_t i = count; i > 1; --i) std::swap(order[i - 1], order[rng() % i]);  // Fisher-Yates
        std::uint64_t spikes = 0, retries = 0;
        if (progress) progress(0, count);
        for (std::size_t k = 0; k < count; ++k) {
            const std::size_t idx = order[k];
            const std::uint64_t key = derive_seed(spec.seed, "stdp-train", static_cast<std::uint64_t>(e) * count + k);
            int a = 0;
            for (;; ++a) {
                const auto in = enc[static_cast<std::size_t>(a)]->encode(train.image(idx), train.pixels_per_image(),
                                                                         derive_seed(key, "attempt", static_cast<std::uint64_t>(a)));
                const auto r = run_stdp_frame(net, spec, in, spec.steps, true);
                normalize_weights(net, spec);
                const double f = std::pow(theta_decay_per_step, spec.steps);
                for (auto& th : net.theta) th *= f;
                if (r.spikes >= static_cast<std::uint64_t>(spec.min_spikes) || a == spec.max_retries) {
                    spikes += r.spikes;
                    break;
                }
            }
            retries += static_cast<std::uint64_t>(a);
            if (progress && ((k + 1) % 500 == 0 || k + 1 == count)) progress(k + 1, count);
        }
        StdpEpoch m;
        m.epoch = e + 1;
        m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        m.spikes_per_image = count ? static_cast<double>(spikes) / static_cast<double>(count) : 0.0;
        m.retries_per_image = count ? static_cast<double>(retries) / static_cast<double>(count) : 0.0;
        m.mean_theta = std::accumulate(net.theta.begin(), net.theta.end(), 0.0) / net.neurons;
        if (on_epoch) on_epoch(m, net);
    }
}

namespace {
constexpr char kCheckpointMagic[8] = {'S', 'T', 'D', 'P', 'C', 'K', '0', '1'};

template <typename T>
void put(std::string& out, const T& x) {
    out.append(reinterpret_cast<const char*>(&x), sizeof(T));
}
}  // namespace

void save_stdp_checkpoint(const std::string& path, const StdpNet& net, int epochs_done) {
    std::string b(kCheckpointMagic, sizeof kCheckpointMagic);
    put(b, static_cast<std::int32_t>(net.inputs));
    put(b, static_cast<std::int32_t>(net.neurons));
    put(b, static_cast<std::int32_t>(epochs_done));
    b.append(reinterpret_cast<const char*>(net.w.data()), net.w.size() * sizeof(float));
    b.append(reinterpret_cast<const char*>(net.theta.data()), net.theta.size() * sizeof(double));
    write_file_atomic(path, b);
}

StdpNet load_stdp_checkpoint(const std::string& path, const StdpSpec& spec, int& epochs_done) {
    const std::string b = read_file(path);
    const std::size_t head = sizeof kCheckpointMagic + 3 * sizeof(std::int32_t);
    if (b.size() < head || b.compare(0, sizeof kCheckpointMagic, kCheckpointMagic, sizeof kCheckpointMagic) != 0)
        throw InputError(path + ": not an STDP checkpoint");
    std::int32_t hdr[3];
    std::memcpy(hdr, b.data() + sizeof kCheckpointMagic, sizeof hdr);
    if (hdr[0] != spec.inputs || hdr[1] != spec.neurons)
        throw InputError(path + ": checkpoint of a " + std::to_string(hdr[0]) + "-input, " + std::to_string(hdr[1]) +
                         "-neuron layer, but the model file has " + std::to_string(spec.inputs) + " inputs and " +
                         std::to_string(spec.neurons) + " neurons");
    StdpNet net;
    net.inputs = hdr[0];
    net.neurons = hdr[1];
    epochs_done = hdr[2];
    const std::size_t nw = static_cast<std::size_t>(net.inputs) * net.neurons;
    const std::size_t nt = static_cast<std::size_t>(net.neurons);
    if (b.size() != head + nw * sizeof(float) + nt * sizeof(double))
        throw InputError(path + ": truncated or oversized STDP checkpoint");
    net.w.resize(nw);
    net.theta.resize(nt);
    std::memcpy(net.w.data(), b.data() + head, nw * sizeof(float));
    std::memcpy(net.theta.data(), b.data() + head + nw * sizeof(float), nt * sizeof(double));
    return net;
}

std::vector<std::uint32_t> stdp_responses(const StdpNet& net, const StdpSpec& spec, const data::ImageSet& set,
                                          std::size_t n, int threads, std::uint64_t seed) {
    n = std::min(n, set.count());
    if (set.pixels_per_image() != static_cast<std::size_t>(net.inputs))
        throw InputError("stdp: the images have " + std::to_string(set.pixels_per_image()) + " pixels, the network " +
                         std::to_string(net.inputs) + " inputs");
    std::vector<std::uint32_t> counts(n * static_cast<std::size_t>(net.neurons));
    const auto enc = encode::make_encoder(rate_encoding(spec, spec.rate_max));
    Workers workers(threads);
    workers.for_range(n, 16, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            const auto in = enc->encode(set.image(i), set.pixels_per_image(), snn::frame_seed(seed, i));
            const auto r = eval_stdp_frame(net, spec, in, spec.steps + spec.drain_steps);
            std::copy(r.counts.begin(), r.counts.end(), counts.begin() + static_cast<std::ptrdiff_t>(i * net.neurons));
        }
    });
    return counts;
}

std::vector<int> assign_labels(const std::vector<std::uint32_t>& counts, const std::vector<std::uint8_t>& labels,
                               int neurons, int classes) {
    const std::size_t n = counts.size() / static_cast<std::size_t>(neurons);
    if (labels.size() < n) throw Error("assign_labels: fewer labels than responses");
    std::vector<double> sum(static_cast<std::size_t>(neurons) * classes, 0.0);
    std::vector<std::size_t> per_class(static_cast<std::size_t>(classes), 0);
    for (std::size_t i = 0; i < n; ++i) {
        const int c = labels[i];
        if (c >= classes) throw InputError("assign_labels: label " + std::to_string(c) + " >= classes");
        ++per_class[static_cast<std::size_t>(c)];
        for (int o = 0; o < neurons; ++o)
            sum[static_cast<std::size_t>(o) * classes + c] += counts[i * neurons + static_cast<std::size_t>(o)];
    }
    std::vector<int> a(static_cast<std::size_t>(neurons), -1);
    for (int o = 0; o < neurons; ++o) {
        double best = 0;
        for (int c = 0; c < classes; ++c) {
            const std::size_t m = per_class[static_cast<std::size_t>(c)];
            if (!m) continue;
            const double rate = sum[static_cast<std::size_t>(o) * classes + c] / static_cast<double>(m);
            if (rate > best) {
                best = rate;
                a[static_cast<std::size_t>(o)] = c;
            }
        }
    }
    return a;
}

int stdp_decide(const std::uint32_t* counts, const std::vector<int>& assignment, int classes, StdpReadout rule) {
    std::vector<double> score(static_cast<std::size_t>(classes), 0.0);
    std::vector<int> members(static_cast<std::size_t>(classes), 0);
    bool any = false;
    for (std::size_t o = 0; o < assignment.size(); ++o) {
        const int c = assignment[o];
        if (c < 0) continue;
        ++members[static_cast<std::size_t>(c)];
        score[static_cast<std::size_t>(c)] += counts[o];
        if (counts[o]) any = true;
    }
    if (!any) return -1;
    if (rule == StdpReadout::mean)
        for (int c = 0; c < classes; ++c)
            if (members[static_cast<std::size_t>(c)]) score[static_cast<std::size_t>(c)] /= members[static_cast<std::size_t>(c)];
    int best = 0;
    for (int c = 1; c < classes; ++c)
        if (score[static_cast<std::size_t>(c)] > score[static_cast<std::size_t>(best)]) best = c;
    return best;
}

// ---------------------------------------------------------------------------------------------
// Conversion

StdpConversion convert_stdp(const StdpNet& net, const std::vector<int>& assignment, const StdpSpec& spec) {
    const int n = net.neurons;
    if (static_cast<int>(assignment.size()) != n) throw Error("convert_stdp: assignment size differs from the neurons");
    StdpConversion c;
    // Neuron o fires at v >= theta_o = threshold + theta[o]. The dynamics are linear in the
    // delivered sums (v <- d v + acc, reset to 0), so scaling every synapse into o (input and
    // inhibition) by theta_ref / theta_o scales o's membrane by the same factor at every step:
    // it then fires exactly when the original reached theta_o, at the common threshold theta_ref.
    c.theta_ref = std::numeric_limits<double>::infinity();
    for (int o = 0; o < n; ++o) c.theta_ref = std::min(c.theta_ref, spec.threshold + net.theta[static_cast<std::size_t>(o)]);
    c.row_scale.resize(static_cast<std::size_t>(n));
    double peak = 0;  // the largest scaled magnitude: excitatory weight or inhibition
    for (int o = 0; o < n; ++o) {
        const double f = c.theta_ref / (spec.threshold + net.theta[static_cast<std::size_t>(o)]);
        c.row_scale[static_cast<std::size_t>(o)] = f;
        double wm = spec.inhibition;
        for (int i = 0; i < net.inputs; ++i) wm = std::max(wm, static_cast<double>(net.weight(o, i)));
        peak = std::max(peak, f * wm);
    }
    const std::int64_t qmax = (std::int64_t{1} << (spec.weight_bits - 1)) - 1;
    c.weight_scale = peak > 0 ? peak / static_cast<double>(qmax) : 1.0;
    auto q = [&](double x) {
        return static_cast<std::int32_t>(std::clamp<std::int64_t>(std::llround(x / c.weight_scale), -qmax, qmax));
    };

    snn::Network& out = c.net;
    out.name = spec.name;
    out.inputs = spec.inputs;
    out.encoding = rate_encoding(spec, spec.rate_max);
    out.timesteps = spec.steps + spec.drain_steps;
    out.decode = snn::Decode::count;
    out.early_stop = false;
    out.seed = spec.seed;

    snn::Layer exc;
    exc.name = "excitatory";
    exc.kind = snn::LayerKind::dense;
    exc.in = spec.inputs;
    exc.out = n;
    exc.weight_bits = spec.weight_bits;
    exc.weights.resize(static_cast<std::size_t>(n) * spec.inputs);
    for (int o = 0; o < n; ++o)
        for (int i = 0; i < spec.inputs; ++i)
            exc.weights[static_cast<std::size_t>(o) * spec.inputs + i] =
                q(c.row_scale[static_cast<std::size_t>(o)] * net.weight(o, i));
    if (spec.inhibition > 0) {
        exc.recurrent.row_ptr.reserve(static_cast<std::size_t>(n) + 1);
        exc.recurrent.row_ptr.push_back(0);
        for (int o = 0; o < n; ++o) {
            const std::int32_t wi = q(-spec.inhibition * c.row_scale[static_cast<std::size_t>(o)]);
            for (int j = 0; j < n; ++j) {
                if (j == o) continue;
                exc.recurrent.cols.push_back(static_cast<std::uint32_t>(j));
                exc.recurrent.weights.push_back(wi);
            }
            exc.recurrent.row_ptr.push_back(static_cast<std::uint32_t>(exc.recurrent.cols.size()));
        }
    }
    snn::NeuronParams p = snn::NeuronParams::defaults(snn::NeuronKind::lif);
    p.decay_i = 0;
    p.decay_v = spec.decay_v_q12();
    p.theta = static_cast<std::int32_t>(std::max<std::int64_t>(1, std::llround(c.theta_ref / c.weight_scale)));
    p.bias = 0;
    p.v_reset = 0;
    p.reset = snn::ResetMode::to_value;
    p.refractory = spec.refractory;
    p.state_bits = spec.state_bits;
    p.single_spike = false;
    p.noise = snn::NoiseMode::none;
    exc.neuron = p;
    out.layers.push_back(std::move(exc));

    // Readout: output neuron c adds 1 per spike of a neuron labelled c (integrate-and-fire,
    // threshold 1, subtractive reset: one output spike per labelled spike, at most one per step,
    // the rest carried over); count decoding takes the class with the most.
    snn::Layer ro;
    ro.name = "readout";
    ro.kind = snn::LayerKind::dense;
    ro.in = n;
    ro.out = spec.outputs;
    ro.weight_bits = 8;
    ro.weights.assign(static_cast<std::size_t>(spec.outputs) * n, 0);
    for (int o = 0; o < n; ++o) {
        const int cl = assignment[static_cast<std::size_t>(o)];
        if (cl >= spec.outputs) throw Error("convert_stdp: label " + std::to_string(cl) + " >= outputs");
        if (cl >= 0) ro.weights[static_cast<std::size_t>(cl) * n + o] = 1;
    }
    snn::NeuronParams rp = snn::NeuronParams::defaults(snn::NeuronKind::if_);
    rp.decay_i = 0;
    rp.decay_v = snn::kDecayOne;
    rp.theta = 1;
    rp.reset = snn::ResetMode::subtract;
    rp.refractory = 0;
    rp.state_bits = spec.state_bits;
    rp.single_spike = false;
    ro.neuron = rp;
    out.layers.push_back(std::move(ro));
    out.validate();
    return c;
}

}  // namespace spiketlm::train
