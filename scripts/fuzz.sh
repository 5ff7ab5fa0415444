#!/usr/bin/env bash
# Runs wq's libFuzzer harnesses (fuzz/*.cpp). They are built by the sanitized
# build (scripts/setup.sh with WQ_SANITIZE=1: clang-22, AddressSanitizer,
# UndefinedBehaviorSanitizer and coverage over all of wq, in build-sanitize/),
# so each harness calls the same library code as the tools. Each target runs
# for SECONDS (default 60) on a corpus seeded from the regression inputs, the
# test inputs of its format and the shared models' headers, with the format's
# dictionary (fuzz/dict). Crashes are written to
# build-sanitize/fuzz/crashes/<target>/; minimize one with
# `build-sanitize/bin/<target> -minimize_crash=1 -runs=10000 FILE` and commit
# it under test/fuzz-regressions/<target>/ with the fix.
#   scripts/fuzz.sh [--record] [SECONDS] [TARGET...]
#   scripts/fuzz.sh --replay [TARGET...]      (every regression input once)
# --record appends each run's figures (CPU seconds, executions, coverage,
# crashes) to bench/results/fuzz-ledger.tsv, which
# scripts/reliability_report.py sums into bench/results/reliability.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED_MODELS="$(cd "${SHARED_MODELS:-$ROOT/../shared/models}" 2>/dev/null && pwd || echo "$ROOT/../shared/models")"
export WQ_FUZZ_GGUF="${WQ_FUZZ_GGUF:-$SHARED_MODELS/SmolLM2-135M-Instruct.Q4_1.gguf}"

replay=0
record=0
seconds=60
while [ $# -gt 0 ]; do
  case "$1" in
    --replay) replay=1; shift ;;
    --record) record=1; shift ;;
    *) break ;;
  esac
done
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then seconds="$1"; shift; fi
targets=("$@")
if [ ${#targets[@]} = 0 ]; then
  for f in "$ROOT"/fuzz/Fuzz*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi

# Builds build-sanitize/, harnesses included.
WQ_SANITIZE=1 source "$ROOT/scripts/setup.sh"
BIN="$WQ_BUILD/bin"
OUT="$WQ_BUILD/fuzz"
mkdir -p "$OUT"
source "$ROOT/scripts/sanitizer-options.sh"

dictionary() {
  case "$1" in
    FuzzGguf) echo "$ROOT/fuzz/dict/gguf.dict" ;;
    FuzzSafetensors|FuzzConfig|FuzzHfDirectory) echo "$ROOT/fuzz/dict/json.dict" ;;
    FuzzDialect) echo "$ROOT/fuzz/dict/mlir.dict" ;;
  esac
}

# Seeds: the regression inputs, the test inputs of the target's format and
# the first 64 KB of the shared models (headers, metadata, tables).
seed() {
  local target="$1" corpus="$OUT/corpus/$1"
  mkdir -p "$corpus"
  [ -d "$ROOT/test/fuzz-regressions/$target" ] && cp "$ROOT/test/fuzz-regressions/$target"/* "$corpus/" 2>/dev/null || true
  case "$target" in
    FuzzGguf) [ -e "$SHARED_MODELS/SmolLM2-135M-Instruct.Q4_1.gguf" ] &&
        head -c 65536 "$SHARED_MODELS/SmolLM2-135M-Instruct.Q4_1.gguf" >"$corpus/smollm2-head" ;;
    FuzzLlama2c) for m in stories260K.bin tok512.bin stories260K-q8.bin; do
        [ -e "$SHARED_MODELS/$m" ] && head -c 65536 "$SHARED_MODELS/$m" >"$corpus/$m-head"; done ;;
    FuzzConfig) printf '%s' '{"dim": 64, "hidden_dim": 172, "n_layers": 5, "n_heads": 8, "n_kv_heads": 4, "vocab_size": 512, "seq_len": 512}' >"$corpus/config" ;;
    FuzzBpeEncode) printf 'Hello world! 123 <|im_start|>user\n\xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80' >"$corpus/text" ;;
    FuzzSafetensors) printf '\x3c\x00\x00\x00\x00\x00\x00\x00{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}    ' >"$corpus/small"
        printf '\x00\x00\x80\x3f\x00\x00\x00\x40\x00\x00\x40\x40\x00\x00\x80\x40' >>"$corpus/small" ;;
    FuzzHfDirectory) [ -e "$corpus/hf-wq" ] ||
        /usr/bin/python3 "$ROOT/fuzz/make_seeds.py" hf "$corpus" --bin "$BIN" ;;
    FuzzDialect) [ -e "$corpus/round-trip-0" ] ||
        /usr/bin/python3 "$ROOT/fuzz/make_seeds.py" mlir "$corpus" \
          "$ROOT"/test/Dialect/WQ/*.mlir "$ROOT"/test/Transforms/*.mlir ;;
  esac
  true
}

status=0
for target in "${targets[@]}"; do
  mkdir -p "$OUT/crashes/$target"
  if [ "$replay" = 1 ]; then
    dir="$ROOT/test/fuzz-regressions/$target"
    [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ] || continue
    echo "== $target: replaying $(ls "$dir" | wc -l) regression input(s)"
    (cd "$OUT" && TMPDIR="$OUT" "$BIN/$target" -runs=1 "$dir"/* >"$OUT/$target.replay.log" 2>&1) ||
      { status=1; tail -30 "$OUT/$target.replay.log"; }
    continue
  fi
  seed "$target"
  dict="$(dictionary "$target")"
  before=$(ls "$OUT/crashes/$target" | wc -l)
  echo "== $target: fuzzing for $seconds s"
  (cd "$OUT" && TMPDIR="$OUT" "$BIN/$target" -max_total_time="$seconds" -max_len=65536 -timeout=20 -rss_limit_mb=4096 \
      ${dict:+-dict="$dict"} -artifact_prefix="$OUT/crashes/$target/" -print_final_stats=1 "$OUT/corpus/$target" \
      >"$OUT/$target.log" 2>&1) || status=1
  execs=$(grep -Eo "^stat::number_of_executed_units: *[0-9]+" "$OUT/$target.log" | grep -Eo '[0-9]+$' || echo 0)
  cov=$(grep -Eo "cov: [0-9]+" "$OUT/$target.log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  crashes=$(( $(ls "$OUT/crashes/$target" | wc -l) - before ))
  # CPU seconds fuzzed: libFuzzer's "Done N runs in S second(s)", or, when a
  # crash ended the run early, executions / average executions per second.
  fuzzed=$(grep -Eo "^Done [0-9]+ runs in [0-9]+ second" "$OUT/$target.log" | grep -Eo '[0-9]+ second' | grep -Eo '[0-9]+' || true)
  if [ -z "$fuzzed" ]; then
    rate=$(grep -Eo "^stat::average_exec_per_sec: *[0-9]+" "$OUT/$target.log" | grep -Eo '[0-9]+$' || echo 0)
    fuzzed=$(( rate > 0 ? execs / rate : 1 ))
  fi
  echo "   $fuzzed s, executions $execs, coverage $cov edges, new crashes $crashes"
  ls "$OUT/crashes/$target" | sed "s|^|  crash: $OUT/crashes/$target/|" || true
  if [ "$record" = 1 ]; then
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$target" "$fuzzed" \
      "$execs" "$cov" "$crashes" >>"$ROOT/bench/results/fuzz-ledger.tsv"
  fi
done
exit $status
