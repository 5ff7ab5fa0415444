#!/usr/bin/env python3
"""Generates a matmul program for wq's end-to-end tests and its expected output.

Writes MLIR in upstream dialects (func, linalg, tensor, arith) with a random
weight constant, and a .npy file with the expected result computed in float64:
x times the RTN-dequantized weight (--expect rtn) or x times the fp32 weight
(--expect fp32). With --int8-activations, x is first quantized the way the CPU
kernels with activation-bits=8 do it: per block of 32 along K, scale =
max|x| / 127 and q = round-half-even(x * (127 / max|x|)), in float32.
"""
import argparse

import numpy as np

from wq_reference import rtn_dequantize


def dense(a):
    """Exact hex form of a float32 constant."""
    return 'dense<"0x%s">' % np.ascontiguousarray(a, dtype="<f4").tobytes().hex().upper()


def ttype(shape):
    return "tensor<%sxf32>" % "x".join(str(d) for d in shape)


def int8_activations(x, block=32):
    """x with each block of 32 along the last axis replaced by its int8
    quantization (dequantized, float64), computed in float32 like the kernel."""
    k = x.shape[-1]
    padded = -(-k // block) * block
    xp = np.zeros(x.shape[:-1] + (padded,), np.float32)
    xp[..., :k] = x
    xb = xp.reshape(x.shape[:-1] + (padded // block, block))
    amax = np.abs(xb).max(axis=-1, keepdims=True).astype(np.float32)
    with np.errstate(divide="ignore"):
        inverse = np.where(amax > 0, np.float32(127) / amax, np.float32(0)).astype(np.float32)
    q = np.round((xb * inverse).astype(np.float32))
    scale = (amax / np.float32(127)).astype(np.float32)
    deq = (q.astype(np.float64) * scale.astype(np.float64)).reshape(xp.shape)
    return deq[..., :k]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--op", default="matmul",
                   choices=["matmul", "matmul_nk", "matvec", "vecmat", "batch_matmul"])
    p.add_argument("--m", type=int, default=4)
    p.add_argument("--k", type=int, default=300)
    p.add_argument("--n", type=int, default=256)
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--bits", type=int, default=4)
    p.add_argument("--group-size", type=int, default=32)
    p.add_argument("--symmetric", action="store_true")
    p.add_argument("--scale-type", default="f16")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--weights", default="uniform", choices=["uniform", "gaussian"])
    p.add_argument("--resource", action="store_true",
                   help="carry the weight as a dense_resource blob")
    p.add_argument("--nonzero-init", action="store_true",
                   help="accumulate into a non-zero init tensor")
    p.add_argument("--expect", default="rtn", choices=["rtn", "fp32"])
    p.add_argument("--calls", type=int, default=1,
                   help="call the layer on this many different inputs")
    p.add_argument("--name", default=None,
                   help="name the weight constant (location) for calibration")
    p.add_argument("--x-out", default=None, help="save the inputs [calls, ...] (.npy)")
    p.add_argument("--weights-out", default=None,
                   help="save the logical weight [N, K] as NAME in a safetensors file")
    p.add_argument("--int8-activations", action="store_true",
                   help="expect int8 activations per 32 (activation-bits=8)")
    p.add_argument("--mlir", required=True)
    p.add_argument("--expected", required=True)
    a = p.parse_args()

    rng = np.random.default_rng(a.seed)
    m, k, n, b = a.m, a.k, a.n, a.batch
    batched = a.op == "batch_matmul"
    wshape = (b, n, k) if batched else (n, k)  # logical nn.Linear layout
    if a.weights == "gaussian":
        w = rng.standard_normal(wshape).astype(np.float32)
    else:
        w = rng.uniform(-1, 1, wshape).astype(np.float32)
    if a.op in ("matvec", "vecmat"):
        m = 1
    xshape = (b, m, k) if batched else (m, k)
    xs = rng.standard_normal((a.calls,) + xshape).astype(np.float32)
    x = xs[0]
    init = rng.standard_normal(xshape[:-1] + (n,)).astype(np.float32) if a.nonzero_init else None

    if a.expect == "rtn":
        if batched:
            wref = np.stack([rtn_dequantize(w[i], a.bits, a.group_size, a.symmetric, a.scale_type)
                             for i in range(b)])
        else:
            wref = rtn_dequantize(w, a.bits, a.group_size, a.symmetric, a.scale_type)
    else:
        wref = w.astype(np.float64)
    ys = []
    for xi in xs:
        if a.int8_activations:
            xi = int8_activations(xi)
        y = np.matmul(xi.astype(np.float64), np.swapaxes(wref, -1, -2))
        if init is not None:
            y = y + init
        if a.op in ("matvec", "vecmat"):
            y = y.reshape(n)
        ys.append(y)
    np.save(a.expected, np.stack(ys))
    if a.x_out:
        np.save(a.x_out, xs)
    if a.weights_out:
        from safetensors_io import save
        save(a.weights_out, {a.name or "weight": w})

    # The weight constant in the layout the op reads it in.
    if a.op == "matmul":
        wconst = w.T            # [K, N]
    elif a.op == "matmul_nk":
        wconst = w              # [N, K] through indexing_maps
    elif a.op == "matvec":
        wconst = w              # A [M=N, K]
    elif a.op == "vecmat":
        wconst = w.T            # B [K, N]
    else:
        wconst = np.swapaxes(w, 1, 2)  # [B, K, N]
    xin = x.reshape(k) if a.op in ("matvec", "vecmat") else x
    yshape = y.shape

    lines = []
    wt = ttype(wconst.shape)
    if a.resource:
        wattr = "dense_resource<weight_blob>"
    else:
        wattr = dense(wconst)
    lines.append("func.func private @printMemrefF32(tensor<*xf32>) attributes {llvm.emit_c_interface}")
    lines.append("")
    lines.append("func.func @linear(%%x: %s) -> %s {" % (ttype(xin.shape), ttype(yshape)))
    lines.append("  %%w = arith.constant %s : %s%s" % (
        wattr, wt, ' loc("%s")' % a.name if a.name else ""))
    if init is not None:
        lines.append("  %%init = arith.constant %s : %s" % (dense(init), ttype(yshape)))
    else:
        lines.append("  %cst = arith.constant 0.0 : f32")
        lines.append("  %%e = tensor.empty() : %s" % ttype(yshape))
        lines.append("  %%init = linalg.fill ins(%%cst : f32) outs(%%e : %s) -> %s"
                     % (ttype(yshape), ttype(yshape)))
    yt = ttype(yshape)
    if a.op == "matmul":
        lines.append("  %%y = linalg.matmul ins(%%x, %%w : %s, %s) outs(%%init : %s) -> %s"
                     % (ttype(xin.shape), wt, yt, yt))
    elif a.op == "matmul_nk":
        lines.append("  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
                     "affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]")
        lines.append("         ins(%%x, %%w : %s, %s) outs(%%init : %s) -> %s"
                     % (ttype(xin.shape), wt, yt, yt))
    elif a.op == "matvec":
        lines.append("  %%y = linalg.matvec ins(%%w, %%x : %s, %s) outs(%%init : %s) -> %s"
                     % (wt, ttype(xin.shape), yt, yt))
    elif a.op == "vecmat":
        lines.append("  %%y = linalg.vecmat ins(%%x, %%w : %s, %s) outs(%%init : %s) -> %s"
                     % (ttype(xin.shape), wt, yt, yt))
    else:
        lines.append("  %%y = linalg.batch_matmul ins(%%x, %%w : %s, %s) outs(%%init : %s) -> %s"
                     % (ttype(xin.shape), wt, yt, yt))
    lines.append("  return %%y : %s" % yt)
    lines.append("}")
    lines.append("")
    lines.append("func.func @main() {")
    for i, xi in enumerate(xs):
        xi = xi.reshape(k) if a.op in ("matvec", "vecmat") else xi
        lines.append("  %%x%d = arith.constant %s : %s" % (i, dense(xi), ttype(xin.shape)))
        lines.append("  %%y%d = call @linear(%%x%d) : (%s) -> %s" % (i, i, ttype(xin.shape), yt))
        lines.append("  %%u%d = tensor.cast %%y%d : %s to tensor<*xf32>" % (i, i, yt))
        lines.append("  call @printMemrefF32(%%u%d) : (tensor<*xf32>) -> ()" % i)
    lines.append("  return")
    lines.append("}")
    if a.resource:
        blob = "04000000" + np.ascontiguousarray(wconst, dtype="<f4").tobytes().hex().upper()
        lines.append("")
        lines.append("{-#")
        lines.append("  dialect_resources: {")
        lines.append("    builtin: {")
        lines.append('      weight_blob: "0x%s"' % blob)
        lines.append("    }")
        lines.append("  }")
        lines.append("#-}")
    with open(a.mlir, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
