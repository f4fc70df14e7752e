#!/usr/bin/env bash
# `make coverage`: line and toggle coverage of rtl/ over the rtl regressions (ctest -L rtl).
# Builds build/coverage with the model Verilated with --coverage (SPIKETLM_RTL_COVERAGE=ON), runs
# the regressions (each process writes its counts, hw/pe/rtl/rtl_pe.cpp), merges them with
# verilator_coverage, annotates the sources and prints the summary (scripts/rtl_coverage.py).
# Output: build/coverage/rtl-coverage/{merged.dat,annotated/,summary.txt}.
set -euo pipefail
jobs=${JOBS:-$(nproc)}
build=build/coverage
out=$build/rtl-coverage
test -f $build/build.ninja || cmake -S . -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSPIKETLM_RTL_COVERAGE=ON \
  -DSPIKETLM_BUILD_BENCH=OFF >/dev/null
cmake --build $build -j "$jobs"
rm -rf "$out"
mkdir -p "$out"
export SPIKETLM_RTL_COVERAGE_DIR=$PWD/$out
(cd $build && ctest -L rtl -E "rtl mutation" -j "$jobs" --output-on-failure --timeout 900)
verilator_coverage --write "$out/merged.dat" "$out"/coverage-*.dat
verilator_coverage --annotate "$out/annotated" --annotate-min 1 "$out/merged.dat" >/dev/null
python3 scripts/rtl_coverage.py "$out/merged.dat" | tee "$out/summary.txt"
