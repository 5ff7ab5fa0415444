#!/usr/bin/env python3
"""Compares the float tensors two safetensors files have in common.

Passes when every common tensor (at least one) agrees within
max|a - b| <= --atol + --rtol * max|b| and, with --norm-rtol,
||a - b|| <= norm-rtol * ||b||; prints one line per tensor.
"""
import argparse
import sys

import numpy as np

from safetensors_io import load


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--rtol", type=float, default=0.0)
    p.add_argument("--atol", type=float, default=0.0)
    p.add_argument("--norm-rtol", type=float, default=None)
    a = p.parse_args()
    ta, _ = load(a.a)
    tb, _ = load(a.b)
    common = sorted(set(ta) & set(tb))
    ok = bool(common)
    for name in common:
        x = ta[name].astype(np.float64)
        y = tb[name].astype(np.float64)
        if x.shape != y.shape:
            print("%s: shapes differ %s vs %s" % (name, x.shape, y.shape))
            ok = False
            continue
        if a.norm_rtol is not None:
            ynorm = np.linalg.norm(y)
            rel = np.linalg.norm(x - y) / ynorm if ynorm > 0 else np.linalg.norm(x)
            print("%s: relative norm diff %.3e (limit %.3e)" % (name, rel, a.norm_rtol))
            ok &= rel <= a.norm_rtol
            continue
        diff = np.max(np.abs(x - y)) if x.size else 0.0
        limit = a.atol + a.rtol * (np.max(np.abs(y)) if y.size else 0.0)
        print("%s: max abs diff %.3e (limit %.3e)" % (name, diff, limit))
        ok &= diff <= limit
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
