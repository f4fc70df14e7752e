#!/usr/bin/env bash
# `make demo`: train (or reuse) the demo model, map it onto the default YOSO-like chip, run the
# Fashion-MNIST test set through the cycle-level chip model and through the functional reference,
# check that both spike traces are identical and print the chip's report summary.
# Outputs: models/fashion-demo/ (cached model), runs/demo/ (chip run), runs/demo-ref/ (reference).
set -euo pipefail
cli=${1:-build/release/bin/spiketlm}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

model_dir=models/fashion-demo
if [[ ! -f "$model_dir/model.yaml" ]]; then
  echo "== training the demo model: 784-100-10 ReL-PSP, STDBP, 2 epochs (cached in $model_dir; delete it to retrain)"
  "$cli" train --dataset fashion-mnist --model configs/models/relpsp-demo.yaml --out "$model_dir"
else
  echo "== reusing the cached model in $model_dir"
fi

echo "== mapping it onto configs/chips/yoso.yaml"
"$cli" map --model "$model_dir" --chip configs/chips/yoso.yaml --out runs/demo-mapped

echo "== functional reference (sw/snn golden model) on the test set"
"$cli" --quiet ref --config configs/runs/fashion-demo.yaml --out runs/demo-ref > /dev/null

echo "== cycle-level chip model on the same frames"
"$cli" run --config configs/runs/fashion-demo.yaml --set run.mapped=runs/demo-mapped --out runs/demo

echo "== chip spikes versus the reference"
"$cli" trace diff runs/demo/spikes.spk runs/demo-ref/spikes.spk
