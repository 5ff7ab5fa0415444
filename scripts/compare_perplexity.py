#!/usr/bin/env python3
"""Compares the mean NLL of two `wq-run --perplexity` outputs (relative)."""
import sys


def nll(path):
    for line in open(path):
        if line.startswith("mean NLL:"):
            return float(line.split(":")[1])
    raise SystemExit("%s: no 'mean NLL' line" % path)


a, b, rtol = nll(sys.argv[1]), nll(sys.argv[2]), float(sys.argv[3])
rel = abs(a - b) / abs(b)
print("mean NLL %.8f vs %.8f: relative difference %.2e (tolerance %.0e)" % (a, b, rel, rtol))
print("PASS" if rel <= rtol else "FAIL")
sys.exit(0 if rel <= rtol else 1)
