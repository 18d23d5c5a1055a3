#!/usr/bin/env bash
# Adds Debian's non-free component (bookworm) to apt's sources when no source offers libmkl-rt yet:
# Intel's MKL, whose sgemm runs the models' products on Intel CPUs (docs/install.md). Only the
# `non-free` component of the same archive and suite as the machine's own Debian, signed by the
# same Debian archive key; apt-get update runs afterwards in install_packages.sh. Safe to run again.
set -euo pipefail
policy="$(apt-cache policy libmkl-rt 2>/dev/null || true)"
if printf '%s\n' "$policy" | grep -q 'Candidate: [0-9]'; then
  exit 0
fi
. /etc/os-release
if [ "${ID:-}" != debian ] || [ -z "${VERSION_CODENAME:-}" ]; then
  echo "enable_non_free: not Debian (${ID:-unknown}); install Intel MKL (libmkl_rt.so) by hand if wanted" >&2
  exit 0
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
file=/etc/apt/sources.list.d/pressnext-non-free.sources
echo "enable_non_free: adding Debian's non-free component for ${VERSION_CODENAME} ($file)"
printf '%s\n' \
  "Types: deb" \
  "URIs: http://deb.debian.org/debian" \
  "Suites: ${VERSION_CODENAME}" \
  "Components: non-free" \
  "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" | $SUDO tee "$file" >/dev/null
# install_packages.sh updates only when something is missing; make sure the new list is read.
$SUDO apt-get update -q
