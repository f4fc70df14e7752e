#include "sw/train/train_spec.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <set>

#include "sw/common/error.h"
#include "sw/common/fs.h"
#include "sw/train/spec_yaml.h"

namespace spiketlm::train {

std::vector<int> TrainSpec::layer_sizes() const {
    std::vector<int> s{inputs};
    s.insert(s.end(), hidden.begin(), hidden.end());
    s.push_back(outputs);
    return s;
}

double TrainSpec::learning_rate(int epoch) const {
    switch (schedule) {
        case LrSchedule::constant:
            return lr;
        case LrSchedule::step:
            return lr * std::pow(lr_gamma, epoch / std::max(1, lr_step_epochs));
        case LrSchedule::cosine: {
            const double pi = std::acos(-1.0);
            const double f = epochs > 1 ? static_cast<double>(epoch) / (epochs - 1) : 0.0;
            return lr_min + 0.5 * (lr - lr_min) * (1.0 + std::cos(pi * std::min(1.0, f)));
        }
    }
    return lr;
}

void TrainSpec::validate() const {
    const std::string where = source.empty() ? name : source;
    auto bad = [&](const std::string& what) { throw InputError(where + ": " + what); };
    if (inputs < 1) bad("network.inputs must be >= 1");
    if (outputs < 2) bad("network.outputs must be >= 2");
    for (int h : hidden)
        if (h < 1) bad("network.hidden sizes must be >= 1");
    if (!(theta > 0)) bad("network.theta must be > 0");
    if (init.size() != hidden.size() + 1)
        bad("network.init needs one entry per layer (" + std::to_string(hidden.size() + 1) +
            "), got " + std::to_string(init.size()));
    for (const auto& i : init)
        if (!(i.std >= 0)) bad("network.init std must be >= 0");
    if (!(input_window > 0)) bad("encoding.window must be > 0");
    if (!(input_threshold >= 0 && input_threshold < 1)) bad("encoding.threshold must be in [0, 1)");
    if (epochs < 1) bad("train.epochs must be >= 1");
    if (batch < 1) bad("train.batch must be >= 1");
    if (!(lr > 0)) bad("train.optimizer.lr must be > 0");
    if (!(adam_beta1 >= 0 && adam_beta1 < 1 && adam_beta2 >= 0 && adam_beta2 < 1))
        bad("train.optimizer beta1/beta2 must be in [0, 1)");
    if (!(adam_eps > 0)) bad("train.optimizer.eps must be > 0");
    if (!(lr_gamma > 0)) bad("train.schedule.gamma must be > 0");
    if (lr_step_epochs < 1) bad("train.schedule.every must be >= 1");
    if (!(lr_min >= 0)) bad("train.schedule.lr_min must be >= 0");
    if (!(clip_grad_norm >= 0)) bad("train.clip_grad_norm must be >= 0");
    if (augment_shift < 0 || augment_shift > 8) bad("train.augment_shift must be in 0..8");
    if (!(loss.beta > 0)) bad("loss.beta must be > 0");
    if (!(loss.time_cap > 0)) bad("loss.time_cap must be > 0");
    if (!(loss.hinge_weight >= 0)) bad("loss.hinge_weight must be >= 0");
    if (weight_bits < 2 || weight_bits > 16) bad("quantization.weight_bits must be in 2..16");
    if (steps < 1 || steps > 4096) bad("quantization.steps must be in 1..4096");
    if (sim_steps != 0 && sim_steps <= steps)
        bad("quantization.sim_steps must be > quantization.steps (hidden and output neurons fire "
            "after the last input)");
}

namespace {

// The spec_yaml checks bound to one file; a value of the wrong type is quoted in the message.
class Reader {
  public:
    explicit Reader(std::string source) : m_source(std::move(source)) {}

    [[noreturn]] void fail(const YAML::Node& n, const std::string& what) const {
        spec_yaml::fail(m_source, n, what);
    }
    // Rejects keys not in `allowed` (typos must not silently fall back to defaults).
    void check_keys(const YAML::Node& map, const std::string& section,
                    const std::set<std::string>& allowed) const {
        spec_yaml::check_keys(m_source, map, section, allowed);
    }
    template <typename T>
    void get(const YAML::Node& map, const char* key, const std::string& section, T& out) const {
        spec_yaml::get(m_source, map, key, section, out, spec_yaml::ShowValue::yes);
    }

  private:
    std::string m_source;
};

}  // namespace

TrainSpec parse_train_spec(const std::string& text, const std::string& source) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw InputError(source + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " +
                         e.msg);
    }
    Reader r(source);
    if (!root.IsMap()) throw InputError(source + ": a training model file must be a YAML mapping");
    r.check_keys(root, "", {"name", "network", "encoding", "train", "loss", "quantization"});

    TrainSpec s;
    s.source = source;
    r.get(root, "name", "", s.name);
    const YAML::Node net = root["network"];
    if (!net) throw InputError(source + ": missing required section 'network'");
    r.check_keys(net, "network", {"inputs", "hidden", "outputs", "theta", "init"});
    r.get(net, "inputs", "network", s.inputs);
    r.get(net, "hidden", "network", s.hidden);
    r.get(net, "outputs", "network", s.outputs);
    r.get(net, "theta", "network", s.theta);
    s.init.clear();
    if (const YAML::Node init = net["init"]) {
        if (!init.IsSequence()) r.fail(init, "'network.init' must be a list (one entry per layer)");
        for (const auto& e : init) {
            r.check_keys(e, "network.init[]", {"mean", "std"});
            InitSpec i;
            r.get(e, "mean", "network.init[]", i.mean);
            r.get(e, "std", "network.init[]", i.std);
            s.init.push_back(i);
        }
    } else {
        s.init.assign(s.hidden.size() + 1, InitSpec{});
    }

    if (const YAML::Node enc = root["encoding"]) {
        r.check_keys(enc, "encoding", {"kind", "window", "threshold"});
        std::string kind = "ttfs";
        r.get(enc, "kind", "encoding", kind);
        if (kind != "ttfs")
            r.fail(enc["kind"], "encoding.kind '" + kind + "': STDBP trains time-to-first-spike "
                                "inputs only (use ttfs)");
        r.get(enc, "window", "encoding", s.input_window);
        r.get(enc, "threshold", "encoding", s.input_threshold);
    }

    if (const YAML::Node tr = root["train"]) {
        r.check_keys(tr, "train", {"seed", "epochs", "batch", "optimizer", "schedule",
                                   "clip_grad_norm", "train_samples", "test_samples",
                                   "augment_shift"});
        r.get(tr, "augment_shift", "train", s.augment_shift);
        r.get(tr, "seed", "train", s.seed);
        r.get(tr, "epochs", "train", s.epochs);
        r.get(tr, "batch", "train", s.batch);
        r.get(tr, "clip_grad_norm", "train", s.clip_grad_norm);
        r.get(tr, "train_samples", "train", s.train_samples);
        r.get(tr, "test_samples", "train", s.test_samples);
        if (const YAML::Node opt = tr["optimizer"]) {
            r.check_keys(opt, "train.optimizer", {"kind", "lr", "beta1", "beta2", "eps"});
            std::string kind = "adam";
            r.get(opt, "kind", "train.optimizer", kind);
            if (kind != "adam") r.fail(opt["kind"], "train.optimizer.kind '" + kind + "': only adam");
            r.get(opt, "lr", "train.optimizer", s.lr);
            r.get(opt, "beta1", "train.optimizer", s.adam_beta1);
            r.get(opt, "beta2", "train.optimizer", s.adam_beta2);
            r.get(opt, "eps", "train.optimizer", s.adam_eps);
        }
        if (const YAML::Node sch = tr["schedule"]) {
            r.check_keys(sch, "train.schedule", {"kind", "gamma", "every", "lr_min"});
            std::string kind = "constant";
            r.get(sch, "kind", "train.schedule", kind);
            if (kind == "constant") s.schedule = LrSchedule::constant;
            else if (kind == "step") s.schedule = LrSchedule::step;
            else if (kind == "cosine") s.schedule = LrSchedule::cosine;
            else r.fail(sch["kind"], "train.schedule.kind '" + kind + "' (use constant, step or cosine)");
            r.get(sch, "gamma", "train.schedule", s.lr_gamma);
            r.get(sch, "every", "train.schedule", s.lr_step_epochs);
            r.get(sch, "lr_min", "train.schedule", s.lr_min);
        }
    }

    if (const YAML::Node loss = root["loss"]) {
        r.check_keys(loss, "loss", {"beta", "time_cap", "hinge_weight", "hinge_min_sum", "hinge_layers"});
        std::string layers = "all";
        r.get(loss, "hinge_layers", "loss", layers);
        if (layers != "all" && layers != "output")
            r.fail(loss["hinge_layers"], "loss.hinge_layers '" + layers + "' (use all or output)");
        s.loss.hinge_hidden = layers == "all";
        r.get(loss, "beta", "loss", s.loss.beta);
        r.get(loss, "time_cap", "loss", s.loss.time_cap);
        r.get(loss, "hinge_weight", "loss", s.loss.hinge_weight);
        r.get(loss, "hinge_min_sum", "loss", s.loss.hinge_min_sum);
    }

    if (const YAML::Node q = root["quantization"]) {
        r.check_keys(q, "quantization", {"weight_bits", "steps", "sim_steps", "every_epoch"});
        r.get(q, "every_epoch", "quantization", s.quantized_every_epoch);
        r.get(q, "weight_bits", "quantization", s.weight_bits);
        r.get(q, "steps", "quantization", s.steps);
        r.get(q, "sim_steps", "quantization", s.sim_steps);
    }
    s.validate();
    return s;
}

TrainSpec load_train_spec(const std::string& path) { return parse_train_spec(read_file(path), path); }

}  // namespace spiketlm::train
