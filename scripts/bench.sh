#!/usr/bin/env bash
# `make bench`: runs every benchmark in bench/ (they print figures and ratios, never fail on time).
set -uo pipefail
build=${1:-build/release}
for b in "$build"/bench/*; do
  [[ -x "$b" ]] || continue
  echo "== $(basename "$b")"
  "$b" || echo "(benchmark $(basename "$b") exited $?)"
done
