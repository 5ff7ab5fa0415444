#!/usr/bin/env python3
"""The split-K sweep's table: microseconds per call of each (kernel, shape, M)
for every split-k the sweep generated, the fastest marked, from
gpu-bench-runner's rows for the kernels `sk{S}-{variant}_{N}x{K}_m{M}.so`.

    sweep_report.py RUNNER_OUTPUT"""
import re
import sys

ROW = re.compile(r"^\|\s*sk(?P<sk>\d+)-(?P<variant>\S+?)_(?P<shape>\d+x\d+)_m(?P<m>\d+)\.so\s*\|"
                 r"[^|]*\|[^|]*\|\s*(?P<us>[-\d.]+)\s*\|[^|]*\|\s*(?P<pct>[-\d.]+)%\s*\|\s*(?P<check>\w+)")


def main():
    times, splits = {}, set()
    failed = []
    for line in open(sys.argv[1]):
        match = ROW.match(line)
        if not match:
            continue
        key = (match["variant"], match["shape"], int(match["m"]))
        sk = int(match["sk"])
        splits.add(sk)
        times.setdefault(key, {})[sk] = (float(match["us"]), float(match["pct"]))
        if match["check"] != "ok":
            failed.append(line.split("|")[1].strip())
    splits = sorted(splits)
    print("## Split-K sweep (tensor-core decode; us per call, % of copy bandwidth; * fastest)")
    print()
    print("| kernel | N x K | M | " + " | ".join(f"split-k {s}" for s in splits) + " |")
    print("|---|---|---|" + "---|" * len(splits))
    for (variant, shape, m), row in sorted(times.items()):
        best = min((us for us, _ in row.values() if us > 0), default=None)
        cells = []
        for s in splits:
            if s not in row:
                cells.append("-")
                continue
            us, pct = row[s]
            cells.append(f"{'*' if us == best else ''}{us:.1f} ({pct:.0f}%)")
        print(f"| {variant} | {shape} | {m} | " + " | ".join(cells) + " |")
    print()
    print(f"{sum(len(r) for r in times.values())} kernels, {len(failed)} failed their check"
          + (": " + ", ".join(failed) if failed else ""))


if __name__ == "__main__":
    main()
