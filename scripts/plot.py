#!/usr/bin/python3
"""Paper-ready plots and an HTML report for spiketlm outputs (matplotlib; docs/plots.md).

  scripts/plot.py run   RUN_DIR         a `spiketlm run` / `ref` directory (report.json, stats.csv, spikes.spk)
  scripts/plot.py noc   NOC_DIR|noc.csv [more ...] [--bound K]   `spiketlm noc` output(s)
  scripts/plot.py sweep SWEEP_DIR [--points]   a sweep directory (results.csv)
  scripts/plot.py DIR                   the same, the kind detected from the files in DIR

Every figure is written as DIR/plots/<name>.png and .pdf (3.5 in wide, 8 pt: one column of a
two-column paper) with the numbers it shows in DIR/plots/<name>.csv; then DIR/report.html, one
self-contained page (scripts/report_html.py). --no-html skips the page. Outputs are byte-for-byte
reproducible (no dates or versions in the files) and each is written to a temporary name and
renamed. A missing or malformed input: one message naming the file, exit status 2.
"""
import argparse
import csv
import io
import json
import math
import os
import re
import struct
import sys

EXIT_BAD_INPUT = 2
WIDTH_IN = 3.5  # one column of a two-column paper
FONT_PT = 8


class InputError(Exception):
    """Bad or missing input; the message names the file."""


# --------------------------------------------------------------------------------------------
# matplotlib setup and output


def _mpl():
    try:
        import matplotlib
    except ImportError:
        raise InputError("matplotlib is missing: install python3-matplotlib (scripts/setup-deps.sh) "
                         "and run this script with /usr/bin/python3")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams.update({
        "font.size": FONT_PT, "axes.titlesize": FONT_PT, "axes.labelsize": FONT_PT,
        "xtick.labelsize": FONT_PT - 1, "ytick.labelsize": FONT_PT - 1, "legend.fontsize": FONT_PT - 1,
        "font.family": "DejaVu Sans", "axes.linewidth": 0.6, "lines.linewidth": 1.0,
        "lines.markersize": 3, "grid.linewidth": 0.4, "grid.alpha": 0.4,
        "pdf.fonttype": 42,  # TrueType in PDFs: editable text, accepted by paper systems
        "svg.hashsalt": "spiketlm", "savefig.dpi": 200,
    })
    return plt


def _write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class Out:
    """DIR/plots/: figures (PNG + PDF) and the data behind them (CSV)."""

    def __init__(self, folder):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        self.figures = []  # (name, title, caption) in the order written

    def save(self, fig, name, title, caption, header, rows):
        plt = _mpl()
        for ext, meta in (("png", {"Software": None}),
                          ("pdf", {"Creator": None, "Producer": None, "CreationDate": None})):
            buf = io.BytesIO()
            fig.savefig(buf, format=ext, metadata=meta, bbox_inches="tight", pad_inches=0.02)
            _write_atomic(os.path.join(self.folder, f"{name}.{ext}"), buf.getvalue())
        plt.close(fig)
        text = io.StringIO()
        w = csv.writer(text, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([_csv_cell(v) for v in r])
        _write_atomic(os.path.join(self.folder, f"{name}.csv"), text.getvalue().encode())
        self.figures.append((name, title, caption))
        print(f"wrote {os.path.join(self.folder, name)}.png/.pdf/.csv")


def _csv_cell(v):
    if isinstance(v, float):
        return repr(v)  # full precision
    return v


# --------------------------------------------------------------------------------------------
# inputs


def read_json(path):
    if not os.path.isfile(path):
        raise InputError(f"{path}: missing (a finished run writes report.json last; did the run fail?)")
    try:
        with open(path) as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not valid JSON ({e})")


def read_csv(path, required=()):
    if not os.path.isfile(path):
        raise InputError(f"{path}: missing")
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
            header = rows[0].keys() if rows else []
    except (csv.Error, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not a readable CSV ({e})")
    if not rows:
        raise InputError(f"{path}: no data rows")
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    return rows


def to_float(path, row_no, col, text):
    try:
        return float(text)
    except (TypeError, ValueError):
        raise InputError(f"{path}: row {row_no}, column {col}: '{text}' is not a number")


def read_stats(path):
    """stats.csv -> {name: value} (counters and histogram fields)."""
    rows = read_csv(path, ("name", "kind", "value"))
    return {r["name"]: to_float(path, i + 2, "value", r["value"]) for i, r in enumerate(rows)}


SPK_RECORD = struct.Struct("<IIIIiQ")  # frame, step, layer, neuron, pe, cycle (docs/traces.md)


def read_spikes(path):
    """spikes.spk -> list of (frame, step, layer) (the fields the plots use)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 20 or data[:8] != b"SPKTRC01":
        raise InputError(f"{path}: not a spike trace (bad magic; docs/traces.md)")
    count, = struct.unpack_from("<Q", data, 8)
    src_len, = struct.unpack_from("<I", data, 16)
    start = 20 + src_len
    if len(data) != start + SPK_RECORD.size * count:
        raise InputError(f"{path}: size does not match its record count {count} (truncated?)")
    try:
        import numpy as np
    except ImportError:
        raise InputError("numpy is missing: install python3-numpy (scripts/setup-deps.sh)")
    dt = np.dtype([("frame", "<u4"), ("step", "<u4"), ("layer", "<u4"), ("neuron", "<u4"),
                   ("pe", "<i4"), ("cycle", "<u8")])
    return np.frombuffer(data, dt, count=count, offset=start)


def layer_names(run_dir, report, n_layers, counts):
    """Trace layer index -> name: the model's layer list when it can be found and agrees with the
    report's per-layer spike counts, else 'layer i'."""
    names = []
    model = report.get("model") or ""
    for base in (os.getcwd(), os.path.dirname(os.path.abspath(run_dir)), os.path.abspath(os.path.join(run_dir, "..", ".."))):
        p = os.path.join(base, model, "model.yaml") if model else ""
        if p and os.path.isfile(p):
            with open(p) as f:
                text = f.read()
            body = text.split("\nlayers:", 1)[1] if "\nlayers:" in text else ""
            names = re.findall(r'^  - name: "?([^"\n]+)"?\s*$', body, re.M)
            break
    by_layer = report.get("spikes_per_frame_by_layer") or {}
    frames = report.get("frames") or 0
    if len(names) >= n_layers and frames:
        ok = all(abs(by_layer.get(names[i], -1) * frames - counts[i]) < 0.5 for i in range(n_layers) if counts[i])
        if ok:
            return names[:n_layers]
    return [f"layer {i}" for i in range(n_layers)]


# --------------------------------------------------------------------------------------------
# run directory

MESH_RE = {
    "link": re.compile(r"^(?P<mesh>.+)\.link_(?P<x>\d+)_(?P<y>\d+)_(?P<dir>north|east|south|west)\.flit$"),
    "router": re.compile(r"^(?P<mesh>.+)\.router_(?P<x>\d+)_(?P<y>\d+)\."),
    "tile": re.compile(r"^(?P<chip>.+)\.tile_(?P<x>\d+)_(?P<y>\d+)\.pe\.(?P<what>synops|busy_cycles)$"),
}
STEP = {"north": (0, -1), "east": (1, 0), "south": (0, 1), "west": (-1, 0)}  # y = 0 is the north row


def _stacked(ax, label, parts, cmap, x):
    plt = _mpl()
    colors = plt.get_cmap(cmap)
    bottom = 0.0
    handles = []
    for i, (k, v) in enumerate(parts):
        h = ax.bar(x, v, bottom=bottom, width=0.6, color=colors(i % colors.N), edgecolor="white", linewidth=0.3,
                   label=f"{k} ({v:.3g})")
        handles.append(h)
        bottom += v
    return handles


NO_LAYER = "(no layer)"


def plot_run_energy(out, r):
    br = r.get("energy_breakdown_nj")
    layers = r.get("energy_breakdown_by_layer_nj")
    if not isinstance(br, dict) or not br:
        return
    plt = _mpl()
    total = r.get("energy_nj_per_frame") or sum(br.values())
    groups = [("component class", sorted(br.items(), key=lambda kv: -kv[1]), "tab20")]
    if isinstance(layers, dict) and layers:
        parts = sorted(layers.items(), key=lambda kv: -kv[1])
        rest = total - sum(layers.values())
        if rest > 1e-9 * total:  # components registered without a layer (routers, links, NIs)
            parts.append((NO_LAYER, rest))
        groups.append(("layer", parts, "Set2"))
    fig, axes = plt.subplots(1, len(groups), figsize=(WIDTH_IN, 2.6), sharey=True)
    axes = axes if len(groups) > 1 else [axes]
    rows = []
    for ax, (gname, parts, cmap) in zip(axes, groups):
        handles = _stacked(ax, gname, parts, cmap, 0)
        ax.set_xticks([0])
        ax.set_xticklabels([f"by {gname}"])
        ax.set_xlim(-0.5, 0.5)
        ax.legend(handles=handles[::-1], loc="upper left",  # top to bottom as stacked
                  bbox_to_anchor=(0.62, 1.0), frameon=False, fontsize=FONT_PT - 2,
                  handlelength=1, borderaxespad=0, labelspacing=0.25)
        ax.spines[["top", "right"]].set_visible(False)
        for k, v in parts:
            rows.append((gname, k, v, v / total if total else 0.0))
    axes[0].set_ylabel("energy per frame (nJ)")
    fig.suptitle(f"energy per frame: {total:.4g} nJ", fontsize=FONT_PT)
    fig.tight_layout()
    fig.subplots_adjust(wspace=1.1)
    out.save(fig, "energy_breakdown", "Energy breakdown",
             "Energy per frame stacked by component class (left) and by the layer the components serve "
             "(right); report.json energy_breakdown_nj / energy_breakdown_by_layer_nj. "
             f"'{NO_LAYER}' is the rest of the total: components registered without a layer (NoC routers, links and network interfaces).",
             ["group", "key", "nj_per_frame", "share"], rows)


def plot_run_spikes(out, run_dir, r):
    by_layer = r.get("spikes_per_frame_by_layer") or {}
    frames = r.get("frames") or 0
    spk_path = os.path.join(run_dir, "spikes.spk")
    plt = _mpl()
    trace = read_spikes(spk_path) if os.path.isfile(spk_path) else None
    if trace is not None and len(trace) and frames:
        import numpy as np

        n_layers = int(trace["layer"].max()) + 1
        counts = np.bincount(trace["layer"], minlength=n_layers)
        names = layer_names(run_dir, r, n_layers, counts)
        steps = int(max(r.get("timesteps_per_frame") or 0, trace["step"].max() + 1))
        fig, (ax_l, ax_t) = plt.subplots(1, 2, figsize=(WIDTH_IN, 1.9), gridspec_kw={"width_ratios": [1, 2.4]})
        rows = []
        for li in range(n_layers):
            per_step = np.bincount(trace["step"][trace["layer"] == li], minlength=steps) / frames
            ax_t.plot(np.arange(steps), per_step, label=names[li], lw=0.9)
            rows += [(names[li], t, float(per_step[t])) for t in range(steps)]
        ax_l.bar(range(n_layers), counts / frames, color=[f"C{i}" for i in range(n_layers)], width=0.6)
        ax_l.set_xticks(range(n_layers))
        ax_l.set_xticklabels(names, rotation=30, ha="right")
        ax_l.set_ylabel("spikes per frame")
        ax_t.set_xlabel("timestep")
        ax_t.set_ylabel("spikes per step")
        ax_t.legend(frameon=False)
        for ax in (ax_l, ax_t):
            ax.spines[["top", "right"]].set_visible(False)
        ax_t.grid(True)
        fig.tight_layout()
        out.save(fig, "spikes", "Spikes per layer and timestep",
                 f"Left: spikes per frame per layer; right: the mean over the {frames} frames of the spikes each "
                 "layer emits in each timestep (from spikes.spk).",
                 ["layer", "step", "spikes_per_frame"], [(n, "all", float(c) / frames) for n, c in zip(names, counts)] + rows)
    elif by_layer:
        fig, ax = plt.subplots(figsize=(WIDTH_IN, 1.9))
        names = list(by_layer)
        ax.bar(range(len(names)), [by_layer[n] for n in names], width=0.6)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names)
        ax.set_ylabel("spikes per frame")
        fig.tight_layout()
        out.save(fig, "spikes", "Spikes per layer", "Spikes per frame per layer (report.json; no spikes.spk for "
                 "the per-timestep view).", ["layer", "step", "spikes_per_frame"], [(n, "all", by_layer[n]) for n in names])


def _mesh_links(stats):
    links, size = {}, [0, 0]
    for name, v in stats.items():
        for kind in ("link", "router"):
            m = MESH_RE[kind].match(name)
            if m:
                x, y = int(m["x"]), int(m["y"])
                size = [max(size[0], x + 1), max(size[1], y + 1)]
                if kind == "link":
                    links[(x, y, m["dir"])] = v
    return links, size


def plot_run_links(out, stats, cycles, title_note=""):
    links, (w, h) = _mesh_links(stats)
    if not links or not cycles:
        return
    plt = _mpl()
    import matplotlib.colors as mcolors
    from matplotlib.collections import LineCollection

    util = {k: v / cycles for k, v in links.items()}
    vmax = max(max(util.values()), 1e-9)
    cmap = plt.get_cmap("viridis")
    norm = mcolors.Normalize(0, vmax)
    segs, vals = [], []
    off = 0.09  # the two directions of a link side by side
    for (x, y, d), u in sorted(util.items()):
        dx, dy = STEP[d]
        ox, oy = (-dy * off, dx * off)  # right-hand side of the direction of travel
        segs.append([(x + 0.22 * dx + ox, y + 0.22 * dy + oy), (x + 0.78 * dx + ox, y + 0.78 * dy + oy)])
        vals.append(u)
    fig_w = WIDTH_IN
    fig, ax = plt.subplots(figsize=(fig_w, fig_w * 0.8 * max(h, 1) / max(w, 1) + 0.3))
    lc = LineCollection(segs, cmap=cmap, norm=norm, linewidths=2.4, capstyle="butt")
    lc.set_array(vals)
    ax.add_collection(lc)
    for (x, y, d), u in sorted(util.items()):
        dx, dy = STEP[d]
        ox, oy = (-dy * off, dx * off)
        ax.annotate("", xy=(x + 0.80 * dx + ox, y + 0.80 * dy + oy), xytext=(x + 0.70 * dx + ox, y + 0.70 * dy + oy),
                    arrowprops=dict(arrowstyle="-|>", color=cmap(norm(u)), lw=0.6, mutation_scale=6, shrinkA=0, shrinkB=0))
    ax.scatter([x for x in range(w) for y in range(h)], [y for x in range(w) for y in range(h)], s=60,
               marker="s", facecolor="white", edgecolor="0.3", linewidths=0.6, zorder=3)
    for x in range(w):
        for y in range(h):
            ax.text(x, y, f"{x},{y}", ha="center", va="center", fontsize=FONT_PT - 4, zorder=4)
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)  # y = 0 (north) at the top
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)
    cb = fig.colorbar(lc, ax=ax, fraction=0.046, pad=0.03)
    cb.set_label("link utilisation (flits / cycle)")
    ax.set_title(f"{w}x{h} mesh link utilisation{title_note}")
    fig.tight_layout()
    out.save(fig, "link_utilization", "Link utilisation of the mesh",
             "Flits each router-to-router link carried per cycle (stats.csv `<mesh>.link_x_y_<dir>.flit` / "
             "chip.cycles); each arrow is one direction; router (0,0) top left, north up.",
             ["x", "y", "direction", "flits", "flits_per_cycle"],
             [(x, y, d, links[(x, y, d)], util[(x, y, d)]) for (x, y, d) in sorted(util)])


def plot_run_pe(out, stats, r, cycles):
    per = {}
    for name, v in stats.items():
        m = MESH_RE["tile"].match(name)
        if m:
            per.setdefault((int(m["x"]), int(m["y"])), {})[m["what"]] = v
    _, (w, h) = _mesh_links(stats)
    if not per:
        return
    w = max(w, max(x for x, _ in per) + 1)
    h = max(h, max(y for _, y in per) + 1)
    plt = _mpl()
    import numpy as np

    frames = r.get("frames") or 1
    busy = all("busy_cycles" in v for v in per.values()) and cycles
    grid = np.full((h, w), np.nan)
    rows = []
    for (x, y), v in sorted(per.items()):
        val = v["busy_cycles"] / cycles if busy else v.get("synops", 0.0) / frames
        grid[y, x] = val
        rows.append((x, y, v.get("synops", 0.0) / frames, v["busy_cycles"] / cycles if busy else ""))
    mean_busy = (r.get("utilization") or {}).get("pe.busy_fraction")
    fig, ax = plt.subplots(figsize=(WIDTH_IN * 0.8, WIDTH_IN * 0.8 * h / w + 0.2))
    im = ax.imshow(grid, cmap="magma_r" if not busy else "viridis", vmin=0, origin="upper")
    for (x, y), v in sorted(per.items()):
        val = grid[y, x]
        txt = f"{100 * val:.0f}%" if busy else (f"{val / 1000:.3g}k" if val >= 1000 else f"{val:.3g}")
        ax.text(x, y, txt, ha="center", va="center", fontsize=FONT_PT - 2,
                color="white" if val > 0.6 * np.nanmax(grid) else "black")
    ax.set_xticks(range(w))
    ax.set_yticks(range(h))
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    cb.set_label("busy fraction" if busy else "synaptic ops per frame")
    note = f"mean busy {100 * mean_busy:.1f} %" if mean_busy is not None else ""
    ax.set_title(("PE utilisation" if busy else "PE load") + (f" ({note})" if note else ""))
    fig.tight_layout()
    caption = ("Fraction of cycles each PE's LOAD/COMPUTE was busy (stats.csv `pe.busy_cycles` / chip.cycles)."
               if busy else
               "Synaptic operations per frame of each PE (stats.csv `<tile>.pe.synops` / frames); stats.csv has no "
               "per-PE busy cycles, so the title gives report.json's mean busy fraction over PEs.")
    out.save(fig, "pe_utilization", "PE utilisation", caption,
             ["x", "y", "synops_per_frame", "busy_fraction"], rows)


def plot_run_frame_cycles(out, stats):
    bins = []
    for name, v in stats.items():
        m = re.match(r"^chip\.frame_cycles\.bin\[(\d+),(\d+)\)$", name)
        if m:
            bins.append((int(m[1]), int(m[2]), v))
    if not bins:
        return
    bins.sort()
    plt = _mpl()
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 1.7))
    ax.bar([a for a, _, _ in bins], [c for _, _, c in bins], width=[b - a for a, b, _ in bins], align="edge",
           edgecolor="white", linewidth=0.4)
    ax.set_xlabel("cycles per frame")
    ax.set_ylabel("frames")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out.save(fig, "frame_cycles", "Cycles per frame", "Histogram of the cycles each frame took "
             "(stats.csv chip.frame_cycles.bin).", ["bin_lo", "bin_hi", "frames"], bins)


def plot_run(run_dir, folder):
    r = read_json(os.path.join(run_dir, "report.json"))
    if not isinstance(r, dict) or "frames" not in r:
        raise InputError(f"{os.path.join(run_dir, 'report.json')}: not a spiketlm run report (no 'frames')")
    stats_path = os.path.join(run_dir, "stats.csv")
    stats = read_stats(stats_path) if os.path.isfile(stats_path) else {}
    out = Out(folder)
    cycles = stats.get("chip.cycles") or 0
    plot_run_energy(out, r)
    plot_run_spikes(out, run_dir, r)
    plot_run_pe(out, stats, r, cycles)
    plot_run_links(out, stats, cycles)
    plot_run_frame_cycles(out, stats)
    return out, r


# --------------------------------------------------------------------------------------------
# `spiketlm noc`

NOC_COLS = ["offered_rate", "accepted_rate", "latency_avg", "latency_p50", "latency_p99", "hops_avg"]


def read_noc(path):
    rows = read_csv(path, NOC_COLS)
    return {c: [to_float(path, i + 2, c, r[c]) for i, r in enumerate(rows)] for c in NOC_COLS}


def plot_noc(paths, folder, bound=None):
    plt = _mpl()
    curves = []
    for p in paths:
        csv_path = os.path.join(p, "noc.csv") if os.path.isdir(p) else p
        label = os.path.basename(os.path.dirname(os.path.abspath(csv_path))) or csv_path
        curves.append((label, read_noc(csv_path)))
    out = Out(folder)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 2.4))
    rows = []
    for i, (label, d) in enumerate(curves):
        ax.plot(d["offered_rate"], d["latency_avg"], marker="o", color=f"C{i}", label=f"{label} mean")
        ax.plot(d["offered_rate"], d["latency_p99"], ls="--", color=f"C{i}", lw=0.8, label=f"{label} p99")
        rows += [(label,) + tuple(d[c][k] for c in NOC_COLS) for k in range(len(d["offered_rate"]))]
    lows = [v for _, d in curves for v in d["latency_avg"] if v > 0]
    if lows:  # latency explodes past saturation: keep the knee readable
        ax.set_ylim(0, min(max(v for _, d in curves for v in d["latency_p99"]), 8 * min(lows)) * 1.05)
    if bound:
        ax.axvline(4.0 / bound, color="red", lw=0.8, ls="-.", label=f"bound 4/k = {4.0 / bound:.3f}")
    ax.set_xlabel("offered rate (flits/node/cycle)")
    ax.set_ylabel("latency (cycles)")
    ax.grid(True)
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out.save(fig, "latency", "Latency against offered rate",
             "Mean and 99th-percentile packet latency (creation to tail delivery, cycles) against the offered "
             "rate (noc.csv).", ["curve"] + NOC_COLS, rows)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 2.4))
    top = max(max(d["offered_rate"]) for _, d in curves)
    for i, (label, d) in enumerate(curves):
        ax.plot(d["offered_rate"], d["accepted_rate"], marker="o", color=f"C{i}", label=label)
    ax.plot([0, top], [0, top], color="gray", lw=0.8, ls=":", label="accepted = offered")
    if bound:
        ax.axvline(4.0 / bound, color="red", lw=0.8, ls="-.", label=f"bound 4/k = {4.0 / bound:.3f}")
    ax.set_xlabel("offered rate (flits/node/cycle)")
    ax.set_ylabel("accepted rate (flits/node/cycle)")
    ax.grid(True)
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out.save(fig, "throughput", "Accepted against offered rate",
             "Accepted (delivered) rate against offered rate; the curve leaves the diagonal at saturation.",
             ["curve", "offered_rate", "accepted_rate"],
             [(label, d["offered_rate"][k], d["accepted_rate"][k]) for label, d in curves for k in range(len(d["offered_rate"]))])
    return out, curves


# --------------------------------------------------------------------------------------------
# sweep directory

METRICS = [  # (column, axis label, scale, lower is better)
    ("accuracy", "accuracy (%)", 100.0, False),
    ("energy_nj_per_frame", "energy (nJ/frame)", 1.0, True),
    ("latency_us_per_frame", "latency (µs/frame)", 1.0, True),
]
NOT_PARAMS = {"accuracy", "cycles_per_frame", "latency_us_per_frame", "energy_nj_per_frame", "pj_per_sop",
              "power_mw", "spikes_per_frame", "status", "pareto", "point", "id", "dir", "seed", "error",
              "frames", "synops_per_frame", "chip_frames_per_s", "sim_wall_s", "sim_frames_per_s",
              "sim_events_per_s", "config_hash", "run_dir", "message"}


def _num(s):
    try:
        v = float(s)
        return v if math.isfinite(v) else None
    except (TypeError, ValueError):
        return None


def sweep_params(folder, header):
    manifest = os.path.join(folder, "sweep.json")
    if os.path.isfile(manifest):
        m = read_json(manifest)
        keys = (m.get("spec") or m).get("keys") if isinstance(m, dict) else None
        if isinstance(keys, list) and keys:
            return [k for k in keys if k in header]
    return [c for c in header if c not in NOT_PARAMS]


def read_sweep(folder):
    path = os.path.join(folder, "results.csv")
    rows = read_csv(path, [m for m, _, _, _ in METRICS])
    header = list(rows[0].keys())
    params = sweep_params(folder, header)
    if not params:
        raise InputError(f"{path}: no swept-parameter column (every column is a known result field)")
    ok = []
    for i, r in enumerate(rows):
        if r.get("status", "ok") not in ("ok", ""):
            continue
        for m, _, _, _ in METRICS:
            if _num(r[m]) is None:
                raise InputError(f"{path}: row {i + 2}, column {m}: '{r[m]}' is not a number (status ok)")
        ok.append(r)
    if not ok:
        raise InputError(f"{path}: no point with status ok")
    return path, rows, ok, params


def pareto_mask(ok):
    if "pareto" in ok[0]:
        return [r["pareto"].strip() in ("1", "true", "True") for r in ok]
    vals = [[(-1 if not low else 1) * float(r[m]) for m, _, _, low in METRICS] for r in ok]

    def dominates(a, b):
        return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))

    return [not any(dominates(o, v) for o in vals) for v in vals]


def _axis_values(ok, p):
    nums = [_num(r[p]) for r in ok]
    if all(v is not None for v in nums):
        return nums, None
    cats = sorted({r[p] for r in ok})
    return [cats.index(r[p]) for r in ok], cats


def plot_sweep(folder, out_folder):
    plt = _mpl()
    path, rows, ok, params = read_sweep(folder)
    out = Out(out_folder)
    # A key with one value over the finished points (e.g. set only by a failed list entry) gets no
    # figure and splits no lines.
    varying = [p for p in params if len({r[p] for r in ok}) > 1]
    for p in varying:
        xs, cats = _axis_values(ok, p)
        others = [q for q in varying if q != p]
        groups = {}
        for r, x in zip(ok, xs):
            groups.setdefault(tuple(r[q] for q in others), []).append((x, r))
        fig, axes = plt.subplots(len(METRICS), 1, figsize=(WIDTH_IN, 1.25 * len(METRICS) + 0.5), sharex=True)
        data_rows = []
        order = lambda item: tuple((0, _num(v), "") if _num(v) is not None else (1, 0, v) for v in item[0])
        for gi, (g, pts) in enumerate(sorted(groups.items(), key=order)):
            pts.sort(key=lambda t: t[0])
            label = ", ".join(f"{q}={v}" for q, v in zip(others, g)) or None
            for ax, (m, ylabel, scale, _) in zip(axes, METRICS):
                ax.plot([x for x, _ in pts], [scale * float(r[m]) for _, r in pts], marker="o",
                        color=f"C{gi % 10}", label=label)
            data_rows += [(r[p],) + g + tuple(float(r[m]) for m, _, _, _ in METRICS) for _, r in pts]
        for ax, (m, ylabel, _, _) in zip(axes, METRICS):
            ax.set_ylabel(ylabel)
            ax.grid(True)
            ax.spines[["top", "right"]].set_visible(False)
        if not cats and len(set(xs)) <= 8:
            axes[-1].set_xticks(sorted(set(xs)))
        if cats:
            axes[-1].set_xticks(range(len(cats)))
            axes[-1].set_xticklabels([os.path.basename(c) for c in cats], rotation=20, ha="right")
        axes[-1].set_xlabel(p)
        if others:
            axes[0].legend(frameon=False, fontsize=FONT_PT - 2, loc="best")
        fig.tight_layout()
        name = "sweep_" + re.sub(r"[^A-Za-z0-9]+", "_", p).strip("_")
        out.save(fig, name, f"Accuracy, energy and latency against {p}",
                 f"Each metric of the finished points against {p}" + (", one line per value of " + ", ".join(others) if others else "")
                 + " (results.csv).", [p] + others + [m for m, _, _, _ in METRICS], data_rows)
    mask = pareto_mask(ok)
    pairs = [(0, 1), (0, 2), (1, 2)]
    fig, grid = plt.subplots(2, 2, figsize=(WIDTH_IN, 3.1))
    axes = [grid[0][0], grid[0][1], grid[1][0]]
    grid[1][1].axis("off")
    for ax, (a, b) in zip(axes, pairs):
        (ma, la, sa, _), (mb, lb, sb, _) = METRICS[a], METRICS[b]
        xa = [sa * float(r[ma]) for r in ok]
        yb = [sb * float(r[mb]) for r in ok]
        ax.scatter([x for x, f in zip(xa, mask) if not f], [y for y, f in zip(yb, mask) if not f], s=6,
                   color="0.6", label="dominated")
        front = sorted((x, y) for x, y, f in zip(xa, yb, mask) if f)
        ax.scatter([x for x, _ in front], [y for _, y in front], s=9, color="C3", zorder=3, label="Pareto")
        ax.set_xlabel(la, fontsize=FONT_PT - 1)
        ax.set_ylabel(lb, fontsize=FONT_PT - 1)
        ax.tick_params(labelsize=FONT_PT - 2)
        ax.grid(True)
        ax.spines[["top", "right"]].set_visible(False)
    grid[1][1].legend(*axes[0].get_legend_handles_labels(), frameon=False, loc="center")
    fig.tight_layout()
    src = "the results.csv pareto column" if "pareto" in ok[0] else "non-dominated over the three metrics, computed here"
    out.save(fig, "pareto", "Pareto front",
             f"2-D projections of accuracy (higher is better), energy and latency per frame (lower is better); "
             f"red: Pareto points ({src}).",
             params + [m for m, _, _, _ in METRICS] + ["pareto"],
             [tuple(r[q] for q in params) + tuple(float(r[m]) for m, _, _, _ in METRICS) + (int(f),) for r, f in zip(ok, mask)])
    return out, (path, rows, ok, params, mask)


# --------------------------------------------------------------------------------------------


def detect(folder):
    if os.path.isfile(folder) and folder.endswith(".csv"):
        return "noc"
    for f, kind in (("results.csv", "sweep"), ("noc.csv", "noc"), ("report.json", "run")):
        if os.path.isfile(os.path.join(folder, f)):
            return kind
    raise InputError(f"{folder}: none of results.csv (sweep), noc.csv (noc), report.json (run) found")


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in ("run", "noc", "sweep", "-h", "--help"):
        argv.insert(0, "auto")
    p = argparse.ArgumentParser(prog="plot.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=["run", "noc", "sweep", "auto"])
    p.add_argument("dirs", nargs="+", help="directory (noc: also noc.csv files, several curves in one plot)")
    p.add_argument("-o", "--out", help="folder for the figures (default DIR/plots)")
    p.add_argument("--bound", type=int, help="noc: mesh radix k, draws the 4/k channel-load bound")
    p.add_argument("--points", action="store_true", help="sweep: also plot every finished point's run directory")
    p.add_argument("--no-html", action="store_true", help="do not write DIR/report.html")
    a = p.parse_args(argv)
    try:
        kind = detect(a.dirs[0]) if a.kind == "auto" else a.kind
        if kind != "noc" and len(a.dirs) > 1:
            raise InputError(f"plot.py {kind}: one directory at a time (got {len(a.dirs)})")
        first = a.dirs[0]
        if not os.path.exists(first):
            raise InputError(f"{first}: no such file or directory")
        base = first if os.path.isdir(first) else os.path.dirname(os.path.abspath(first))
        folder = a.out or os.path.join(base, "plots")
        import report_html

        if kind == "run":
            out, r = plot_run(first, folder)
            html = report_html.run_page(first, r, out)
        elif kind == "noc":
            out, curves = plot_noc(a.dirs, folder, a.bound)
            html = report_html.noc_page(base, curves, out)
        else:
            out, sweep = plot_sweep(first, folder)
            html = report_html.sweep_page(first, sweep, out)
            if a.points:
                for r in sweep[2]:  # a point's run directory: DIR/points/<point> (sw/sweep's layout)
                    pid = r.get("point") or r.get("id") or ""
                    d = os.path.join(first, "points", pid)
                    if pid and os.path.isfile(os.path.join(d, "report.json")):
                        pout, pr = plot_run(d, os.path.join(d, "plots"))
                        if not a.no_html:
                            report_html.write(os.path.join(d, "report.html"), report_html.run_page(d, pr, pout))
        if not a.no_html:
            target = os.path.join(base, "report.html")
            report_html.write(target, html)
            print(f"wrote {target}")
    except InputError as e:
        print(f"plot.py: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
