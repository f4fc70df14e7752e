#include "sw/data/mnist_json.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "sw/common/error.h"
#include "sw/common/fs.h"

namespace spiketlm::data {

namespace {

constexpr std::size_t kSide = 28;
constexpr std::size_t kPixels = kSide * kSide;

// A strict parser for exactly the shape the package uses: { "data" : [ number, ... ] }.
class DigitParser {
  public:
    DigitParser(const std::string& path, const std::string& text) : m_path(path), m_s(text) {}

    std::vector<float> parse() {
        if (m_s.empty()) throw InputError("MNIST JSON '" + m_path + "': file is empty");
        skip_ws();
        expect('{');
        skip_ws();
        expect_key("data");
        skip_ws();
        expect(':');
        skip_ws();
        expect('[');
        std::vector<float> v;
        v.reserve(m_s.size() / 2);
        skip_ws();
        if (peek() == ']') {
            ++m_i;
        } else {
            for (;;) {
                skip_ws();
                v.push_back(number());
                skip_ws();
                const char c = peek();
                if (c == ',') { ++m_i; continue; }
                if (c == ']') { ++m_i; break; }
                fail(c == '\0' ? "unexpected end of file inside the data array"
                               : std::string("expected ',' or ']' but found '") + c + "'");
            }
        }
        skip_ws();
        expect('}');
        skip_ws();
        if (m_i != m_s.size()) fail("trailing characters after the JSON object");
        return v;
    }

  private:
    char peek() const { return m_i < m_s.size() ? m_s[m_i] : '\0'; }
    void skip_ws() {
        while (m_i < m_s.size() &&
               (m_s[m_i] == ' ' || m_s[m_i] == '\n' || m_s[m_i] == '\r' || m_s[m_i] == '\t'))
            ++m_i;
    }
    void expect(char c) {
        if (peek() != c) {
            if (m_i >= m_s.size()) fail(std::string("unexpected end of file, expected '") + c + "'");
            fail(std::string("expected '") + c + "' but found '" + peek() + "'");
        }
        ++m_i;
    }
    void expect_key(const char* key) {
        const std::string k = std::string("\"") + key + "\"";
        if (m_s.compare(m_i, k.size(), k) != 0) fail(std::string("expected the key \"") + key + "\"");
        m_i += k.size();
    }
    float number() {
        const char* b = m_s.data() + m_i;
        const char* e = m_s.data() + m_s.size();
        double d = 0;
        const auto r = std::from_chars(b, e, d);
        if (r.ec != std::errc() || b == r.ptr || *b == '+')
            fail(m_i >= m_s.size() ? std::string("unexpected end of file, expected a number")
                                   : std::string("expected a number but found '") + peek() + "'");
        if (!(d >= 0.0 && d <= 1.0)) fail("value " + std::string(b, r.ptr) + " outside [0, 1]");
        m_i = static_cast<std::size_t>(r.ptr - m_s.data());
        return static_cast<float>(d);
    }
    [[noreturn]] void fail(const std::string& what) const {
        std::size_t line = 1, col = 1;
        for (std::size_t j = 0; j < m_i && j < m_s.size(); ++j) {
            if (m_s[j] == '\n') { ++line; col = 1; } else { ++col; }
        }
        throw InputError("MNIST JSON " + m_path + ":" + std::to_string(line) + ":" + std::to_string(col) +
                         ": malformed JSON: " + what);
    }

    const std::string& m_path;
    const std::string& m_s;
    std::size_t m_i = 0;
};

ImageSet empty_set(const std::string& name) {
    ImageSet s;
    s.name = name;
    s.rows = s.cols = kSide;
    s.num_classes = 10;
    return s;
}

}  // namespace

std::vector<float> read_mnist_digit_file(const std::string& path) {
    const std::string text = read_file(path);
    std::vector<float> v = DigitParser(path, text).parse();
    if (v.empty()) throw InputError("MNIST JSON '" + path + "': the data array is empty");
    if (v.size() % kPixels != 0)
        throw InputError("MNIST JSON '" + path + "': size mismatch: " + std::to_string(v.size()) +
                         " values is not a whole number of 28x28 images (" +
                         std::to_string(v.size() / kPixels) + " images + " +
                         std::to_string(v.size() % kPixels) + " values)");
    return v;
}

DatasetSplit read_mnist_json(const std::string& digits_dir) {
    std::vector<std::vector<float>> digit(10);
    for (int d = 0; d < 10; ++d) digit[d] = read_mnist_digit_file(digits_dir + "/" + std::to_string(d) + ".json");

    DatasetSplit out{empty_set("mnist/train"), empty_set("mnist/test")};
    std::size_t max_n = 0, n_train = 0, n_test = 0;
    for (const auto& v : digit) {
        const std::size_t n = v.size() / kPixels;
        max_n = std::max(max_n, n);
        for (std::size_t k = 0; k < n; ++k) (mnist_json_is_test(k) ? n_test : n_train)++;
    }
    out.train.pixels.reserve(n_train * kPixels);
    out.test.pixels.reserve(n_test * kPixels);
    for (std::size_t k = 0; k < max_n; ++k) {
        for (int d = 0; d < 10; ++d) {
            if (k >= digit[d].size() / kPixels) continue;
            ImageSet& s = mnist_json_is_test(k) ? out.test : out.train;
            const float* p = digit[d].data() + k * kPixels;
            s.pixels.insert(s.pixels.end(), p, p + kPixels);
            s.labels.push_back(static_cast<std::uint8_t>(d));
        }
    }
    return out;
}

}  // namespace spiketlm::data
