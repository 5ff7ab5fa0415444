#!/usr/bin/python3
"""Compares wq's GGUF reader (through the wq-gguf-dump test tool) with the
`gguf` Python package, llama.cpp's own reader/writer.

  gguf_reference.py --dump BIN --work DIR synthetic
      writes GGUF files with gguf.GGUFWriter (every metadata type, nested
      arrays, every tensor type wq dequantizes filled from fixed seeds, several
      and odd row counts, alignments 32/8/128, a version-2 copy), and checks
      that wq sees the same metadata as gguf.GGUFReader and as written, the
      same tensor table, and dequantizes every value bit-identically to
      gguf.quants.dequantize; also the ggml type table against
      gguf.GGML_QUANT_SIZES.
  gguf_reference.py --dump BIN --work DIR model FILE [--tensor NAME]...
      the same comparison (all metadata, the named tensors) on a real file.

Prints one summary line per check; exits non-zero at the first mismatch.
Runs with Debian's /usr/bin/python3 (numpy from apt) and the gguf package
that scripts/setup.sh installs into <build>/python (lit puts it on
PYTHONPATH).
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np

try:
    import gguf
    from gguf import GGMLQuantizationType as QT
    from gguf import GGUFValueType as VT
except ImportError as error:  # pragma: no cover - a set-up problem
    sys.exit("gguf_reference.py: cannot import the gguf package (%s); "
             "scripts/setup.sh installs it into <build>/python" % error)

# wq-gguf-dump's type names, in GGUFValueType order.
VALUE_TYPE_NAMES = ["u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool",
                    "string", "array", "u64", "i64", "f64"]


def fail(message):
    sys.exit("MISMATCH: " + message)


def run_dump(dump, path, out_dir=None, tensors=()):
    command = [dump, path]
    if out_dir:
        command += ["--out", out_dir]
    for name in tensors:
        command += ["--tensor", name]
    result = subprocess.run(command, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, check=False)
    if result.returncode != 0:
        fail("%s failed on %s: %s" % (dump, path, result.stderr.decode()))
    return json.loads(result.stdout)


def decode_number(value):
    if isinstance(value, str):
        return float(value)  # "nan", "inf", "-inf"
    return value


def flatten(node):
    """wq's typed value -> (type chain, flat list of leaves), as GGUFReader
    flattens nested arrays (types of the first element at each level)."""
    if node["t"] == "array":
        types = [VT.ARRAY]
        leaves = []
        for index, element in enumerate(node["v"]):
            element_types, element_leaves = flatten(element)
            if index == 0:
                types += element_types
            leaves += element_leaves
        return types, leaves
    return [VT(VALUE_TYPE_NAMES.index(node["t"]))], [plain(node)]


def plain(node):
    """wq's typed value -> Python value (nested lists for arrays)."""
    if node["t"] == "array":
        return [plain(element) for element in node["v"]]
    if node["t"] == "string":
        if "hex" in node:
            return bytes.fromhex(node["hex"]).decode("utf-8", "replace")
        return node["v"]
    if node["t"] in ("f32", "f64"):
        return decode_number(node["v"])
    return node["v"]


def same(a, b):
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def reader_contents(field):
    main = field.types[0]
    if main == VT.ARRAY and field.types[-1] != VT.STRING:
        return [x for i in field.data for x in field.parts[i].tolist()]
    value = field.contents()
    return value


def compare_file(dump, path, work, tensors=None, written=None,
                 expect_version=None):
    """Runs wq-gguf-dump on `path` and compares with GGUFReader. `tensors`:
    names to dequantize (None: all). `written`: {key: (types, value)} as the
    script wrote it. Returns (metadata keys, tensors, values) compared."""
    out_dir = os.path.join(work, os.path.basename(path) + ".out")
    wq = run_dump(dump, path, out_dir, tensors or ())
    reader = gguf.GGUFReader(path)
    where = os.path.basename(path)

    version = int(reader.fields["GGUF.version"].parts[0][0])
    if wq["version"] != version:
        fail("%s: version %s, gguf says %s" % (where, wq["version"], version))
    if expect_version is not None and version != expect_version:
        fail("%s: version %d, expected %d" % (where, version, expect_version))
    if wq["alignment"] != int(reader.alignment):
        fail("%s: alignment %s, gguf says %s" % (where, wq["alignment"],
                                                  reader.alignment))
    if wq["data_offset"] != int(reader.data_offset):
        fail("%s: data offset %s, gguf says %s" % (where, wq["data_offset"],
                                                    reader.data_offset))

    # Metadata: the same keys in the same order, types and values.
    fields = [(k, f) for k, f in reader.fields.items()
              if not k.startswith("GGUF.")]
    if [k for k, _ in fields] != [k for k, _ in wq["metadata"]]:
        fail("%s: metadata keys differ:\n wq:   %s\n gguf: %s" % (
            where, [k for k, _ in wq["metadata"]], [k for k, _ in fields]))
    for (key, field), (_, node) in zip(fields, wq["metadata"]):
        types, leaves = flatten(node)
        if list(field.types) != types:
            fail("%s: key %s has types %s, gguf says %s" % (
                where, key, types, list(field.types)))
        expected = reader_contents(field)
        if field.types[0] != VT.ARRAY:
            expected = [expected]
        if not same(leaves, list(expected)):
            fail("%s: key %s is %r, gguf says %r" % (where, key, leaves[:20],
                                                    list(expected)[:20]))
        if written is not None and key in written:
            want_types, want = written[key]
            if plain(node) != want and not same(plain(node), want):
                fail("%s: key %s is %r, written %r" % (where, key, plain(node),
                                                       want))
            if want_types is not None and types != want_types:
                fail("%s: key %s has types %s, written %s" % (
                    where, key, types, want_types))
    if written is not None:
        missing = set(written) - {k for k, _ in wq["metadata"]}
        if missing:
            fail("%s: written keys missing: %s" % (where, sorted(missing)))

    # Tensor table and values.
    if len(wq["tensors"]) != len(reader.tensors):
        fail("%s: %d tensors, gguf says %d" % (where, len(wq["tensors"]),
                                               len(reader.tensors)))
    values = 0
    compared = 0
    for mine, ref in zip(wq["tensors"], reader.tensors):
        name = ref.name
        if mine["name"] != name:
            fail("%s: tensor %s, gguf says %s" % (where, mine["name"], name))
        if mine["type"] != int(ref.tensor_type):
            fail("%s: tensor %s type %s, gguf says %s" % (
                where, name, mine["type"], ref.tensor_type.name))
        if mine["type_name"] != ref.tensor_type.name:
            fail("%s: tensor %s type name %s, gguf says %s" % (
                where, name, mine["type_name"], ref.tensor_type.name))
        if mine["dims"] != [int(d) for d in ref.shape]:
            fail("%s: tensor %s dims %s, gguf says %s" % (
                where, name, mine["dims"], list(ref.shape)))
        if mine["shape"] != list(reversed(mine["dims"])):
            fail("%s: tensor %s shape %s is not dims reversed" % (where, name,
                                                                 mine["shape"]))
        if wq["data_offset"] + mine["offset"] != int(ref.data_offset):
            fail("%s: tensor %s at %s, gguf says %s" % (
                where, name, wq["data_offset"] + mine["offset"],
                ref.data_offset))
        if mine["bytes"] != int(ref.n_bytes):
            fail("%s: tensor %s has %s bytes, gguf says %s" % (
                where, name, mine["bytes"], ref.n_bytes))
        if tensors is not None and name not in tensors:
            continue
        if "f32" not in mine:
            fail("%s: tensor %s not dequantized: %s" % (where, name,
                                                        mine.get("error")))
        got = np.fromfile(mine["f32"], dtype="<f4")
        want = np.ascontiguousarray(
            gguf.quants.dequantize(ref.data, ref.tensor_type),
            dtype=np.float32).ravel()
        if got.size != want.size or got.size != int(ref.n_elements):
            fail("%s: tensor %s has %d values, gguf %d (%d elements)" % (
                where, name, got.size, want.size, ref.n_elements))
        if not np.count_nonzero(want):
            fail("%s: tensor %s is all zeros: not a test" % (where, name))
        differ = np.flatnonzero(got.view(np.uint32) != want.view(np.uint32))
        if differ.size:
            i = int(differ[0])
            fail("%s: tensor %s (%s): %d of %d values differ, first at %d: "
                 "wq %r (0x%08x), gguf %r (0x%08x)" % (
                     where, name, ref.tensor_type.name, differ.size, got.size,
                     i, float(got[i]), int(got.view(np.uint32)[i]),
                     float(want[i]), int(want.view(np.uint32)[i])))
        values += got.size
        compared += 1
        del got
        os.remove(mine["f32"])  # the real model's are large
    return len(fields), compared, values


# --- synthetic files --------------------------------------------------------

QUANTIZABLE = [QT.Q8_0, QT.Q4_0, QT.Q4_1, QT.Q5_0, QT.Q5_1, QT.BF16]
K_QUANTS = [QT.Q4_K, QT.Q5_K, QT.Q6_K]
# Byte offsets of the f16 fields of each block (ggml-common.h).
HALF_FIELDS = {
    QT.Q8_0: [0], QT.Q4_0: [0], QT.Q4_1: [0, 2], QT.Q5_0: [0],
    QT.Q5_1: [0, 2], QT.Q4_K: [0, 2], QT.Q5_K: [0, 2], QT.Q6_K: [208],
}
# Shapes in numpy (row-major) order: several rows, odd row counts, 3-D.
SHAPES_32 = [(7, 64), (3, 2, 96), (1, 32), (5, 160)]
SHAPES_256 = [(3, 256), (5, 512), (2, 3, 256)]


def random_blocks(rng, qtype, shape):
    """Random block bytes with finite f16 fields (normal and subnormal)."""
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    rows = shape[:-1]
    blocks = rng.integers(0, 256, size=(*rows, shape[-1] // block_size,
                                        type_size), dtype=np.uint8)
    for offset in HALF_FIELDS[qtype]:
        halves = (rng.standard_normal(blocks.shape[:-1]) *
                  rng.choice([1e-6, 1e-3, 0.05, 1.0, 300.0],
                             size=blocks.shape[:-1])).astype(np.float16)
        assert np.all(np.isfinite(halves))
        blocks[..., offset:offset + 2] = halves[..., None].view(np.uint8)
    return blocks.reshape(*rows, -1)


def add_metadata(writer, rng):
    """Every value type, arrays of each, nested arrays. Returns {key: (type
    chain or None, value as read back)}."""
    written = {}

    def put(key, value, vtype, types, readback=None, sub_type=None):
        writer.add_key_value(key, value, vtype, sub_type=sub_type)
        written[key] = (types, value if readback is None else readback)

    f32 = float(np.float32(rng.standard_normal()))
    put("test.u8", 200, VT.UINT8, [VT.UINT8])
    put("test.i8", -100, VT.INT8, [VT.INT8])
    put("test.u16", 65000, VT.UINT16, [VT.UINT16])
    put("test.i16", -32000, VT.INT16, [VT.INT16])
    put("test.u32", 4000000000, VT.UINT32, [VT.UINT32])
    put("test.i32", -2000000000, VT.INT32, [VT.INT32])
    put("test.f32", f32, VT.FLOAT32, [VT.FLOAT32])
    put("test.f32.tiny", 1e-40, VT.FLOAT32, [VT.FLOAT32],
        float(np.float32(1e-40)))
    put("test.bool.true", True, VT.BOOL, [VT.BOOL])
    put("test.bool.false", False, VT.BOOL, [VT.BOOL])
    put("test.string", "héllo wörld ✓ \U0001F600", VT.STRING, [VT.STRING])
    put("test.string.empty", "", VT.STRING, [VT.STRING])
    put("test.u64", 2**64 - 5, VT.UINT64, [VT.UINT64])
    put("test.i64", -2**63 + 7, VT.INT64, [VT.INT64])
    put("test.f64", float(rng.standard_normal()) * 1e100, VT.FLOAT64,
        [VT.FLOAT64])
    put("test.f64.neg_zero", -0.0, VT.FLOAT64, [VT.FLOAT64])

    ints = [int(x) for x in rng.integers(0, 256, size=17)]
    for vtype, values in [
        (VT.UINT8, ints),
        (VT.INT8, [int(x) for x in rng.integers(-128, 128, size=9)]),
        (VT.UINT16, [int(x) for x in rng.integers(0, 65536, size=5)]),
        (VT.INT16, [int(x) for x in rng.integers(-32768, 32768, size=5)]),
        (VT.UINT32, [int(x) for x in rng.integers(0, 2**32, size=5,
                                                 dtype=np.uint64)]),
        (VT.INT32, [int(x) for x in rng.integers(-2**31, 2**31, size=5)]),
        (VT.UINT64, [2**64 - 1, 0, int(rng.integers(0, 2**62))]),
        (VT.INT64, [-2**63, 2**63 - 1, int(rng.integers(-2**62, 2**62))]),
        (VT.BOOL, [True, False, True, True]),
    ]:
        put("test.array." + vtype.name.lower(), values, VT.ARRAY,
            [VT.ARRAY, vtype], sub_type=vtype)
    floats = [float(x) for x in rng.standard_normal(6)]
    put("test.array.float32", floats, VT.ARRAY, [VT.ARRAY, VT.FLOAT32],
        [float(np.float32(x)) for x in floats], sub_type=VT.FLOAT32)
    put("test.array.float64", floats, VT.ARRAY, [VT.ARRAY, VT.FLOAT64],
        sub_type=VT.FLOAT64)
    strings = ["alpha", "", "γάμμα", "tab\there", "x" * 300]
    put("test.array.string", strings, VT.ARRAY, [VT.ARRAY, VT.STRING],
        sub_type=VT.STRING)
    # Nested arrays (the writer infers inner types: int -> i32, str, float).
    nested = [[int(x) for x in rng.integers(-50, 50, size=n)]
              for n in (3, 1, 4)]
    put("test.array.nested2", nested, VT.ARRAY,
        [VT.ARRAY, VT.ARRAY, VT.INT32])
    nested3 = [[["a", "bc"], ["def"]], [["g"]]]
    put("test.array.nested3", nested3, VT.ARRAY,
        [VT.ARRAY, VT.ARRAY, VT.ARRAY, VT.STRING])
    nested_f = [[float(np.float32(x)) for x in rng.standard_normal(2)]
                for _ in range(2)]
    put("test.array.nested_f32", nested_f, VT.ARRAY,
        [VT.ARRAY, VT.ARRAY, VT.FLOAT32])
    return written


def add_tensors(writer, rng):
    count = 0
    for shape in [(9, 40), (4, 3, 16), (33,)]:
        data = (rng.standard_normal(shape) * 3).astype(np.float32)
        writer.add_tensor("f32.%d" % count, data)
        writer.add_tensor("f16.%d" % count, data.astype(np.float16))
        count += 1
    for qtype in QUANTIZABLE:
        for i, shape in enumerate(SHAPES_32):
            data = (rng.standard_normal(shape) *
                    rng.choice([0.01, 1.0, 50.0])).astype(np.float32)
            quantized = gguf.quants.quantize(data, qtype)
            writer.add_tensor("%s.quantized.%d" % (qtype.name.lower(), i),
                              quantized, raw_dtype=qtype)
            if qtype in HALF_FIELDS:
                writer.add_tensor("%s.raw.%d" % (qtype.name.lower(), i),
                                  random_blocks(rng, qtype, shape),
                                  raw_dtype=qtype)
    for qtype in K_QUANTS:
        for i, shape in enumerate(SHAPES_256):
            writer.add_tensor("%s.raw.%d" % (qtype.name.lower(), i),
                              random_blocks(rng, qtype, shape),
                              raw_dtype=qtype)


def write_file(path, seed, alignment=None):
    rng = np.random.default_rng(seed)
    writer = gguf.GGUFWriter(path, arch="wqtest")
    if alignment is not None:
        writer.add_custom_alignment(alignment)
    written = add_metadata(writer, rng)
    written["general.architecture"] = ([VT.STRING], "wqtest")
    if alignment is not None:
        written["general.alignment"] = ([VT.UINT32], alignment)
    add_tensors(writer, rng)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return written


def check_types(dump):
    result = subprocess.run([dump, "--types"], stdout=subprocess.PIPE,
                            check=True)
    table = json.loads(result.stdout)
    known = 0
    for entry in table:
        try:
            qtype = QT(entry["type"])
        except ValueError:
            fail("wq knows ggml type %d (%s), gguf does not" % (
                entry["type"], entry["name"]))
        if entry["name"] != qtype.name:
            fail("type %d: wq says %s, gguf %s" % (entry["type"],
                                                   entry["name"], qtype.name))
        sizes = (entry["block_elements"], entry["block_bytes"])
        # gguf-py lists Q8_1 as (32, 40); ggml's block_q8_1 is two f16 and
        # 32 int8 (static_assert in ggml-common.h): 36 bytes.
        want = (32, 36) if qtype == QT.Q8_1 else gguf.GGML_QUANT_SIZES[qtype]
        if sizes != tuple(want):
            fail("type %s: wq block %s, gguf %s" % (qtype.name, sizes, want))
        known += 1
    dequantizable = sorted(e["name"] for e in table if e["dequantizable"])
    expected = sorted(["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0",
                       "Q5_1", "Q4_K", "Q5_K", "Q6_K"])
    if dequantizable != expected:
        fail("wq dequantizes %s, expected %s" % (dequantizable, expected))
    print("types: %d ggml types agree with gguf.GGML_QUANT_SIZES" % known)


def synthetic(args):
    check_types(args.dump)
    files = 0
    total = [0, 0, 0]
    for name, seed, alignment in [("v3-align32.gguf", 1, None),
                                  ("v3-align8.gguf", 2, 8),
                                  ("v3-align128.gguf", 3, 128)]:
        path = os.path.join(args.work, name)
        written = write_file(path, seed, alignment)
        counts = compare_file(args.dump, path, args.work, written=written,
                              expect_version=3)
        print("%s: %d keys, %d tensors, %d values bit-identical" % (
            name, *counts))
        total = [t + c for t, c in zip(total, counts)]
        files += 1
    # Version 2 has the same layout as version 3 (both little-endian, 64-bit
    # counts); a copy with the version field set to 2.
    with open(os.path.join(args.work, "v3-align32.gguf"), "rb") as f:
        data = bytearray(f.read())
    data[4:8] = (2).to_bytes(4, "little")
    path = os.path.join(args.work, "v2.gguf")
    with open(path, "wb") as f:
        f.write(data)
    counts = compare_file(args.dump, path, args.work, written=None,
                          expect_version=2)
    print("v2.gguf: %d keys, %d tensors, %d values bit-identical" % counts)
    total = [t + c for t, c in zip(total, counts)]
    files += 1
    print("synthetic: %d files, %d keys, %d tensors, %d values bit-identical"
          % (files, *total))


def model(args):
    counts = compare_file(args.dump, args.file, args.work,
                          tensors=args.tensor or None)
    print("%s: %d keys, %d tensors, %d values bit-identical" % (
        os.path.basename(args.file), *counts))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dump", required=True, help="wq-gguf-dump binary")
    parser.add_argument("--work", required=True, help="scratch folder")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("synthetic")
    model_parser = sub.add_parser("model")
    model_parser.add_argument("file")
    model_parser.add_argument("--tensor", action="append")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    if args.command == "synthetic":
        synthetic(args)
    else:
        model(args)


if __name__ == "__main__":
    main()
