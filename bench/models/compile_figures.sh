#!/usr/bin/env bash
# Compile time and peak memory of whole models, printed as a markdown table:
# stories260K and SmolLM2-135M (GGUF) for the CPU and for sm_90, and with
# --7b a Llama-2-7B-shaped Hugging Face checkpoint (fp16 safetensors, random
# weights from bench/models/make_synthetic_hf.py, 13.5 GB) to int4 g128.
# Peak memory is the compiler's maximum resident set (/usr/bin/time -v);
# "output" is the compiled folder's size on disk.
#
#   bench/models/compile_figures.sh [--7b] [--work DIR]    (from the repo root)
#
# The 7B checkpoint is generated into DIR (default /tmp/wq-compile-figures)
# once and kept: about 4 minutes and 13.5 GB of disk, plus 8 GB of output.
set -euo pipefail
cd "$(dirname "$0")/../.."
seven=0
work=/tmp/wq-compile-figures
while [ $# -gt 0 ]; do
  case "$1" in
    --7b) seven=1 ;;
    --work) work="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
models=../shared/models
mkdir -p "$work"

row() { # name, then the wq-compile arguments (without -o)
  local name="$1"; shift
  local out="$work/out-$(echo "$name" | tr -c 'A-Za-z0-9\n' '_')"
  rm -rf "$out"
  /usr/bin/time -v build/bin/wq-compile "$@" -o "$out" 2> "$work/log" >/dev/null || {
    tail -5 "$work/log" >&2; exit 1; }
  local wall peak size
  wall=$(grep "Elapsed (wall clock)" "$work/log" | awk '{print $NF}')
  peak=$(grep "Maximum resident set size" "$work/log" | awk '{printf "%.2f", $NF / 1048576}')
  size=$(du -sb "$out" | awk '{printf "%.2f", $1 / 1073741824}')
  echo "| $name | $wall | $peak | $size | $(awk -v p="$peak" -v s="$size" 'BEGIN{printf "%.2f", p - s}') |"
  rm -rf "$out"
}

echo "| model, target | wall (m:s) | peak RSS (GiB) | output (GiB) | peak - output (GiB) |"
echo "|---|---|---|---|---|"
row "stories260K int4 g32, cpu" "$models/stories260K.bin" --tokenizer "$models/tok512.bin" --bits 4 --group-size 32
row "stories260K int4 g32, sm_90" "$models/stories260K.bin" --tokenizer "$models/tok512.bin" --bits 4 --group-size 32 --target sm_90
row "SmolLM2-135M Q4_1 as stored, cpu" "$models/SmolLM2-135M-Instruct.Q4_1.gguf"
row "SmolLM2-135M Q4_1 as stored, sm_90" "$models/SmolLM2-135M-Instruct.Q4_1.gguf" --target sm_90
if [ "$seven" = 1 ]; then
  if [ ! -f "$work/llama2-7b/config.json" ]; then
    /usr/bin/python3 bench/models/make_synthetic_hf.py "$work/llama2-7b" \
      --tokenizer "$work/llama2-7b-tokenizer.bin" >&2
  fi
  row "Llama-2-7B shape fp16 -> int4 g128, cpu" "$work/llama2-7b" \
    --tokenizer "$work/llama2-7b-tokenizer.bin" --bits 4 --group-size 128
fi
echo
echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); $(lscpu | sed -n 's/^Model name: *//p')"
