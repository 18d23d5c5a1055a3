#!/usr/bin/env bash
# Builds the Debian package of PressNext: the app (release profile: thin LTO, stripped) with the
# `pressnext` CLI beside it, the encoder weights, the demo model and the demo pack inside, so an
# offline machine needs nothing else. Installs tauri-cli (cargo install, about 10 minutes) when
# missing, and makes the weights, demo pack and demo model first when they are not there.
# Output: target/release/bundle/deb/PressNext_<version>_amd64.deb (path printed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pressnext/target}"
bash scripts/setup.sh
[ -f demo/pack/camera_truth.json ] || bash scripts/demo_pack.sh
bash scripts/demo_model.sh
cargo tauri --version >/dev/null 2>&1 || cargo install tauri-cli --version "^2" --locked
cargo build --release --locked -p pressnext
# Tauri's externalBin wants the binary named for its target triple.
TRIPLE="$(rustc -vV | sed -n 's/^host: //p')"
mkdir -p src-tauri/binaries
cp "$CARGO_TARGET_DIR/release/pressnext" "src-tauri/binaries/pressnext-$TRIPLE"
(cd src-tauri && cargo tauri build --bundles deb --config tauri.bundle.json)
DEB="$(ls -t "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb | head -1)"
echo "deb: $DEB ($(du -h "$DEB" | cut -f1); installed size $(dpkg-deb -f "$DEB" Installed-Size) KiB)"
