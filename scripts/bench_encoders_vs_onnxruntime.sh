#!/usr/bin/env bash
# Encoder throughput on the CPU, ours against onnxruntime on the same ONNX models, in one run:
# images/s at 224 px (batch 1 and 8) and sentences/s. Needs the installed weights (scripts/setup.sh)
# and a Python with onnx, onnxruntime, torch, transformers, tokenizers: PYTHON=/path/to/python
# (never installed by setup). Prints one JSON line per side and round: ours as the program runs
# (`"matmul"` says which kernels: MKL on an Intel CPU, else OpenBLAS), ours on each kernel named in
# MATMULS (default: openblas candle), then onnxruntime. ROUNDS=N (default 1) alternates the sides
# N times and ends with a summary line of the medians and ours / onnxruntime: on a shared machine
# the same workload moves by up to 30 % from one minute to the next, so one round decides nothing.
# BUILD=release measures the release build (default: dev, the build the demo and the tests run).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pressnext/target}"
PY="${PYTHON:-python3}"
REPEATS="${REPEATS:-5}"
ROUNDS="${ROUNDS:-1}"
MATMULS="${MATMULS:-openblas candle}"
BUILD="${BUILD:-dev}"
case "$BUILD" in
  dev) cargo build --locked -q -p pressnext; BIN="$CARGO_TARGET_DIR/debug/pressnext" ;;
  release) cargo build --release --locked -q -p pressnext; BIN="$CARGO_TARGET_DIR/release/pressnext" ;;
  *) echo "BUILD must be dev or release" >&2; exit 2 ;;
esac
LINES="$(mktemp)"
trap 'rm -f "$LINES"' EXIT
for _ in $(seq "$ROUNDS"); do
  "$BIN" bench-encoders --device cpu --repeats "$REPEATS" --json 2>/dev/null | tee -a "$LINES"
  for kernel in $MATMULS; do
    PRESSNEXT_MATMUL="$kernel" "$BIN" bench-encoders --device cpu --repeats "$REPEATS" --json 2>/dev/null \
      | sed "s/^{/{\"requested\":\"$kernel\",/" | tee -a "$LINES"
  done
  "$PY" scripts/bench_encoders_reference.py --wheels models/wheels --repeats "$REPEATS" | tee -a "$LINES"
done
"$PY" - "$LINES" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
keys = ["images_per_sec_batch1", "images_per_sec_batch8", "sentences_per_sec"]
def med(side):
    return {k: statistics.median(r[k] for r in side) for k in keys}
ours = med([r for r in rows if "matmul" in r and "requested" not in r])
ort = med([r for r in rows if "runtime" in r])
print(json.dumps({"summary": "medians", "rounds": len([r for r in rows if "runtime" in r]),
                  "ours": ours, "onnxruntime": ort,
                  "ours_over_onnxruntime": {k: round(ours[k] / ort[k], 3) for k in keys}}))
PY
