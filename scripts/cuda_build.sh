#!/usr/bin/env bash
# Compiles every CUDA code path (candle's kernels, cudarc, our --features cuda code) on a machine
# with no GPU, so that they build on every change: the CLI and the app with --features cuda, in a
# target folder of their own ($HOME/.cache/pressnext/target-cuda). Not part of scripts/test.sh:
# the toolkit is a 2.3 GB download and the build a second cold build of the workspace.
#
# The toolkit is Debian bookworm's nvidia-cuda-toolkit (nvcc 11.8, from the non-free component,
# which this script enables if it is not). nvcc 11.8 accepts host compilers up to GCC 11, and
# bookworm's default is GCC 12, so g++-11 is installed beside it (Debian's nvcc finds it).
# Without a GPU nothing detects the compute capability: CUDA_COMPUTE_CAP (default 80, Ampere)
# says which PTX to compile. Running the kernels needs a GPU: scripts/gpu_check.sh.
# Usage: bash scripts/cuda_build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CUDA_TARGET_DIR:-$HOME/.cache/pressnext/target-cuda}"
export CUDA_COMPUTE_CAP="${CUDA_COMPUTE_CAP:-80}"
command -v nvcc >/dev/null || bash scripts/enable_non_free.sh nvidia-cuda-toolkit
bash scripts/install_packages.sh nvidia-cuda-toolkit g++-11
nvcc --version | tail -1
cargo build --locked -p pressnext --features cuda
cargo build --locked -p pressnext-app --features cuda
echo "cuda_build: the CLI and the app compile with --features cuda (compute capability $CUDA_COMPUTE_CAP)"
