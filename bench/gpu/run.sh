#!/usr/bin/env bash
# Runs on the GPU machine, from a directory prepared by bench/gpu/prepare.sh:
# correctness and timing of every wq kernel (gpu-bench-runner), then the
# baselines measured in the same session (cuBLAS fp16/bf16 and PyTorch's int4
# weight-only kernel through PyTorch, if it is installed). Writes the tables
# to stdout and to ${OUT:-.}/gpu-kernels.md.
#   build/gpu-bench/run.sh
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DEST="${OUT:-.}/gpu-kernels.md"
{
  echo "# GPU kernel benchmark (bench/gpu, $(date -u +%F))"
  echo
  nvidia-smi --query-gpu=name,memory.total,clocks.max.sm,driver_version --format=csv,noheader 2>/dev/null || true
  echo
  echo "## wq kernels"
  echo
  "$HERE/gpu-bench-runner" "$HERE"
  echo "runner exit status: $?"
  echo
  echo "## Baselines (same session)"
  echo
  python3 "$HERE/baselines.py" "$HERE/manifest.txt" || echo "(baselines failed or PyTorch missing)"
} 2>&1 | tee "$DEST"
