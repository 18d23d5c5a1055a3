#!/usr/bin/env bash
# Adds Debian's contrib and non-free components (of the machine's own Debian suite, signed by the
# same Debian archive key) to apt's sources when no source offers PACKAGE yet, and reads them in
# (apt-get update). Used by setup.sh for Intel's MKL (libmkl-rt: the models' products on Intel
# CPUs, docs/install.md) and by cuda_build.sh for nvidia-cuda-toolkit. Safe to run again.
# Usage: bash scripts/enable_non_free.sh PACKAGE
set -euo pipefail
package="${1:?usage: enable_non_free.sh PACKAGE}"
if apt-cache policy "$package" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  exit 0
fi
. /etc/os-release
if [ "${ID:-}" != debian ] || [ -z "${VERSION_CODENAME:-}" ]; then
  echo "enable_non_free: not Debian (${ID:-unknown}); install $package by hand" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
file=/etc/apt/sources.list.d/pressnext-non-free.sources
echo "enable_non_free: adding Debian's contrib and non-free components for $package ($file)"
printf '%s\n' \
  "Types: deb" \
  "URIs: http://deb.debian.org/debian" \
  "Suites: ${VERSION_CODENAME}" \
  "Components: contrib non-free" \
  "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" | $SUDO tee "$file" >/dev/null
$SUDO apt-get update -q
