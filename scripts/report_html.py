#!/usr/bin/python3
"""report.html: one self-contained page per run, `spiketlm noc` output or sweep (docs/plots.md).

  scripts/report_html.py DIR     same as `scripts/plot.py DIR` (the figures, then the page)

The page holds a summary table with units, the energy breakdown, every figure of DIR/plots as an
embedded PNG (base64), and the effective configuration. No external file, script or font is
referenced. A small inline script marks <body data-images-ok="N" data-images="M"> once the page
has loaded, so a headless browser can check that every embedded image decoded.
"""
import base64
import html
import os
import sys

STYLE = """
body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;font-size:14px;max-width:1100px;margin:24px auto;color:#222}
h1{font-size:22px;margin-bottom:4px} h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:2px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0} td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap} th{background:#f0f0f0}
.sub{color:#666} figure{display:inline-block;margin:8px 16px 16px 0;vertical-align:top;max-width:520px}
figure img{width:500px;border:1px solid #eee} figcaption{font-size:12px;color:#444}
pre{background:#f7f7f7;border:1px solid #ddd;padding:8px;font-size:12px;overflow-x:auto}
tr.pareto td{background:#fff1ee} .bar{display:inline-block;height:10px;background:#4c72b0;vertical-align:middle}
"""
SCRIPT = """
window.addEventListener('load',function(){var im=document.images,ok=0;
for(var i=0;i<im.length;i++){if(im[i].complete&&im[i].naturalWidth>0)ok++;}
document.body.setAttribute('data-images',String(im.length));
document.body.setAttribute('data-images-ok',String(ok));});
"""


# --------------------------------------------------------------------------------------------
# number formatting: the same rules as sw/report (value with unit, sensible precision)


def group(text):
    """Thousands separators on the integer part of a decimal string."""
    neg = text.startswith("-")
    if neg:
        text = text[1:]
    whole, _, frac = text.partition(".")
    out = ""
    while len(whole) > 3:
        out = "," + whole[-3:] + out
        whole = whole[:-3]
    return ("-" if neg else "") + whole + out + ("." + frac if frac else "")


def sig(v, digits=3):
    """`digits` significant digits, never fewer than the integer digits, separators."""
    if v is None:
        return "n/a"
    v = float(v)
    if v == 0:
        return "0"
    a = abs(v)
    mag = 0
    while a >= 10:
        a /= 10
        mag += 1
    while a < 1:
        a *= 10
        mag -= 1
    decimals = max(0, digits - 1 - mag)
    r = float(f"{v:.{decimals}f}")
    if r and abs(r) >= 10 ** (mag + 1):  # rounding added a digit: 99.96 -> "100", not "100.0"
        decimals = max(0, decimals - 1)
    return group(f"{v:.{decimals}f}")


def percent(frac):
    return "n/a" if frac is None else f"{100.0 * frac:.2f} %"


def scaled(v, unit_prefixes):
    """v in the first unit; the largest unit in which |v| >= 1 (prefixes: [(factor, name), ...])."""
    if v is None:
        return "n/a"
    best = unit_prefixes[0]
    for f, name in unit_prefixes:
        if abs(v) >= f * 0.9995:  # 999.7 nJ is "1.00 µJ", not "1,000 nJ"
            best = (f, name)
    return f"{sig(v / best[0])} {best[1]}"


def energy_nj(v):
    return scaled(v, [(1e-3, "pJ"), (1.0, "nJ"), (1e3, "µJ"), (1e6, "mJ"), (1e9, "J")])


def time_us(v):
    return scaled(v, [(1e-3, "ns"), (1.0, "µs"), (1e3, "ms"), (1e6, "s")])


def power_mw(v):
    return scaled(v, [(1e-3, "µW"), (1.0, "mW"), (1e3, "W")])


def count(v, unit=""):
    if v is None:
        return "n/a"
    s = group(f"{float(v):.0f}") if abs(float(v)) >= 99.5 or float(v).is_integer() else sig(v)
    return f"{s} {unit}".strip()


# --------------------------------------------------------------------------------------------
# page parts

def esc(x):
    return html.escape(str(x))


def table(header, rows, numeric_cols=(), row_classes=None):
    o = ["<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>"]
    for i, r in enumerate(rows):
        cls = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        o.append(f"<tr{cls}>" + "".join(
            f'<td class="n">{esc(c)}</td>' if j in numeric_cols else f"<td>{esc(c)}</td>" for j, c in enumerate(r)) + "</tr>")
    o.append("</table>")
    return "\n".join(o)


def figures(out):
    parts = []
    for name, title, caption in out.figures:
        with open(os.path.join(out.folder, name + ".png"), "rb") as f:
            data = base64.b64encode(f.read()).decode()
        parts.append(f'<figure><img alt="{esc(title)}" src="data:image/png;base64,{data}">'
                     f"<figcaption><b>{esc(title)}.</b> {esc(caption)} "
                     f"<span class=sub>(plots/{esc(name)}.png, .pdf, .csv)</span></figcaption></figure>")
    return "<h2>Figures</h2>\n" + "\n".join(parts) if parts else ""


def config_block(folder, name="config.effective.yaml"):
    path = os.path.join(folder, name)
    if not os.path.isfile(path):
        return ""
    with open(path, errors="replace") as f:
        text = f.read()
    return f"<h2>Effective configuration <span class=sub>({esc(name)})</span></h2>\n<pre>{esc(text)}</pre>"


def page(title, subtitle, body):
    return ("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
            f"<title>{esc(title)}</title><style>{STYLE}</style><script>{SCRIPT}</script></head>\n"
            f"<body><h1>{esc(title)}</h1><div class=sub>{esc(subtitle)}</div>\n{body}\n"
            "<p class=sub>Written by scripts/plot.py (docs/plots.md).</p></body></html>\n")


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def breakdown(title, d, total, rest_label=None):
    if not isinstance(d, dict) or not d:
        return ""
    rows = []
    items = sorted(d.items(), key=lambda kv: -kv[1])
    rest = total - sum(d.values())
    if rest_label and rest > 1e-9 * total:
        items.append((rest_label, rest))
    for k, v in items:
        share = v / total if total else 0
        rows.append((k, energy_nj(v), percent(share)))
    return f"<h3>{esc(title)}</h3>\n" + table(["key", "energy / frame", "share"], rows, numeric_cols=(1, 2))


# --------------------------------------------------------------------------------------------
# pages


def run_summary_rows(r):
    rows = [("accuracy", f"{percent(r.get('accuracy'))} ({count(r.get('correct'))} / {count(r.get('frames'))} frames)", "accuracy")]
    if r.get("undecided_frames"):
        rows.append(("undecided frames", count(r["undecided_frames"], "frames"), "undecided_frames"))
    if r.get("cycles_per_frame") is not None:
        rows += [("cycles per frame", count(r["cycles_per_frame"], "cycles"), "cycles_per_frame"),
                 ("latency per frame", f"{time_us(r.get('latency_us_per_frame'))} at {sig(r.get('clock_mhz'))} MHz",
                  "latency_us_per_frame"),
                 ("chip throughput", count(r.get("chip_frames_per_s"), "frames/s"), "chip_frames_per_s")]
    if r.get("energy_nj_per_frame") is not None:
        rows += [("energy per frame", energy_nj(r["energy_nj_per_frame"]), "energy_nj_per_frame"),
                 ("  dynamic", energy_nj(r.get("energy_dynamic_nj_per_frame")), "energy_dynamic_nj_per_frame"),
                 ("  leakage", energy_nj(r.get("energy_leakage_nj_per_frame")), "energy_leakage_nj_per_frame"),
                 ("energy per synaptic op", f"{sig(r.get('pj_per_sop'))} pJ", "pj_per_sop")]
        if r.get("power_mw") is not None:
            rows.append(("power", power_mw(r["power_mw"]), "power_mw"))
    rows += [("spikes per frame", count(r.get("spikes_per_frame"), "spikes"), "spikes_per_frame"),
             ("input spikes per frame", count(r.get("input_spikes_per_frame"), "spikes"), "input_spikes_per_frame"),
             ("synaptic ops per frame", count(r.get("synops_per_frame"), "ops"), "synops_per_frame"),
             ("timesteps per frame", count(r.get("timesteps_per_frame"), "steps"), "timesteps_per_frame")]
    noc = r.get("noc")
    if isinstance(noc, dict):
        rows += [("NoC packets per frame", count(noc.get("packets_per_frame"), "packets"), "noc.packets_per_frame"),
                 ("NoC latency (mean)", f"{sig(noc.get('latency_avg_cycles'))} cycles", "noc.latency_avg_cycles"),
                 ("NoC hops (mean)", f"{sig(noc.get('hops_avg'))} hops", "noc.hops_avg")]
    for k, v in sorted((r.get("utilization") or {}).items()):
        rows.append((f"utilisation {k}", percent(v), f"utilization.{k}"))
    rows += [("simulation wall time", f"{sig(r.get('sim_wall_s'))} s", "sim_wall_s"),
             ("simulation speed", f"{count(r.get('sim_frames_per_s'), 'frames/s')}, {scaled(r.get('sim_events_per_s'), [(1, 'events/s'), (1e3, 'k events/s'), (1e6, 'M events/s')])}",
              "sim_frames_per_s")]
    return rows


def run_page(run_dir, r, out):
    name = r.get("name") or os.path.basename(os.path.abspath(run_dir))
    sub = (f"{r.get('mode', '')} run of {r.get('model', '')} on {r.get('dataset', '')}, {count(r.get('frames'))} frames, "
           f"seed {r.get('seed', '')}, config hash {r.get('config_hash', '')}")
    body = ["<h2>Summary</h2>", table(["quantity", "value", "report.json field"], run_summary_rows(r), numeric_cols=(1,))]
    body.append(figures(out))
    total = r.get("energy_nj_per_frame")
    if total is not None:
        tab = (r.get("energy_table") or {})
        body.append(f"<h2>Energy breakdown</h2><div class=sub>table {esc(tab.get('name', ''))} "
                    f"({esc(tab.get('file', ''))}; {esc(tab.get('technology', ''))})</div>")
        body.append(breakdown("by component class", r.get("energy_breakdown_nj"), total))
        body.append(breakdown("by layer", r.get("energy_breakdown_by_layer_nj"), total,
                              "(no layer: NoC routers, links, NIs)"))
        body.append(breakdown("by action", r.get("energy_breakdown_by_action_nj"), total))
    by_layer = r.get("spikes_per_frame_by_layer") or {}
    if by_layer:
        body.append("<h2>Spikes per layer</h2>" + table(["layer", "spikes / frame"],
                                                         [(k, sig(v)) for k, v in by_layer.items()], numeric_cols=(1,)))
    body.append(config_block(run_dir))
    return page(f"spiketlm run report: {name}", sub, "\n".join(b for b in body if b))


def noc_page(folder, curves, out):
    body = []
    for label, d in curves:
        rows = [(f"{d['offered_rate'][k]:.3f}", f"{d['accepted_rate'][k]:.4f}", sig(d["latency_avg"][k]),
                 sig(d["latency_p50"][k]), sig(d["latency_p99"][k]), sig(d["hops_avg"][k]))
                for k in range(len(d["offered_rate"]))]
        body.append(f"<h2>{esc(label)}</h2>" + table(
            ["offered (flits/node/cycle)", "accepted (flits/node/cycle)", "latency mean (cycles)", "p50 (cycles)",
             "p99 (cycles)", "hops (mean)"], rows, numeric_cols=range(6)))
    body.append(figures(out))
    body.append(config_block(folder))
    return page("spiketlm NoC report: " + ", ".join(label for label, _ in curves),
                "latency and throughput against offered rate (spiketlm noc, docs/noc.md)", "\n".join(body))


def sweep_page(folder, sweep, out):
    path, rows, ok, params, mask = sweep
    failed = [r for r in rows if r.get("status", "ok") not in ("ok", "")]
    pareto_of = {id(r): f for r, f in zip(ok, mask)}
    header = params + ["status", "accuracy", "energy / frame", "latency / frame", "cycles / frame", "pJ / SOP",
                       "power", "spikes / frame", "Pareto"]
    trows, classes = [], []
    for r in rows:
        good = r.get("status", "ok") in ("ok", "")

        def f(col, fn):
            try:
                return fn(float(r[col])) if good and r.get(col, "") != "" else ""
            except ValueError:
                return r.get(col, "")

        trows.append([r.get(p, "") for p in params] + [
            r.get("status", "ok"), f("accuracy", percent), f("energy_nj_per_frame", energy_nj),
            f("latency_us_per_frame", time_us), f("cycles_per_frame", lambda v: count(v)),
            f("pj_per_sop", lambda v: sig(v) + " pJ"), f("power_mw", power_mw), f("spikes_per_frame", sig),
            "yes" if pareto_of.get(id(r)) else ""])
        classes.append("pareto" if pareto_of.get(id(r)) else "")
    n = len(params)
    body = [f"<h2>Points</h2><div class=sub>{len(rows)} points, {len(ok)} finished, {len(failed)} failed; "
            f"swept: {esc(', '.join(params))}; Pareto points highlighted</div>",
            table(header, trows, numeric_cols=range(n + 1, n + 8), row_classes=classes)]
    for r in failed:
        if r.get("error"):
            body.append(f"<p class=sub>failed {esc(r.get('point') or r.get('id') or '')}: {esc(r['error'])}</p>")
    body.append(figures(out))
    manifest = os.path.join(folder, "sweep.json")
    if os.path.isfile(manifest):
        body.append(config_block(folder, "sweep.json"))
    return page(f"spiketlm sweep report: {os.path.basename(os.path.abspath(folder))}",
                f"{path}", "\n".join(body))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import plot

    sys.exit(plot.main(sys.argv[1:]))
