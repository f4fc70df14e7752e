#!/usr/bin/env bash
# `make demo`: train (or reuse) the demo model, then run it on Fashion-MNIST test frames and
# print the report summary. Outputs: models/ (cached model), runs/demo/ (run directory).
set -euo pipefail
cli=${1:-build/release/bin/spiketlm}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

model_dir=models/fashion-demo
if [[ ! -f "$model_dir/model.yaml" ]]; then
  echo "== training the demo model (cached in $model_dir; delete it to retrain)"
  "$cli" train --dataset fashion-mnist --model configs/models/relpsp-demo.yaml --out "$model_dir"
else
  echo "== reusing the cached model in $model_dir"
fi

echo "== running the functional reference on Fashion-MNIST test frames"
"$cli" ref --config configs/runs/fashion-demo.yaml --out runs/demo
