#!/usr/bin/env bash
# Prepares the whole-model GPU check for a GPU machine that has no wq, no
# LLVM and no ../shared (the device tool's machine): stories260K fp32 and
# int4 (g32; classifier and lookups quantized too) compiled for sm_90 (cubin)
# with their kernels runtime, the CPU builds' logits for a 16-token prompt and
# 8 greedy decode steps, and the harness (scripts/gpu_model_sim.py,
# scripts/ptx_sim.py); and a Llama-3-8B-shaped stack for timing only: 4
# layers of dim 4096, FFN 14336, 32 heads / 8 KV heads, vocabulary 512 (tied),
# random fp16 weights from bench/models/make_synthetic_hf.py (seed 0) compiled
# to int4 g128 for sm_90, twice: f32 activations everywhere (the SIMT decode
# and generic prompt kernels) and --gpu-matmul-activations f16 (the
# tensor-core decode and prefill kernels), each without its model.weights
# (460 MB, over what a device call carries): run.sh writes a zero-filled one
# of the same size on the GPU machine, since the values do not change the
# timing, and times a decode step and a 512-token prompt of both. The
# int4f16 stories260K build (--gpu-matmul-activations f16) is checked
# against the CPU build at 1e-2 (f16 products). SmolLM2-135M (Q4_1 GGUF as
# stored, f32 activations) for sm_90: its 96 MB of weights are more than one
# device call carries, so they are split in two halves,
# build/gpu-models-smollm2-a and build/gpu-models-smollm2-b, each carried by
# a call of its own (e.g. `true`) before the main one: ignored build
# outputs stay on the machine between calls while it is held. With both
# halves there, run.sh checks a 16-token prompt and 8 decode steps against
# the CPU build's logits (and the prompt's perplexity) at 1e-3; without
# them it says so and times zero-filled weights. Then, on the GPU machine,
# from the repo root:
#   build/gpu-models/run.sh          (prints the table; writes $OUT/gpu-models.md)
# carrying build/gpu-models (a few tens of MB).
#   bench/gpu/models_prepare.sh [OUTDIR] [WORKDIR]
#       (defaults build/gpu-models, /tmp/wq-gpu-models: the stack's checkpoint,
#       1.8 GB, generated once and kept)
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-build/gpu-models}"
work="${2:-/tmp/wq-gpu-models}"
models=../shared/models
rm -rf "$out"
mkdir -p "$out"
cp scripts/gpu_model_sim.py scripts/ptx_sim.py "$out/"
for variant in fp32 int4 int4f16; do
  gpu_flags=()
  case "$variant" in
    fp32) flags=(--bits 32) ;;
    int4) flags=(--bits 4 --group-size 32 --quantize-classifier --quantize-embedding) ;;
    int4f16)
      flags=(--bits 4 --group-size 32)
      gpu_flags=(--gpu-matmul-activations f16)
      ;;
  esac
  build/bin/wq-compile "$models/stories260K.bin" --tokenizer "$models/tok512.bin" \
    "${flags[@]}" "${gpu_flags[@]}" --target sm_90 -o "$out/$variant-sm_90" 2>/dev/null
  build/bin/wq-compile "$models/stories260K.bin" --tokenizer "$models/tok512.bin" \
    "${flags[@]}" -o "$out/$variant-cpu" 2>/dev/null
  /usr/bin/python3 scripts/gpu_model_sim.py --wq-run build/bin/wq-run --cpu "$out/$variant-cpu" \
    --save-expected "$out/$variant-expected.json"
  rm -rf "$out/$variant-cpu" "$out/$variant-sm_90/weights.safetensors"
done
mkdir -p "$work"
stack="$work/llama3-8b-stack4"
if [ ! -f "$stack/config.json" ]; then
  /usr/bin/python3 bench/models/make_synthetic_hf.py "$stack" --tokenizer "$work/tok512.bin" \
    --hidden 4096 --intermediate 14336 --layers 4 --heads 32 --kv-heads 8 --vocab 512 --tied
fi
for activations in f32 f16; do
  build/bin/wq-compile "$stack" --tokenizer "$work/tok512.bin" --bits 4 --group-size 128 \
    --target sm_90 --gpu-matmul-activations "$activations" \
    -o "$out/stack8b-$activations-sm_90" 2>/dev/null
  stat -c %s "$out/stack8b-$activations-sm_90/model.weights" \
    >"$out/stack8b-$activations-sm_90/weights.bytes"
  rm -f "$out/stack8b-$activations-sm_90/model.weights" \
    "$out/stack8b-$activations-sm_90/weights.safetensors"
done
smollm2="$models/SmolLM2-135M-Instruct.Q4_1.gguf"
rm -rf build/gpu-models-smollm2-a build/gpu-models-smollm2-b
if [ -f "$smollm2" ]; then
  build/bin/wq-compile "$smollm2" --target sm_90 -o "$out/smollm2-sm_90" 2>/dev/null
  build/bin/wq-compile "$smollm2" -o "$work/smollm2-cpu" --force 2>/dev/null
  /usr/bin/python3 scripts/gpu_model_sim.py --wq-run build/bin/wq-run --cpu "$work/smollm2-cpu" \
    --save-expected "$out/smollm2-expected.json"
  weights="$out/smollm2-sm_90/model.weights"
  stat -c %s "$weights" >"$out/smollm2-sm_90/weights.bytes"
  mkdir -p build/gpu-models-smollm2-a build/gpu-models-smollm2-b
  split -n 2 -d "$weights" "$work/smollm2-weights."
  mv "$work/smollm2-weights.00" build/gpu-models-smollm2-a/part
  mv "$work/smollm2-weights.01" build/gpu-models-smollm2-b/part
  rm -f "$weights" "$out/smollm2-sm_90/weights.safetensors"
fi
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
  for variant in fp32 int4 int4f16; do
    bound=1e-3
    [ "$variant" = int4f16 ] && bound=1e-2
    echo
    echo "## $variant"
    echo '```'
    PYTHONUNBUFFERED=1 timeout 120 python3 "$HERE/gpu_model_sim.py" --gpu "$HERE/$variant-sm_90" \
      --expected "$HERE/$variant-expected.json" --bound "$bound" --time 256 2>&1 || status=1
    echo '```'
  done
  for activations in f32 f16; do
    echo
    echo "## Llama-3-8B-shaped stack, int4 g128, $activations matmul activations: decode step vs streaming its weights, a 512-token prompt"
    echo '```'
    # Zero-filled weights of the compiled size (the timing does not depend
    # on the values).
    truncate -s "$(cat "$HERE/stack8b-$activations-sm_90/weights.bytes")" \
      "$HERE/stack8b-$activations-sm_90/model.weights"
    PYTHONUNBUFFERED=1 timeout 120 python3 "$HERE/gpu_model_sim.py" \
      --gpu "$HERE/stack8b-$activations-sm_90" --time-only 200 --time-prompt 512 2>&1 || status=1
    echo '```'
  done
  smollm2="$HERE/smollm2-sm_90"
  if [ -d "$smollm2" ]; then
    echo
    a="$HERE/../gpu-models-smollm2-a/part" b="$HERE/../gpu-models-smollm2-b/part"
    if [ -f "$a" ] && [ -f "$b" ] && cat "$a" "$b" >"$smollm2/model.weights" &&
      [ "$(stat -c %s "$smollm2/model.weights")" = "$(cat "$smollm2/weights.bytes")" ]; then
      echo "## SmolLM2-135M Q4_1 (as stored), f32 activations: against the CPU build, then timed"
      echo '```'
      PYTHONUNBUFFERED=1 timeout 150 python3 "$HERE/gpu_model_sim.py" --gpu "$smollm2" \
        --expected "$HERE/smollm2-expected.json" --bound 1e-3 --time 256 2>&1 || status=1
    else
      echo "## SmolLM2-135M Q4_1: weights not carried (build/gpu-models-smollm2-a, -b): timing only, zero-filled weights"
      echo '```'
      truncate -s "$(cat "$smollm2/weights.bytes")" "$smollm2/model.weights"
    fi
    PYTHONUNBUFFERED=1 timeout 120 python3 "$HERE/gpu_model_sim.py" \
      --gpu "$smollm2" --time-only 200 --time-prompt 512 2>&1 || status=1
    echo '```'
  fi
  # The same decode steps with plain launches, for the side-by-side figure
  # of programmatic dependent launch (each kernel launched while the
  # previous one runs; wq-enable-programmatic-launch).
  for target in int4-sm_90 stack8b-f32-sm_90 smollm2-sm_90; do
    [ -d "$HERE/$target" ] || continue
    echo
    echo "## $target, WQRT_PROGRAMMATIC_LAUNCH=0 (plain launches)"
    echo '```'
    WQRT_PROGRAMMATIC_LAUNCH=0 PYTHONUNBUFFERED=1 timeout 120 python3 "$HERE/gpu_model_sim.py" \
      --gpu "$HERE/$target" --time-only 200 2>&1 || status=1
    echo '```'
  done
} | tee "$DEST/gpu-models.md"
exit $status
EOF
chmod +x "$out/run.sh"
du -sh "$out"
