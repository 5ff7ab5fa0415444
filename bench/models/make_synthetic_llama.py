#!/usr/bin/python3
"""Writes a synthetic Llama-shaped llama2.c checkpoint (fp32, legacy format).

The shape of a small Llama (defaults: dim 2048, FFN 5632, 4 layers, 32 heads,
32 KV heads, vocabulary 32000, context 2048, classifier shared with the token
embedding: 271M parameters, 1.08 GB) with random weights from a fixed seed:
N(0, 0.02) for matrices, 1 + N(0, 0.02) for the norms. For benchmarks of the
compiled model's speed, whose numbers do not depend on the values (use
../shared/models for quality). The tokenizer: any llama2.c tokenizer with the
same vocabulary size; --tokenizer writes one (byte tokens plus filler).

  make_synthetic_llama.py OUT.bin [--tokenizer TOK.bin] [--dim 2048]
      [--hidden 5632] [--layers 4] [--heads 32] [--kv-heads 32]
      [--vocab 32000] [--seq-len 2048] [--seed 0]
"""

import argparse
import struct

import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--tokenizer")
    p.add_argument("--dim", type=int, default=2048)
    p.add_argument("--hidden", type=int, default=5632)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--kv-heads", type=int, default=32)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--seq-len", type=int, default=2048)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    D, H, L, V = a.dim, a.hidden, a.layers, a.vocab
    kvd = a.kv_heads * (D // a.heads)

    def mat(*shape):
        return (rng.standard_normal(shape, dtype=np.float32) * 0.02)

    def norm(*shape):
        return 1 + mat(*shape)

    with open(a.out, "wb") as f:
        f.write(struct.pack("<7i", D, H, L, a.heads, a.kv_heads, V, a.seq_len))
        # llama2.c's order (shared classifier: none at the end).
        for t in [lambda: mat(V, D), lambda: norm(L, D), lambda: mat(L, D, D),
                  lambda: mat(L, kvd, D), lambda: mat(L, kvd, D),
                  lambda: mat(L, D, D), lambda: norm(L, D),
                  lambda: mat(L, H, D), lambda: mat(L, D, H),
                  lambda: mat(L, H, D), lambda: norm(D),
                  lambda: np.zeros((a.seq_len, D // a.heads), np.float32)]:
            f.write(t().astype("<f4").tobytes())
    if a.tokenizer:
        write_tokenizer(a.tokenizer, V)


def write_tokenizer(path, vocab):
    """A llama2.c tokenizer of `vocab` tokens: <unk>, <s>, </s>, the 256
    byte tokens, then filler."""
    with open(path, "wb") as f:
        f.write(struct.pack("<i", 16))
        for i in range(vocab):
            piece = (b"<unk>" if i == 0 else b"<s>" if i == 1 else
                     b"</s>" if i == 2 else
                     b"<0x%02X>" % (i - 3) if i < 259 else b"t%d" % i)
            f.write(struct.pack("<fi", 0.0, len(piece)) + piece)


if __name__ == "__main__":
    main()
