#!/usr/bin/env bash
# Writes the demo pack (one synthetic appliance with its QAs, plus camera.mp4, a handheld view of
# the same panel) to demo/pack, so the app and the end-to-end tests run with no appliance and no
# camera. Deterministic: the same seed gives the same bytes. Usage: scripts/demo_pack.sh [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pressnext/target}"
cargo build --locked -q -p pressnext
rm -rf demo/pack
"$CARGO_TARGET_DIR/debug/pressnext" synth --demo demo/pack --seed "${1:-1}"
