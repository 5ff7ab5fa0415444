#!/usr/bin/env python3
"""Writes a Hugging Face Llama directory (config.json + model.safetensors).

From a llama2.c checkpoint (q/k rows permuted to HF's rotate-half layout, as
the Meta -> HF conversion does), or a random model (--random) with dimensions
that the GPTQ/AWQ layouts accept. Used by the import tests.
"""
import argparse
import json
import os

import numpy as np

from llama_reference import load_checkpoint
from safetensors_io import save


def to_hf_rows(w, heads):
    """HF row h*hs + j*hs/2 + i holds llama2.c row h*hs + 2i + j."""
    rows, cols = w.shape
    hs = rows // heads
    return w.reshape(heads, hs // 2, 2, cols).transpose(0, 2, 1, 3).reshape(rows, cols)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("out")
    p.add_argument("--checkpoint")
    p.add_argument("--random", action="store_true")
    p.add_argument("--tiny", action="store_true",
                   help="with --random: dim 32, one layer, vocabulary 32 "
                        "(the fuzzers' seeds)")
    p.add_argument("--dtype", default="f32", choices=["f32", "f16"])
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    if a.checkpoint:
        m = load_checkpoint(a.checkpoint)
        shared = m["cls"] is m["emb"]
    else:
        rng = np.random.default_rng(a.seed)
        dim, hidden, layers, heads, kvh, vocab = 64, 128, 2, 4, 2, 512
        if a.tiny:
            dim, hidden, layers, heads, kvh, vocab = 32, 64, 1, 2, 1, 32
        head = dim // heads
        g = lambda *s: rng.standard_normal(s) * 0.1  # noqa: E731
        m = dict(dim=dim, hidden=hidden, layers=layers, heads=heads, kv_heads=kvh,
                 vocab=vocab, seq_len=128, head=head, emb=g(vocab, dim),
                 att_norm=1 + g(layers, dim), ffn_norm=1 + g(layers, dim),
                 wq=g(layers, dim, dim), wk=g(layers, kvh * head, dim),
                 wv=g(layers, kvh * head, dim), wo=g(layers, dim, dim),
                 w1=g(layers, hidden, dim), w2=g(layers, dim, hidden),
                 w3=g(layers, hidden, dim), norm=1 + g(dim))
        m["cls"] = m["emb"]
        shared = True
    dtype = np.float16 if a.dtype == "f16" else np.float32
    t = {"model.embed_tokens.weight": m["emb"], "model.norm.weight": m["norm"]}
    for l in range(m["layers"]):
        p_ = "model.layers.%d." % l
        t[p_ + "self_attn.q_proj.weight"] = to_hf_rows(m["wq"][l], m["heads"])
        t[p_ + "self_attn.k_proj.weight"] = to_hf_rows(m["wk"][l], m["kv_heads"])
        t[p_ + "self_attn.v_proj.weight"] = m["wv"][l]
        t[p_ + "self_attn.o_proj.weight"] = m["wo"][l]
        t[p_ + "mlp.gate_proj.weight"] = m["w1"][l]
        t[p_ + "mlp.down_proj.weight"] = m["w2"][l]
        t[p_ + "mlp.up_proj.weight"] = m["w3"][l]
        t[p_ + "input_layernorm.weight"] = m["att_norm"][l]
        t[p_ + "post_attention_layernorm.weight"] = m["ffn_norm"][l]
    if not shared:
        t["lm_head.weight"] = m["cls"]
    os.makedirs(a.out, exist_ok=True)
    save(os.path.join(a.out, "model.safetensors"),
         {k: np.ascontiguousarray(v, dtype=dtype) for k, v in t.items()})
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
              "hidden_size": m["dim"], "intermediate_size": m["hidden"],
              "num_hidden_layers": m["layers"], "num_attention_heads": m["heads"],
              "num_key_value_heads": m["kv_heads"], "vocab_size": m["vocab"],
              "max_position_embeddings": m["seq_len"], "rms_norm_eps": 1e-5,
              "rope_theta": 10000.0, "tie_word_embeddings": bool(shared)}
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)


if __name__ == "__main__":
    main()
