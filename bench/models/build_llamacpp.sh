#!/usr/bin/env bash
# Builds llama.cpp's CPU tools (llama-tokenize, llama-perplexity, llama-bench,
# llama-cli / llama-simple) as the reference for wq's tokenizer and model
# runs. The source is the llama.cpp vendored in the `llama-cpp-python` source
# distribution from PyPI (pinned below). Everything lives in a cache folder
# outside the repository:
#
#   ${WQ_CACHE:-$HOME/.cache/wq}/llama.cpp/
#     llama_cpp_python-<version>.tar.gz   the sdist
#     src-<version>/                      its unpacked contents
#     build-<version>/bin/                the tools
#
# Idempotent: an existing build is reused (cmake --build only checks it).
# Prints the bin folder on stdout; progress goes to stderr.
#
#   bench/models/build_llamacpp.sh            # -> .../build-<version>/bin
#   WQ_LLAMACPP_JOBS=1 bench/models/build_llamacpp.sh
set -euo pipefail

LLAMACPP_PY_VERSION="${WQ_LLAMACPP_PY_VERSION:-0.3.16}"
CACHE="${WQ_CACHE:-$HOME/.cache/wq}/llama.cpp"
JOBS="${WQ_LLAMACPP_JOBS:-2}"
SRC="$CACHE/src-$LLAMACPP_PY_VERSION"
BUILD="$CACHE/build-$LLAMACPP_PY_VERSION"
BIN="$BUILD/bin"

log() { echo "build_llamacpp: $*" >&2; }

mkdir -p "$CACHE"

# 1. The sdist.
sdist="$(ls "$CACHE"/llama_cpp_python-"$LLAMACPP_PY_VERSION".tar.gz 2>/dev/null || true)"
if [ -z "$sdist" ]; then
  log "downloading llama-cpp-python==$LLAMACPP_PY_VERSION (sdist)"
  # (pip prepares the sdist's metadata in an isolated environment with
  # scikit-build-core; nothing is installed.)
  python3 -m pip download --quiet --disable-pip-version-check --no-deps \
    --no-binary :all: -d "$CACHE" \
    "llama-cpp-python==$LLAMACPP_PY_VERSION" >&2
  sdist="$(ls "$CACHE"/llama_cpp_python-"$LLAMACPP_PY_VERSION".tar.gz)"
fi

# 2. Unpacked (into a temporary folder first so an interrupted run is redone).
if [ ! -f "$SRC/vendor/llama.cpp/CMakeLists.txt" ]; then
  log "unpacking $sdist"
  rm -rf "$SRC" "$SRC.tmp"
  mkdir -p "$SRC.tmp"
  tar -xzf "$sdist" -C "$SRC.tmp" --strip-components=1
  mv "$SRC.tmp" "$SRC"
fi
LLAMA_SRC="$SRC/vendor/llama.cpp"

# 3. The x86 features of this host, from /proc/cpuinfo. AMX stays off: a CPU
# may report it while the OS has not granted AMX state (ggml dies by SIGILL).
flags="$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)"
has() { [[ " ${flags#*:} " == *" $1 "* ]] && echo ON || echo OFF; }
CPU_OPTS=(
  -DGGML_AVX="$(has avx)"
  -DGGML_AVX2="$(has avx2)"
  -DGGML_FMA="$(has fma)"
  -DGGML_F16C="$(has f16c)"
  -DGGML_AVX512="$(has avx512f)"
  -DGGML_AVX512_VBMI="$(has avx512_vbmi)"
  -DGGML_AVX512_VNNI="$(has avx512_vnni)"
  -DGGML_AVX512_BF16="$(has avx512_bf16)"
  -DGGML_AVX_VNNI="$(has avx_vnni)"
  -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
)

# 4. Configure once, then build the tools (a no-op when up to date).
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  log "configuring $LLAMA_SRC -> $BUILD (${CPU_OPTS[*]})"
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S "$LLAMA_SRC" -B "$BUILD" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_SHARED_LIBS=OFF \
    -DGGML_NATIVE=OFF -DGGML_CPU_ALL_VARIANTS=OFF -DGGML_BACKEND_DL=OFF \
    -DGGML_OPENMP=ON -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF \
    "${CPU_OPTS[@]}" \
    -DLLAMA_CURL=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=ON \
    -DLLAMA_BUILD_COMMON=ON >&2
fi

# Targets this version has (llama-cli may be missing in some; llama-simple
# lives under examples, llama-run under tools).
available="$(cmake --build "$BUILD" --target help 2>/dev/null || true)"
targets=()
for t in llama-tokenize llama-perplexity llama-bench llama-cli llama-run llama-simple; do
  if grep -q "^$t[: ]" <<<"$available"; then
    targets+=("$t")
  fi
done
if [ ${#targets[@]} -eq 0 ]; then
  log "no llama.cpp tool targets found in $BUILD"
  exit 1
fi
log "building ${targets[*]} with -j$JOBS"
cmake --build "$BUILD" --target "${targets[@]}" -j"$JOBS" >&2

for t in llama-tokenize llama-perplexity llama-bench; do
  [ -x "$BIN/$t" ] || { log "missing $BIN/$t"; exit 1; }
done
echo "$BIN"
