// Users' own data (sw/data/user_data.h, sw/data/spike_list.h): .npz image sets in both layouts,
// IDX folders of any image size and class count, spike lists from .npz and AER files, spike lists
// as training images; every malformed input is an InputError naming the file and the culprit.
#include <catch2/catch.hpp>

#include "common/test_util.h"
#include "sw/common/error.h"
#include "sw/data/aer.h"
#include "sw/data/datasets.h"
#include "sw/data/idx.h"
#include "sw/data/spike_list.h"
#include "sw/data/user_data.h"
#include "sw/io/npz.h"

using namespace spiketlm;
using namespace spiketlm::data;

namespace {

io::NpyArray bytes(std::vector<std::size_t> shape, const std::vector<std::int32_t>& v) {
    // |u1 is not a dtype npz.h writes; int16 holds 0..255 as well.
    return io::NpyArray::from_int16(std::move(shape), v);
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("user data: an .npz in the Keras layout gives both splits, pixels x / 255, classes from the labels", "[unit]") {
    const std::string dir = test::scratch_dir("user-npz");
    io::write_npz(dir + "/set.npz", {{"x_train", bytes({2, 2, 3}, {0, 255, 51, 0, 0, 0, 255, 255, 255, 0, 0, 0})},
                                     {"y_train", io::NpyArray::from_int32({2}, {3, 11})},
                                     {"x_test", bytes({1, 2, 3}, {255, 0, 0, 0, 0, 0})},
                                     {"y_test", io::NpyArray::from_int32({1}, {0})}});
    CHECK(is_dataset_path(dir + "/set.npz"));
    CHECK_FALSE(is_dataset_path("mnist"));
    const DatasetSplit d = load_dataset(dir + "/set.npz");
    CHECK(d.train.count() == 2);
    CHECK(d.train.rows == 2);
    CHECK(d.train.cols == 3);
    CHECK(d.train.num_classes == 12);
    CHECK(d.train.pixels[1] == 1.0f);
    CHECK(d.train.pixels[2] == Approx(0.2f));
    CHECK(d.test.count() == 1);
    CHECK(d.test.labels[0] == 0);
}

TEST_CASE("user data: an images/labels .npz serves both splits, float pixels must lie in [0, 1]", "[unit]") {
    const std::string dir = test::scratch_dir("user-npz2");
    io::write_npz(dir + "/one.npz", {{"images", io::NpyArray::from_float({2, 4}, {0, 0.5f, 1, 0, 0.25f, 0, 0, 1})},
                                     {"labels", io::NpyArray::from_int32({2}, {1, 0})}});
    const ImageSet s = load_split(dir + "/one.npz", "data", "test");
    CHECK(s.count() == 2);
    CHECK(s.pixels_per_image() == 4);
    CHECK(s.pixels[1] == 0.5f);
    io::write_npz(dir + "/bad.npz", {{"images", io::NpyArray::from_float({1, 2}, {0.5f, 3.0f})},
                                     {"labels", io::NpyArray::from_int32({1}, {0})}});
    CHECK_THAT(message_of([&] { load_split(dir + "/bad.npz", "", "train"); }),
               Catch::Contains("bad.npz") && Catch::Contains("'images'") && Catch::Contains("pixel 1") &&
                   Catch::Contains("outside [0, 1]"));
    io::write_npz(dir + "/short.npz", {{"images", io::NpyArray::from_float({2, 2}, {0, 0, 0, 0})},
                                       {"labels", io::NpyArray::from_int32({3}, {0, 1, 1})}});
    CHECK_THAT(message_of([&] { load_split(dir + "/short.npz", "", "train"); }),
               Catch::Contains("'labels' has shape (3,)"));
    io::write_npz(dir + "/none.npz", {{"a", io::NpyArray::from_int32({1}, {0})}});
    CHECK_THAT(message_of([&] { load_split(dir + "/none.npz", "", "train"); }),
               Catch::Contains("no 'x_train'/'y_train' nor 'images'/'labels'") && Catch::Contains("members: a"));
}

TEST_CASE("user data: an IDX folder takes any image size and class count, a missing split names the file", "[unit]") {
    const std::string dir = test::scratch_dir("user-idx");
    std::vector<std::uint8_t> px(3 * 5 * 4);
    for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>(i * 4);
    write_idx_file(dir + "/train-images-idx3-ubyte.gz", {3, 5, 4}, px, true);
    write_idx_file(dir + "/train-labels-idx1-ubyte", {3}, {0, 12, 5}, false);
    const ImageSet s = load_split(dir, "", "train");
    CHECK(s.rows == 5);
    CHECK(s.cols == 4);
    CHECK(s.num_classes == 13);
    CHECK(s.pixels[1] == Approx(4.0f / 255.0f));
    CHECK_THAT(message_of([&] { load_split(dir, "", "test"); }),
               Catch::Contains("t10k-images-idx3-ubyte") && Catch::Contains("test split"));
}

TEST_CASE("spike list: an .npz list is sorted per frame and checked event by event", "[unit]") {
    const std::string dir = test::scratch_dir("spike-list");
    auto write = [&](const std::string& name, std::vector<std::int32_t> f, std::vector<std::int32_t> s,
                     std::vector<std::int32_t> c, std::vector<std::int32_t> labels) {
        io::NpzArchive z{{"frame", io::NpyArray::from_int32({f.size()}, f)},
                         {"step", io::NpyArray::from_int32({s.size()}, s)},
                         {"channel", io::NpyArray::from_int32({c.size()}, c)}};
        if (!labels.empty()) z["labels"] = io::NpyArray::from_int32({labels.size()}, labels);
        io::write_npz(dir + "/" + name, z);
        return dir + "/" + name;
    };
    const auto ok = read_spike_list(write("ok.npz", {1, 0, 1, 0}, {3, 2, 0, 2}, {4, 1, 2, 0}, {}), 5, 3);
    REQUIRE(ok.frames.size() == 2);
    CHECK(ok.labels == std::vector<int>{-1, -1});
    CHECK(ok.frames[0] == encode::SpikeTrain{{2, 0}, {2, 1}});
    CHECK(ok.frames[1] == encode::SpikeTrain{{0, 2}, {3, 4}});
    CHECK_THAT(message_of([&] { read_spike_list(write("dup.npz", {0, 0}, {1, 1}, {2, 2}, {0}), 5, 3); }),
               Catch::Contains("dup.npz") && Catch::Contains("two spikes at step 1 on channel 2"));
    CHECK_THAT(message_of([&] { read_spike_list(write("fr.npz", {0, 2}, {1, 1}, {2, 3}, {0, 1}), 5, 3); }),
               Catch::Contains("event 1 (frame 2, step 1, channel 3)") && Catch::Contains("frame outside 0..1"));
    CHECK_THAT(message_of([&] { read_spike_list(write("neg.npz", {0}, {-1}, {2}, {0}), 5, 3); }),
               Catch::Contains("event 0 (frame 0, step -1, channel 2)") && Catch::Contains("step outside"));
    CHECK_THAT(message_of([&] { read_spike_list(write("ch.npz", {0}, {0}, {5}, {0}), 5, 3); }),
               Catch::Contains("channel outside the input size (0..4"));
    io::write_npz(dir + "/f.npz", {{"frame", io::NpyArray::from_float({1}, {0})},
                                   {"step", io::NpyArray::from_int32({1}, {0})},
                                   {"channel", io::NpyArray::from_int32({1}, {0})}});
    CHECK_THAT(message_of([&] { read_spike_list(dir + "/f.npz", 5, 3); }),
               Catch::Contains("member 'frame' must hold integers"));
}

TEST_CASE("spike list: AER files are frames binned to steps, events past the window are errors", "[unit]") {
    const std::string dir = test::scratch_dir("spike-aer");
    EventStream s;
    s.width = 2;
    s.height = 1;
    s.label = 4;
    s.events = {{0, 0, 0, true}, {2500, 1, 0, false}, {2900, 1, 0, false}};
    write_aer(dir + "/a.aer", s);
    const auto l = read_spike_list(dir + "/a.aer", 4, 5, 1000);
    REQUIRE(l.frames.size() == 1);
    CHECK(l.labels[0] == 4);
    // ON (0,0) -> channel 0 at step 0; OFF (1,0) -> channel 2*1 + 1 = 3 at step 2 (two events merge).
    CHECK(l.frames[0] == encode::SpikeTrain{{0, 0}, {2, 3}});
    CHECK_THAT(message_of([&] { read_spike_list(dir + "/a.aer", 4, 1, 1000); }),
               Catch::Contains("a.aer: event 1 at 2500 us falls in step 2, outside the input window (0..1"));
    CHECK_THAT(message_of([&] { read_spike_list(dir + "/a.aer", 6, 5, 1000); }),
               Catch::Contains("gives 4 channels (ON and OFF) but the model has 6 inputs"));
}

TEST_CASE("spike list: as a dataset each frame's pixels are spike counts over the window", "[unit]") {
    const std::string dir = test::scratch_dir("spike-ds");
    io::write_npz(dir + "/s.npz", {{"frame", io::NpyArray::from_int32({4}, {0, 0, 0, 1})},
                                   {"step", io::NpyArray::from_int32({4}, {0, 1, 3, 2})},
                                   {"channel", io::NpyArray::from_int32({4}, {1, 1, 0, 2})},
                                   {"labels", io::NpyArray::from_int32({2}, {1, 0})},
                                   {"inputs", io::NpyArray::from_int32({}, {3})},
                                   {"steps", io::NpyArray::from_int32({}, {4})}});
    const ImageSet set = load_split(dir + "/s.npz", "", "train");
    CHECK(set.count() == 2);
    CHECK(set.pixels == std::vector<float>{0.25f, 0.5f, 0, 0, 0, 0.25f});
    CHECK(set.labels == std::vector<std::uint8_t>{1, 0});
    io::write_npz(dir + "/n.npz", {{"frame", io::NpyArray::from_int32({1}, {0})},
                                   {"step", io::NpyArray::from_int32({1}, {0})},
                                   {"channel", io::NpyArray::from_int32({1}, {0})}});
    CHECK_THAT(message_of([&] { load_split(dir + "/n.npz", "", "train"); }),
               Catch::Contains("needs the scalar member 'inputs'"));
}
