#!/usr/bin/env bash
# Builds wq's libFuzzer harnesses (fuzz/*.cpp) with clang, AddressSanitizer
# and UndefinedBehaviorSanitizer in their own folder (build-fuzz/), over the
# reader and numerics sources themselves (lib/Formats, lib/Numerics and the
# MLIR-free model readers of lib/Model; LLVM Support, PCRE2 and OpenBLAS are
# linked uninstrumented), then runs each for SECONDS (default 60) on a corpus
# seeded from the test inputs and the shared models' headers. Crashes are
# written to build-fuzz/crashes/<target>/ (minimize one with
# `build-fuzz/<target> -minimize_crash=1 FILE`; commit it under
# test/fuzz-regressions/<target>/ once fixed).
#   scripts/fuzz.sh [SECONDS] [TARGET...]      (targets: fuzz/Fuzz*.cpp names)
#   scripts/fuzz.sh --replay                   (every regression input once)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${WQ_FUZZ_BUILD:-$ROOT/build-fuzz}"
LLVM_PREFIX="${LLVM_PREFIX:-/usr/lib/llvm-22}"
CXX="${FUZZ_CXX:-clang++-22}"
SHARED_MODELS="$(cd "${SHARED_MODELS:-$ROOT/../shared/models}" 2>/dev/null && pwd || echo "$ROOT/../shared/models")"
export WQ_FUZZ_GGUF="${WQ_FUZZ_GGUF:-$SHARED_MODELS/SmolLM2-135M-Instruct.Q4_1.gguf}"

if ! command -v "$CXX" >/dev/null ||
    ! ls "$LLVM_PREFIX"/lib/clang/22/lib/*/libclang_rt.fuzzer*.a >/dev/null 2>&1; then
  echo "fuzz.sh: installing clang-22 and libFuzzer" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get install -y clang-22 libclang-rt-22-dev libfuzzer-22-dev >/dev/null
fi

replay=0
seconds=60
if [ "${1:-}" = --replay ]; then replay=1; shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then seconds="$1"; shift; fi
targets=("$@")
if [ ${#targets[@]} = 0 ]; then
  for f in "$ROOT"/fuzz/Fuzz*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi

mkdir -p "$OUT/obj"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
FLAGS="-g -O1 -std=c++17 -w -fno-omit-frame-pointer $SAN -I$ROOT/include -I$LLVM_PREFIX/include -D_GNU_SOURCE -D__STDC_CONSTANT_MACROS -D__STDC_LIMIT_MACROS"
SOURCES="lib/Formats/Safetensors.cpp lib/Formats/Checkpoint.cpp lib/Formats/Gguf.cpp lib/Formats/Json.cpp
lib/Numerics/Numerics.cpp lib/Numerics/Calibrated.cpp lib/Numerics/GpuLayout.cpp
lib/Model/Llama.cpp lib/Model/GgufModel.cpp lib/Model/BpeTokenizer.cpp lib/Model/Tokenizer.cpp lib/Model/HuggingFace.cpp"
objects=()
for src in $SOURCES; do
  obj="$OUT/obj/$(echo "$src" | tr / _).o"
  objects+=("$obj")
  extra=""; [[ "$src" == *Gguf.cpp ]] && extra="-ffp-contract=off"
  if [ ! -e "$obj" ] || [ "$ROOT/$src" -nt "$obj" ] || [ -n "$(find "$ROOT/include" -newer "$obj" -name '*.h' | head -1)" ]; then
    $CXX $FLAGS $extra -fsanitize=fuzzer-no-link -c "$ROOT/$src" -o "$obj" &
  fi
done
wait
LIBS="-L$LLVM_PREFIX/lib -Wl,-rpath,$LLVM_PREFIX/lib -lLLVM -lpcre2-8 -llapacke -lopenblas"
for target in "${targets[@]}"; do
  $CXX $FLAGS -fsanitize=fuzzer "$ROOT/fuzz/$target.cpp" "${objects[@]}" $LIBS -o "$OUT/$target"
done

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
    "$OUT/$target" -runs=1 "$dir"/* >"$OUT/$target.replay.log" 2>&1 || { status=1; tail -30 "$OUT/$target.replay.log"; }
    continue
  fi
  seed "$target"
  echo "== $target: fuzzing for $seconds s"
  (cd "$OUT" && TMPDIR="$OUT" "./$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
      -artifact_prefix="$OUT/crashes/$target/" -print_final_stats=1 "$OUT/corpus/$target" \
      >"$OUT/$target.log" 2>&1) || status=1
  grep -E "^stat::(number_of_executed_units|new_units_added)|cov: " "$OUT/$target.log" | tail -3 || true
  ls "$OUT/crashes/$target" | sed "s|^|  crash: $OUT/crashes/$target/|" || true
done
exit $status
