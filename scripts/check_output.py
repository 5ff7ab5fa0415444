#!/usr/bin/env python3
"""Compares what printMemrefF32 printed with an expected .npy array.

Passes when ||got - ref|| / ||ref|| <= --rtol-norm and
max |got - ref| <= --rtol-max * max |ref|. Prints both figures.
"""
import argparse
import sys

import numpy as np

from wq_reference import parse_memref_print


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("output")
    p.add_argument("expected")
    p.add_argument("--rtol-norm", type=float, required=True)
    p.add_argument("--rtol-max", type=float, default=None)
    a = p.parse_args()
    ref = np.load(a.expected).reshape(-1)
    with open(a.output) as f:
        got = parse_memref_print(f.read())
    if got.size != ref.size:
        print("FAIL: got %d values, expected %d" % (got.size, ref.size))
        return 1
    if not np.all(np.isfinite(got)):
        print("FAIL: non-finite values in the output")
        return 1
    diff = got - ref
    rel_norm = np.linalg.norm(diff) / np.linalg.norm(ref)
    rel_max = np.abs(diff).max() / np.abs(ref).max()
    print("values=%d rel_norm=%.3e rel_max=%.3e" % (ref.size, rel_norm, rel_max))
    ok = rel_norm <= a.rtol_norm and (a.rtol_max is None or rel_max <= a.rtol_max)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
