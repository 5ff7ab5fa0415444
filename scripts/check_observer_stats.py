#!/usr/bin/env python3
"""Checks statistics written by wq's observer runtime against the inputs.

H must equal 2 X^T X / calls over all activation rows (GPTQ's running
average with one sample per call) and channel_mean_abs the mean |x|, to
--rtol (relative to the largest entry).
"""
import argparse
import sys

import numpy as np

from safetensors_io import load


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("stats")
    p.add_argument("inputs", help=".npy [calls, ..., K]")
    p.add_argument("--name", required=True)
    p.add_argument("--rtol", type=float, default=1e-5)
    a = p.parse_args()
    tensors, meta = load(a.stats)
    xs = np.load(a.inputs).astype(np.float64)
    calls, k = xs.shape[0], xs.shape[-1]
    rows = xs.reshape(-1, k)
    h_ref = 2.0 * rows.T @ rows / calls
    m_ref = np.abs(rows).mean(axis=0)
    h = tensors[a.name + ".hessian"].astype(np.float64)
    m = tensors[a.name + ".channel_mean_abs"].astype(np.float64)
    h_err = np.abs(h - h_ref).max() / np.abs(h_ref).max()
    m_err = np.abs(m - m_ref).max() / np.abs(m_ref).max()
    print("%s: tokens %s samples %s hessian rel err %.2e mean|x| rel err %.2e"
          % (a.name, meta.get(a.name + ".tokens"), meta.get(a.name + ".samples"),
             h_err, m_err))
    ok = h_err <= a.rtol and m_err <= a.rtol
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
