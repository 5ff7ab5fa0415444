#!/usr/bin/python3
"""Writes a small llama-architecture GGUF model with random weights.

For tests of wq's GGUF path without a downloaded model: the `gguf` package
(llama.cpp's own writer) writes the file, the weights are random (fixed
seed) and quantized by `gguf.quants.quantize` where the package can
(Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, BF16; k-quants as random blocks with small
finite scales), the tokenizer is a byte-level BPE
over GPT-2's 256 byte tokens plus a few merges and special tokens.

  make_gguf_model.py OUT.gguf [--type Q4_0] [--embedding-type Q8_0]
      [--dim 64] [--hidden 128] [--layers 2] [--heads 4] [--kv-heads 2]
      [--seed 1] [--untied]
Variants that must be refused (each is an error naming the key or tensor):
      [--arch NAME] [--drop-key KEY] [--unknown-type TENSOR]
      [--truncate BYTES] [--lying-offset TENSOR]
      [--nan-scale TENSOR]   (the first block's f16 scale of a Q8_0/Q4_x
                              tensor set to NaN: a file that parses)
"""

import argparse
import struct
import sys

import numpy as np
import gguf


def byte_tokens():
    """GPT-2's byte-to-unicode alphabet, in byte order."""
    printable = (list(range(ord("!"), ord("~") + 1)) +
                 list(range(ord("\xa1"), ord("\xac") + 1)) +
                 list(range(ord("\xae"), ord("\xff") + 1)))
    mapping, extra = {}, 0
    for b in range(256):
        if b in printable:
            mapping[b] = chr(b)
        else:
            mapping[b] = chr(256 + extra)
            extra += 1
    return [mapping[b] for b in range(256)]


# k-quants the package cannot quantize: random blocks with small finite f16
# scales, (byte offset of each f16 scale field, block bytes).
K_QUANT_SCALES = {
    gguf.GGMLQuantizationType.Q4_K: ([0, 2], 144),
    gguf.GGMLQuantizationType.Q5_K: ([0, 2], 176),
    gguf.GGMLQuantizationType.Q6_K: ([208], 210),
}


def quantized(rng, rows, cols, qtype, scale=0.05):
    values = (rng.standard_normal((rows, cols)) * scale).astype(np.float32)
    if qtype == gguf.GGMLQuantizationType.F32:
        return values, None
    if qtype == gguf.GGMLQuantizationType.F16:
        return values.astype(np.float16), None
    if qtype in K_QUANT_SCALES:
        fields, block = K_QUANT_SCALES[qtype]
        blocks = rng.integers(0, 256, size=(rows, cols // 256, block),
                              dtype=np.uint8)
        for at in fields:
            d = (rng.uniform(0.5, 1.0, size=(rows, cols // 256)) *
                 (scale / 8)).astype(np.float16)
            blocks[:, :, at:at + 2] = d.view(np.uint8).reshape(
                rows, cols // 256, 2)
        return blocks.reshape(rows, -1), qtype
    return gguf.quants.quantize(values, qtype), qtype


def tensor_offsets(path):
    """(name -> (position of its offset field, type field)) in the table."""
    reader = gguf.GGUFReader(path)
    fields = {}
    for t in reader.tensors:
        fields[t.name] = t
    return reader, fields


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--type", default="Q4_0", help="linear weights' ggml type")
    p.add_argument("--embedding-type", default="Q8_0")
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--context", type=int, default=256)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--untied", action="store_true")
    p.add_argument("--arch", default="llama")
    p.add_argument("--drop-key", action="append", default=[])
    p.add_argument("--unknown-type", metavar="TENSOR")
    p.add_argument("--truncate", type=int, default=0,
                   help="drop this many bytes from the end")
    p.add_argument("--lying-offset", metavar="TENSOR")
    p.add_argument("--nan-scale", metavar="TENSOR")
    args = p.parse_args()

    rng = np.random.default_rng(args.seed)
    qtype = gguf.GGMLQuantizationType[args.type]
    etype = gguf.GGMLQuantizationType[args.embedding_type]
    arch = args.arch
    w = gguf.GGUFWriter(args.out, arch)
    D, H, L = args.dim, args.hidden, args.layers
    heads, kv = args.heads, args.kv_heads
    hd = D // heads

    tokens = byte_tokens()
    merges = ["Ġ t", "h e", "Ġt he", "i n", "a n", "e r", "Ġ a", "o n"]
    for m in merges:
        tokens.append(m.replace(" ", ""))
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tokens += specials
    types = [1] * (len(tokens) - len(specials)) + [3] * len(specials)
    V = len(tokens)

    def put(key, fn, *values):
        if key not in args.drop_key:
            fn(*values)

    put(f"{arch}.block_count", w.add_uint32, f"{arch}.block_count", L)
    put(f"{arch}.context_length", w.add_uint32, f"{arch}.context_length", args.context)
    put(f"{arch}.embedding_length", w.add_uint32, f"{arch}.embedding_length", D)
    put(f"{arch}.feed_forward_length", w.add_uint32, f"{arch}.feed_forward_length", H)
    put(f"{arch}.attention.head_count", w.add_uint32, f"{arch}.attention.head_count", heads)
    put(f"{arch}.attention.head_count_kv", w.add_uint32, f"{arch}.attention.head_count_kv", kv)
    put(f"{arch}.rope.freq_base", w.add_float32, f"{arch}.rope.freq_base", 10000.0)
    put(f"{arch}.attention.layer_norm_rms_epsilon", w.add_float32,
        f"{arch}.attention.layer_norm_rms_epsilon", 1e-5)
    put("tokenizer.ggml.model", w.add_string, "tokenizer.ggml.model", "gpt2")
    put("tokenizer.ggml.pre", w.add_string, "tokenizer.ggml.pre", "gpt-2")
    put("tokenizer.ggml.tokens", w.add_array, "tokenizer.ggml.tokens", tokens)
    put("tokenizer.ggml.token_type", w.add_array, "tokenizer.ggml.token_type", types)
    put("tokenizer.ggml.merges", w.add_array, "tokenizer.ggml.merges", merges)
    put("tokenizer.ggml.bos_token_id", w.add_uint32, "tokenizer.ggml.bos_token_id",
        V - 2)
    put("tokenizer.ggml.eos_token_id", w.add_uint32, "tokenizer.ggml.eos_token_id",
        V - 1)
    put("tokenizer.ggml.add_bos_token", w.add_bool, "tokenizer.ggml.add_bos_token",
        True)
    put("tokenizer.chat_template", w.add_string, "tokenizer.chat_template",
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n'"
        " + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}")

    def add(name, rows, cols, kind):
        data, raw = quantized(rng, rows, cols, kind)
        if raw is None:
            w.add_tensor(name, data)
        else:
            w.add_tensor(name, data, raw_dtype=raw)

    add("token_embd.weight", V, D, etype)
    norm = lambda n: (1.0 + 0.1 * rng.standard_normal(n)).astype(np.float32)
    w.add_tensor("output_norm.weight", norm(D))
    if args.untied:
        add("output.weight", V, D, etype)
    for l in range(L):
        w.add_tensor(f"blk.{l}.attn_norm.weight", norm(D))
        w.add_tensor(f"blk.{l}.ffn_norm.weight", norm(D))
        add(f"blk.{l}.attn_q.weight", D, D, qtype)
        add(f"blk.{l}.attn_k.weight", kv * hd, D, qtype)
        add(f"blk.{l}.attn_v.weight", kv * hd, D, qtype)
        add(f"blk.{l}.attn_output.weight", D, D, qtype)
        add(f"blk.{l}.ffn_gate.weight", H, D, qtype)
        add(f"blk.{l}.ffn_down.weight", D, H, qtype)
        add(f"blk.{l}.ffn_up.weight", H, D, qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    # Corruptions of the tensor table or the data, in place.
    if args.unknown_type or args.lying_offset:
        reader = gguf.GGUFReader(args.out)
        target = args.unknown_type or args.lying_offset
        info = [t for t in reader.tensors if t.name == target]
        if not info:
            sys.exit(f"no tensor {target}")
        # The tensor-table entry: name (u64 length + bytes), n_dims (u32),
        # dims (u64 each), type (u32), offset (u64).
        data = bytearray(open(args.out, "rb").read())
        name = target.encode()
        entry = data.find(struct.pack("<Q", len(name)) + name)
        at = entry + 8 + len(name)
        n_dims = struct.unpack_from("<I", data, at)[0]
        type_at = at + 4 + 8 * n_dims
        if args.unknown_type:
            struct.pack_into("<I", data, type_at, 42)
        else:
            struct.pack_into("<Q", data, type_at + 4, 1 << 40)
        open(args.out, "wb").write(bytes(data))
    if args.nan_scale:
        reader = gguf.GGUFReader(args.out)
        info = [t for t in reader.tensors if t.name == args.nan_scale]
        if not info:
            sys.exit(f"no tensor {args.nan_scale}")
        data = bytearray(open(args.out, "rb").read())
        # Q8_0, Q4_0 and Q4_1 blocks start with their f16 scale d.
        struct.pack_into("<H", data, int(info[0].data_offset), 0x7E00)
        open(args.out, "wb").write(bytes(data))
    if args.truncate:
        data = open(args.out, "rb").read()
        open(args.out, "wb").write(data[:-args.truncate])


if __name__ == "__main__":
    main()
