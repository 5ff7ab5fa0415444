#!/usr/bin/env python3
"""Prints the demo's fp32 vs quantized results, error and weight bytes."""
import re
import sys

import numpy as np

from wq_reference import parse_memref_print


ELEMENT_BYTES = {"f32": 4, "f16": 2, "bf16": 2, "i8": 1, "i32": 4}


def tensor_bytes(spec):
    """Bytes of a static tensor type body like '256x10x16xi8'."""
    *dims, element = spec.split("x")
    count = 1
    for d in dims:
        count *= int(d)
    return count * ELEMENT_BYTES[element]


def weight_bytes(original, quantized):
    """Float weight bytes of the linear ops, and wq storage bytes after."""
    before = sum(tensor_bytes(m) for m in re.findall(
        r"%w = arith.constant .*: tensor<([0-9x]+x(?:f32|f16|bf16))>", original))
    after = 0
    for signature in re.findall(r"wq\.matmul .*: \(([^)]*)\)", quantized):
        operands = re.findall(r"tensor<([^>]+)>", signature)
        after += sum(tensor_bytes(t) for t in operands[1:])  # skip activations
    return before, after


def main():
    work = sys.argv[1]
    fp32 = parse_memref_print(open(work + "/fp32.out").read())
    quant = parse_memref_print(open(work + "/quant.out").read())
    exact = np.load(work + "/fp64.npy").reshape(-1)
    print()
    print("%-8s %14s %14s %12s" % ("y[i]", "fp32", "quantized", "abs error"))
    for i in list(range(6)) + [fp32.size - 1]:
        print("%-8d %14.6f %14.6f %12.3e" % (i, fp32[i], quant[i], abs(fp32[i] - quant[i])))
    rel = np.linalg.norm(quant - fp32) / np.linalg.norm(fp32)
    print()
    print("relative error (norm), quantized vs fp32:   %.3e" % rel)
    print("relative error (norm), fp32 run vs float64: %.3e" %
          (np.linalg.norm(fp32 - exact) / np.linalg.norm(exact)))
    before, after = weight_bytes(open(work + "/matmul.mlir").read(),
                                 open(work + "/quantized.mlir").read())
    print("weight bytes: fp32 %d -> quantized %d (packed + scales + zero points):"
          " %.2fx smaller, %.2f bits per weight" % (before, after, before / after,
                                                   8.0 * after / (before / 4)))


if __name__ == "__main__":
    main()
