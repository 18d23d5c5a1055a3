#!/usr/bin/env bash
# Sets up and runs the engine's main job on the bundled demo: synthetic 384-d encoded features,
# training, inference on the held-out split, and the challenge metrics.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pressnext/target}"
command -v cargo >/dev/null || { echo "error: cargo not found; install Rust with rustup" >&2; exit 1; }
cargo build --locked -p pressnext
PN="$CARGO_TARGET_DIR/debug/pressnext"
rm -rf demo
"$PN" synth-features --out demo/features/train --dim 384 --folders 24 --questions 4 --seed 1
"$PN" synth-features --out demo/features/test --dim 384 --folders 6 --questions 4 --seed 2
"$PN" train --cfg configs/demo.yaml
"$PN" infer --cfg configs/demo.yaml CKPT demo/run/best.safetensors --out demo/run/submission.json
