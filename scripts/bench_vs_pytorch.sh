#!/usr/bin/env bash
# Same workload through the engine and through the PyTorch reference script (scripts/q2a_reference.py),
# on the same synthetic encoded features of realistic size, at D = 384 and 768, batch 16, CPU.
# Needs a Python with torch, numpy and safetensors: PYTHON=/path/to/python (never installed by setup).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pressnext/target}"
PY="${PYTHON:-python3}"
BATCHES="${BATCHES:-10}"
cargo build --locked -q -p pressnext
PN="$CARGO_TARGET_DIR/debug/pressnext"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for D in 384 768; do
  "$PN" synth-features --out "$tmp/d$D" --dim "$D" --folders 12 --questions 4 --seed 7 >/dev/null
  "$PN" bench --data "$tmp/d$D" --batch 16 --train-batches "$BATCHES" --infer-batches "$BATCHES" --json 2>/dev/null
  PRESSNEXT_MATMUL=candle "$PN" bench --data "$tmp/d$D" --batch 16 --train-batches "$BATCHES" --infer-batches "$BATCHES" --json 2>/dev/null
  "$PY" scripts/q2a_reference.py bench --data "$tmp/d$D" --dim "$D" --batch 16 --train-batches "$BATCHES" --infer-batches "$BATCHES" --json
done
