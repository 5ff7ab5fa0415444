"""Writes small files whose headers claim huge sizes into the directory
argv[1]: each must be refused before anything of the claimed size is
allocated (the claims are checked against the file size and wq's limits)."""
import json
import os
import struct
import sys

out = sys.argv[1]


def gguf_string(text):
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def gguf(name, tensors, kvs, pad=64):
    data = b"GGUF" + struct.pack("<IQQ", 3, tensors[0], len(kvs)) + b"".join(kvs)
    data += tensors[1]
    data += b"\0" * (-len(data) % 32) + b"\0" * pad
    open(os.path.join(out, name), "wb").write(data)


def kv_string(key, value):
    return gguf_string(key) + struct.pack("<I", 8) + gguf_string(value)


def kv_u32(key, value):
    return gguf_string(key) + struct.pack("<II", 4, value)


arch = kv_string("general.architecture", "llama")
# A vocabulary of 2^31 tokens in 9 bytes.
gguf("vocab.gguf", (0, b""), [arch, gguf_string("tokenizer.ggml.tokens") +
                              struct.pack("<IIQ", 9, 8, 1 << 31) + gguf_string("a")])
# A tensor of 10^12 F32 elements over 64 bytes of data.
gguf("tensor.gguf", (1, gguf_string("token_embd.weight") + struct.pack("<IQQIQ", 2, 10**6, 10**6, 0, 0)), [arch])
# Dimensions whose product overflows 64 bits.
gguf("overflow.gguf", (1, gguf_string("token_embd.weight") + struct.pack("<IQQQQIQ", 4, 1 << 32, 1 << 32, 1 << 32, 1 << 32, 0, 0)), [arch])
# 2^40 metadata entries.
open(os.path.join(out, "entries.gguf"), "wb").write(b"GGUF" + struct.pack("<IQQ", 3, 0, 1 << 40))
# llama2.c headers: 10^6 layers, a vocabulary of 2^31 - 1, and -2^31 (a
# negative vocabulary means an unshared classifier; its magnitude overflowed
# int32), in the legacy header and the int8 export's ("ak42", version 2).
for name, header in [("layers.bin", (64, 172, 10**6, 8, 4, 512, 512)),
                     ("vocab.bin", (64, 172, 5, 8, 4, 2**31 - 1, 512)),
                     ("vocabmin.bin", (64, 172, 5, 8, 4, -2**31, 512))]:
    open(os.path.join(out, name), "wb").write(struct.pack("<7i", *header) + b"\0" * 4096)
open(os.path.join(out, "vocabmin-int8.bin"), "wb").write(
    struct.pack("<Ii7i", 0x616B3432, 2, 64, 172, 5, 8, 4, -2**31, 512) + b"\0" * 4096)
