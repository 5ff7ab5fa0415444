#!/usr/bin/env bash
# Installs missing packages, builds, then runs the main job on a default input:
# quantizes a 4x300 by 256x300 linear layer to INT4 (group 32) with wq-opt,
# runs the fp32 and the INT4 programs with mlir-runner, and prints both
# results side by side with the error and the weight bytes before/after.
# Usage: scripts/demo.sh [bits] [group-size]
set -euo pipefail
source "$(dirname "$0")/setup.sh"

bits=${1:-4}
group=${2:-32}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runner_libs="$LLVM_PREFIX/lib/libmlir_runner_utils.so,$LLVM_PREFIX/lib/libmlir_c_runner_utils.so,$LLVM_PREFIX/lib/libomp.so"
run() { "$LLVM_PREFIX/bin/mlir-runner" -e main -entry-point-result=void -shared-libs="$runner_libs"; }

echo "== input: linalg.matmul, x 4x300, W 256x300 (random, seed 1)"
/usr/bin/python3 "$WQ_ROOT/scripts/gen_matmul_test.py" --m 4 --k 300 --n 256 \
  --bits "$bits" --group-size "$group" --expect fp32 --seed 1 \
  --mlir "$work/matmul.mlir" --expected "$work/fp64.npy"

echo "== fp32:  wq-opt matmul.mlir --wq-cpu-pipeline | mlir-runner"
"$WQ_BUILD/bin/wq-opt" "$work/matmul.mlir" --wq-cpu-pipeline | run > "$work/fp32.out"

echo "== int$bits: wq-opt matmul.mlir --wq-quantize-weights=\"bits=$bits group-size=$group\" --wq-cpu-pipeline | mlir-runner"
"$WQ_BUILD/bin/wq-opt" "$work/matmul.mlir" \
  --wq-quantize-weights="bits=$bits group-size=$group" \
  -o "$work/quantized.mlir"
"$WQ_BUILD/bin/wq-opt" "$work/quantized.mlir" --wq-cpu-pipeline | run > "$work/quant.out"

/usr/bin/python3 "$WQ_ROOT/scripts/demo_report.py" "$work"
