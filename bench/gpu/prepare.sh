#!/usr/bin/env bash
# Builds, on the CPU build machine, everything the GPU benchmark needs into
# build/gpu-bench (carried to the GPU machine, which needs no LLVM or CUDA
# toolkit): the runner, libwq_runtime and one kernel library per shape, M and
# variant (cubin for --chip, default sm_90); with --split-k-sweep also the
# kernels of the split-K sweep, with --prefill the prompt-sized (M > 16)
# kernels (run.sh then times them too).
#   bench/gpu/prepare.sh [--quick] [--chip sm_90] [--split-k-sweep] [--prefill]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="$ROOT/build"
OUT="$BUILD/gpu-bench"
ninja -C "$BUILD" gpu-kernel-gen gpu-bench-runner wq_runtime >/dev/null
rm -rf "$OUT" && mkdir -p "$OUT"
cp -P "$BUILD"/lib/libwq_runtime.so* "$OUT/"
cp "$BUILD/bin/gpu-bench-runner" "$OUT/"
cp "$ROOT/bench/gpu/run.sh" "$ROOT/bench/gpu/baselines.py" "$ROOT/bench/gpu/report.py" \
  "$ROOT/bench/gpu/sweep_report.py" "$ROOT/bench/gpu/profile.sh" "$OUT/"
args=()
sweep=0
prefill=0
for arg in "$@"; do
  case "$arg" in
    --split-k-sweep) sweep=1 ;;
    --prefill) prefill=1 ;;
    *) args+=("$arg") ;;
  esac
done
"$BUILD/bin/gpu-kernel-gen" "$OUT" "${args[@]}"
chip=()
for ((i = 0; i < ${#args[@]}; i++)); do
  [ "${args[$i]}" = --chip ] && chip=(--chip "${args[$((i + 1))]}")
done
if [ "$sweep" = 1 ]; then
  "$BUILD/bin/gpu-kernel-gen" "$OUT" --split-k-sweep "${chip[@]}"
fi
if [ "$prefill" = 1 ]; then
  "$BUILD/bin/gpu-kernel-gen" "$OUT" --prefill "${chip[@]}"
fi
du -sh "$OUT"
