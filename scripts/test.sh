#!/usr/bin/env bash
# Installs missing packages, builds, and runs every lit test and unit test.
# Usage: scripts/test.sh   (as root on Debian 12; idempotent)
set -euo pipefail
source "$(dirname "$0")/setup.sh"

status=0
echo "== lit tests (test/)"
lit_log="$WQ_BUILD/lit.log"
"$LLVM_PREFIX/bin/lit" -sv "$WQ_BUILD/test" 2>&1 | tee "$lit_log" || status=1

echo "== unit tests (unittests/)"
ctest_log="$WQ_BUILD/ctest.log"
(cd "$WQ_BUILD" && ctest --output-on-failure) 2>&1 | tee "$ctest_log" || status=1

echo "== out-of-tree example (examples/wq-plugin-example) against a fresh install"
example_log="$WQ_BUILD/example.log"
(
  set -e
  rm -rf "$WQ_BUILD/install"
  cmake --install "$WQ_BUILD" --prefix "$WQ_BUILD/install" >/dev/null
  cmake -S "$WQ_ROOT/examples/wq-plugin-example" -B "$WQ_BUILD/example" -G Ninja \
    -DWQ_DIR="$WQ_BUILD/install/lib/cmake/wq" >/dev/null
  cmake --build "$WQ_BUILD/example" -j2 >/dev/null
  cmake --build "$WQ_BUILD/example" --target check-wq-example
) 2>&1 | tee "$example_log" || status=1

echo "== fuzz regressions (test/fuzz-regressions, scripts/fuzz.sh --replay: ASan + UBSan)"
fuzz_log="$WQ_BUILD/fuzz-replay.log"
fuzz_passed=0; fuzz_failed=0; fuzz_skipped=0
fuzz_inputs=$(find "$WQ_ROOT/test/fuzz-regressions" -type f | wc -l)
if WQ_FUZZ_BUILD="$WQ_BUILD/fuzz" bash "$WQ_ROOT/scripts/fuzz.sh" --replay >"$fuzz_log" 2>&1; then
  fuzz_passed=$fuzz_inputs
elif ! command -v clang++-22 >/dev/null; then
  fuzz_skipped=$fuzz_inputs  # no clang-22 to build the harnesses with
  echo "fuzz regressions skipped: clang-22 could not be installed"
else
  fuzz_failed=1
  tail -40 "$fuzz_log"
fi
grep -E "^== " "$fuzz_log" || true

count() { grep -Eo "$1 *: *[0-9]+" "$2" | grep -Eo '[0-9]+$' | tail -1 || true; }
lit_passed=$(count "Passed" "$lit_log"); lit_passed=${lit_passed:-0}
lit_failed=$(( $(count "Failed" "$lit_log") + 0 ))
lit_skipped=$(( $(count "Unsupported" "$lit_log") + 0 ))
unit_total=$(grep -Eo 'out of [0-9]+' "$ctest_log" | grep -Eo '[0-9]+' | tail -1)
unit_failed=$(grep -Eo '[0-9]+ tests failed' "$ctest_log" | grep -Eo '^[0-9]+' | tail -1)
unit_total=${unit_total:-0}; unit_failed=${unit_failed:-0}
example_passed=$(count "Passed" "$example_log"); example_passed=${example_passed:-0}
example_failed=$(( $(count "Failed" "$example_log") + 0 ))
if [ "$example_passed" -eq 0 ] && [ "$example_failed" -eq 0 ]; then
  example_failed=1  # the example did not build or ran no test
fi
passed=$(( lit_passed + unit_total - unit_failed + example_passed + fuzz_passed ))
failed=$(( lit_failed + unit_failed + example_failed + fuzz_failed ))
lit_skipped=$(( lit_skipped + fuzz_skipped ))
[ "$failed" -eq 0 ] || status=1
echo
if [ "$lit_skipped" -gt 0 ]; then
  echo "wq: $passed passed, $failed failed, $lit_skipped skipped"
else
  echo "wq: $passed passed, $failed failed"
fi
exit $status
