#!/usr/bin/env bash
# Encoder throughput on the CPU, ours against onnxruntime on the same ONNX models, in one run:
# images/s at 224 px (batch 1 and 8) and sentences/s. Needs the installed weights (scripts/setup.sh)
# and a Python with onnx, onnxruntime, torch, transformers, tokenizers: PYTHON=/path/to/python
# (never installed by setup). Prints one JSON line per side: ours as the program runs (OpenBLAS
# where installed, `"matmul"` says which kernels), ours on candle's own kernel, onnxruntime.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pressnext/target}"
PY="${PYTHON:-python3}"
REPEATS="${REPEATS:-5}"
cargo build --locked -q -p pressnext
"$CARGO_TARGET_DIR/debug/pressnext" bench-encoders --device cpu --repeats "$REPEATS" --json 2>/dev/null
PRESSNEXT_MATMUL=candle "$CARGO_TARGET_DIR/debug/pressnext" bench-encoders --device cpu --repeats "$REPEATS" --json 2>/dev/null
"$PY" scripts/bench_encoders_reference.py --wheels models/wheels --repeats "$REPEATS"
