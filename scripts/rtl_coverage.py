#!/usr/bin/env python3
"""Coverage of rtl/ by kind (line, toggle, branch, ...) from a verilator_coverage .dat file.

Each record of the file is `C '<key><value>...' <count>`, the keys separated by \\x01 and a key
from its value by \\x02; the `page` key names the kind (v_line/<module>, v_toggle/<module>,
v_branch/<module>). A point is covered when its count is at least 1. Prints one line per kind:
covered / points and percent, and the uncovered line points (file:line) for the line kind.
Exit 1 when line coverage is below --min-line (default 0: report only).
"""
import argparse
import collections
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
    missed = []
    for f, n in records(args.dat):
        kind = f.get("page", "?").split("/")[0].replace("v_", "")
        total[kind] += 1
        if n > 0:
            hit[kind] += 1
        elif kind == "line":
            missed.append(f"{f.get('f', '?')}:{f.get('l', '?')}")
    if not total:
        sys.exit(f"{args.dat}: no coverage points")
    for kind in sorted(total):
        print(f"{kind:8s} {hit[kind]:6d} / {total[kind]:6d}  {100.0 * hit[kind] / total[kind]:6.2f} %")
    if missed:
        print("uncovered line points: " + ", ".join(sorted(set(missed))))
    line = 100.0 * hit["line"] / total["line"] if total["line"] else 0.0
    if line < args.min_line:
        sys.exit(f"line coverage {line:.2f} % is below {args.min_line} %")


if __name__ == "__main__":
    main()
