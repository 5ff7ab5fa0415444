#!/usr/bin/env bash
# Builds, on the CPU build machine, everything the GPU benchmark needs into
# build/gpu-bench (carried to the GPU machine, which needs no LLVM or CUDA
# toolkit): the runner, libwq_runtime and one kernel library per shape, M and
# variant (cubin for --chip, default sm_90).
#   bench/gpu/prepare.sh [--quick] [--chip sm_90]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="$ROOT/build"
OUT="$BUILD/gpu-bench"
ninja -C "$BUILD" gpu-kernel-gen gpu-bench-runner wq_runtime >/dev/null
rm -rf "$OUT" && mkdir -p "$OUT"
cp -P "$BUILD"/lib/libwq_runtime.so* "$OUT/"
cp "$BUILD/bin/gpu-bench-runner" "$OUT/"
cp "$ROOT/bench/gpu/run.sh" "$ROOT/bench/gpu/baselines.py" "$ROOT/bench/gpu/report.py" "$OUT/"
"$BUILD/bin/gpu-kernel-gen" "$OUT" "$@"
du -sh "$OUT"
