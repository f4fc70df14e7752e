#!/usr/bin/env python3
"""`make synth`: yosys cell counts of rtl/pe_core.sv for a chip configuration (an area proxy).

The pe_core parameters come from the configuration's effective values (`spiketlm config check`),
so the counts follow config changes: NEURONS = chip.pe.neurons, SYN_WORDS = chip.pe.synapse_words,
AXONS = chip.pe.axon_entries, ROUTES = chip.pe.route_entries, IN_MAX = chip.noc.vcs, FIFO_MAX =
chip.pe.input_fifo_depth, WFIFO_MAX = chip.pe.word_fifo_depth, LWPC_MAX =
chip.pe.load_words_per_cycle, LANES_MAX = chip.pe.lanes, UPD_MAX = chip.pe.update_lanes,
LAT_MAX = the largest SRAM read latency, ACC_SLOTS / ACC_W = chip.pe.acc_slots / acc_bits,
STQ_MAX = chip.noc.injection_queue_depth, RT_MAX = chip.pe.route_ports, NOISE = 1.

Two levels, both written to the report: `rtlil` (yosys's word-level cells after proc, flatten,
opt, memory -nomap: adders, multipliers, muxes, flip-flops, memories) and, with --gates, the
logic mapped to two-input gates and muxes by abc (memories stay memories; their bits are
listed). Usage: scripts/synth.py [--config configs/chips/yoso.yaml] [--gates] [--out build/synth]
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def effective(cli, config):
    out = subprocess.run([cli, "config", "check", "--config", config], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(out.stdout + out.stderr)
    values, stack = {}, []
    for line in out.stdout.splitlines():
        m = re.match(r"^( *)([A-Za-z_0-9]+):\s*([^#]*?)\s*(#.*)?$", line)
        if not m:
            continue
        depth = len(m.group(1)) // 2
        stack = stack[:depth] + [m.group(2)]
        if m.group(3) != "":
            values[".".join(stack)] = m.group(3).strip('"')
    return values


def params(v):
    i = lambda k: int(v[k])
    return {
        "NEURONS": i("chip.pe.neurons"), "SYN_WORDS": i("chip.pe.synapse_words"),
        "AXONS": i("chip.pe.axon_entries"), "ROUTES": i("chip.pe.route_entries"),
        "IN_MAX": i("chip.noc.vcs"), "FIFO_MAX": i("chip.pe.input_fifo_depth"),
        "WFIFO_MAX": i("chip.pe.word_fifo_depth"), "LWPC_MAX": i("chip.pe.load_words_per_cycle"),
        "LANES_MAX": i("chip.pe.lanes"), "UPD_MAX": i("chip.pe.update_lanes"),
        "LAT_MAX": max(i("chip.pe.synapse_read_latency"), i("chip.pe.axon_read_latency"),
                       i("chip.pe.state_read_latency"), i("chip.pe.route_read_latency")),
        "ACC_SLOTS": i("chip.pe.acc_slots"), "ACC_W": i("chip.pe.acc_bits"),
        "STQ_MAX": i("chip.noc.injection_queue_depth"), "RT_MAX": i("chip.pe.route_ports"), "NOISE": 1,
    }


def yosys(script, log):
    r = subprocess.run(["yosys", "-q", "-l", log, "-p", script], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"yosys failed (log {log}):\n" + r.stdout[-3000:] + r.stderr[-3000:])
    with open(log, encoding="utf-8") as f:
        text = f.read()
    # The last `stat` section: the flattened top module (yosys names it $paramod\pe_core\...).
    top = text[text.rfind("=== "):]
    cells = int(re.search(r"Number of cells:\s+(\d+)", top).group(1))
    kinds = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\$\S+)\s+(\d+)$", top, re.M)}
    return cells, kinds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default=os.path.join(ROOT, "configs", "chips", "yoso.yaml"))
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "release", "bin", "spiketlm"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "synth"))
    ap.add_argument("--gates", action="store_true", help="also map the logic to gates with abc (slow)")
    args = ap.parse_args()
    p = params(effective(args.cli, args.config))
    name = os.path.splitext(os.path.basename(args.config))[0]
    out = os.path.join(args.out, name)
    os.makedirs(out, exist_ok=True)
    read = (f"read_verilog -sv {ROOT}/rtl/pe_neuron.sv {ROOT}/rtl/pe_core.sv; "
            + "".join(f"chparam -set {k} {v} pe_core; " for k, v in p.items())
            + "hierarchy -top pe_core; proc; flatten; opt; memory -nomap; opt; ")
    report = [f"pe_core for {args.config}", "parameters: " + " ".join(f"{k}={v}" for k, v in p.items()), ""]
    cells, kinds = yosys(read + "stat", os.path.join(out, "rtlil.log"))
    mem = {"synapse": p["SYN_WORDS"] * 64, "axon table": p["AXONS"] * 64, "routing table": p["ROUTES"] * 64,
           "neuron state": p["NEURONS"] * (32 + 32 + 16 + 1), "accumulators": p["ACC_SLOTS"] * p["NEURONS"] * p["ACC_W"]}
    report.append("memory bits (inferred arrays, kept as memories): "
                  + ", ".join(f"{k} {v}" for k, v in mem.items()) + f"; total {sum(mem.values())}")
    report.append(f"rtlil cells: {cells}")
    report += [f"  {k:14s} {n}" for k, n in sorted(kinds.items())]
    if args.gates:
        gcells, gkinds = yosys(read + "techmap; opt -fast; abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX; opt -fast; stat",
                               os.path.join(out, "gates.log"))
        report += ["", f"gate-level cells (abc, 2-input gates and muxes; memories kept): {gcells}"]
        report += [f"  {k:14s} {n}" for k, n in sorted(gkinds.items())]
    text = "\n".join(report) + "\n"
    with open(os.path.join(out, "report.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    sys.stdout.write(text)
    print(f"(report: {os.path.join(out, 'report.txt')})")


if __name__ == "__main__":
    main()
