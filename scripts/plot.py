#!/usr/bin/python3
"""Plots for spiketlm results (matplotlib).

  scripts/plot.py noc runs/noc8x8/noc.csv [more noc.csv ...] [-o latency.png] [--bound K]

`noc`: average (and p99) latency versus offered rate from `spiketlm noc` output; one curve per
file (labelled by its directory), and accepted versus offered rate on a second panel. With
--bound K the channel-load bound 4/K of uniform traffic on a KxK mesh is drawn.
"""
import argparse
import csv
import os
import sys


def read_noc_csv(path):
    cols = ["offered_rate", "accepted_rate", "latency_avg", "latency_p50", "latency_p99", "hops_avg"]
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or any(c not in rows[0] for c in cols):
        sys.exit(f"plot.py: {path}: not a noc.csv (expected columns {', '.join(cols)})")
    return {c: [float(r[c]) for r in rows] for c in cols}


def plot_noc(args):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_lat, ax_acc) = plt.subplots(1, 2, figsize=(11, 4.2))
    top = 0.0
    for path in args.files:
        d = read_noc_csv(path)
        label = os.path.basename(os.path.dirname(os.path.abspath(path))) or path
        ax_lat.plot(d["offered_rate"], d["latency_avg"], marker="o", ms=3, label=f"{label} avg")
        ax_lat.plot(d["offered_rate"], d["latency_p99"], ls="--", lw=1, label=f"{label} p99")
        ax_acc.plot(d["offered_rate"], d["accepted_rate"], marker="o", ms=3, label=label)
        top = max(top, max(d["offered_rate"]))
        # latency explodes past saturation: keep the interesting part readable
        finite = [v for v in d["latency_avg"] if v > 0]
        if finite:
            ax_lat.set_ylim(0, min(max(d["latency_p99"]), 8 * min(finite)) * 1.05)
    ax_lat.set_xlabel("offered rate (flits/node/cycle)")
    ax_lat.set_ylabel("latency (cycles, creation to tail delivery)")
    ax_lat.set_title("latency vs offered rate")
    ax_acc.plot([0, top], [0, top], color="gray", lw=0.8, ls=":", label="accepted = offered")
    if args.bound:
        b = 4.0 / args.bound
        for ax in (ax_lat, ax_acc):
            ax.axvline(b, color="red", lw=0.8, ls="-.", label=f"bound 4/k = {b:.3f}")
    ax_acc.set_xlabel("offered rate (flits/node/cycle)")
    ax_acc.set_ylabel("accepted rate (flits/node/cycle)")
    ax_acc.set_title("throughput")
    for ax in (ax_lat, ax_acc):
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    out = args.output or os.path.join(os.path.dirname(os.path.abspath(args.files[0])), "latency.png")
    tmp = out + ".tmp.png"
    fig.savefig(tmp, dpi=130)
    os.replace(tmp, out)  # nothing half-written
    print(f"wrote {out}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="kind", required=True)
    n = sub.add_parser("noc", help="latency vs offered rate from noc.csv")
    n.add_argument("files", nargs="+", help="noc.csv files")
    n.add_argument("-o", "--output", help="image file (default: latency.png next to the first csv)")
    n.add_argument("--bound", type=int, help="mesh radix k: draw the 4/k channel-load bound")
    args = p.parse_args()
    if args.kind == "noc":
        plot_noc(args)


if __name__ == "__main__":
    main()
