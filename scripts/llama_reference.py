#!/usr/bin/env python3
"""Independent float64 reference of a llama2.c model: perplexity (and greedy
tokens) computed with numpy, written from the format and forward-pass
description in ../shared/models/README.md, not from wq's code.

  llama_reference.py CHECKPOINT TOKENIZER --perplexity TEXT
"""
import argparse
import struct
import sys

import numpy as np


def load_checkpoint(path):
    with open(path, "rb") as f:
        data = f.read()
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = struct.unpack("7i", data[:28])
    shared = vocab > 0
    vocab = abs(vocab)
    head = dim // heads
    kv = kv_heads * head
    floats = np.frombuffer(data[28:], dtype="<f4").astype(np.float64)
    offset = 0

    def take(*shape):
        nonlocal offset
        n = int(np.prod(shape))
        out = floats[offset:offset + n].reshape(shape)
        offset += n
        return out

    m = dict(dim=dim, hidden=hidden, layers=layers, heads=heads, kv_heads=kv_heads,
             vocab=vocab, seq_len=seq_len, head=head)
    m["emb"] = take(vocab, dim)
    m["att_norm"] = take(layers, dim)
    m["wq"] = take(layers, dim, dim)
    m["wk"] = take(layers, kv, dim)
    m["wv"] = take(layers, kv, dim)
    m["wo"] = take(layers, dim, dim)
    m["ffn_norm"] = take(layers, dim)
    m["w1"] = take(layers, hidden, dim)
    m["w2"] = take(layers, dim, hidden)
    m["w3"] = take(layers, hidden, dim)
    m["norm"] = take(dim)
    take(seq_len, head // 2)
    take(seq_len, head // 2)
    m["cls"] = m["emb"] if shared else take(vocab, dim)
    return m


class Tokenizer:
    def __init__(self, path, vocab_size):
        with open(path, "rb") as f:
            data = f.read()
        offset = 4
        self.pieces, self.scores = [], []
        for _ in range(vocab_size):
            score, length = struct.unpack("<fi", data[offset:offset + 8])
            offset += 8
            self.pieces.append(data[offset:offset + length])
            self.scores.append(score)
            offset += length
        self.index = {}
        for i, p in enumerate(self.pieces):
            self.index.setdefault(p, i)

    def encode(self, text, bos=True):
        tokens = [1] if bos else []
        raw = text.encode("utf-8")
        if raw:
            tokens.append(self.index[b" "])
        i = 0
        while i < len(raw):
            # one UTF-8 code point (lead byte + continuation bytes, at most 4)
            j = i + 1
            while j < len(raw) and (raw[j] & 0xC0) == 0x80 and j - i < 4:
                j += 1
            piece = raw[i:j]
            if piece in self.index:
                tokens.append(self.index[piece])
            else:
                tokens.extend(b + 3 for b in piece)
            i = j
        while True:
            best = None
            for k in range(len(tokens) - 1):
                merged = self.pieces[tokens[k]] + self.pieces[tokens[k + 1]]
                idx = self.index.get(merged)
                if idx is not None and (best is None or self.scores[idx] > best[0]):
                    best = (self.scores[idx], idx, k)
            if best is None:
                break
            _, idx, k = best
            tokens[k:k + 2] = [idx]
        return tokens


def rmsnorm(x, w):
    return w * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + 1e-5))


def logits_for(m, tokens):
    """Logits [T, vocab] for a whole sequence with causal attention."""
    T = len(tokens)
    dim, head, heads, kvh = m["dim"], m["head"], m["heads"], m["kv_heads"]
    x = m["emb"][tokens]
    pos = np.arange(T)[:, None]
    i = np.arange(0, head, 2)
    freq = 1.0 / (10000.0 ** (i / head))
    angle = pos * freq  # [T, head/2]
    cos, sin = np.cos(angle), np.sin(angle)

    def rope(v, n_heads):
        v = v.reshape(T, n_heads, head // 2, 2)
        a, b = v[..., 0], v[..., 1]
        c, s = cos[:, None, :], sin[:, None, :]
        return np.stack([a * c - b * s, a * s + b * c], axis=-1).reshape(T, n_heads * head)

    mask = np.triu(np.full((T, T), -np.inf), k=1)
    group = heads // kvh
    for l in range(m["layers"]):
        xn = rmsnorm(x, m["att_norm"][l])
        q = rope(xn @ m["wq"][l].T, heads).reshape(T, heads, head)
        k = rope(xn @ m["wk"][l].T, kvh).reshape(T, kvh, head)
        v = (xn @ m["wv"][l].T).reshape(T, kvh, head)
        k = np.repeat(k, group, axis=1)
        v = np.repeat(v, group, axis=1)
        scores = np.einsum("thd,shd->hts", q, k) / np.sqrt(head) + mask
        scores -= scores.max(axis=-1, keepdims=True)
        att = np.exp(scores)
        att /= att.sum(axis=-1, keepdims=True)
        out = np.einsum("hts,shd->thd", att, v).reshape(T, dim)
        x = x + out @ m["wo"][l].T
        xn = rmsnorm(x, m["ffn_norm"][l])
        h1 = xn @ m["w1"][l].T
        h3 = xn @ m["w3"][l].T
        x = x + ((h1 / (1.0 + np.exp(-h1))) * h3) @ m["w2"][l].T
    return rmsnorm(x, m["norm"]) @ m["cls"].T


def perplexity(m, tok, text):
    nll, count, stories = 0.0, 0, 0
    for story in text.split("<|endoftext|>"):
        story = story.strip()
        if not story:
            continue
        tokens = tok.encode(story)[:m["seq_len"]]
        logits = logits_for(m, tokens)[:-1]
        logits = logits - logits.max(axis=-1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
        nll -= logp[np.arange(len(tokens) - 1), tokens[1:]].sum()
        count += len(tokens) - 1
        stories += 1
    return stories, count, nll / count


def greedy(m, tok, prompt, steps):
    """llama2.c's generate() with argmax sampling: --steps positions in all."""
    tokens = tok.encode(prompt)
    out = bytearray()
    sequence = list(tokens[:1])
    for pos in range(steps):
        if pos + 1 < len(tokens):
            nxt = tokens[pos + 1]
        else:
            nxt = int(np.argmax(logits_for(m, sequence)[-1]))
        if nxt == 1:
            break
        piece = tok.pieces[nxt]
        if sequence[-1] == 1 and piece.startswith(b" "):
            piece = piece[1:]
        if len(piece) == 6 and piece.startswith(b"<0x") and piece.endswith(b">"):
            piece = bytes([int(piece[3:5], 16)])
        if len(piece) != 1 or chr(piece[0]).isprintable() or chr(piece[0]).isspace():
            out += piece
        sequence.append(nxt)
    return out.decode("utf-8", errors="replace")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("checkpoint")
    p.add_argument("tokenizer")
    p.add_argument("--perplexity", help="score this text")
    p.add_argument("--greedy", help="print the greedy continuation of this prompt")
    p.add_argument("--steps", type=int, default=64)
    p.add_argument("--compare", help="wq-run --perplexity output to compare with")
    p.add_argument("--rtol", type=float, default=1e-4)
    a = p.parse_args()
    m = load_checkpoint(a.checkpoint)
    tok = Tokenizer(a.tokenizer, m["vocab"])
    if a.greedy is not None:
        sys.stdout.write(greedy(m, tok, a.greedy, a.steps) + "\n")
        return 0
    with open(a.perplexity, encoding="utf-8") as f:
        stories, count, mean = perplexity(m, tok, f.read())
    print("reference: stories %d scored tokens %d mean NLL %.8f perplexity %.6f"
          % (stories, count, mean, np.exp(mean)))
    if a.compare:
        with open(a.compare) as f:
            values = dict(line.split(": ", 1) for line in f.read().splitlines() if ": " in line)
        got = float(values["mean NLL"])
        got_count = int(values["scored tokens"])
        rel = abs(got - mean) / mean
        print("wq: scored tokens %d mean NLL %.8f; relative difference %.2e (tolerance %.0e)"
              % (got_count, got, rel, a.rtol))
        ok = rel <= a.rtol and got_count == count
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
