#!/usr/bin/env bash
# Sets up PressNext and opens the app on the bundled demo: installs what is needed
# (scripts/setup.sh: system packages, the pinned encoder weights), writes the demo pack (one
# synthetic appliance with its questions and a handheld camera.mp4, scripts/demo_pack.sh), makes the
# demo model if there is none (scripts/demo_model.sh, about 10 minutes the first time), builds the
# app and opens it on the demo pack with the demo camera video as its camera, the demo model
# active. Ask one of the suggested questions: the button to press is boxed on the live view.
# PRESSNEXT_CAMERA=auto (or index:N) uses a real camera instead. Without a display it runs the
# terminal demo (scripts/demo_cli.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pressnext/target}"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "demo: no display; running the terminal demo instead (scripts/demo_cli.sh)"
  exec bash scripts/demo_cli.sh
fi
bash scripts/setup.sh
[ -f demo/pack/camera_truth.json ] || bash scripts/demo_pack.sh
bash scripts/demo_model.sh
cargo build --locked -q -p pressnext-app
export PRESSNEXT_CAMERA="${PRESSNEXT_CAMERA:-file:$PWD/demo/pack/camera.mp4}"
exec "$CARGO_TARGET_DIR/debug/pressnext-app" --pack demo/pack
