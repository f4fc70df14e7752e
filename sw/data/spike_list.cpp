#include "sw/data/spike_list.h"

#include <algorithm>
#include <filesystem>

#include "sw/common/error.h"
#include "sw/data/aer.h"
#include "sw/encode/aer_adapter.h"
#include "sw/io/npz.h"

namespace spiketlm::data {

namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string event_str(std::size_t e, std::int64_t frame, std::int64_t step, std::int64_t channel) {
    return "event " + std::to_string(e) + " (frame " + std::to_string(frame) + ", step " + std::to_string(step) +
           ", channel " + std::to_string(channel) + ")";
}

void check_event(const std::string& path, std::size_t e, std::int64_t frame, std::int64_t step, std::int64_t channel,
                 std::size_t inputs, std::uint32_t max_step) {
    if (channel < 0 || static_cast<std::uint64_t>(channel) >= inputs)
        throw InputError(path + ": " + event_str(e, frame, step, channel) + ": channel outside the input size (0.." +
                         std::to_string(inputs - 1) + ", the model's inputs)");
    if (step < 0 || step > static_cast<std::int64_t>(max_step))
        throw InputError(path + ": " + event_str(e, frame, step, channel) + ": step outside the input window (0.." +
                         std::to_string(max_step) + ", the model's encoding window)");
}

void sort_unique(SpikeList& l) {
    for (std::size_t f = 0; f < l.frames.size(); ++f) {
        auto& t = l.frames[f];
        std::sort(t.begin(), t.end());
        const auto dup = std::adjacent_find(t.begin(), t.end());
        if (dup != t.end())
            throw InputError(l.path + ": frame " + std::to_string(f) + " has two spikes at step " +
                             std::to_string(dup->step) + " on channel " + std::to_string(dup->input) +
                             " (a channel spikes at most once per step)");
    }
}

std::vector<std::int64_t> int_member(const std::string& path, const io::NpzArchive& z, const char* key) {
    const auto it = z.find(key);
    if (it == z.end()) throw InputError(path + ": missing member '" + std::string(key) + "' (a spike list has frame, step, channel)");
    const auto& a = it->second;
    if (a.dtype == io::DType::f4 || a.dtype == io::DType::f8)
        throw InputError(path + ": member '" + std::string(key) + "' must hold integers (it is " + io::descr(a.dtype) + ")");
    const auto v = a.to_double();
    return std::vector<std::int64_t>(v.begin(), v.end());
}

std::int64_t scalar_member(const std::string& path, const io::NpzArchive& z, const char* key) {
    const auto it = z.find(key);
    if (it == z.end()) return -1;
    if (it->second.size() != 1) throw InputError(path + ": member '" + std::string(key) + "' must be a scalar");
    return static_cast<std::int64_t>(it->second.to_double()[0]);
}

SpikeList read_npz_list(const std::string& path, std::size_t inputs, std::uint32_t max_step) {
    const io::NpzArchive z = io::read_npz(path);
    SpikeList l;
    l.path = path;
    const auto frame = int_member(path, z, "frame"), step = int_member(path, z, "step"),
               channel = int_member(path, z, "channel");
    if (frame.size() != step.size() || frame.size() != channel.size())
        throw InputError(path + ": members frame, step and channel have different lengths (" +
                         std::to_string(frame.size()) + ", " + std::to_string(step.size()) + ", " +
                         std::to_string(channel.size()) + ")");
    l.inputs = scalar_member(path, z, "inputs");
    l.steps = scalar_member(path, z, "steps");
    if (l.inputs >= 0 && static_cast<std::uint64_t>(l.inputs) != inputs)
        throw InputError(path + ": the list is for " + std::to_string(l.inputs) + " inputs (member 'inputs') but the model has " +
                         std::to_string(inputs));
    std::int64_t frames = 0;
    if (z.count("labels")) {
        const auto lab = int_member(path, z, "labels");
        for (std::size_t f = 0; f < lab.size(); ++f) {
            if (lab[f] < -1 || lab[f] > 255)
                throw InputError(path + ": label of frame " + std::to_string(f) + " = " + std::to_string(lab[f]) +
                                 " outside -1..255");
            l.labels.push_back(static_cast<int>(lab[f]));
        }
        frames = static_cast<std::int64_t>(lab.size());
    } else {
        for (auto f : frame) frames = std::max(frames, f + 1);
        l.labels.assign(static_cast<std::size_t>(frames), -1);
    }
    l.frames.resize(static_cast<std::size_t>(frames));
    for (std::size_t e = 0; e < frame.size(); ++e) {
        if (frame[e] < 0 || frame[e] >= frames)
            throw InputError(path + ": " + event_str(e, frame[e], step[e], channel[e]) + ": frame outside 0.." +
                             std::to_string(frames - 1) + " (the frames of 'labels')");
        check_event(path, e, frame[e], step[e], channel[e], inputs, max_step);
        l.frames[static_cast<std::size_t>(frame[e])].push_back(
            {static_cast<std::uint32_t>(step[e]), static_cast<std::uint32_t>(channel[e])});
    }
    if (frames == 0) throw InputError(path + ": the spike list has no frames");
    sort_unique(l);
    return l;
}

SpikeList read_aer_list(const std::string& path, std::size_t inputs, std::uint32_t max_step, std::uint64_t bin_us) {
    std::vector<std::string> files;
    if (fs::is_directory(path)) {
        for (const auto& e : fs::directory_iterator(path))
            if (e.is_regular_file() && ends_with(e.path().string(), ".aer")) files.push_back(e.path().string());
        std::sort(files.begin(), files.end());
        if (files.empty()) throw InputError("spike folder '" + path + "' holds no .aer files");
    } else {
        files.push_back(path);
    }
    if (bin_us < 1) throw InputError("AER bin width must be >= 1 us");
    SpikeList l;
    l.path = path;
    for (const auto& f : files) {
        const EventStream s = read_aer(f);
        const std::size_t channels = 2u * s.width * s.height;
        if (channels != inputs)
            throw InputError(f + ": a " + std::to_string(s.width) + "x" + std::to_string(s.height) + " sensor gives " +
                             std::to_string(channels) + " channels (ON and OFF) but the model has " +
                             std::to_string(inputs) + " inputs");
        encode::AerBinning b;
        b.bin_us = bin_us;
        const auto r = encode::events_to_spikes(s, b);
        for (std::size_t e = 0; e < s.events.size(); ++e) {
            const std::uint64_t step = s.events[e].t_us / bin_us;
            if (step > max_step)
                throw InputError(f + ": event " + std::to_string(e) + " at " + std::to_string(s.events[e].t_us) +
                                 " us falls in step " + std::to_string(step) + ", outside the input window (0.." +
                                 std::to_string(max_step) + " steps of " + std::to_string(bin_us) + " us)");
        }
        l.frames.push_back(r.spikes);
        l.labels.push_back(s.label);
    }
    l.inputs = static_cast<std::int64_t>(inputs);
    sort_unique(l);
    return l;
}

}  // namespace

bool is_spike_list_file(const std::string& path) {
    if (ends_with(path, ".aer")) return true;
    if (!ends_with(path, ".npz") || !fs::exists(path)) return false;
    return io::read_npz(path).count("channel") > 0;
}

SpikeList read_spike_list(const std::string& path, std::size_t inputs, std::uint32_t max_step, std::uint64_t bin_us) {
    if (!fs::exists(path)) throw InputError("spike list '" + path + "' does not exist");
    if (ends_with(path, ".npz")) return read_npz_list(path, inputs, max_step);
    if (ends_with(path, ".aer") || fs::is_directory(path)) return read_aer_list(path, inputs, max_step, bin_us);
    throw InputError("spike list '" + path + "': expected an .npz (frame, step, channel), an .aer file or a folder of .aer files");
}

ImageSet spike_list_images(const SpikeList& list, std::size_t inputs, std::uint32_t window) {
    ImageSet s;
    s.name = list.path;
    s.rows = 1;
    s.cols = inputs;
    s.pixels.assign(list.frames.size() * inputs, 0.0f);
    int top = 1;
    for (std::size_t f = 0; f < list.frames.size(); ++f) {
        if (list.labels[f] < 0)
            throw InputError(list.path + ": frame " + std::to_string(f) + " has no label (training needs labels)");
        s.labels.push_back(static_cast<std::uint8_t>(list.labels[f]));
        top = std::max(top, list.labels[f]);
        for (const auto& sp : list.frames[f]) s.pixels[f * inputs + sp.input] += 1.0f / static_cast<float>(window);
    }
    for (auto& p : s.pixels) p = std::min(p, 1.0f);
    s.num_classes = static_cast<std::size_t>(top + 1);
    return s;
}

}  // namespace spiketlm::data
