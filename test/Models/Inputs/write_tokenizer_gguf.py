#!/usr/bin/env python3
"""Writes small GGUF files (no tensors) with tokenizer metadata for the BPE
tokenizer's error tests: write_tokenizer_gguf.py OUT KIND, KIND one of
not-gpt2, no-merges, unknown-pre, bad-token-types, valid."""
import struct
import sys

STRING, ARRAY, BOOL, U32, I32 = 8, 9, 7, 4, 5


def s(text):
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def kv(key, vtype, payload):
    return s(key) + struct.pack("<I", vtype) + payload


def string_array(key, items):
    return kv(key, ARRAY, struct.pack("<IQ", STRING, len(items)) + b"".join(s(i) for i in items))


def int_array(key, items):
    return kv(key, ARRAY, struct.pack("<IQ", I32, len(items)) + b"".join(struct.pack("<i", i) for i in items))


def main():
    out, kind = sys.argv[1], sys.argv[2]
    tokens = [chr(c) for c in range(ord("a"), ord("z") + 1)] + ["<|im_end|>"]
    types = [1] * (len(tokens) - 1) + [3]
    keys = [kv("general.architecture", STRING, s("llama")),
            kv("tokenizer.ggml.model", STRING, s("llama" if kind == "not-gpt2" else "gpt2")),
            kv("tokenizer.ggml.pre", STRING, s("no-such-pre" if kind == "unknown-pre" else "gpt-2")),
            string_array("tokenizer.ggml.tokens", tokens),
            int_array("tokenizer.ggml.token_type", types[:-1] if kind == "bad-token-types" else types),
            kv("tokenizer.ggml.eos_token_id", U32, struct.pack("<I", len(tokens) - 1)),
            kv("tokenizer.ggml.add_bos_token", BOOL, b"\x00")]
    if kind != "no-merges":
        keys.append(string_array("tokenizer.ggml.merges", ["a b"]))
    data = b"GGUF" + struct.pack("<IQQ", 3, 0, len(keys)) + b"".join(keys)
    data += b"\x00" * (-len(data) % 32)
    open(out, "wb").write(data)


if __name__ == "__main__":
    main()
