#!/usr/bin/env bash
# Perplexity and size of stories260K (and aidreams260K's main rows) under
# every quantization method, plus decode speed, as a Markdown table on stdout.
#   bench/models/results_table.sh [BUILD_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
MODELS="$ROOT/../shared/models"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
EVAL="$MODELS/tinystories_valid_head45.txt"
CALIB="$MODELS/tinystories_calib.txt"

row() { # model tokenizer label args...
  local model="$1" tok="$2" label="$3"; shift 3
  local out="$WORK/m"
  rm -rf "$out"
  "$BUILD/bin/wq-compile" "$MODELS/$model" --tokenizer "$MODELS/$tok" --target cpu -o "$out" "$@" 2> "$WORK/log"
  local ppl bytes fp32
  ppl=$("$BUILD/bin/wq-run" "$out" --perplexity "$EVAL" 2>/dev/null | awk '/perplexity/ {print $2}')
  bytes=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r['model_bytes'], r['fp32_bytes'])" "$out/report.json")
  printf '| %s | %s | %s | %s | %.2fx |\n' "$model" "$label" "$ppl" "${bytes% *}" \
    "$(python3 -c "print(${bytes#* } / ${bytes% *})")"
}

echo "| model | configuration | perplexity | model bytes | vs fp32 |"
echo "|---|---|---|---|---|"
S=(stories260K.bin tok512.bin)
row "${S[@]}" "fp32" --bits 32
row "${S[@]}" "fp16 weights" --bits 16
row "${S[@]}" "int8 per-channel (sym)" --bits 8 --group-size 0 --sym
row "${S[@]}" "int8 g32 (sym)" --bits 8 --group-size 32 --sym
row "${S[@]}" "int8 g8 (sym, llama2.c q8 scheme)" --bits 8 --group-size 8 --sym --scale-type f32
for g in 16 32 64; do
  row "${S[@]}" "int4 RTN g$g asym" --bits 4 --group-size $g
  row "${S[@]}" "int4 RTN g$g sym" --bits 4 --group-size $g --sym
done
row "${S[@]}" "int4 RTN-MSE g32 asym" --bits 4 --group-size 32 --method rtn-mse
row "${S[@]}" "int4 GPTQ g32" --bits 4 --group-size 32 --method gptq --calib "$CALIB"
row "${S[@]}" "int4 GPTQ g32 act-order" --bits 4 --group-size 32 --method gptq --act-order --calib "$CALIB"
row "${S[@]}" "int4 AWQ g32" --bits 4 --group-size 32 --method awq --calib "$CALIB"
row "${S[@]}" "int4 RTN g32 + 1% outliers" --bits 4 --group-size 32 --outlier-fraction 0.01 --calib "$CALIB"
row "${S[@]}" "int4 GPTQ g32 act-order + 1% outliers" --bits 4 --group-size 32 --method gptq --act-order --outlier-fraction 0.01 --calib "$CALIB"
row "${S[@]}" "int4 RTN g32 asym, int8 activations" --bits 4 --group-size 32 --activation-bits 8
row "${S[@]}" "int4 GPTQ g32 act-order, int8 activations" --bits 4 --group-size 32 --method gptq --act-order --calib "$CALIB" --activation-bits 8
A=(aidreams260K.bin aidreams_tok512.bin)
row "${A[@]}" "fp32" --bits 32
row "${A[@]}" "int8 per-channel (sym)" --bits 8 --group-size 0 --sym
row "${A[@]}" "int4 RTN g32 asym" --bits 4 --group-size 32
row "${A[@]}" "int4 GPTQ g32 act-order" --bits 4 --group-size 32 --method gptq --act-order --calib "$CALIB"
row "${A[@]}" "int4 AWQ g32" --bits 4 --group-size 32 --method awq --calib "$CALIB"

echo
echo "| stories260K decode | tokens/s |"
echo "|---|---|"
for cfg in "fp32:--bits 32" "int8 per-channel:--bits 8 --group-size 0 --sym" "int4 g32:--bits 4 --group-size 32" \
           "int4 g32, int8 activations:--bits 4 --group-size 32 --activation-bits 8"; do
  label="${cfg%%:*}"; args="${cfg#*:}"
  rm -rf "$WORK/m"
  # shellcheck disable=SC2086
  "$BUILD/bin/wq-compile" "$MODELS/stories260K.bin" --tokenizer "$MODELS/tok512.bin" --target cpu -o "$WORK/m" $args 2>/dev/null
  printf '| %s | %s |\n' "$label" "$("$BUILD/bin/wq-run" "$WORK/m" --bench | awk '/decode/ {print $2}')"
done
