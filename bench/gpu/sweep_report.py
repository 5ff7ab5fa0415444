#!/usr/bin/env python3
"""The tensor-core decode sweeps' tables: microseconds per call of each
(kernel, shape, M) for every value of a knob the sweep generated, the fastest
marked, from gpu-bench-runner's rows for the kernels
`sk{S}-{variant}_{N}x{K}_m{M}.so` (split-k S), `cb{C}-...` (C tile columns
per block) and `rw{R}-...` (compiled for R resident warps per SM).

    sweep_report.py RUNNER_OUTPUT"""
import re
import sys

ROW = re.compile(r"^\|\s*(?P<knob>sk|cb|rw)(?P<value>\d+)-(?P<variant>\S+?)_(?P<shape>\d+x\d+)_m(?P<m>\d+)\.so\s*\|"
                 r"[^|]*\|[^|]*\|\s*(?P<us>[-\d.]+)\s*\|[^|]*\|\s*(?P<pct>[-\d.]+)%\s*\|\s*(?P<check>\w+)")
KNOBS = {"sk": "split-k", "cb": "columns per block", "rw": "resident warps"}


def table(knob, times, values):
    name = KNOBS[knob]
    print(f"## Sweep of {name} (tensor-core decode; us per call, % of copy bandwidth; * fastest)")
    print()
    print("| kernel | N x K | M | " + " | ".join(f"{name} {v}" for v in values) + " |")
    print("|---|---|---|" + "---|" * len(values))
    for (variant, shape, m), row in sorted(times.items()):
        best = min((us for us, _ in row.values() if us > 0), default=None)
        cells = []
        for v in values:
            if v not in row:
                cells.append("-")
                continue
            us, pct = row[v]
            cells.append(f"{'*' if us == best else ''}{us:.1f} ({pct:.0f}%)")
        print(f"| {variant} | {shape} | {m} | " + " | ".join(cells) + " |")
    print()


def main():
    times, values = {}, {}
    failed, count = [], 0
    for line in open(sys.argv[1]):
        match = ROW.match(line)
        if not match:
            continue
        knob, value = match["knob"], int(match["value"])
        key = (match["variant"], match["shape"], int(match["m"]))
        values.setdefault(knob, set()).add(value)
        times.setdefault(knob, {}).setdefault(key, {})[value] = (float(match["us"]), float(match["pct"]))
        count += 1
        if match["check"] != "ok":
            failed.append(line.split("|")[1].strip())
    for knob in ("sk", "cb", "rw"):
        if knob in times:
            table(knob, times[knob], sorted(values[knob]))
    print(f"{count} kernels, {len(failed)} failed their check"
          + (": " + ", ".join(failed) if failed else ""))


if __name__ == "__main__":
    main()
