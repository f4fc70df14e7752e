#!/usr/bin/env python3
"""Coverage of rtl/ by kind (line, toggle, branch, ...) from a verilator_coverage .dat file.

Each record of the file is `C '<key><value>...' <count>`, the keys separated by \\x01 and a key
from its value by \\x02; the `page` key names the kind (v_line/<module>, v_toggle/<module>,
v_branch/<module>). A point is covered when its count is at least 1. Prints one line per kind:
covered / points and percent (a point per module instance: the update lanes are instances of
pe_neuron, and lanes beyond the tested update_lanes count as uncovered), then `source lines`:
a line of rtl/ is covered when any instance covered it; and the uncovered source lines.
Exit 1 when source-line coverage is below --min-line (default 0: report only).
"""
import argparse
import collections
import os
import re
import sys


def records(path):
    with open(path, encoding="latin-1") as f:
        for line in f:
            m = re.match(r"^C '(.*)' (\d+)$", line.rstrip("\n"))
            if not m:
                continue
            fields = {}
            for part in m.group(1).split("\x01"):
                if "\x02" in part:
                    k, v = part.split("\x02", 1)
                    fields[k] = v
            yield fields, int(m.group(2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dat")
    ap.add_argument("--min-line", type=float, default=0.0)
    args = ap.parse_args()
    total = collections.Counter()
    hit = collections.Counter()
    lines = {}  # (file, line) -> covered by any instance
    for f, n in records(args.dat):
        kind = f.get("page", "?").split("/")[0].replace("v_", "")
        total[kind] += 1
        if n > 0:
            hit[kind] += 1
        if kind == "line":
            key = (f.get("f", "?"), int(f.get("l", "0")))
            lines[key] = lines.get(key, False) or n > 0
    if not total:
        sys.exit(f"{args.dat}: no coverage points")
    for kind in sorted(total):
        print(f"{kind:12s} {hit[kind]:6d} / {total[kind]:6d}  {100.0 * hit[kind] / total[kind]:6.2f} %  (points)")
    covered = sum(1 for v in lines.values() if v)
    line = 100.0 * covered / len(lines) if lines else 0.0
    print(f"{'source lines':12s} {covered:6d} / {len(lines):6d}  {line:6.2f} %  (a line covered by any instance)")
    missed = sorted(k for k, v in lines.items() if not v)
    if missed:
        print("uncovered source lines: " + ", ".join(f"{os.path.relpath(f)}:{l}" for f, l in missed))
    if line < args.min_line:
        sys.exit(f"line coverage {line:.2f} % is below {args.min_line} %")


if __name__ == "__main__":
    main()
