#!/usr/bin/env python3
"""Generates a wq.matmul (or wq.dequantize) program whose weight has group
offsets, w = scale * (q - zero) + offset (docs/dialect.md), and its expected
output in float64.

The stored integers, scales, zero points and offsets are random with a fixed
seed (like a GGUF Q4_1 file's: unsigned 4-bit fields, f16 scales and
minimums), written as constants: the program computes with exactly these
values, so the reference is x times the weight the definition gives, in
float64, written here from the definition (not from wq's sources). With
--int8-activations the reference quantizes x per block of 32 the way the
CPU kernels with activation-bits=8 do (gen_matmul_test.int8_activations):
the kernel is then exact against x_q times the weight.

    gen_offsets_test.py --m 3 --k 77 --n 33 --bits 4 --group-size 32 \
        [--signed] [--zero-points] [--scale-type f16|bf16|f32] [--rank1]
        [--batch B] [--flat] [--dequantize] [--int8-activations]
        --mlir OUT.mlir --expected OUT.npy
"""
import argparse

import numpy as np

from gen_matmul_test import dense, int8_activations, ttype
from wq_reference import round_scale


def hex_attr(raw, shape, element):
    return 'dense<"0x%s"> : tensor<%sx%s>' % (
        raw.hex().upper(), "x".join(str(d) for d in shape), element)


def scale_bytes(values, scale_type):
    values = np.asarray(values, dtype=np.float32)
    if scale_type == "f32":
        return values.astype("<f4").tobytes()
    if scale_type == "f16":
        return values.astype("<f2").tobytes()
    return (values.view(np.uint32) >> 16).astype("<u2").tobytes()


def pack_group(fields, bits, group_bytes):
    """A group's little-endian bit string: element e at bits [e*b, (e+1)*b)."""
    bitstring = 0
    for e, f in enumerate(fields):
        bitstring |= (int(f) & ((1 << bits) - 1)) << (e * bits)
    return bitstring.to_bytes(group_bytes, "little")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--m", type=int, default=3)
    p.add_argument("--k", type=int, default=77)
    p.add_argument("--n", type=int, default=33)
    p.add_argument("--bits", type=int, default=4)
    p.add_argument("--group-size", type=int, default=32, help="0 = per channel")
    p.add_argument("--signed", action="store_true")
    p.add_argument("--zero-points", action="store_true")
    p.add_argument("--scale-type", default="f16", choices=["f16", "bf16", "f32"])
    p.add_argument("--rank1", action="store_true", help="activations [K] (a matvec)")
    p.add_argument("--batch", type=int, default=0, help="a batched weight [B, N, K]")
    p.add_argument("--flat", action="store_true",
                   help="flat_groups: groups over the flattened weight")
    p.add_argument("--dequantize", action="store_true",
                   help="print wq.dequantize of the weight instead of a product")
    p.add_argument("--int8-activations", action="store_true")
    p.add_argument("--calls", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mlir", required=True)
    p.add_argument("--expected", required=True)
    a = p.parse_args()

    rng = np.random.default_rng(a.seed)
    m, k, n, bits = a.m, a.k, a.n, a.bits
    if a.rank1:
        m = 1
    lead = [a.batch] if a.batch else []
    rows = (a.batch or 1) * n  # groups never cross rows (except flat)
    if a.flat:
        assert not a.batch and a.group_size > 0 and (n * k) % a.group_size == 0
        row_len, rows_stored = n * k, 1
    else:
        row_len, rows_stored = k, rows
    group = a.group_size if a.group_size > 0 else row_len
    groups = -(-row_len // group)
    group_bytes = -(-group * bits // 8)
    qmin, qmax = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if a.signed else (0, (1 << bits) - 1)

    q = rng.integers(qmin, qmax + 1, size=(rows_stored, row_len))
    scales = round_scale(rng.uniform(0.005, 0.02, (rows_stored, groups)), a.scale_type)
    # Q4_1's minimum is about -8 scales; a spread around it, both signs.
    offsets = round_scale(rng.uniform(-0.15, 0.05, (rows_stored, groups)), a.scale_type)
    zeros = (rng.integers(0, qmax + 1, size=(rows_stored, groups)) if a.zero_points
             else np.zeros((rows_stored, groups), np.int64))

    # The definition, in float64.
    gidx = np.arange(row_len) // group
    w = (scales.astype(np.float64)[:, gidx] * (q - zeros[:, gidx])
         + offsets.astype(np.float64)[:, gidx])
    w = w.reshape(lead + [n, k])

    packed = bytearray()
    for r in range(rows_stored):
        for g in range(groups):
            packed += pack_group(q[r, g * group:(g + 1) * group], bits, group_bytes)
    if a.flat:
        packed_shape, group_shape = [n * k * bits // 8], [groups]
    else:
        packed_shape = lead + [n, groups, group_bytes]
        group_shape = lead + [n, groups]
    st = a.scale_type
    attrs = [("p", hex_attr(bytes(packed), packed_shape, "i8")),
             ("s", hex_attr(scale_bytes(scales, st), group_shape, st))]
    if a.zero_points:
        attrs.append(("z", hex_attr(zeros.astype(np.uint8).tobytes(), group_shape, "i8")))
    attrs.append(("o", hex_attr(scale_bytes(offsets, st), group_shape, st)))
    storage = ("i" if a.signed else "u") + str(bits)
    weight = "#wq.qweight<%s, %s, group_size = %d, scale_type = %s%s, offsets%s>" % (
        "x".join(str(d) for d in lead + [n, k]), storage, a.group_size, st,
        ", zero_points" if a.zero_points else "", ", flat_groups" if a.flat else "")
    operand_types = ["tensor<%sxi8>" % "x".join(map(str, packed_shape)),
                     "tensor<%sx%s>" % ("x".join(map(str, group_shape)), st)]
    if a.zero_points:
        operand_types.append("tensor<%sxi8>" % "x".join(map(str, group_shape)))
    operand_types.append("tensor<%sx%s>" % ("x".join(map(str, group_shape)), st))
    zp = " zero_points(%z)" if a.zero_points else ""

    lines = ["func.func private @printMemrefF32(tensor<*xf32>) attributes {llvm.emit_c_interface}", ""]
    outs = []
    if a.dequantize:
        wt = ttype(lead + [n, k])
        lines.append("func.func @weight() -> %s {" % wt)
        for name, attr in attrs:
            lines.append("  %%%s = arith.constant %s" % (name, attr))
        lines.append("  %%w = wq.dequantize %%p, %%s%s offsets(%%o) {weight = %s} : (%s) -> %s"
                     % (zp, weight, ", ".join(operand_types), wt))
        lines.append("  return %w : " + wt)
        lines.append("}")
        lines.append("")
        lines.append("func.func @main() {")
        lines.append("  %w = call @weight() : () -> " + wt)
        lines.append("  %%u = tensor.cast %%w : %s to tensor<*xf32>" % wt)
        lines.append("  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()")
        lines.append("  return")
        lines.append("}")
        outs.append(w)
    else:
        xshape = [k] if a.rank1 else lead + [m, k]
        yshape = [n] if a.rank1 else lead + [m, n]
        xt, yt = ttype(xshape), ttype(yshape)
        lines.append("func.func @linear(%%x: %s) -> %s {" % (xt, yt))
        for name, attr in attrs:
            lines.append("  %%%s = arith.constant %s" % (name, attr))
        lines.append("  %%y = wq.matmul %%x, %%p, %%s%s offsets(%%o) {weight = %s} : (%s) -> %s"
                     % (zp, weight, ", ".join([xt] + operand_types), yt))
        lines.append("  return %%y : %s" % yt)
        lines.append("}")
        lines.append("")
        lines.append("func.func @main() {")
        for i in range(a.calls):
            x = rng.standard_normal(xshape).astype(np.float32)
            xr = int8_activations(x) if a.int8_activations else x.astype(np.float64)
            outs.append(np.matmul(xr, np.swapaxes(w, -1, -2)))
            lines.append("  %%x%d = arith.constant %s : %s" % (i, dense(x), xt))
            lines.append("  %%y%d = call @linear(%%x%d) : (%s) -> %s" % (i, i, xt, yt))
            lines.append("  %%u%d = tensor.cast %%y%d : %s to tensor<*xf32>" % (i, i, yt))
            lines.append("  call @printMemrefF32(%%u%d) : (tensor<*xf32>) -> ()" % i)
        lines.append("  return")
        lines.append("}")
    np.save(a.expected, np.stack(outs))
    with open(a.mlir, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
