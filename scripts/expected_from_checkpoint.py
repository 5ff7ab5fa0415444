#!/usr/bin/env python3
"""Expected outputs of a linear layer whose weight comes from a checkpoint.

Reads the dequantized weight NAME [N, K] (wq-quantize --dequantize output) and
inputs [calls, M, K] (.npy), writes x @ W^T in float64 for each call (.npy).
"""
import argparse

import numpy as np

from safetensors_io import load


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("dequantized")
    p.add_argument("inputs")
    p.add_argument("--name", required=True)
    p.add_argument("-o", required=True)
    a = p.parse_args()
    tensors, _ = load(a.dequantized)
    w = tensors[a.name].astype(np.float64)
    xs = np.load(a.inputs).astype(np.float64)
    np.save(a.o, np.stack([x @ w.T for x in xs]))


if __name__ == "__main__":
    main()
