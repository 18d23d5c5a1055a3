#!/usr/bin/env bash
# The command-line demo: sets up, then answers the demo pack's questions in the terminal. Installs what is needed
# (scripts/setup.sh: system packages, the pinned encoder weights), writes the demo pack (one
# synthetic appliance with its questions, scripts/demo_pack.sh), makes the demo model if there is
# none (scripts/demo_model.sh), encodes the pack and answers its questions step by step, printing
# the button to press at every step and the challenge metrics.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pressnext/target}"
bash scripts/setup.sh
PN="$CARGO_TARGET_DIR/debug/pressnext"
[ -f demo/pack/test_with_gt.json ] || bash scripts/demo_pack.sh
[ -f models/demo/q2a.safetensors ] || bash scripts/demo_model.sh
"$PN" encode --data demo/pack --split test --label test_with_gt.json --out demo/encoded --button-view crop
"$PN" infer --cfg configs/q2a_best.yaml CKPT models/demo/q2a.safetensors \
  DATASET.VAL demo/encoded OUTPUT_DIR demo/answers --out demo/answers/submission.json --show
