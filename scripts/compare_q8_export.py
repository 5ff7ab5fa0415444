#!/usr/bin/env python3
"""Compares wq's int8 weights with llama2.c's own int8 export (q8, "ak42" v2).

For each linear weight: the fraction of identical integers and the largest
relative scale difference, given a wq-format checkpoint (wq-quantize --format
wq --bits 8 --group-size G --sym --scale-type f32). llama2.c groups over the
flattened tensor; where rows are not a multiple of the group size its groups
straddle rows, which per-row groups cannot reproduce: such weights are listed
separately and not required to match.
"""
import argparse
import json
import struct
import sys

import numpy as np

from gptq_reference import unpack
from safetensors_io import load


def read_q8(path):
    data = open(path, "rb").read()
    magic, version = struct.unpack("<Ii", data[:8])
    assert magic == 0x616B3432 and version == 2
    dim, hidden, layers, heads, kv_heads, vocab, seq = struct.unpack("<7i", data[8:36])
    shared = data[36]
    gs = struct.unpack("<i", data[37:41])[0]
    kv = kv_heads * dim // heads
    off = 256 + 4 * (2 * layers * dim + dim)
    names = [("tok_embeddings.weight", vocab, dim)]
    for w, rows, cols in (("attention.wq", dim, dim), ("attention.wk", kv, dim),
                          ("attention.wv", kv, dim), ("attention.wo", dim, dim),
                          ("feed_forward.w1", hidden, dim), ("feed_forward.w2", dim, hidden),
                          ("feed_forward.w3", hidden, dim)):
        for l in range(layers):
            names.append(("layers.%d.%s.weight" % (l, w), rows, cols))
    if not shared:
        names.append(("output.weight", vocab, dim))
    out = {}
    for name, rows, cols in names:
        n = rows * cols
        q = np.frombuffer(data[off:off + n], dtype=np.int8).reshape(rows, cols)
        off += n
        s = np.frombuffer(data[off:off + 4 * (n // gs)], dtype="<f4")
        off += 4 * (n // gs)
        out[name] = (q, s)
    return out, gs


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("q8")
    p.add_argument("wq_checkpoint")
    a = p.parse_args()
    q8, gs = read_q8(a.q8)
    tensors, meta = load(a.wq_checkpoint)
    ok, straddling = True, []
    for name, (q, s) in q8.items():
        base = name[:-7]
        key = base + ".wq.packed"
        if key not in tensors:
            continue
        rows, cols = q.shape
        scheme = json.loads(meta["wq." + base])
        if scheme.get("flat_groups"):
            # Groups over the flattened tensor, as llama2.c's export: 1-D bytes.
            got = tensors[key].view(np.int8).reshape(rows, cols)
        elif cols % gs != 0:
            straddling.append(name)
            continue
        else:
            got = unpack(tensors[key], 8, True, cols, scheme["group_size"] or cols)
        same = np.mean(got == q)
        scales = tensors[base + ".wq.scales"].reshape(-1)
        rel = np.max(np.abs(scales - s) / np.maximum(np.abs(s), 1e-30))
        print("%s: integers identical %.4f%%, max scale rel diff %.1e" % (name, 100 * same, rel))
        ok &= same == 1.0 and rel == 0.0
    for name in straddling:
        print("%s: llama2.c groups straddle rows of %d (group %d); not comparable"
              % (name, q8[name][0].shape[1], gs))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
