#!/usr/bin/env bash
# Installs what wq needs on Debian 12 (as root) and configures + builds it into
# build/. Idempotent: installs only missing packages and rebuilds only what
# changed. Sourced by scripts/test.sh and scripts/demo.sh.
set -euo pipefail

WQ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# WQ_SANITIZE=1: the AddressSanitizer + UndefinedBehaviorSanitizer build
# (clang-22, coverage-instrumented so that the same build links the libFuzzer
# harnesses of fuzz/) in its own folder, build-sanitize/.
WQ_SANITIZE="${WQ_SANITIZE:-0}"
if [ "$WQ_SANITIZE" = 1 ]; then
  WQ_BUILD="${WQ_BUILD:-$WQ_ROOT/build-sanitize}"
else
  WQ_BUILD="${WQ_BUILD:-$WQ_ROOT/build}"
fi
LLVM_PREFIX=/usr/lib/llvm-22

WQ_PACKAGES=(cmake ninja-build g++ libmlir-22-dev mlir-22-tools llvm-22-dev
             llvm-22-tools libgtest-dev libopenblas-dev liblapacke-dev libomp-22-dev python3 python3-numpy
             python3-pip python3-yaml libpcre2-dev pkg-config
             clang-22 libclang-rt-22-dev libfuzzer-22-dev)
# clang-22 and libFuzzer build the fuzzing harnesses (scripts/fuzz.sh), whose
# regression inputs scripts/test.sh replays under ASan and UBSan.
# The `gguf` Python package (llama.cpp's reference reader/writer; imports
# numpy and yaml) for the GGUF reader's lit tests, installed into the build
# folder for Debian's /usr/bin/python3, never system-wide.
WQ_GGUF_PY_VERSION=0.19.0

wq_install_packages() {
  local missing=()
  for pkg in "${WQ_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "wq: installing ${missing[*]}" >&2
    if [ "$(id -u)" -ne 0 ]; then
      echo "wq: missing packages and not root; install them: ${missing[*]}" >&2
      return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

wq_install_python_packages() {
  local target="$WQ_BUILD/python" stamp="$WQ_BUILD/python/.gguf-$WQ_GGUF_PY_VERSION"
  [ -f "$stamp" ] && return 0
  echo "wq: installing gguf==$WQ_GGUF_PY_VERSION into $target" >&2
  rm -rf "$target"
  if /usr/bin/python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps \
      --target "$target" "gguf==$WQ_GGUF_PY_VERSION" >&2; then
    touch "$stamp"
  else
    echo "wq: could not install gguf (the GGUF reference tests will fail)" >&2
  fi
}

wq_build() {
  if [ ! -f "$WQ_BUILD/build.ninja" ]; then
    local extra=()
    if [ "$WQ_SANITIZE" = 1 ]; then
      # -O1: sanitizer reports stay precise and the build takes half as long
      # as -O3. UBSan stops at the first report (-fno-sanitize-recover); vptr
      # and function need RTTI, which LLVM is built without.
      extra=(-DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22
             "-DCMAKE_C_FLAGS_RELEASE=-O1 -DNDEBUG"
             "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG"
             "-DLLVM_USE_SANITIZER=Address;Undefined"
             "-DLLVM_UBSAN_FLAGS=-fsanitize=undefined -fno-sanitize=vptr,function -fno-sanitize-recover=undefined"
             -DLLVM_USE_SANITIZE_COVERAGE=ON)
    fi
    cmake -S "$WQ_ROOT" -B "$WQ_BUILD" -G Ninja \
      -DCMAKE_BUILD_TYPE=Release \
      -DMLIR_DIR="$LLVM_PREFIX/lib/cmake/mlir" \
      -DLLVM_DIR="$LLVM_PREFIX/lib/cmake/llvm" "${extra[@]}" >&2
  fi
  cmake --build "$WQ_BUILD" -j2 >&2
}

wq_install_packages
wq_install_python_packages
wq_build
