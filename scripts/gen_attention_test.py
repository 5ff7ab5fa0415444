#!/usr/bin/env python3
"""Writes an MLIR test of `wq.attention` (its linalg form on the CPU) and the
float64 reference of its result as .npy.

    gen_attention_test.py --rows M --heads H --kv-heads G --head-size D
        --layers L --positions T --start S [--start-in-tensor] --seed N
        --mlir OUT.mlir --expected OUT.npy

Random normal queries and caches (fixed seed); query row r at position
S + r sees positions 0 .. S + r of the caches' last layer. @main prints the
result with printMemrefF32, which check_output.py compares with the
reference.
"""
import argparse

import numpy as np

from gen_matmul_test import dense, ttype


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("rows", "heads", "kv-heads", "head-size", "layers", "positions", "start",
                 "seed"):
        p.add_argument("--" + name, type=int, required=True)
    p.add_argument("--start-in-tensor", action="store_true")
    p.add_argument("--mlir", required=True)
    p.add_argument("--expected", required=True)
    a = p.parse_args()
    if a.start + a.rows > a.positions:
        p.error("the caches must hold positions up to start + rows - 1")
    rng = np.random.default_rng(a.seed)
    hs, group = a.head_size, a.heads // a.kv_heads
    q = rng.standard_normal((a.rows, a.heads * hs)).astype(np.float32)
    caches = rng.standard_normal((2, a.layers, a.positions, a.kv_heads * hs)).astype(np.float32)
    layer = a.layers - 1
    keys, values = caches[0, layer].astype(np.float64), caches[1, layer].astype(np.float64)
    out = np.zeros((a.rows, a.heads * hs))
    for r in range(a.rows):
        visible = a.start + r + 1
        for h in range(a.heads):
            kv = slice((h // group) * hs, (h // group + 1) * hs)
            scores = keys[:visible, kv] @ q[r, h * hs:(h + 1) * hs].astype(np.float64)
            scores /= np.sqrt(hs)
            weights = np.exp(scores - scores.max())
            out[r, h * hs:(h + 1) * hs] = weights @ values[:visible, kv] / weights.sum()
    np.save(a.expected, out)

    qt = ttype(q.shape)
    ct = "%dx%dx%dxf32" % caches.shape[1:]
    start_type = "tensor<1xi32>" if a.start_in_tensor else "index"
    lines = [
        "func.func private @printMemrefF32(tensor<*xf32>) attributes {llvm.emit_c_interface}",
        "",
        "func.func @attend(%%q: %s, %%k: memref<%s>, %%v: memref<%s>, %%layer: index, "
        "%%start: %s) -> %s {" % (qt, ct, ct, start_type, qt),
        "  %%o = wq.attention %%q, %%k, %%v layer %%layer start %%start "
        "{heads = %d : i64, kv_heads = %d : i64} : %s, memref<%s>, %s"
        % (a.heads, a.kv_heads, qt, ct, start_type),
        "  return %%o : %s" % qt,
        "}",
        "",
        "func.func @main() {",
        "  %%q = arith.constant %s : %s" % (dense(q), qt),
        "  %%kt = arith.constant %s : tensor<%s>" % (dense(caches[0]), ct),
        "  %%vt = arith.constant %s : tensor<%s>" % (dense(caches[1]), ct),
        "  %%k = bufferization.to_buffer %%kt read_only : tensor<%s> to memref<%s>" % (ct, ct),
        "  %%v = bufferization.to_buffer %%vt read_only : tensor<%s> to memref<%s>" % (ct, ct),
        "  %%layer = arith.constant %d : index" % layer,
    ]
    if a.start_in_tensor:
        lines.append("  %%start = arith.constant dense<%d> : tensor<1xi32>" % a.start)
    else:
        lines.append("  %%start = arith.constant %d : index" % a.start)
    lines += [
        "  %%o = call @attend(%%q, %%k, %%v, %%layer, %%start) : (%s, memref<%s>, memref<%s>, "
        "index, %s) -> %s" % (qt, ct, ct, start_type, qt),
        "  %%u = tensor.cast %%o : %s to tensor<*xf32>" % qt,
        "  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()",
        "  return",
        "}",
    ]
    with open(a.mlir, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
