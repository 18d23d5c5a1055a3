#!/usr/bin/env bash
# Runs the generator under valgrind's memcheck: one appliance, its photo and its 20 s video
# (the renderer, our YUV conversion and FFmpeg/x264's encoder), two rendering threads. Any read
# of memory that was never written, and any read outside an allocation, fails the check: such
# a read is what once made the same seed give other video bytes from run to run. About a
# minute on 2 cores. Usage: scripts/memcheck_synth.sh [PRESSNEXT_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pressnext/target}"
bin="${1:-$CARGO_TARGET_DIR/debug/pressnext}"
[ -x "$bin" ] || cargo build -q --locked -p pressnext
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
if valgrind --quiet --error-exitcode=1 --track-origins=yes --num-callers=30 \
  "$bin" synth --out "$out/data" --appliances 1 --seed 11 --size 160x96 \
  --min-seconds 20 --max-seconds 20 --threads 2 >"$out/log" 2>&1; then
  echo "memcheck_synth: no invalid or uninitialised read ($(tail -1 "$out/log"))"
else
  head -n 80 "$out/log" >&2
  echo "memcheck_synth: FAILED: valgrind found invalid or uninitialised reads (above)" >&2
  exit 1
fi
