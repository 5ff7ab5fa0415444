#!/usr/bin/env bash
# Prepares the whole-model GPU check for a GPU machine that has no wq, no
# LLVM and no ../shared (the device tool's machine): stories260K fp32 and
# int4 (g32; classifier and lookups quantized too) compiled for sm_90 (cubin)
# with their kernels runtime, the CPU builds' logits for a 16-token prompt and
# 8 greedy decode steps, and the harness (scripts/gpu_model_sim.py,
# scripts/ptx_sim.py). Then, on the GPU machine, from the repo root:
#   build/gpu-models/run.sh          (prints the table; writes $OUT/gpu-models.md)
# carrying build/gpu-models (about 3 MB).
#   bench/gpu/models_prepare.sh [OUTDIR]     (default build/gpu-models)
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-build/gpu-models}"
models=../shared/models
rm -rf "$out"
mkdir -p "$out"
cp scripts/gpu_model_sim.py scripts/ptx_sim.py "$out/"
for variant in fp32 int4; do
  case "$variant" in
    fp32) flags=(--bits 32) ;;
    int4) flags=(--bits 4 --group-size 32 --quantize-classifier --quantize-embedding) ;;
  esac
  build/bin/wq-compile "$models/stories260K.bin" --tokenizer "$models/tok512.bin" \
    "${flags[@]}" --target sm_90 -o "$out/$variant-sm_90" 2>/dev/null
  build/bin/wq-compile "$models/stories260K.bin" --tokenizer "$models/tok512.bin" \
    "${flags[@]}" -o "$out/$variant-cpu" 2>/dev/null
  /usr/bin/python3 scripts/gpu_model_sim.py --wq-run build/bin/wq-run --cpu "$out/$variant-cpu" \
    --save-expected "$out/$variant-expected.json"
  rm -rf "$out/$variant-cpu" "$out/$variant-sm_90/weights.safetensors"
done
cat >"$out/run.sh" <<'EOF'
#!/usr/bin/env bash
# On the GPU machine: every call of the prompt and decode steps (the decode
# step direct, then captured as a CUDA graph and replayed) against the
# CPU build's logits (bound 1e-3), then decode (graph replay) and prompt
# tokens/s.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DEST="${OUT:-.}"
status=0
{
  echo "# stories260K on the GPU (wq-compile --target sm_90), $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)"
  for variant in fp32 int4; do
    echo
    echo "## $variant"
    echo '```'
    PYTHONUNBUFFERED=1 timeout 120 python3 "$HERE/gpu_model_sim.py" --gpu "$HERE/$variant-sm_90" \
      --expected "$HERE/$variant-expected.json" --time 256 2>&1 || status=1
    echo '```'
  done
} | tee "$DEST/gpu-models.md"
exit $status
EOF
chmod +x "$out/run.sh"
du -sh "$out"
