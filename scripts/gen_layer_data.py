#!/usr/bin/env python3
"""Writes random linear weights and calibration activations as safetensors.

Weights "layers.{i}.weight" [N, K] (Gaussian, fixed seed); calibration
"layers.{i}.weight.calib_input" [tokens, K]: correlated activations with a
fraction of input channels much larger than the rest (as in LLMs).
"""
import argparse

import numpy as np

from safetensors_io import save


def activations(rng, tokens, k, outlier_fraction=0.01, outlier_scale=20.0):
    mix = rng.standard_normal((k, k)).astype(np.float32) / np.sqrt(k)
    mix += np.eye(k, dtype=np.float32)
    x = rng.standard_normal((tokens, k)).astype(np.float32) @ mix
    count = max(1, int(round(outlier_fraction * k)))
    channels = rng.choice(k, size=count, replace=False)
    x[:, channels] *= outlier_scale
    return x.astype(np.float32)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--shapes", default="64x96", help="NxK,NxK,...")
    p.add_argument("--tokens", type=int, default=512)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dtype", default="f32", choices=["f32", "f16"])
    p.add_argument("--weights", required=True)
    p.add_argument("--calib", required=True)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    weights, calib = {}, {}
    for i, shape in enumerate(a.shapes.split(",")):
        n, k = (int(v) for v in shape.split("x"))
        w = rng.standard_normal((n, k)).astype(np.float32) * 0.05
        weights["layers.%d.weight" % i] = w.astype(np.float16) if a.dtype == "f16" else w
        calib["layers.%d.weight.calib_input" % i] = activations(rng, a.tokens, k)
    weights["norm.weight"] = np.ones(8, dtype=np.float32)  # a non-linear tensor
    save(a.weights, weights)
    save(a.calib, calib)


if __name__ == "__main__":
    main()
