#!/usr/bin/env bash
# The command-line demo: sets up, then answers the demo pack's questions in the terminal. Installs what is needed
# (scripts/setup.sh: system packages, the pinned encoder weights), writes the demo pack (one
# synthetic appliance with its questions, scripts/demo_pack.sh), makes the demo model if there is
# none (scripts/demo_model.sh), opens the pack as the app does and answers its questions step by
# step, each step marked right or wrong against the pack's labels.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pressnext/target}"
bash scripts/setup.sh
PN="$CARGO_TARGET_DIR/debug/pressnext"
[ -f demo/pack/camera_truth.json ] || bash scripts/demo_pack.sh
bash scripts/demo_model.sh
# Every question the pack lists, answered as the app answers it, each step marked with a tick or
# a cross (and the right answer) against the pack's labels; then a question it does not list and
# one it does not cover.
"$PN" ask --pack demo/pack --listed
"$PN" ask --pack demo/pack "make me a 60 ml lungo please"
"$PN" ask --pack demo/pack "How do I descale it?"
