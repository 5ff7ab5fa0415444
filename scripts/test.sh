#!/usr/bin/env bash
# Installs missing packages, builds, and runs every lit test and unit test.
# Usage: scripts/test.sh              (as root on Debian 12; idempotent)
#        scripts/test.sh --sanitize   the AddressSanitizer + UndefinedBehavior-
#   Sanitizer build (build-sanitize/, clang-22): unit tests, the lit tests of
#   the readers, tools, dialect and passes, the fuzz regression inputs, and a
#   short fuzzing pass of every harness (WQ_FUZZ_SECONDS each, default 20).
set -euo pipefail
if [ "${1:-}" = --sanitize ]; then
  export WQ_SANITIZE=1
fi
source "$(dirname "$0")/setup.sh"

status=0
lit_suites=("$WQ_BUILD/test")
if [ "$WQ_SANITIZE" = 1 ]; then
  # Everything that reads files or runs wq's passes and tools; the CPU and GPU
  # integration suites exercise generated code (not instrumented) and
  # mlir-runner more than wq itself, and test/Plugins loads wq into
  # upstream's uninstrumented mlir-opt, which cannot host an ASan library.
  lit_suites=("$WQ_BUILD"/test/{Dialect,Formats,Models,Tools,Transforms})
  # A sanitizer report aborts (a signal, which `not` in a lit test does not
  # take for an expected failure).
  source "$WQ_ROOT/scripts/sanitizer-options.sh"
  export ASAN_OPTIONS="$ASAN_OPTIONS:abort_on_error=1"
  export UBSAN_OPTIONS="$UBSAN_OPTIONS:abort_on_error=1"
fi
echo "== lit tests (test/)"
lit_log="$WQ_BUILD/lit.log"
"$LLVM_PREFIX/bin/lit" -sv "${lit_suites[@]}" 2>&1 | tee "$lit_log" || status=1

echo "== unit tests (unittests/)"
ctest_log="$WQ_BUILD/ctest.log"
(cd "$WQ_BUILD" && ctest --output-on-failure) 2>&1 | tee "$ctest_log" || status=1

example_log="$WQ_BUILD/example.log"
fuzz_passed=0; fuzz_failed=0
if [ "$WQ_SANITIZE" = 1 ]; then
  echo "== fuzz regressions (test/fuzz-regressions) and ${WQ_FUZZ_SECONDS:-20} s of fuzzing per harness"
  fuzz_log="$WQ_BUILD/fuzz.log"
  fuzz_inputs=$(find "$WQ_ROOT/test/fuzz-regressions" -type f | wc -l)
  if bash "$WQ_ROOT/scripts/fuzz.sh" --replay >"$fuzz_log" 2>&1; then
    fuzz_passed=$fuzz_inputs
  else
    fuzz_failed=1
    tail -40 "$fuzz_log"
  fi
  harnesses=$(ls "$WQ_ROOT"/fuzz/Fuzz*.cpp | wc -l)
  if bash "$WQ_ROOT/scripts/fuzz.sh" "${WQ_FUZZ_SECONDS:-20}" >>"$fuzz_log" 2>&1; then
    fuzz_passed=$(( fuzz_passed + harnesses ))
  else
    fuzz_failed=$(( fuzz_failed + 1 ))
    tail -40 "$fuzz_log"
  fi
  grep -E "^== |^   [0-9]+ s,|crash:" "$fuzz_log" || true
  echo "Passed: 0" >"$example_log"  # the install example runs in the plain build
else
  echo "== out-of-tree example (examples/wq-plugin-example) against a fresh install"
  (
    set -e
    rm -rf "$WQ_BUILD/install"
    cmake --install "$WQ_BUILD" --prefix "$WQ_BUILD/install" >/dev/null
    cmake -S "$WQ_ROOT/examples/wq-plugin-example" -B "$WQ_BUILD/example" -G Ninja \
      -DWQ_DIR="$WQ_BUILD/install/lib/cmake/wq" >/dev/null
    cmake --build "$WQ_BUILD/example" -j2 >/dev/null
    cmake --build "$WQ_BUILD/example" --target check-wq-example
  ) 2>&1 | tee "$example_log" || status=1
fi

count() { grep -Eo "$1 *: *[0-9]+" "$2" | grep -Eo '[0-9]+$' | tail -1 || true; }
lit_passed=$(count "Passed" "$lit_log"); lit_passed=${lit_passed:-0}
lit_failed=$(( $(count "Failed" "$lit_log") + 0 ))
lit_skipped=$(( $(count "Unsupported" "$lit_log") + 0 ))
unit_total=$(grep -Eo 'out of [0-9]+' "$ctest_log" | grep -Eo '[0-9]+' | tail -1)
unit_failed=$(grep -Eo '[0-9]+ tests failed' "$ctest_log" | grep -Eo '^[0-9]+' | tail -1)
unit_total=${unit_total:-0}; unit_failed=${unit_failed:-0}
example_passed=$(count "Passed" "$example_log"); example_passed=${example_passed:-0}
example_failed=$(( $(count "Failed" "$example_log") + 0 ))
if [ "$WQ_SANITIZE" != 1 ] && [ "$example_passed" -eq 0 ] && [ "$example_failed" -eq 0 ]; then
  example_failed=1  # the example did not build or ran no test
fi
passed=$(( lit_passed + unit_total - unit_failed + example_passed + fuzz_passed ))
failed=$(( lit_failed + unit_failed + example_failed + fuzz_failed ))
[ "$failed" -eq 0 ] || status=1
label="wq"; [ "$WQ_SANITIZE" = 1 ] && label="wq (ASan + UBSan)"
echo
if [ "$lit_skipped" -gt 0 ]; then
  echo "$label: $passed passed, $failed failed, $lit_skipped skipped"
else
  echo "$label: $passed passed, $failed failed"
fi
exit $status
