#!/usr/bin/env bash
# Runs on the GPU machine, from a directory prepared by bench/gpu/prepare.sh:
# correctness and timing of every wq kernel (gpu-bench-runner, one process
# per variant with a time limit, so that a faulting or hanging kernel costs
# only its variant), the baselines measured in the same session (cuBLAS
# fp16/bf16 and PyTorch's int4 weight-only kernel through PyTorch), then the
# merged table with speedups and the targets (report.py). The variants the
# targets name run first, then the baselines, then the rest. Writes the
# report to stdout and ${OUT:-.}/gpu-kernels.md, the raw outputs beside it.
#   build/gpu-bench/run.sh
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DEST="${OUT:-.}"
RAW="$DEST/gpu-runner-output.md"
BASE="$DEST/gpu-baselines-output.md"
SPLIT="$(mktemp -d)"
trap 'rm -rf "$SPLIT"' EXIT
: >"$RAW"
: >"$BASE"

run_variant() {
  local variant="$1"
  grep -E "^${variant}_[0-9]+x[0-9]+_m[0-9]+\.so " "$HERE/manifest.txt" >"$SPLIT/$variant.txt" || return 0
  echo "== $variant ($(wc -l <"$SPLIT/$variant.txt") kernels)" >&2
  timeout 150 "$HERE/gpu-bench-runner" "$HERE" "$SPLIT/$variant.txt" >>"$RAW" 2>>"$DEST/gpu-runner-errors.txt"
  local status=$?
  [ "$status" -eq 0 ] || echo "runner for $variant exited with $status" | tee -a "$DEST/gpu-runner-errors.txt" >&2
}

FIRST="int4_g128_asym int8_per_channel_sym int4_g128_asym_bf16"
for variant in $FIRST; do
  run_variant "$variant"
done
echo "== baselines" >&2
PYTHONUNBUFFERED=1 timeout 240 python3 "$HERE/baselines.py" "$HERE/manifest.txt" >"$BASE" 2>>"$DEST/gpu-runner-errors.txt" ||
  echo "baselines failed or PyTorch missing (exit $?)" | tee -a "$DEST/gpu-runner-errors.txt" >&2
for variant in $(sed -E 's/_[0-9]+x[0-9]+_m[0-9]+\.so .*//' "$HERE/manifest.txt" | awk '!seen[$0]++'); do
  case " $FIRST " in *" $variant "*) continue ;; esac
  run_variant "$variant"
done

# The prompt-sized kernels (M > 16), when prepare.sh generated them, and
# their baselines (cuBLAS and PyTorch at the same M).
if [ -s "$HERE/prefill-manifest.txt" ]; then
  echo "== prefill ($(wc -l <"$HERE/prefill-manifest.txt") kernels)" >&2
  timeout 240 "$HERE/gpu-bench-runner" "$HERE" "$HERE/prefill-manifest.txt" >>"$RAW" 2>>"$DEST/gpu-runner-errors.txt" ||
    echo "runner for the prefill kernels exited with $?" | tee -a "$DEST/gpu-runner-errors.txt" >&2
  PYTHONUNBUFFERED=1 timeout 240 python3 "$HERE/baselines.py" "$HERE/prefill-manifest.txt" >>"$BASE" 2>>"$DEST/gpu-runner-errors.txt" ||
    echo "prefill baselines failed (exit $?)" | tee -a "$DEST/gpu-runner-errors.txt" >&2
fi

# The split-K sweep, when prepare.sh generated it: after everything else.
if [ -s "$HERE/sweep-manifest.txt" ]; then
  echo "== split-K sweep ($(wc -l <"$HERE/sweep-manifest.txt") kernels)" >&2
  timeout 200 "$HERE/gpu-bench-runner" "$HERE" "$HERE/sweep-manifest.txt" >"$DEST/split-k-sweep-output.md" 2>>"$DEST/gpu-runner-errors.txt" ||
    echo "runner for the split-K sweep exited with $?" | tee -a "$DEST/gpu-runner-errors.txt" >&2
  python3 "$HERE/sweep_report.py" "$DEST/split-k-sweep-output.md" >"$DEST/split-k-sweep.md"
fi

{
  echo "# GPU kernel benchmark (bench/gpu, $(date -u +%F))"
  echo
  nvidia-smi --query-gpu=name,memory.total,clocks.max.sm,driver_version --format=csv,noheader 2>/dev/null || true
  echo
  python3 "$HERE/report.py" "$RAW" "$BASE"
  echo "report exit status: $?"
  if [ -s "$DEST/split-k-sweep.md" ]; then
    echo
    cat "$DEST/split-k-sweep.md"
  fi
  if [ -s "$DEST/gpu-runner-errors.txt" ]; then
    echo
    echo "## Errors"
    echo
    sed 's/^/    /' "$DEST/gpu-runner-errors.txt"
  fi
} 2>&1 | tee "$DEST/gpu-kernels.md"
