#!/usr/bin/env python3
"""An independent float64 implementation of the GPTQ reference algorithm.

Follows IST-DASLab/gptq's fasterquant step by step (see
../shared/reference/quantization.md section 1) with wq's quantizer rules (the
RTN contract in docs/dialect.md), written from that description and not from
wq's C++. Compares its integers and scales with a wq-format checkpoint written
by wq-quantize --method gptq --format wq --scale-type f32.

  gptq_reference.py WEIGHTS CALIB WQ_OUT --bits B --group-size G [--sym]
                    [--act-order] [--static-groups]
"""
import argparse
import json
import sys

import numpy as np

from safetensors_io import load


def params(w, bits, sym):
    """RTN parameters (scale, zero) per row of w [rows, cols], in f32."""
    w = w.astype(np.float32)
    if not sym:
        maxq = np.float32(2**bits - 1)
        lo = np.minimum(w.min(axis=1), np.float32(0))
        hi = np.maximum(w.max(axis=1), np.float32(0))
        same = lo == hi
        lo = np.where(same, np.float32(-1), lo).astype(np.float32)
        hi = np.where(same, np.float32(1), hi).astype(np.float32)
        scale = ((hi - lo) / maxq).astype(np.float32)
        zero = np.clip(np.round((-lo / scale).astype(np.float32)), 0, maxq)
        return scale, zero, 0, int(maxq)
    if bits == 8:
        amax = np.abs(w).max(axis=1)
        scale = np.where(amax == 0, np.float32(1), amax / np.float32(127)).astype(np.float32)
        return scale, np.zeros_like(scale), -127, 127
    idx = np.abs(w).argmax(axis=1)
    m = w[np.arange(w.shape[0]), idx]
    scale = np.where(m == 0, np.float32(1), m / np.float32(-(2**(bits - 1)))).astype(np.float32)
    return scale, np.zeros_like(scale), -(2**(bits - 1)), 2**(bits - 1) - 1


def quantize(w, scale, zero, qmin, qmax):
    q = np.clip(np.round((w.astype(np.float32) / scale).astype(np.float32)) + zero, qmin, qmax)
    return q, scale.astype(np.float64) * (q - zero)


def gptq(W, H, bits, gs, sym, act_order, static_groups, percdamp=0.01, blocksize=128):
    W = W.astype(np.float64).copy()
    H = H.astype(np.float64).copy()
    n, k = W.shape
    per_channel = gs <= 0 or gs >= k
    if per_channel:
        gs = k
        row_params = params(W, bits, sym)
    dead = np.diag(H) == 0
    H[dead, dead] = 1
    W[:, dead] = 0
    groups = []
    if static_groups and not per_channel:
        for g in range(0, k, gs):
            groups.append(params(W[:, g:g + gs], bits, sym))
    perm = np.arange(k)
    if act_order:
        perm = np.argsort(-np.diag(H), kind="stable")
        W = W[:, perm]
        H = H[perm][:, perm]
    H[np.diag_indices(k)] += percdamp * np.mean(np.diag(H))
    L = np.linalg.cholesky(H)
    Linv = np.linalg.inv(L)
    Hinv = Linv.T @ Linv
    U = np.linalg.cholesky(Hinv).T  # upper, Hinv = U^T U
    Q = np.zeros((n, k))
    cur = row_params if per_channel else None
    group_params = {}
    for i1 in range(0, k, blocksize):
        i2 = min(i1 + blocksize, k)
        W1 = W[:, i1:i2].copy()
        Err1 = np.zeros_like(W1)
        for i in range(i2 - i1):
            col = i1 + i
            if not per_channel:
                if static_groups:
                    cur = groups[perm[col] // gs]
                elif col % gs == 0:
                    cur = params(W[:, col:col + gs], bits, sym)
                    group_params[col // gs] = cur
            w = W1[:, i]
            d = U[col, col]
            q, deq = quantize(w, *cur)
            Q[:, col] = q
            err = (w - deq) / d
            W1[:, i:] -= np.outer(err, U[col, i1 + i:i2])
            Err1[:, i] = err
        W[:, i2:] -= Err1 @ U[i1:i2, i2:]
    return Q, perm, group_params, groups


def unpack(packed, bits, signed, k, gs):
    """wq row_major layout: [n, G, Bg] bytes -> integers [n, k]."""
    n, groups, _ = packed.shape
    out = np.zeros((n, k), dtype=np.int64)
    for g in range(groups):
        count = min(gs, k - g * gs)
        bitsarr = np.unpackbits(packed[:, g, :], axis=1, bitorder="little")
        for e in range(count):
            field = np.zeros(n, dtype=np.int64)
            for b in range(bits):
                field |= bitsarr[:, e * bits + b].astype(np.int64) << b
            if signed:
                field = np.where(field >= 2**(bits - 1), field - 2**bits, field)
            out[:, g * gs + e] = field
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("weights")
    p.add_argument("calib")
    p.add_argument("wq_out")
    p.add_argument("--bits", type=int, required=True)
    p.add_argument("--group-size", type=int, required=True)
    p.add_argument("--sym", action="store_true")
    p.add_argument("--act-order", action="store_true")
    p.add_argument("--static-groups", action="store_true")
    p.add_argument("--min-agreement", type=float, default=0.99)
    p.add_argument("--scale-rtol", type=float, default=1e-5)
    a = p.parse_args()
    weights, _ = load(a.weights)
    calib, _ = load(a.calib)
    out, meta = load(a.wq_out)
    ok = True
    for name, W in weights.items():
        if W.ndim != 2:
            continue
        base = name[:-7] if name.endswith(".weight") else name
        X = calib[name + ".calib_input"].astype(np.float64)
        H = 2.0 * X.T @ X  # one sample: the normalization does not matter
        n, k = W.shape
        Q, perm, gparams, sgroups = gptq(W, H, a.bits, a.group_size, a.sym,
                                         a.act_order, a.static_groups)
        scheme = json.loads(meta["wq." + base])
        gs = scheme["group_size"] or k
        permuted = (base + ".wq.perm") in out
        got = unpack(out[base + ".wq.packed"], a.bits, scheme["signed"], k, gs)
        ref = Q if permuted else Q[:, np.argsort(perm)]
        if permuted and not np.array_equal(out[base + ".wq.perm"], perm):
            print("%s: permutation differs" % name)
            ok = False
        agreement = np.mean(got == ref)
        scales = out[base + ".wq.scales"].astype(np.float64)
        if a.group_size <= 0 or a.group_size >= k:
            ref_scales = params(W.astype(np.float64), a.bits, a.sym)[0][:, None]
        elif a.static_groups:
            ref_scales = np.stack([g[0] for g in sgroups], axis=1)
        else:
            ref_scales = np.stack([gparams[g][0] for g in sorted(gparams)], axis=1)
        scale_err = np.max(np.abs(scales - ref_scales) / np.abs(ref_scales))
        print("%s: integers agree %.4f%%, max scale rel diff %.2e"
              % (name, 100 * agreement, scale_err))
        ok &= agreement >= a.min_agreement and scale_err <= a.scale_rtol
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
