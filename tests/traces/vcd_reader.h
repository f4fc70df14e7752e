#pragma once
// A small VCD reader for the tests, written from IEEE 1364 §18 and independent of traces/vcd.cpp:
// the header's scopes and $var declarations, then '#time' lines and value changes (scalar
// "0!"/"1!", vector "b101 !"). Throws std::runtime_error on anything it does not understand.
#include <cstdint>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace spiketlm::test {

struct Vcd {
    std::string timescale;
    std::map<std::string, std::string> code_of;  // "scope.name" -> identifier code
    std::map<std::string, unsigned> width_of;    // "scope.name" -> bits
    std::map<std::string, std::vector<std::pair<long long, long long>>> changes;  // code -> (time, value)
    long long last_time = 0;

    bool has(const std::string& var) const { return code_of.count(var) != 0; }
    // The value of `var` at `time` (after every change at or before it).
    long long at(const std::string& var, long long time) const {
        const auto it = code_of.find(var);
        if (it == code_of.end()) throw std::runtime_error("no VCD variable " + var);
        long long v = -1;  // -1: no value yet
        for (const auto& [t, x] : changes.at(it->second)) {
            if (t > time) break;
            v = x;
        }
        return v;
    }
    std::size_t rises(const std::string& var) const {  // 0 -> nonzero transitions
        std::size_t n = 0;
        long long prev = 0;
        for (const auto& [t, x] : changes.at(code_of.at(var))) {
            n += prev == 0 && x != 0;
            prev = x;
        }
        return n;
    }
};

inline Vcd parse_vcd(const std::string& text) {
    Vcd v;
    std::istringstream in(text);
    std::string tok;
    std::vector<std::string> scopes;
    auto skip_to_end = [&](std::string* body) {
        std::string t;
        while (in >> t && t != "$end")
            if (body) *body += (body->empty() ? "" : " ") + t;
        if (t != "$end") throw std::runtime_error("VCD: missing $end");
    };
    while (in >> tok && tok != "$enddefinitions") {
        if (tok == "$scope") {
            std::string kind, name;
            in >> kind >> name;
            scopes.push_back(name);
            skip_to_end(nullptr);
        } else if (tok == "$upscope") {
            if (scopes.empty()) throw std::runtime_error("VCD: $upscope without $scope");
            scopes.pop_back();
            skip_to_end(nullptr);
        } else if (tok == "$var") {
            std::string type, code, name;
            unsigned width = 0;
            in >> type >> width >> code >> name;
            std::string full;
            for (const auto& s : scopes) full += s + ".";
            full += name;
            if (v.code_of.count(full)) throw std::runtime_error("VCD: variable declared twice: " + full);
            v.code_of[full] = code;
            v.width_of[full] = width;
            v.changes[code];
            skip_to_end(nullptr);
        } else if (tok == "$timescale") {
            skip_to_end(&v.timescale);
        } else if (tok[0] == '$') {
            skip_to_end(nullptr);
        } else {
            throw std::runtime_error("VCD: unexpected token in the header: " + tok);
        }
    }
    if (tok != "$enddefinitions") throw std::runtime_error("VCD: no $enddefinitions");
    skip_to_end(nullptr);
    long long time = -1;
    auto set = [&](const std::string& code, long long value) {
        auto it = v.changes.find(code);
        if (it == v.changes.end()) throw std::runtime_error("VCD: change of undeclared code " + code);
        if (time < 0) throw std::runtime_error("VCD: value change before the first #time");
        it->second.emplace_back(time, value);
    };
    while (in >> tok) {
        if (tok == "$dumpvars" || tok == "$end") continue;
        if (tok[0] == '#') {
            const long long t = std::stoll(tok.substr(1));
            if (t < time) throw std::runtime_error("VCD: time goes backwards at " + tok);
            time = v.last_time = t;
        } else if (tok[0] == 'b') {
            std::string code;
            in >> code;
            long long x = 0;
            for (char ch : tok.substr(1)) {
                if (ch != '0' && ch != '1') throw std::runtime_error("VCD: bad vector value " + tok);
                x = x * 2 + (ch - '0');
            }
            set(code, x);
        } else if (tok[0] == '0' || tok[0] == '1') {
            set(tok.substr(1), tok[0] - '0');
        } else {
            throw std::runtime_error("VCD: unexpected token " + tok);
        }
    }
    return v;
}

}  // namespace spiketlm::test
