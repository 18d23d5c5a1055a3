#!/usr/bin/env bash
# Tests the Debian package built by scripts/build_deb.sh: unpacks it into a throw-away root,
# checks the files and the control fields, runs the installed `pressnext doctor` (exit status 0:
# weights verify, demo model present), then starts the installed app under Xvfb with its bundled
# demo pack and screenshots its window (deb-window.png). Usage: scripts/test_deb.sh [DEB]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pressnext/target}"
bash scripts/install_packages.sh xvfb xauth imagemagick x11-apps
DEB="${1:-$(ls -t "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb | head -1)}"
ROOT="$(mktemp -d)"
trap 'rm -rf "$ROOT"' EXIT
dpkg-deb -f "$DEB" Package Version Depends Installed-Size
dpkg-deb -x "$DEB" "$ROOT"
for f in usr/bin/pressnext-app usr/bin/pressnext usr/share/applications/PressNext.desktop \
         usr/lib/PressNext/models/manifest.json usr/lib/PressNext/models/demo/q2a.safetensors \
         usr/lib/PressNext/demo/pack/camera.mp4; do
  [ -e "$ROOT/$f" ] || { echo "test_deb: $f missing from the package" >&2; exit 1; }
done
DATA="$(mktemp -d)"
PRESSNEXT_DATA_DIR="$DATA" "$ROOT/usr/bin/pressnext" doctor
PRESSNEXT_DATA_DIR="$DATA" PRESSNEXT_CAMERA="file:$ROOT/usr/lib/PressNext/demo/pack/camera.mp4" \
  xvfb-run -a -s "-screen 0 1280x800x24" sh -c '
    "$0/usr/bin/pressnext-app" & APP=$!
    sleep 40
    xwininfo -root -tree | grep -q "\"PressNext\"" || { echo "test_deb: no PressNext window" >&2; kill $APP; exit 1; }
    import -window root deb-window.png
    kill $APP' "$ROOT"
rm -rf "$DATA"
echo "test_deb: ok (screenshot: deb-window.png)"
