#!/usr/bin/env bash
# Runs on the GPU machine after run.sh, from the prepared directory: Nsight
# Compute's memory counters for a few kernels (the first launch of each, the
# correctness call; clocks left as they are): DRAM bytes, L2 sectors read by
# the SMs, L1 and L2 hit rates, duration. Arguments: kernel files as named in
# manifest.txt or sweep-manifest.txt. Prints `metric (unit): value` lines.
#   build/gpu-bench/profile.sh int4_g128_asym_28672x8192_m1.so ...
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
NCU="$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)"
if [ -z "$NCU" ]; then
  echo "profile.sh: ncu not found" >&2
  exit 1
fi
METRICS=gpu__time_duration.sum,dram__bytes_read.sum,lts__t_sectors_srcunit_tex_op_read.sum,l1tex__t_sector_hit_rate.pct,lts__t_sector_hit_rate.pct
ONE="$(mktemp)"
trap 'rm -f "$ONE"' EXIT
for kernel in "$@"; do
  cat "$HERE/manifest.txt" "$HERE/sweep-manifest.txt" 2>/dev/null | grep -F "$kernel " | head -1 >"$ONE"
  [ -s "$ONE" ] || { echo "profile.sh: $kernel is in no manifest" >&2; continue; }
  echo "== $kernel"
  timeout 120 "$NCU" --clock-control none --launch-count 1 --metrics "$METRICS" --csv \
    "$HERE/gpu-bench-runner" "$HERE" "$ONE" 2>&1 |
    python3 -c 'import csv, sys
rows = [r for r in csv.reader(l for l in sys.stdin if l.startswith("\""))]
for r in rows[1:]:
    print(f"{r[-3]} ({r[-2]}): {r[-1]}")' || echo "ncu failed"
done
