// scripts/plot.py and its report.html (docs/plots.md) on real outputs: a `spiketlm run` of a small
// generated model on real Fashion-MNIST frames, a short `spiketlm noc` curve, and a hand-written
// sweep results.csv. The numbers behind each figure (plots/<name>.csv) are checked against
// report.json / stats.csv / noc.csv read here; report.html is rendered in headless Chromium, which
// must load it, decode every embedded image and give a screenshot that is not blank. Missing
// python3-matplotlib, chromium or python3-pil fail these tests (setup-deps.sh installs them).
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/test_util.h"
#include "sw/io/model_file.h"
#include "sw/snn/random_network.h"

using namespace spiketlm;
namespace fs = std::filesystem;

namespace {

const char* k_python = "/usr/bin/python3";  // Debian's: matplotlib, numpy, PIL

test::CmdResult plot(const std::string& args) {
    return test::run_cmd(std::string(k_python) + " " + test::source_dir() + "/scripts/plot.py " + args);
}

// Simple CSV: no quoted fields (plot.py writes none in the files read here).
std::vector<std::map<std::string, std::string>> read_csv(const std::string& path) {
    std::istringstream in(test::read_text(path));
    std::string line;
    std::vector<std::string> header;
    std::vector<std::map<std::string, std::string>> rows;
    auto split = [](const std::string& s) {
        std::vector<std::string> f;
        std::stringstream ss(s);
        std::string x;
        while (std::getline(ss, x, ',')) f.push_back(x);
        if (!s.empty() && s.back() == ',') f.push_back("");
        return f;
    };
    std::getline(in, line);
    header = split(line);
    while (std::getline(in, line)) {
        const auto f = split(line);
        REQUIRE(f.size() == header.size());
        std::map<std::string, std::string> r;
        for (std::size_t i = 0; i < f.size(); ++i) r[header[i]] = f[i];
        rows.push_back(r);
    }
    return rows;
}

void check_figure_files(const std::string& plots, const std::string& name) {
    INFO(plots << "/" << name);
    REQUIRE(fs::exists(plots + "/" + name + ".png"));
    CHECK(test::read_text(plots + "/" + name + ".png").substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
    CHECK(test::read_text(plots + "/" + name + ".pdf").substr(0, 5) == "%PDF-");
    CHECK(fs::file_size(plots + "/" + name + ".csv") > 0);
}

// Renders `html` in headless Chromium (TOOLCHAIN.md flags). Checks the page loaded, every embedded
// image decoded, and the screenshot has more than a handful of colours (a blank page has one).
void check_renders(const std::string& html, int images) {
    REQUIRE(test::run_cmd("command -v chromium").exit_code == 0);  // fail, never skip: setup-deps.sh installs it
    const std::string dir = fs::path(html).parent_path().string();
    const std::string chrome = "HOME=$(mktemp -d -p " + dir + ") chromium --headless --no-sandbox --disable-dev-shm-usage ";
    const auto dom = test::run_cmd(chrome + "--dump-dom file://" + html);
    INFO(dom.output.substr(0, 2000));
    REQUIRE(dom.exit_code == 0);
    CHECK_THAT(dom.output, Catch::Contains("data-images=\"" + std::to_string(images) + "\" data-images-ok=\"" +
                                           std::to_string(images) + "\""));
    const std::string shot = dir + "/screenshot.png";
    const auto s = test::run_cmd(chrome + "--window-size=1200,1600 --screenshot=" + shot + " file://" + html);
    REQUIRE(s.exit_code == 0);
    const auto colours = test::run_cmd(std::string(k_python) +
                                       " -c 'import sys;from PIL import Image;print(len(Image.open(sys.argv[1])"
                                       ".convert(\"RGB\").getcolors(1<<24)))' " + shot);
    INFO(colours.output);
    REQUIRE(colours.exit_code == 0);
    CHECK(std::stoi(colours.output) > 50);  // text, tables and anti-aliased plots
}

// report.html references nothing outside itself: every image is a data: URI, no links to files.
void check_self_contained(const std::string& html_text, int images) {
    int n = 0;  // (std::regex recurses per character: it overflows the stack on long base64 strings)
    for (auto at = html_text.find("src=\""); at != std::string::npos; at = html_text.find("src=\"", at + 1)) {
        CHECK(html_text.compare(at + 5, 22, "data:image/png;base64,") == 0);
        ++n;
    }
    CHECK(n == images);
    CHECK(html_text.find("href=") == std::string::npos);
}

std::string run_chip(const std::string& dir) {
    snn::RandomNetworkSpec spec;
    spec.sizes = {784, 40, 10};
    spec.kind = snn::NeuronKind::relpsp;
    spec.timesteps = 24;
    spec.seed = 5;
    spec.encoding.kind = "ttfs";
    spec.encoding.steps = 16;
    io::save_model(dir + "/model", snn::random_network(spec));
    test::fashion_mnist_data_dir(dir);
    test::write_text(dir + "/run.yaml",
                     test::yoso_run_config(dir + "/model", "", dir + "/data", 12, test::default_energy_table_yaml()));
    test::run_cli_ok("run --config " + dir + "/run.yaml --out " + dir + "/run");
    return dir + "/run";
}

}  // namespace

TEST_CASE("plot: a run directory's figures show report.json and stats.csv, and its report.html renders",
          "[system]") {
    const std::string dir = test::scratch_dir("plot-run");
    const std::string run = run_chip(dir);
    const auto p = plot("run " + run);
    INFO(p.output);
    REQUIRE(p.exit_code == 0);
    const std::string plots = run + "/plots";
    for (const char* n : {"energy_breakdown", "spikes", "pe_utilization", "link_utilization", "frame_cycles"})
        check_figure_files(plots, n);
    const auto rep = test::read_json(run + "/report.json");

    // Energy: both stacks hold exactly report.json's breakdowns, and each sums to the total.
    double by_class = 0, by_layer = 0;
    std::set<std::string> classes, layers;
    for (const auto& r : read_csv(plots + "/energy_breakdown.csv")) {
        const double v = std::stod(r.at("nj_per_frame"));
        if (r.at("group") == "component class") {
            CHECK(v == Approx(rep["energy_breakdown_nj"][r.at("key")].get<double>()));
            by_class += v;
            classes.insert(r.at("key"));
        } else {
            CHECK(r.at("group") == "layer");
            by_layer += v;
            if (r.at("key") == "(no layer)") {  // what no layer owns: the rest of the total
                double owned = 0;
                for (const auto& [k, e] : rep["energy_breakdown_by_layer_nj"].items()) owned += e.get<double>();
                CHECK(v == Approx(rep["energy_nj_per_frame"].get<double>() - owned));
                continue;
            }
            CHECK(v == Approx(rep["energy_breakdown_by_layer_nj"][r.at("key")].get<double>()));
            layers.insert(r.at("key"));
        }
    }
    CHECK(classes.size() == rep["energy_breakdown_nj"].size());
    CHECK(layers.size() == rep["energy_breakdown_by_layer_nj"].size());
    CHECK(by_class == Approx(rep["energy_nj_per_frame"].get<double>()));
    CHECK(by_layer == Approx(rep["energy_nj_per_frame"].get<double>()));

    // Spikes: per-layer totals (named from the model) equal report.json's, and the per-step series
    // (from spikes.spk) sum to them.
    std::map<std::string, double> total, summed;
    for (const auto& r : read_csv(plots + "/spikes.csv")) {
        (r.at("step") == "all" ? total : summed)[r.at("layer")] += std::stod(r.at("spikes_per_frame"));
    }
    REQUIRE(total.size() == rep["spikes_per_frame_by_layer"].size());
    for (const auto& [layer, v] : rep["spikes_per_frame_by_layer"].items()) {
        CHECK(total[layer] == Approx(v.get<double>()));
        CHECK(summed[layer] == Approx(v.get<double>()));
    }

    // Links: one row per link counter in stats.csv, utilisation = flits / chip.cycles.
    std::map<std::string, double> stats;
    {
        std::istringstream in(test::read_text(run + "/stats.csv"));
        std::string line;
        const std::regex re(R"(^([a-z0-9_.]+),[a-z]+,([0-9.eE+-]+),)");
        std::smatch m;
        while (std::getline(in, line))
            if (std::regex_search(line, m, re)) stats[m[1]] = std::stod(m[2]);
    }
    const double cycles = stats.at("chip.cycles");
    int link_stats = 0;
    for (const auto& [k, v] : stats) link_stats += k.find(".link_") != std::string::npos;
    const auto links = read_csv(plots + "/link_utilization.csv");
    CHECK(static_cast<int>(links.size()) == link_stats);
    double busiest = 0;
    for (const auto& r : links) {
        const std::string key = "chip.noc.link_" + r.at("x") + "_" + r.at("y") + "_" + r.at("direction") + ".flit";
        INFO(key);
        REQUIRE(stats.count(key));
        CHECK(std::stod(r.at("flits")) == stats[key]);
        CHECK(std::stod(r.at("flits_per_cycle")) == Approx(stats[key] / cycles));
        busiest = std::max(busiest, stats[key]);
    }
    CHECK(busiest > 0);  // the run did use the mesh

    // PE load: synaptic ops per frame of each PE from its counter.
    for (const auto& r : read_csv(plots + "/pe_utilization.csv")) {
        const std::string key = "chip.tile_" + r.at("x") + "_" + r.at("y") + ".pe.synops";
        CHECK(std::stod(r.at("synops_per_frame")) == Approx(stats.at(key) / rep["frames"].get<double>()));
    }

    // Reproducible: a second invocation writes byte-identical figures and page.
    std::map<std::string, std::string> before;
    for (const auto& e : fs::directory_iterator(plots)) before[e.path().string()] = test::read_text(e.path().string());
    const std::string html_before = test::read_text(run + "/report.html");
    REQUIRE(plot(run).exit_code == 0);  // kind detected from report.json
    for (const auto& [path, bytes] : before) {
        INFO(path);
        CHECK(test::read_text(path) == bytes);
    }
    CHECK(test::read_text(run + "/report.html") == html_before);

    // The page: summary with units, the energy table, the figures, the effective configuration.
    CHECK_THAT(html_before, Catch::Contains("cycles per frame") && Catch::Contains(" cycles</td>") &&
                                Catch::Contains(" nJ</td>") && Catch::Contains("Effective configuration") &&
                                Catch::Contains("clock_mhz:"));
    check_self_contained(html_before, 5);
    check_renders(run + "/report.html", 5);
}

TEST_CASE("plot: a sweep's results.csv gives a figure per swept key and the Pareto projections", "[system]") {
    const std::string dir = test::scratch_dir("plot-sweep");
    // The layout of `spiketlm sweep collect` (sw/sweep/results.cpp): point, swept keys, seed,
    // the report fields, status, error.
    const std::string head =
        "point,chip.pe.lanes,chip.noc.vcs,seed,accuracy,cycles_per_frame,latency_us_per_frame,energy_nj_per_frame,"
        "pj_per_sop,power_mw,spikes_per_frame,status,error";
    // Dominance over (accuracy up, energy down, latency down): only a is dominated (by b).
    const std::string pts =
        "a,1,1,11,0.88,9000,90,600,15,6.6,63,ok,\n"
        "b,2,1,12,0.88,7000,70,590,14.8,8.4,63,ok,\n"
        "c,4,1,13,0.88,6000,60,620,15.5,10.3,63,ok,\n"
        "d,1,2,14,0.885,8800,88,580,14.6,6.6,63,ok,\n"
        "e,2,2,15,,,,,,,,failed,bad value\n"
        "f,4,2,16,0.885,5900,59,640,16,10.8,63,ok,\n";
    fs::create_directories(dir + "/s");
    test::write_text(dir + "/s/results.csv", head + "\n" + pts);
    const auto p = plot("sweep " + dir + "/s");
    INFO(p.output);
    REQUIRE(p.exit_code == 0);
    for (const char* n : {"sweep_chip_pe_lanes", "sweep_chip_noc_vcs", "pareto"}) check_figure_files(dir + "/s/plots", n);
    std::map<std::string, std::string> front;
    for (const auto& r : read_csv(dir + "/s/plots/pareto.csv"))
        front[r.at("chip.pe.lanes") + "/" + r.at("chip.noc.vcs")] = r.at("pareto");
    CHECK(front == std::map<std::string, std::string>{{"1/1", "0"}, {"2/1", "1"}, {"4/1", "1"}, {"1/2", "1"}, {"4/2", "1"}});
    // The figure against chip.pe.lanes: one series per value of the other key, failed point left out.
    const auto lanes = read_csv(dir + "/s/plots/sweep_chip_pe_lanes.csv");
    CHECK(lanes.size() == 5);

    // A pareto column written by `sweep collect --pareto` is taken as it is (here: only point a),
    // and the swept keys come from sweep.json when it is there (chip.noc.vcs only: one figure).
    fs::create_directories(dir + "/t");
    test::write_text(dir + "/t/sweep.json", R"({"schema_version": 1, "keys": ["chip.noc.vcs"], "points": []})");
    std::string marked = head + ",pareto\n";
    std::istringstream in(pts);
    std::string line;
    while (std::getline(in, line)) marked += line + (line[0] == 'a' ? ",1\n" : line[0] == 'e' ? ",\n" : ",0\n");
    test::write_text(dir + "/t/results.csv", marked);
    REQUIRE(plot(dir + "/t").exit_code == 0);
    CHECK(fs::exists(dir + "/t/plots/sweep_chip_noc_vcs.png"));
    CHECK(!fs::exists(dir + "/t/plots/sweep_chip_pe_lanes.png"));
    int marked_points = 0;
    for (const auto& r : read_csv(dir + "/t/plots/pareto.csv")) marked_points += r.at("pareto") == "1";
    CHECK(marked_points == 1);

    // A key with non-numeric values (a chip preset swept through `include`) is a category axis; a
    // key only a failed list entry sets has one value over the finished points: no figure.
    fs::create_directories(dir + "/u");
    test::write_text(dir + "/u/results.csv",
                     "point,include,chip.pe.neurons,seed,accuracy,latency_us_per_frame,energy_nj_per_frame,status,error\n"
                     "p1,configs/chips/yoso.yaml,,1,0.9,60,580,ok,\np2,configs/chips/small.yaml,,2,0.9,80,400,ok,\n"
                     "p3,,4,3,,,,failed,does not fit\n");
    const auto u = plot("sweep " + dir + "/u");
    INFO(u.output);
    REQUIRE(u.exit_code == 0);
    CHECK(read_csv(dir + "/u/plots/sweep_include.csv").size() == 2);
    CHECK(!fs::exists(dir + "/u/plots/sweep_chip_pe_neurons.png"));

    const std::string html = test::read_text(dir + "/s/report.html");
    CHECK_THAT(html, Catch::Contains("6 points, 5 finished, 1 failed") && Catch::Contains("88.50 %") &&
                         Catch::Contains("580 nJ") && Catch::Contains("failed e: bad value"));
    check_self_contained(html, 3);
    check_renders(dir + "/s/report.html", 3);
}

TEST_CASE("plot: a spiketlm noc directory gives the latency and throughput curves of noc.csv", "[system]") {
    const std::string dir = test::scratch_dir("plot-noc");
    test::write_text(dir + "/noc.yaml",
                     "chip:\n  noc:\n    width: 4\n    height: 4\n    multicast: source\nnoc:\n  pattern: uniform\n"
                     "  packet_flits: 4\n  warmup_cycles: 200\n  measure_cycles: 2000\n  drain_cycles: 5000\n");
    test::run_cli_ok("noc --config " + dir + "/noc.yaml --rates 0.05,0.2,0.4 --out " + dir + "/noc");
    const auto p = plot("noc " + dir + "/noc --bound 4");
    INFO(p.output);
    REQUIRE(p.exit_code == 0);
    check_figure_files(dir + "/noc/plots", "latency");
    check_figure_files(dir + "/noc/plots", "throughput");
    const auto src = read_csv(dir + "/noc/noc.csv");
    const auto lat = read_csv(dir + "/noc/plots/latency.csv");
    REQUIRE(lat.size() == src.size());
    for (std::size_t i = 0; i < src.size(); ++i)
        for (const char* c : {"offered_rate", "accepted_rate", "latency_avg", "latency_p99"})
            CHECK(std::stod(lat[i].at(c)) == Approx(std::stod(src[i].at(c))));
    check_self_contained(test::read_text(dir + "/noc/report.html"), 2);
}

TEST_CASE("plot: a missing or malformed input is one message naming the file, exit status 2", "[system]") {
    const std::string dir = test::scratch_dir("plot-bad");
    auto expect = [](const test::CmdResult& r, const std::string& names, const std::string& says) {
        INFO(r.output);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.output, Catch::Contains(names) && Catch::Contains(says));
        CHECK(r.output.find("Traceback") == std::string::npos);
    };
    fs::create_directories(dir + "/empty");
    expect(plot(dir + "/empty"), dir + "/empty", "none of results.csv");
    expect(plot("run " + dir + "/empty"), dir + "/empty/report.json", "missing");
    fs::create_directories(dir + "/bad");
    test::write_text(dir + "/bad/report.json", "{\"frames\": ");
    expect(plot("run " + dir + "/bad"), dir + "/bad/report.json", "not valid JSON");
    test::write_text(dir + "/noc.csv", "offered_rate,latency_avg\n0.1,3\n");
    expect(plot("noc " + dir + "/noc.csv"), dir + "/noc.csv", "missing column(s) accepted_rate");
    fs::create_directories(dir + "/sw");
    test::write_text(dir + "/sw/results.csv", "id,x,status,accuracy,energy_nj_per_frame,latency_us_per_frame\np,1,ok,0.9,abc,3\n");
    expect(plot("sweep " + dir + "/sw"), dir + "/sw/results.csv", "row 2, column energy_nj_per_frame: 'abc'");
    CHECK(!fs::exists(dir + "/bad/report.html"));
}
