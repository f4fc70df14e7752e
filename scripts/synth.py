#!/usr/bin/env python3
"""`make synth`: yosys cell counts of rtl/pe_core.sv (with --top router rtl/router.sv, with --top ni
rtl/ni.sv, the mesh's network interface) for a
chip configuration (an area proxy).

The pe_core parameters come from the configuration's effective values (`spiketlm config check`),
so the counts follow config changes: NEURONS = chip.pe.neurons, SYN_WORDS = chip.pe.synapse_words,
AXONS = chip.pe.axon_entries, ROUTES = chip.pe.route_entries, IN_MAX = chip.noc.vcs, FIFO_MAX =
chip.pe.input_fifo_depth, WFIFO_MAX = chip.pe.word_fifo_depth, LWPC_MAX =
chip.pe.load_words_per_cycle, LANES_MAX = chip.pe.lanes, UPD_MAX = chip.pe.update_lanes,
LAT_MAX = the largest SRAM read latency, ACC_SLOTS / ACC_W = chip.pe.acc_slots / acc_bits,
STQ_MAX = chip.noc.injection_queue_depth, RT_MAX = chip.pe.route_ports, NOISE = 1.

router (--top router or all): VC_MAX = chip.noc.vcs, DEPTH_MAX = chip.noc.buffer_depth, FLIT_W =
chip.noc.flit_width_bits, NODES_MAX = chip.noc.width x height (the multicast bitmask), TAG_W = 16
(the sideband the router touches: the hop count; the simulator's packet handle and flit index are
bookkeeping, not hardware). The module is read with -defer so that yosys elaborates it once, with
these parameters (its defaults are the co-simulation maxima, which take far longer).

ni (--top ni or all): VC_MAX = IN_MAX = chip.noc.vcs, DEPTH_MAX = chip.noc.buffer_depth, FLIT_W =
chip.noc.flit_width_bits, NODES_MAX = width x height, QDEPTH_MAX = chip.noc.injection_queue_depth,
RT_MAX = chip.pe.route_ports, HIN_MAX = chip.host_inject_per_cycle, DSETS = 64 destination sets.

Two levels, both written to the report: `rtlil` (yosys's word-level cells after proc, flatten,
opt, memory -nomap: adders, multipliers, muxes, flip-flops, memories) and, with --gates, the
logic mapped to two-input gates and muxes by abc (memories stay memories; their bits are
listed). Usage: scripts/synth.py [--config configs/chips/yoso.yaml] [--top pe_core|router|ni|all] [--gates]
[--out build/synth]
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


def router_params(v):
    i = lambda k: int(v[k])
    return {"VC_MAX": i("chip.noc.vcs"), "DEPTH_MAX": i("chip.noc.buffer_depth"),
            "FLIT_W": i("chip.noc.flit_width_bits"), "NODES_MAX": i("chip.noc.width") * i("chip.noc.height"),
            "TAG_W": 16}


def ni_params(v):
    i = lambda k: int(v[k])
    return {"VC_MAX": i("chip.noc.vcs"), "DEPTH_MAX": i("chip.noc.buffer_depth"),
            "FLIT_W": i("chip.noc.flit_width_bits"), "NODES_MAX": i("chip.noc.width") * i("chip.noc.height"),
            "QDEPTH_MAX": i("chip.noc.injection_queue_depth"), "DSETS": 64, "IN_MAX": i("chip.noc.vcs"),
            "RT_MAX": i("chip.pe.route_ports"), "HIN_MAX": i("chip.host_inject_per_cycle")}


def yosys(script, log):
    r = subprocess.run(["yosys", "-q", "-l", log, "-p", script], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"yosys failed (log {log}):\n" + r.stdout[-3000:] + r.stderr[-3000:])
    with open(log, encoding="utf-8") as f:
        text = f.read()
    # The last `stat` section: the flattened top module (yosys names it $paramod\<top>\...).
    top = text[text.rfind("=== "):]
    cells = int(re.search(r"Number of cells:\s+(\d+)", top).group(1))
    kinds = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\$\S+)\s+(\d+)$", top, re.M)}
    return cells, kinds


def synth_pe_core(v, args, out):
    p = params(v)
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
    return report


def synth_router(v, args, out):
    p = router_params(v)
    read = (f"read_verilog -defer -sv {ROOT}/rtl/router.sv; "
            + "chparam " + " ".join(f"-set {k} {v}" for k, v in p.items()) + " router; "
            + "hierarchy -top router; proc; flatten; opt; memory -nomap; opt; ")
    report = [f"router for {args.config}", "parameters: " + " ".join(f"{k}={v}" for k, v in p.items()), ""]
    cells, kinds = yosys(read + "stat", os.path.join(out, "router-rtlil.log"))
    flit = p["FLIT_W"] + p["TAG_W"] + 2
    report.append(f"input buffer bits: 5 ports x {p['VC_MAX']} VCs x {p['DEPTH_MAX']} flits x {flit} bits = "
                  f"{5 * p['VC_MAX'] * p['DEPTH_MAX'] * flit}")
    report.append(f"rtlil cells: {cells}")
    report += [f"  {k:14s} {n}" for k, n in sorted(kinds.items())]
    if args.gates:
        gcells, gkinds = yosys(read + "techmap; opt -fast; abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX; opt -fast; stat",
                               os.path.join(out, "router-gates.log"))
        report += ["", f"gate-level cells (abc, 2-input gates and muxes; memories kept): {gcells}"]
        report += [f"  {k:14s} {n}" for k, n in sorted(gkinds.items())]
    return report


def synth_ni(v, args, out):
    p = ni_params(v)
    read = (f"read_verilog -defer -sv {ROOT}/rtl/ni.sv; "
            + "chparam " + " ".join(f"-set {k} {v}" for k, v in p.items()) + " ni; "
            + "hierarchy -top ni; proc; flatten; opt; memory -nomap; opt; ")
    report = [f"ni for {args.config}", "parameters: " + " ".join(f"{k}={v}" for k, v in p.items()) +
              " (DSETS: destination-set table entries, a choice)", ""]
    cells, kinds = yosys(read + "stat", os.path.join(out, "ni-rtlil.log"))
    report.append(f"rtlil cells: {cells}")
    report += [f"  {k:14s} {n}" for k, n in sorted(kinds.items())]
    if args.gates:
        gcells, gkinds = yosys(read + "techmap; opt -fast; abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX; opt -fast; stat",
                               os.path.join(out, "ni-gates.log"))
        report += ["", f"gate-level cells (abc, 2-input gates and muxes): {gcells}"]
        report += [f"  {k:14s} {n}" for k, n in sorted(gkinds.items())]
    return report


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default=os.path.join(ROOT, "configs", "chips", "yoso.yaml"))
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "release", "bin", "spiketlm"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "synth"))
    ap.add_argument("--top", choices=["pe_core", "router", "ni", "all"], default="pe_core",
                    help="module(s) to synthesize (router: minutes of yosys time, see docs/rtl.md)")
    ap.add_argument("--gates", action="store_true", help="also map the logic to gates with abc (slow)")
    args = ap.parse_args()
    v = effective(args.cli, args.config)
    name = os.path.splitext(os.path.basename(args.config))[0]
    out = os.path.join(args.out, name)
    os.makedirs(out, exist_ok=True)
    report = []
    if args.top in ("pe_core", "all"):
        report += synth_pe_core(v, args, out)
    if args.top in ("router", "all"):
        report += ([""] if report else []) + synth_router(v, args, out)
    if args.top in ("ni", "all"):
        report += ([""] if report else []) + synth_ni(v, args, out)
    text = "\n".join(report) + "\n"
    fname = "report.txt" if args.top == "pe_core" else f"report-{args.top}.txt"
    with open(os.path.join(out, fname), "w", encoding="utf-8") as f:
        f.write(text)
    sys.stdout.write(text)
    print(f"(report: {os.path.join(out, fname)})")


if __name__ == "__main__":
    main()
