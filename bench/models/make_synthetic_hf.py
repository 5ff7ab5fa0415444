#!/usr/bin/python3
"""Writes a synthetic Hugging Face Llama checkpoint folder: config.json and
fp16 safetensors shards (at most --shard-gb each, HF's tensor names), with
random weights from a fixed seed: N(0, 0.02) for matrices, 1 + N(0, 0.02) for
the norms. Defaults: Llama-2-7B's shapes (hidden 4096, FFN 11008, 32 layers,
32 heads and KV heads, vocabulary 32000, untied classifier: 6.74B parameters,
13.5 GB), for the streaming-compile benchmark (bench/models/compile_7b.sh);
the values do not matter there. --tokenizer writes a llama2.c tokenizer of the
vocabulary's size (bench/models/make_synthetic_llama.py's).

  make_synthetic_hf.py OUTDIR [--tokenizer TOK.bin] [--hidden 4096]
      [--intermediate 11008] [--layers 32] [--heads 32] [--kv-heads 32]
      [--vocab 32000] [--tied] [--seed 0] [--shard-gb 5]

Tensors are generated and written one at a time (memory: one tensor).
"""

import argparse
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_synthetic_llama import write_tokenizer  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--tokenizer")
    p.add_argument("--hidden", type=int, default=4096)
    p.add_argument("--intermediate", type=int, default=11008)
    p.add_argument("--layers", type=int, default=32)
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--kv-heads", type=int, default=32)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--tied", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--shard-gb", type=float, default=5.0)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    D, F, V = a.hidden, a.intermediate, a.vocab
    kvd = a.kv_heads * (D // a.heads)

    tensors = [("model.embed_tokens.weight", (V, D), False)]
    for layer in range(a.layers):
        prefix = f"model.layers.{layer}."
        tensors += [(prefix + "input_layernorm.weight", (D,), True),
                    (prefix + "self_attn.q_proj.weight", (D, D), False),
                    (prefix + "self_attn.k_proj.weight", (kvd, D), False),
                    (prefix + "self_attn.v_proj.weight", (kvd, D), False),
                    (prefix + "self_attn.o_proj.weight", (D, D), False),
                    (prefix + "post_attention_layernorm.weight", (D,), True),
                    (prefix + "mlp.gate_proj.weight", (F, D), False),
                    (prefix + "mlp.up_proj.weight", (F, D), False),
                    (prefix + "mlp.down_proj.weight", (D, F), False)]
    tensors.append(("model.norm.weight", (D,), True))
    if not a.tied:
        tensors.append(("lm_head.weight", (V, D), False))

    # Shards of at most shard-gb bytes, in order.
    limit = int(a.shard_gb * 1e9)
    shards, current, size = [], [], 0
    for name, shape, is_norm in tensors:
        nbytes = 2 * int(np.prod(shape))
        if current and size + nbytes > limit:
            shards.append(current)
            current, size = [], 0
        current.append((name, shape, is_norm))
        size += nbytes
    shards.append(current)

    os.makedirs(a.out, exist_ok=True)
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
              "hidden_size": D, "intermediate_size": F, "num_hidden_layers": a.layers,
              "num_attention_heads": a.heads, "num_key_value_heads": a.kv_heads,
              "vocab_size": V, "max_position_embeddings": 4096, "rms_norm_eps": 1e-5,
              "rope_theta": 10000.0, "tie_word_embeddings": a.tied, "torch_dtype": "float16"}
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    total = 0
    for index, shard in enumerate(shards):
        name = f"model-{index + 1:05d}-of-{len(shards):05d}.safetensors"
        header, offset = {}, 0
        for tensor, shape, _ in shard:
            nbytes = 2 * int(np.prod(shape))
            header[tensor] = {"dtype": "F16", "shape": list(shape),
                              "data_offsets": [offset, offset + nbytes]}
            offset += nbytes
        text = json.dumps(header).encode()
        text += b" " * (-len(text) % 8)
        with open(os.path.join(a.out, name), "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text)
            for tensor, shape, is_norm in shard:
                values = rng.standard_normal(shape, dtype=np.float32) * 0.02
                if is_norm:
                    values += 1
                f.write(values.astype("<f2").tobytes())
                total += values.size
        print(f"make_synthetic_hf: {name}: {len(shard)} tensors, {offset / 1e9:.2f} GB",
              file=sys.stderr)
    print(f"make_synthetic_hf: {total} parameters", file=sys.stderr)
    if a.tokenizer:
        write_tokenizer(a.tokenizer, V)


if __name__ == "__main__":
    main()
