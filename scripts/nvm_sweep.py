#!/usr/bin/python3
"""The NVM accuracy/energy sweep of issue 11 (acceptance 4): table, monotonicity check, figure.

  scripts/nvm_sweep.py SWEEP_DIR [--png PATH] [--md PATH]

Reads SWEEP_DIR/results.csv as `spiketlm sweep collect` writes it for
configs/nvm/sweep-fashion.yaml (columns nvm.adc.bits, nvm.variation.sigma, nvm.stuck_gmin,
accuracy, energy_nj_per_frame, status) and the frames per point from SWEEP_DIR/sweep.json.
Writes SWEEP_DIR/nvm-sweep.md (pivot table: accuracy % and nJ/frame per ADC bits x sigma x
stuck-at rate, then the monotonicity check) and SWEEP_DIR/plots/nvm-sweep.png (accuracy against
sigma per stuck-at rate, one line per ADC resolution, error bars one binomial sd; nJ/frame
against ADC bits, every sigma and stuck-at rate), or the paths
given. Points not finished are shown as "-" and left out of the check.

Monotonicity (docs/nvm.md): at fixed ADC bits, for every pair of points that differ only in
sigma (or only in the stuck-at rate), the accuracy at the larger value may exceed the accuracy at
the smaller one by at most 2 sqrt(p (1 - p) / n) (p their mean accuracy, n frames per point).
Exit status 0 when every pair passes, 1 when one fails, 2 on bad input.
"""
import argparse
import csv
import json
import math
import os
import sys

K_BITS, K_SIGMA, K_STUCK = "nvm.adc.bits", "nvm.variation.sigma", "nvm.stuck_gmin"


def load(d):
    path = os.path.join(d, "results.csv")
    if not os.path.exists(path):
        sys.exit(f"nvm_sweep: {path}: missing (run `spiketlm sweep collect {d}` first)")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for k in (K_BITS, K_SIGMA, K_STUCK, "accuracy", "energy_nj_per_frame", "status"):
        if rows and k not in rows[0]:
            print(f"nvm_sweep: {path}: no column '{k}'", file=sys.stderr)
            sys.exit(2)
    frames = None
    sj = os.path.join(d, "sweep.json")
    if os.path.exists(sj):
        frames = json.load(open(sj)).get("frames")
    pts = {}
    for r in rows:
        key = (int(r[K_BITS]), float(r[K_SIGMA]), float(r[K_STUCK]))
        if r["status"] == "ok":
            pts[key] = (float(r["accuracy"]), float(r["energy_nj_per_frame"]))
        else:
            pts.setdefault(key, None)
    return pts, frames


def axes(pts):
    return (sorted({k[0] for k in pts}), sorted({k[1] for k in pts}), sorted({k[2] for k in pts}))


def pct(x):
    return f"{100 * x:g} %"


def table(pts, frames):
    bits, sigmas, stucks = axes(pts)
    head = ["ADC bits", "σ"] + [f"acc. % @ {pct(s)}" for s in stucks] + [f"nJ/frame @ {pct(s)}" for s in stucks]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (2 * len(stucks))]
    for b in bits:
        for s in sigmas:
            cells = [str(b), pct(s)]
            for kind in (0, 1):
                for st in stucks:
                    v = pts.get((b, s, st))
                    cells.append("-" if v is None else (f"{100 * v[0]:.1f}" if kind == 0 else f"{v[1]:.0f}"))
            out.append("| " + " | ".join(cells) + " |")
    done = sum(v is not None for v in pts.values())
    out.append("")
    out.append(f"{done} of {len(pts)} points finished" + (f", {frames} frames per point." if frames else "."))
    return out


def check(pts, frames):
    bits, sigmas, stucks = axes(pts)
    lines, fails, pairs = [], 0, 0
    if not frames:
        return ["no frame count (sweep.json): monotonicity not checked"], 0
    worst = (0.0, "")
    for b in bits:
        for axis, vals, others in (("σ", sigmas, stucks), ("stuck-at", stucks, sigmas)):
            for o in others:
                seq = [(v, pts.get((b, v, o) if axis == "σ" else (b, o, v))) for v in vals]
                seq = [(v, p) for v, p in seq if p is not None]
                for i in range(len(seq)):
                    for j in range(i + 1, len(seq)):
                        a_lo, a_hi = seq[i][1][0], seq[j][1][0]
                        p = 0.5 * (a_lo + a_hi)
                        tol = 2 * math.sqrt(max(p * (1 - p), 1e-12) / frames)
                        rise = a_hi - a_lo
                        pairs += 1
                        what = (f"bits {b}, {axis} {pct(seq[i][0])} -> {pct(seq[j][0])} at "
                                f"{'stuck-at' if axis == 'σ' else 'σ'} {pct(o)}: {100 * a_lo:.1f} % -> {100 * a_hi:.1f} %"
                                f" (tolerance {100 * tol:.2f} points)")
                        if rise / tol > worst[0]:
                            worst = (rise / tol, what)
                        if rise > tol:
                            fails += 1
                            lines.append("- RISE beyond noise: " + what)
    lines.insert(0, f"{pairs} pairs checked (same ADC bits, larger σ or stuck-at rate), {fails} beyond 2 binomial sd.")
    if worst[1]:
        lines.append(f"Largest rise relative to its tolerance ({worst[0]:.2f} of it): {worst[1]}")
    return lines, fails


def figure(pts, path, frames):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 8, "svg.hashsalt": "nvm", "pdf.fonttype": 42})
    bits, sigmas, stucks = axes(pts)
    fig, ax = plt.subplots(1, len(stucks) + 1, figsize=(7.2, 2.4), constrained_layout=True)
    for a in ax[1:len(stucks)]:
        a.sharey(ax[0])
    cmap = plt.get_cmap("viridis")
    for i, st in enumerate(stucks):
        a = ax[i]
        for k, b in enumerate(bits):
            xs = [s for s in sigmas if pts.get((b, s, st))]
            ys = [100 * pts[(b, s, st)][0] for s in xs]
            if xs:
                # error bars: one binomial standard deviation sqrt(p (1 - p) / n)
                err = [100 * math.sqrt(y / 100 * (1 - y / 100) / frames) if frames else 0 for y in ys]
                a.errorbar([100 * s + 0.12 * (k - len(bits) / 2) for s in xs], ys, yerr=err, marker="o", ms=2.5,
                           lw=0.8, elinewidth=0.5, capsize=1, color=cmap(k / max(1, len(bits) - 1)), label=f"{b} b")
        a.set_title(f"stuck at Gmin {pct(st)}")
        a.set_xlabel("programming σ (%)")
        if i == 0:
            a.set_ylabel("accuracy (%)")
        a.grid(alpha=0.3)
    ax[0].legend(title="ADC", fontsize=6, title_fontsize=6)
    a = ax[-1]
    for i, st in enumerate(stucks):
        for s in sigmas:
            xs = [b for b in bits if pts.get((b, s, st))]
            ys = [pts[(b, s, st)][1] for b in xs]
            if xs:
                a.plot(xs, ys, marker=".", ms=3, lw=0.6, color="0.3", alpha=0.5)
    a.set_xlabel("ADC bits")
    a.set_ylabel("energy (nJ/frame)")
    a.set_title("energy per frame")
    a.grid(alpha=0.3)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=150, metadata={"Software": None})
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--png")
    ap.add_argument("--md")
    a = ap.parse_args()
    pts, frames = load(a.dir)
    if not pts:
        print(f"nvm_sweep: {a.dir}/results.csv has no points", file=sys.stderr)
        return 2
    lines = table(pts, frames)
    chk, fails = check(pts, frames)
    text = "\n".join(lines + ["", "Monotonicity:", ""] + chk) + "\n"
    md = a.md or os.path.join(a.dir, "nvm-sweep.md")
    with open(md + ".tmp", "w") as f:
        f.write(text)
    os.replace(md + ".tmp", md)
    figure(pts, a.png or os.path.join(a.dir, "plots", "nvm-sweep.png"), frames)
    sys.stdout.write(text)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
