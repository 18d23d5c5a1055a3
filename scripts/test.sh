#!/usr/bin/env bash
# Runs every test of the workspace (unit, numerics against the committed PyTorch fixtures,
# CLI end to end). Dev profile, dependencies at opt-level 3; the target folder lives outside the
# clone so repeated runs on one machine reuse it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pressnext/target}"
export CARGO_TERM_COLOR=never
bash scripts/setup.sh
# The setup installed the real weights: their tests must run, not skip.
export PRESSNEXT_REQUIRE_MODELS=1
cargo test --workspace --locked 2>&1
