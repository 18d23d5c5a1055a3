#!/usr/bin/env bash
# Runs the fuzz targets under libFuzzer (cargo fuzz, nightly): `scripts/fuzz.sh [SECONDS] [TARGET...]`
# runs each TARGET (default: every one in fuzz/fuzz_targets) for SECONDS (default 600), starting
# from the committed seeds (fuzz/seeds/TARGET) plus the corpus earlier runs grew, with debug
# assertions (so overflow panics), a 4 GiB RSS limit and a 10 s per-input timeout: any panic,
# abort, out-of-memory or hang is a finding, saved under fuzz/artifacts/TARGET/ and failing the
# script. Prints one summary line per target (executions, seconds, corpus size). The short run
# CI does is the stable smoke test (cargo test -p fuzzing), not this.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in fuzz/fuzz_targets/*.rs; do targets+=("$(basename "$f" .rs)"); done
fi
# Its own target folder: the flags (sanitizer coverage, nightly) differ from the workspace's.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/pressnext/fuzz-target}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version "^0.13"
work="${FUZZ_WORK:-$HOME/.cache/pressnext/fuzz-corpus}"
failed=()
# Built once (what `cargo fuzz run` would rebuild before each target), then run directly.
[ -n "${FUZZ_NO_BUILD:-}" ] || cargo +nightly fuzz build -s none -a
bin="$CARGO_TARGET_DIR/$(rustc -vV | sed -n 's/^host: //p')/release"
for t in "${targets[@]}"; do
  mkdir -p "$work/$t" "fuzz/artifacts/$t"
  log="$work/$t.log"
  if "$bin/$t" "$work/$t" "fuzz/seeds/$t" \
      -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="fuzz/artifacts/$t/" >"$log" 2>&1; then
    status=ok
  else
    status=FINDING
    failed+=("$t")
  fi
  # (A crashed run prints no "Done" line: these greps may find nothing.)
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  took=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' | tail -1 || true)
  corpus=$(ls "$work/$t" | wc -l)
  echo "fuzz: $t: $status, ${runs:-?} executions in ${took:-?} s, corpus $corpus inputs (log $log)"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
  exit 1
fi
