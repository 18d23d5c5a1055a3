#!/usr/bin/env bash
# Runs every test: the front end's unit tests (node --test), then the workspace's (unit, numerics
# against the committed PyTorch fixtures, CLI end to end, the app's commands on the mock runtime
# and its real window under Xvfb through WebDriver), then the generator under valgrind. Dev profile, dependencies at opt-level 3; the target folder lives outside the
# clone so repeated runs on one machine reuse it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pressnext/target}"
export CARGO_TERM_COLOR=never
# Tests find their files through CARGO_MANIFEST_DIR read at run time, never env!() at compile
# time: the target folder is shared by every clone on a machine (CI clones elsewhere), and a test
# binary that cargo reuses from another clone would look for fixtures in that clone's folder.
bash scripts/setup.sh
# The app's end-to-end test needs the demo pack, the demo model and tauri-driver.
[ -f demo/pack/camera_truth.json ] || bash scripts/demo_pack.sh
bash scripts/demo_model.sh
command -v tauri-driver >/dev/null || cargo install tauri-driver --version "^2" --locked
# The setup installed everything: the real-weight and window tests must run, not skip.
export PRESSNEXT_REQUIRE_MODELS=1 PRESSNEXT_REQUIRE_E2E=1
# Every part runs even when one fails (and cargo runs every test binary: --no-fail-fast), so
# one failure never hides others; the script still exits non-zero when any part failed.
failed=()
node --test ui/tests/ || failed+=("ui unit tests (node --test ui/tests/)")
# The app's window tests need a display: a virtual one.
xvfb-run -a -s "-screen 0 1280x800x24" cargo test --workspace --locked --no-fail-fast 2>&1 \
  || failed+=("cargo test --workspace")
# The generator under valgrind: no read of memory that was never written (reproducibility).
bash scripts/memcheck_synth.sh || failed+=("scripts/memcheck_synth.sh")
if [ ${#failed[@]} -gt 0 ]; then
  printf 'test.sh: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "test.sh: every test passed"
