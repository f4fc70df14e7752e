#include "sw/encode/encoder.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "sw/common/error.h"

namespace spiketlm::encode {

namespace {

struct Entry {
    std::string description;
    EncoderFactory factory;
};

std::map<std::string, Entry>& registry() {
    static std::map<std::string, Entry> r;
    return r;
}

std::string fmt_double(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
}

// Parameters every encoder shares; kind-specific ones are checked by the implementations.
void check_common(const EncodingSpec& s) {
    if (s.steps < 1 || s.steps > (1u << 24))
        throw InputError("encoding.steps = " + std::to_string(s.steps) + " is out of range [1, 16777216]");
    // ttfs may take a negative threshold: every input spikes, x = 0 at step T (the TTFS
    // conversion needs it, docs/conversion.md); the other kinds keep x = 0 silent.
    const double lo = s.kind == "ttfs" ? -1.0 : 0.0;
    if (!(s.threshold >= lo && s.threshold < 1.0))
        throw InputError("encoding.threshold = " + fmt_double(s.threshold) + " is out of range [" + fmt_double(lo) +
                         ", 1)" + (s.kind == "ttfs" ? "" : " for encoding.kind " + s.kind));
}

}  // namespace

EncoderRegistrar::EncoderRegistrar(const std::string& kind, const std::string& description,
                                   EncoderFactory factory) {
    registry()[kind] = Entry{description, std::move(factory)};
}

std::vector<std::string> encoder_kinds() {
    std::vector<std::string> k;
    for (const auto& [name, e] : registry()) k.push_back(name);
    return k;
}

std::string encoder_description(const std::string& kind) {
    auto it = registry().find(kind);
    return it == registry().end() ? std::string() : it->second.description;
}

std::unique_ptr<Encoder> make_encoder(const EncodingSpec& spec) {
    auto it = registry().find(spec.kind);
    if (it == registry().end()) {
        std::string valid;
        for (const auto& k : encoder_kinds()) valid += (valid.empty() ? "" : ", ") + k;
        throw InputError("unknown encoding kind '" + spec.kind + "' (valid: " + valid + ")");
    }
    check_common(spec);
    return it->second.factory(spec);
}

void check_spike_train(const SpikeTrain& train, std::size_t n_inputs, std::uint32_t max_step) {
    for (std::size_t i = 0; i < train.size(); ++i) {
        const InputSpike& s = train[i];
        if (s.input >= n_inputs)
            throw Error("spike " + std::to_string(i) + ": input " + std::to_string(s.input) + " >= " +
                        std::to_string(n_inputs) + " inputs");
        if (s.step > max_step)
            throw Error("spike " + std::to_string(i) + ": step " + std::to_string(s.step) + " > max step " +
                        std::to_string(max_step));
        if (i > 0 && !(train[i - 1] < s))
            throw Error("spike " + std::to_string(i) + ": (step " + std::to_string(s.step) + ", input " +
                        std::to_string(s.input) + ") is not after the previous spike (not sorted or duplicate)");
    }
}

}  // namespace spiketlm::encode
