#!/usr/bin/env bash
# Tests the Debian package built by scripts/build_deb.sh on a clean Debian 12: bootstraps a minimal
# bookworm into a throw-away root (debootstrap, from the Debian mirror), installs the .deb there
# with apt (which pulls in exactly its Depends), checks that every library the binaries load is
# present, runs the installed `pressnext doctor` (exit 0: weights verify, demo model present),
# starts the installed app on an Xvfb display until it shows the bundled demo pack and screenshots
# its window, then purges the package and checks that none of its files is left, only the user's
# data. Needs root. Artifacts (screenshot, doctor report, logs) go to $OUT.
# Usage: scripts/test_deb.sh [DEB]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pressnext/target}"
[ "$(id -u)" -eq 0 ] || { echo "test_deb: needs root (debootstrap, chroot, mounts)" >&2; exit 1; }
bash scripts/install_packages.sh debootstrap xvfb xauth imagemagick x11-utils
DEB="$(realpath "${1:-$(ls -t "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb | head -1)}")"
OUT="${OUT:-$CARGO_TARGET_DIR/tmp/deb-test}"
rm -rf "$OUT" && mkdir -p "$OUT"
ROOT="$(mktemp -d /var/tmp/clean-debian12.XXXXXX)"
DISPLAY_NUMBER=97
XVFB_PID=""
APP_PID=""
cleanup() {
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null || true
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
  for m in tmp/.X11-unix dev/shm dev/pts dev sys proc; do
    mountpoint -q "$ROOT/$m" && umount -l "$ROOT/$m"
  done
  rm -rf --one-file-system "$ROOT"
}
trap cleanup EXIT
in_root() { chroot "$ROOT" env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
step() { echo "== test_deb: $*"; }

dpkg-deb -f "$DEB" Package Version Depends Installed-Size | tee "$OUT/control.txt"
echo "deb size: $(stat -c %s "$DEB") bytes" | tee -a "$OUT/control.txt"

step "bootstrapping a minimal Debian 12 in $ROOT"
debootstrap --variant=minbase bookworm "$ROOT" http://deb.debian.org/debian >"$OUT/debootstrap.log" 2>&1 \
  || { tail -20 "$OUT/debootstrap.log" >&2; exit 1; }
mount -t proc proc "$ROOT/proc"
mount --bind /sys "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"
mount --bind /dev/shm "$ROOT/dev/shm"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
cp "$DEB" "$ROOT/tmp/pressnext.deb"

step "installing the package with apt"
in_root apt-get update -q >"$OUT/apt.log" 2>&1
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  /tmp/pressnext.deb >>"$OUT/apt.log" 2>&1 || { tail -30 "$OUT/apt.log" >&2; exit 1; }
PACKAGE="$(dpkg-deb -f "$DEB" Package)"
in_root dpkg -L "$PACKAGE" >"$OUT/files.txt"
for f in /usr/bin/pressnext-app /usr/bin/pressnext /usr/share/applications/pressnext.desktop \
         /usr/lib/pressnext/models/manifest.json /usr/lib/pressnext/models/demo/q2a.safetensors \
         /usr/lib/pressnext/models/hands/palm_detection_lite.tflite \
         /usr/lib/pressnext/demo/pack/camera.mp4; do
  grep -qx "$f" "$OUT/files.txt" || { echo "test_deb: $f not in the package" >&2; exit 1; }
done
if in_root ldd /usr/bin/pressnext-app /usr/bin/pressnext | grep "not found" | tee "$OUT/missing-libs.txt" | grep -q .; then
  echo "test_deb: libraries missing on a clean system (Depends is incomplete):" >&2
  cat "$OUT/missing-libs.txt" >&2
  exit 1
fi
in_root du -sk /usr/lib/pressnext /usr/bin/pressnext /usr/bin/pressnext-app | tee "$OUT/installed-size.txt"

step "pressnext doctor"
in_root pressnext doctor | tee "$OUT/doctor.txt"

step "starting the installed app"
Xvfb ":$DISPLAY_NUMBER" -screen 0 1280x800x24 -ac -nolisten tcp >"$OUT/xvfb.log" 2>&1 &
XVFB_PID=$!
mkdir -p "$ROOT/tmp/.X11-unix"
for _ in $(seq 50); do [ -S "/tmp/.X11-unix/X$DISPLAY_NUMBER" ] && break; sleep 0.1; done
mount --bind /tmp/.X11-unix "$ROOT/tmp/.X11-unix"
# No camera in the throw-away root: the demo pack's camera clip stands in, as at a demo stand.
in_root env DISPLAY=":$DISPLAY_NUMBER" PRESSNEXT_CAMERA=file:/usr/lib/pressnext/demo/pack/camera.mp4 \
  pressnext-app >"$OUT/app.log" 2>&1 &
APP_PID=$!
# The first start opens the bundled demo pack and encodes it once (about half a minute on two
# cores); the window is ready when that pack's encoded features are in the user's data folder.
DATA="$ROOT/root/.local/share/pressnext"
ready=""
for _ in $(seq 240); do
  kill -0 "$APP_PID" 2>/dev/null || { echo "test_deb: the app exited" >&2; tail -30 "$OUT/app.log" >&2; exit 1; }
  if xwininfo -display ":$DISPLAY_NUMBER" -root -tree | grep -q '"PressNext"' \
     && compgen -G "$DATA/packs/*/encoded/*" >/dev/null; then
    ready=1
    break
  fi
  sleep 1
done
[ -n "$ready" ] || { echo "test_deb: no PressNext window with the demo pack within 4 minutes" >&2; tail -30 "$OUT/app.log" >&2; exit 1; }
sleep 8  # the live view's first frames and the pack's panels
import -display ":$DISPLAY_NUMBER" -window root "$OUT/deb-window.png"
kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true
APP_PID=""

step "purging the package"
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$PACKAGE" >>"$OUT/apt.log" 2>&1
left=()
while read -r f; do
  [ -e "$ROOT$f" ] && [ ! -d "$ROOT$f" ] && left+=("$f")
done <"$OUT/files.txt"
[ ${#left[@]} -eq 0 ] || { echo "test_deb: files left after purge: ${left[*]}" >&2; exit 1; }
[ ! -e "$ROOT/usr/lib/pressnext" ] || { echo "test_deb: /usr/lib/pressnext left after purge" >&2; exit 1; }
# Whatever else carries the name is the user's data (settings, the pack cache, models), kept.
find "$ROOT" -xdev -iname '*pressnext*' -not -path "$ROOT/root/*" -not -path "$ROOT/tmp/*" \
  | tee "$OUT/left-outside-home.txt"
[ ! -s "$OUT/left-outside-home.txt" ] || { echo "test_deb: files left outside the user's home" >&2; exit 1; }
[ -d "$DATA" ] || { echo "test_deb: the user's data folder was removed" >&2; exit 1; }
echo "test_deb: ok ($OUT: deb-window.png, doctor.txt, control.txt, installed-size.txt)"
