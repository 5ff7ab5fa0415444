#!/usr/bin/env bash
# Installs missing packages, builds, then runs the main jobs on default inputs:
# quantizes a 4x300 by 256x300 linear layer to INT4 (group 32) with wq-opt,
# runs the fp32 and the INT4 programs with mlir-runner, and prints both
# results side by side with the error and the weight bytes before/after; then
# compiles the real stories260K model (../shared/models) to fp32 and to int4
# (GPTQ), generates with the int4 one and prints both perplexities and sizes.
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

# The main job on a real model: stories260K compiled to fp32 and to int4.
MODELS="$WQ_ROOT/../shared/models"
if [ -f "$MODELS/stories260K.bin" ]; then
  echo
  echo "== stories260K: wq-compile --bits 32 and --bits 4 --group-size 32 --method gptq --act-order"
  "$WQ_BUILD/bin/wq-compile" "$MODELS/stories260K.bin" --tokenizer "$MODELS/tok512.bin" \
    --bits 32 --target cpu -o "$work/fp32" 2>/dev/null
  "$WQ_BUILD/bin/wq-compile" "$MODELS/stories260K.bin" --tokenizer "$MODELS/tok512.bin" \
    --bits 4 --group-size 32 --method gptq --act-order --calib "$MODELS/tinystories_calib.txt" \
    --target cpu -o "$work/int4" 2>/dev/null
  echo "== int4 generation: wq-run --prompt 'Once upon a time' --steps 80 --temperature 0"
  "$WQ_BUILD/bin/wq-run" "$work/int4" --prompt "Once upon a time" --steps 80 --temperature 0 2>/dev/null
  echo
  printf '%-6s %12s %12s\n' model perplexity bytes
  for m in fp32 int4; do
    ppl=$("$WQ_BUILD/bin/wq-run" "$work/$m" --perplexity "$MODELS/tinystories_valid_head45.txt" 2>/dev/null |
          awk '/perplexity/ {print $2}')
    bytes=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['model_bytes'])" "$work/$m/report.json")
    printf '%-6s %12s %12s\n' "$m" "$ppl" "$bytes"
  done
fi
