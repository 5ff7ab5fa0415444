#!/usr/bin/env python3
"""Checks the numerics of wq's GPU decode kernels without a GPU: compiles an
MLIR file of functions holding one `wq.matmul` each with wq-gpu-pipeline
(PTX), runs each function's host code (gpu.alloc and gpu.launch_func) with
the PTX simulator (scripts/ptx_sim.py), and compares the output with a
float64 reference computed here.

    gpu_sim_check.py --wq-opt PATH INPUT.mlir [--chip sm_90] [--seed N] [--only NAME]
                     [--split-k N] [--columns-per-block N] [--resident-warps N]

The inputs are random with a fixed seed: fields of every value, scales in
[0.005, 0.02], zero points over the whole field range, group offsets (w =
scale * (q - zero) + offset) in [-0.15, 0.05], normal activations;
the output buffer is poisoned with NaN. Weights in the `mma_tiles` layout are
re-tiled here by an implementation of the layout written from its
documentation (include/wq/Numerics/GpuLayout.h), independent of wq's. Bound
on the relative Frobenius error: 2e-3 for f16 outputs, 1e-2 for bf16, 1e-4
for f32. Act-order permutations (random), AWQ input scales (in [0.5, 2])
and outlier channels (random channels, normal weights) are checked too: the
reference applies them to the logical weight as docs/dialect.md defines it.
A function whose matmul reads a wq.rms_norm or an element-wise linalg.generic
(the producers the SIMT decode kernel takes in) is checked as a whole: the
producer's inputs are random, its result computed here in float64 (the
generic's body interpreted), and every result compared, a norm's residual
sums included. A wq.rms_norm or wq.attention alone is checked against its
own float64 reference.
Prints one line per function; exits 1 if any fails.
"""
import argparse
import math
import os
import random
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ptx_sim  # noqa: E402
from ptxas_check import BINARY, unescape_mlir_string  # noqa: E402

ELEMENT_BYTES = {"f16": 2, "bf16": 2, "f32": 4, "i8": 1, "i32": 4, "i64": 8, "index": 8}
BOUND = {"f16": 2e-3, "bf16": 1e-2, "f32": 1e-4}
# H200: 4.8 TB/s of HBM; 132 SMs x 4 schedulers x 1.98 GHz warp instructions.
H200_BYTES_PER_S = 4.8e12
H200_ISSUE_PER_S = 132 * 4 * 1.98e9


def memref_shape(type_text):
    """(dims, element) of a static shape; a dynamic dimension is None."""
    m = re.match(r"(?:memref|tensor)<((?:(?:\d+|\?)x)*)(\w+)>", type_text.strip())
    if not m:
        raise ValueError(f"unsupported type {type_text}")
    dims = [None if d == "?" else int(d) for d in m.group(1).split("x") if d]
    return dims, m.group(2)


def encode(values, element):
    out = bytearray()
    for v in values:
        if element == "f16":
            out += ptx_sim.f16_bits(v).to_bytes(2, "little")
        elif element == "bf16":
            out += ptx_sim.bf16_bits(v).to_bytes(2, "little")
        elif element == "f32":
            out += ptx_sim.f32_bits(v).to_bytes(4, "little")
        elif element == "i8":
            out += (int(v) & 0xFF).to_bytes(1, "little")
        elif element == "i32":
            out += (int(v) & 0xFFFFFFFF).to_bytes(4, "little")
        else:
            raise ValueError(element)
    return out


def decode(data, element):
    size = ELEMENT_BYTES[element]
    unpack = {"f16": ptx_sim.f16_from_bits, "bf16": ptx_sim.bf16_from_bits,
              "f32": ptx_sim.f32_from_bits}[element]
    return [unpack(int.from_bytes(data[i:i + size], "little")) for i in range(0, len(data), size)]


def rounded(value, element):
    return decode(encode([value], element), element)[0]


NORM = re.compile(r"wq\.rms_norm (%\w+), (%\w+)(?: residual\((%\w+)\))? "
                  r"epsilon = ([-+.\deE]+)")


def rms_norm_reference(rows, weight, epsilon):
    """wq.rms_norm of `rows` (float64): w[j] * x[j] / sqrt(mean(x^2) + eps)."""
    out = []
    for row in rows:
        inverse = 1 / math.sqrt(math.fsum(v * v for v in row) / len(row) + epsilon)
        out.append([weight[j] * row[j] * inverse for j in range(len(row))])
    return out


class RmsNorm:
    """A function `@name(%x, %w[, %r]) -> results` with one wq.rms_norm
    (reported as rows x features "x" features x features, i.e. n = k =
    features). With a residual its two results (the normalized rows, then
    the sums) are checked as 2 x rows rows."""
    bits = 32
    layout = "rms_norm"

    def __init__(self, name, signature, body):
        self.name = name
        self.args = re.findall(r"(%\w+): (tensor<[^>]*>)", signature)
        m = NORM.search(body)
        if not m:
            raise ValueError("no wq.rms_norm of the function's arguments")
        names = [a for a, _ in self.args]
        self.x_arg, self.w_arg = names.index(m.group(1)), names.index(m.group(2))
        self.r_arg = names.index(m.group(3)) if m.group(3) else None
        self.epsilon = float(m.group(4))
        (self.rows, self.n), self.act = memref_shape(self.args[self.x_arg][1])
        self.m = self.rows * (2 if self.r_arg is not None else 1)
        self.k = self.n

    def make_inputs(self, rng):
        x = [[rounded(rng.gauss(0, 2), self.act) for _ in range(self.n)]
             for _ in range(self.rows)]
        w = [rounded(rng.uniform(0.5, 1.5), self.act) for _ in range(self.n)]
        inputs = {self.x_arg: encode([v for row in x for v in row], self.act),
                  self.w_arg: encode(w, self.act)}
        if self.r_arg is not None:
            r = [[rounded(rng.gauss(0, 1), self.act) for _ in range(self.n)]
                 for _ in range(self.rows)]
            inputs[self.r_arg] = encode([v for row in r for v in row], self.act)
            # The sum as the kernel has it (one f32 add), then normalized.
            x = [[rounded(a + b, self.act) for a, b in zip(xr, rr)] for xr, rr in zip(x, r)]
        reference = rms_norm_reference(x, w, self.epsilon)
        if self.r_arg is not None:
            reference += x
        return inputs, reference


class Attention:
    """A function `@name(%q, %k, %v, %layer, %start) -> result` with one
    wq.attention of its arguments (start an index or a tensor<1xi32>). A
    dynamic cache length is 37 positions here; the layer is the caches' last
    and the start puts the last row at the cache's last position but 2."""
    bits = 32
    layout = "attention"
    POSITIONS = 37

    def __init__(self, name, signature, body):
        self.name = name
        args = re.findall(r"(%\w+): (tensor<[^>]*>|memref<[^>]*>|index)", signature)
        m = re.search(r"wq\.attention (%\w+), (%\w+), (%\w+) layer (%\w+) start (%\w+)"
                      r" \{heads = (\d+) : i64, kv_heads = (\d+) : i64\}", body)
        if not m:
            raise ValueError("no wq.attention of the function's arguments")
        names = [a for a, _ in args]
        self.order = [names.index(m.group(i)) for i in range(1, 6)]
        self.heads, self.kv_heads = int(m.group(6)), int(m.group(7))
        self.args = [(a, t.replace("x?x", f"x{self.POSITIONS}x")) for a, t in args]
        (self.rows, self.n), _ = memref_shape(self.args[self.order[0]][1])
        (self.layers, self.positions, self.kv_columns), _ = memref_shape(
            self.args[self.order[1]][1])
        self.m, self.k = self.rows, self.n
        self.start_in_tensor = self.args[self.order[4]][1] != "index"

    def make_inputs(self, rng):
        hs = self.n // self.heads
        group = self.heads // self.kv_heads
        q = [[rng.gauss(0, 1) for _ in range(self.n)] for _ in range(self.rows)]
        caches = [[[[rng.gauss(0, 1) for _ in range(self.kv_columns)]
                    for _ in range(self.positions)] for _ in range(self.layers)]
                  for _ in range(2)]
        # Poison the positions no row sees: the kernel must not read them.
        layer = self.layers - 1
        start = self.positions - 2 - self.rows
        for cache in caches:
            for t in range(start + self.rows, self.positions):
                cache[layer][t] = [float("nan")] * self.kv_columns
        keys, values = caches
        reference = []
        for r in range(self.rows):
            out = []
            for h in range(self.heads):
                a = h // group
                scores = [math.fsum(q[r][h * hs + d] * keys[layer][t][a * hs + d]
                                    for d in range(hs)) / math.sqrt(hs)
                          for t in range(start + r + 1)]
                top = max(scores)
                weights = [math.exp(s - top) for s in scores]
                total = math.fsum(weights)
                out += [math.fsum(w * values[layer][t][a * hs + d]
                                  for t, w in enumerate(weights)) / total
                        for d in range(hs)]
            reference.append(out)
        flat = lambda cache: [v for layer_rows in cache for row in layer_rows for v in row]
        inputs = {self.order[0]: encode([v for row in q for v in row], "f32"),
                  self.order[1]: encode(flat(keys), "f32"),
                  self.order[2]: encode(flat(values), "f32"),
                  self.order[3]: layer,
                  self.order[4]: encode([start], "i32") if self.start_in_tensor else start}
        return inputs, reference


class Matmul:
    """A function `@name(args) -> result` with one wq.matmul of its arguments."""
    WEIGHT = re.compile(r"#wq\.qweight<(\d+)x(\d+), ([iu])(\d+), group_size = (\d+), "
                        r"scale_type = (\w+)([^>]*?)(?:, layout = #wq\.layout<(\w+)>)?>")

    def __init__(self, name, signature, body):
        self.name = name
        self.args = re.findall(r"(%\w+): (tensor<[^>]*>)", signature)
        m = re.search(r"wq\.matmul (%\w+), (%\w+), (%\w+)( zero_points\((%\w+)\))?", body)
        w = self.WEIGHT.search(body)
        if not m or not w:
            raise ValueError("no wq.matmul of the function's arguments")
        names = [a for a, _ in self.args]
        self.x_arg, self.p_arg, self.s_arg = (names.index(m.group(i)) for i in (1, 2, 3))
        self.z_arg = names.index(m.group(5)) if m.group(5) else None
        side = lambda pattern: re.search(pattern, body)  # noqa: E731
        offsets = side(r"offsets\((%\w+)\)")
        self.o_arg = names.index(offsets.group(1)) if offsets else None
        perm = side(r"perm\((%\w+)\)")
        outliers = side(r"outliers\((%\w+), (%\w+)\)")
        input_scales = side(r"input_scales\((%\w+)\)")
        self.perm_arg = names.index(perm.group(1)) if perm else None
        self.oc_arg, self.ow_arg = ((names.index(outliers.group(1)), names.index(outliers.group(2)))
                                    if outliers else (None, None))
        self.is_arg = names.index(input_scales.group(1)) if input_scales else None
        self.n, self.k = int(w.group(1)), int(w.group(2))
        self.signed = w.group(3) == "i"
        self.bits = int(w.group(4))
        self.group = int(w.group(5)) or self.k
        self.scale_type = w.group(6)
        self.zero_points = "zero_points" in w.group(7)
        self.offsets = "offsets" in w.group(7)
        if self.offsets != (self.o_arg is not None):
            raise ValueError("the offsets operand and the weight's 'offsets' disagree")
        self.layout = w.group(8) or "row_major"
        x_dims, self.act = memref_shape(self.args[self.x_arg][1])
        self.m = x_dims[0] if len(x_dims) == 2 else 1

    def make_inputs(self, rng):
        n, k, bits, group = self.n, self.k, self.bits, self.group
        groups = k // group
        top = (1 << bits) - 1
        fields = [[rng.randint(0, top) for _ in range(k)] for _ in range(n)]
        scales = [[rounded(rng.uniform(0.005, 0.02), self.scale_type) for _ in range(groups)]
                  for _ in range(n)]
        zeros = [[rng.randint(0, top) for _ in range(groups)] for _ in range(n)]
        x, inputs, producer_reference = self.make_activations(rng)
        # Drawn after the other inputs, so that a variant without offsets
        # sees the same data as before they existed.
        offsets = ([[rounded(rng.uniform(-0.15, 0.05), self.scale_type) for _ in range(groups)]
                    for _ in range(n)] if self.offsets else None)

        def value(row, col):
            q = fields[row][col]
            if self.signed:
                q = q - (1 << bits) if q >> (bits - 1) else q
            if self.zero_points:
                q -= zeros[row][col // group]
            # docs/dialect.md: w = scale * (q - zero) + offset.
            return scales[row][col // group] * q + (offsets[row][col // group] if offsets else 0.0)

        stored = [[value(r, c) for c in range(k)] for r in range(n)]
        extra = {}
        # The logical weight (docs/dialect.md): columns un-permuted, divided
        # by the input scales, plus the outlier channels.
        perm = list(range(k))
        if self.perm_arg is not None:
            rng.shuffle(perm)
            extra[self.perm_arg] = encode(perm, "i32")
        weights = [[0.0] * k for _ in range(n)]
        for r in range(n):
            for j in range(k):
                weights[r][perm[j]] = stored[r][j]
        if self.is_arg is not None:
            element = memref_shape(self.args[self.is_arg][1])[1]
            input_scales = [rounded(rng.uniform(0.5, 2.0), element) for _ in range(k)]
            extra[self.is_arg] = encode(input_scales, element)
            for r in range(n):
                for c in range(k):
                    weights[r][c] /= input_scales[c]
        if self.oc_arg is not None:
            count = memref_shape(self.args[self.oc_arg][1])[0][0]
            element = memref_shape(self.args[self.ow_arg][1])[1]
            channels = rng.sample(range(k), count)
            outlier_weights = [[rounded(rng.gauss(0, 0.1), element) for _ in range(count)]
                               for _ in range(n)]
            extra[self.oc_arg] = encode(channels, "i32")
            extra[self.ow_arg] = encode([v for row in outlier_weights for v in row], element)
            for r in range(n):
                for o, c in enumerate(channels):
                    weights[r][c] += outlier_weights[r][o]
        reference = [[math.fsum(x[i][c] * weights[r][c] for c in range(k)) for r in range(n)]
                     for i in range(self.m)]
        if self.layout == "mma_tiles":
            packed = tile_fields(fields, n, k, bits)
            blocks = (n + 15) // 16
            tiled = lambda v: [v[16 * b + j][g] if 16 * b + j < n else 0  # noqa: E731
                               for b in range(blocks) for g in range(groups) for j in range(16)]
            scale_values, zero_values = tiled(scales), tiled(zeros)
            offset_values = tiled(offsets) if offsets else None
        else:
            packed = bytearray()
            for row in fields:
                if bits == 8:
                    packed += bytes(row)
                else:
                    packed += bytes(row[c] | row[c + 1] << 4 for c in range(0, k, 2))
            scale_values = [s for row in scales for s in row]
            zero_values = [z for row in zeros for z in row]
            offset_values = [o for row in offsets for o in row] if offsets else None
        inputs.update({self.p_arg: packed,
                       self.s_arg: encode(scale_values, self.scale_type)})
        if self.z_arg is not None:
            inputs[self.z_arg] = encode(zero_values, "i8")
        if self.o_arg is not None:
            inputs[self.o_arg] = encode(offset_values, self.scale_type)
        inputs.update(extra)
        return inputs, reference + producer_reference

    def make_activations(self, rng):
        """The activation rows (as the kernel reads them), the inputs they
        come from, and reference rows of further results (none here)."""
        x = [[rounded(rng.gauss(0, 1), self.act) for _ in range(self.k)] for _ in range(self.m)]
        return x, {self.x_arg: encode([v for row in x for v in row], self.act)}, []


class FusedMatmul(Matmul):
    """A function whose wq.matmul reads the result of a producer the decode
    kernel takes in: a wq.rms_norm (its residual sum, when the function
    returns it, checked too) or an element-wise linalg.generic, whose body
    is evaluated here in float64 (arith/math ops on scalars). Operands may be
    tensor.cast or unit-stride tensor.extract_slice of the arguments."""
    BODY_OPS = {"negf": lambda a: -a, "exp": math.exp, "addf": lambda a, b: a + b,
                "subf": lambda a, b: a - b, "mulf": lambda a, b: a * b,
                "divf": lambda a, b: a / b, "maximumf": max, "minimumf": min}

    def __init__(self, name, signature, body):
        m = re.search(r"wq\.matmul (%\w+),", body)
        names = re.findall(r"(%\w+): tensor<", signature)
        # The matmul's input is no argument: name it after the first one
        # for Matmul's parsing, then forget it.
        super().__init__(name, signature, body.replace(f"wq.matmul {m.group(1)},",
                                                       f"wq.matmul {names[0]},"))
        self.x_arg = None
        self.body = body
        # A dynamic M: the rows of the (substituted) rank-2 arguments.
        self.m = memref_shape(self.producer_type())[0][0] or next(
            dims[0] for dims, _ in (memref_shape(t) for _, t in self.args) if len(dims) == 2)
        self.returns_sum = re.search(r"return %\w+, ", body) is not None

    def producer_type(self):
        m = re.search(r"wq\.matmul \S+ .*: \((tensor<[^>]*>)", self.body)
        return m.group(1)

    def resolve(self, value):
        """(argument index, row offset, column offset) of an operand."""
        names = [a for a, _ in self.args]
        rows = cols = 0
        while value not in names:
            cast = re.search(rf"{value} = tensor\.cast (%\w+)", self.body)
            slice_ = re.search(rf"{value} = tensor\.extract_slice (%\w+)\[(\d+), (\d+)\]",
                               self.body)
            if cast:
                value = cast.group(1)
            elif slice_:
                value, rows, cols = slice_.group(1), rows + int(slice_.group(2)), \
                    cols + int(slice_.group(3))
            else:
                raise ValueError(f"{self.name}: cannot trace {value} to an argument")
        return names.index(value), rows, cols

    def random_argument(self, rng, index, spread):
        dims, element = memref_shape(self.args[index][1])
        values = [rounded(rng.gauss(0, spread), element) for _ in range(math.prod(dims))]
        return values, dims, element

    def make_activations(self, rng):
        norm = NORM.search(self.body)
        inputs = {}
        if norm:
            x_arg, w_arg = self.resolve(norm.group(1))[0], self.resolve(norm.group(2))[0]
            x, _, _ = self.random_argument(rng, x_arg, 2)
            w = [rounded(rng.uniform(0.5, 1.5), "f32") for _ in range(self.k)]
            inputs[x_arg], inputs[w_arg] = encode(x, "f32"), encode(w, "f32")
            if norm.group(3):
                r_arg = self.resolve(norm.group(3))[0]
                r, _, _ = self.random_argument(rng, r_arg, 1)
                inputs[r_arg] = encode(r, "f32")
                x = [rounded(a + b, "f32") for a, b in zip(x, r)]
            sums = [x[i * self.k:(i + 1) * self.k] for i in range(self.m)]
            rows = rms_norm_reference(sums, w, float(norm.group(4)))
            return rows, inputs, sums if self.returns_sum else []
        generic = re.search(r"linalg\.generic \{indexing_maps = \[(.*?)\].*?ins\((.*?) :.*?"
                            r"\^bb0\((.*?)\):\n(.*?)linalg\.yield (%\w+)", self.body, re.S)
        if not generic:
            raise ValueError(f"{self.name}: no producer")
        maps = re.findall(r"-> \(([^)]*)\)", generic.group(1))
        operands = [o.strip() for o in generic.group(2).split(",")]
        block_args = re.findall(r"(%\w+):", generic.group(3))
        data = {}
        readers = []
        for operand, indexing in zip(operands, maps):
            index, row_offset, col_offset = self.resolve(operand)
            if index not in data:
                data[index] = self.random_argument(rng, index, 1)
                inputs[index] = encode(data[index][0], data[index][2])
            values, dims, _ = data[index]
            if indexing == "d0, d1":
                readers.append(lambda i, j, v=values, d=dims, r=row_offset, c=col_offset:
                               v[(i + r) * d[1] + j + c])
            else:
                readers.append(lambda i, j, v=values, c=col_offset: v[j + c])
        lines = [line.strip() for line in generic.group(4).split("\n") if line.strip()]
        rows = []
        for i in range(self.m):
            row = []
            for j in range(self.k):
                env = {a: read(i, j) for a, read in zip(block_args, readers)}
                for line in lines:
                    m = re.match(r"(%\w+) = (?:arith|math)\.(\w+) (.*?) : ([\w ]+)$", line)
                    if not m:
                        raise ValueError(f"{self.name}: unsupported body line {line}")
                    op, args = m.group(2), [a.strip() for a in m.group(3).split(",")]
                    if op == "constant":
                        env[m.group(1)] = float(args[0])
                    elif op == "truncf":
                        env[m.group(1)] = rounded(env[args[0]], m.group(4).split()[-1])
                    else:
                        env[m.group(1)] = self.BODY_OPS[op](*(env[a] for a in args))
                row.append(env[generic.group(5)])
            rows.append(row)
        return rows, inputs, []


def tile_fields(fields, n, k, bits):
    """The mma_tiles storage, from GpuLayout.h's description: tile (c, t) is
    channels 16c.. and D positions from Dt (D = 64 int4, 32 int8); lane l
    holds bytes [16l, 16l + 16); with g = l / 4, q = l % 4, step s covers
    k0 = Dt + 16s + 4q .. k0 + 3 of channels 16c + g (low) and + 8 (high)."""
    depth = 64 if bits == 4 else 32
    blocks, tiles = (n + 15) // 16, k // depth
    out = bytearray(blocks * tiles * 512)

    def field(row, col):
        return fields[row][col] if row < n else 0

    for c in range(blocks):
        for t in range(tiles):
            base = (c * tiles + t) * 512
            for lane in range(32):
                g, q = lane // 4, lane % 4
                low, high = 16 * c + g, 16 * c + g + 8
                for s in range(depth // 16):
                    k0 = depth * t + 16 * s + 4 * q
                    if bits == 4:
                        # p0 low k0, p4 low k0+1, p2 low k0+2, p6 low k0+3;
                        # p1, p5, p3, p7 the same of the high channel.
                        word = 0
                        for j, p in enumerate((0, 4, 2, 6)):
                            word |= field(low, k0 + j) << (4 * p)
                            word |= field(high, k0 + j) << (4 * (p + 1))
                        out[base + 16 * lane + 4 * s: base + 16 * lane + 4 * s + 4] = \
                            word.to_bytes(4, "little")
                    else:
                        order = [(low, 0), (high, 0), (low, 1), (high, 1),
                                 (low, 2), (high, 2), (low, 3), (high, 3)]
                        at = base + 16 * lane + 8 * s
                        for i, (row, j) in enumerate(order):
                            out[at + i] = field(row, k0 + j)
    return out


def host_functions(ir):
    """func name -> (argument names, body lines) of the host module after
    gpu-kernel-outlining."""
    funcs = {}
    for m in re.finditer(r"func\.func @(\w+)\((.*?)\)[^{]*\{\n(.*?)\n  \}", ir, re.S):
        funcs[m.group(1)] = ([a for a in re.findall(r"(%\w+):", m.group(2))], m.group(3).split("\n"))
    return funcs


def affine_maps(ir):
    """#mapN = affine_map<(d0, ..)[s0, ..] -> (expr)> as Python functions of
    (dims, symbols); ceildiv, floordiv and mod as Python integer ops."""
    maps = {}
    for m in re.finditer(r"^(#\w+) = affine_map<\((.*?)\)\[(.*?)\] -> \((.*)\)>$", ir, re.M):
        dims = [d.strip() for d in m.group(2).split(",") if d.strip()]
        symbols = [x.strip() for x in m.group(3).split(",") if x.strip()]
        expr = m.group(4)
        expr = re.sub(r"(\([^()]*\)|\w+) ceildiv (\w+)", r"(-((-\1) // \2))", expr)
        expr = expr.replace("floordiv", "//").replace(" mod ", " % ")
        maps[m.group(1)] = (dims, symbols, expr)
    return maps


def run_host(name, arg_names, body, inputs, arg_types, kernels, memory, maps, count_moves=True):
    """Runs the host body: integer constants and arithmetic, affine.apply,
    gpu.alloc/dealloc, gpu.launch_func, return. Returns (output bytes, output
    element type, instructions)."""
    values = {}  # SSA name -> int constant or (address, dims, element)
    active = []  # per enclosing scf.if: whether its current branch runs
    for i, arg in enumerate(arg_names):
        if arg_types[i] == "index":
            values[arg] = inputs[i]
            continue
        dims, element = memref_shape(arg_types[i])
        data = inputs[i]
        values[arg] = (memory.alloc(len(data), data), dims, element)
    executed = 0
    for line in body:
        line = line.strip()
        if not line:
            continue
        # scf.if without results: the branches of the host's run-time choices.
        m = re.match(r"scf\.if (%[\w-]+) \{$", line)
        if m:
            active.append(bool(values[m.group(1)]) if all(active) else False)
            continue
        if line == "} else {":
            outer = all(active[:-1])
            # The else branch runs when the condition was false.
            active[-1] = outer and not active[-1]
            continue
        if line == "}" and active:
            active.pop()
            continue
        if not all(active):
            continue
        m = re.match(r"(%[\w-]+) = arith\.constant (-?\d+) : (index|i32|i64)$", line)
        if m:
            values[m.group(1)] = int(m.group(2))
            continue
        if re.match(r"%[\w-]+ = arith\.constant ", line):
            continue  # float constants the kernels no longer use
        m = re.match(r"(%\w+) = arith\.(muli|addi|subi|divui|remui|minui|maxui) (%[\w-]+), "
                     r"(%[\w-]+) : index$", line)
        if m:
            a, b = values[m.group(3)], values[m.group(4)]
            values[m.group(1)] = {"muli": lambda: a * b, "addi": lambda: a + b,
                                  "subi": lambda: a - b, "divui": lambda: a // b,
                                  "remui": lambda: a % b, "minui": lambda: min(a, b),
                                  "maxui": lambda: max(a, b)}[m.group(2)]()
            continue
        m = re.match(r"(%\w+) = arith\.cmpi (eq|ne|ult|ule|ugt|uge), (%[\w-]+), (%[\w-]+) : index$",
                     line)
        if m:
            a, b = values[m.group(3)], values[m.group(4)]
            values[m.group(1)] = {"eq": a == b, "ne": a != b, "ult": a < b, "ule": a <= b,
                                  "ugt": a > b, "uge": a >= b}[m.group(2)]
            continue
        m = re.match(r"(%\w+) = memref\.dim (%\w+), (%\w+) : memref<[^>]*>$", line)
        if m:
            values[m.group(1)] = values[m.group(2)][1][values[m.group(3)]]
            continue
        m = re.match(r"(%\w+) = affine\.apply (#\w+)\((.*?)\)\[(.*?)\]$", line)
        if m:
            dims, symbols, expr = maps[m.group(2)]
            env = dict(zip(dims, (values[v.strip()] for v in m.group(3).split(",") if v.strip())))
            env.update(zip(symbols, (values[v.strip()] for v in m.group(4).split(",") if v.strip())))
            values[m.group(1)] = int(eval(expr, {"__builtins__": {}}, env))
            continue
        m = re.match(r"(%\w+) = memref\.extract_aligned_pointer_as_index (%\w+) : ", line)
        if m:
            values[m.group(1)] = values[m.group(2)][0]
            continue
        m = re.match(r"(%\w+) = (?:func\.)?call @wqrtTensorMapEncodeTiled2D\((.*?)\) : ", line)
        if m:
            # kernels_runtime's tensor map of a row-major [rows, columns]
            # 16-bit matrix in swizzled boxes, as the stand-in drivers
            # encode it.
            base, rows, columns, box_rows, box_columns, swizzle = (
                values[v.strip()] for v in m.group(2).split(","))
            raw = ptx_sim.encode_tensor_map(base, [columns, rows], [2 * columns],
                                            [box_columns, box_rows], 2,
                                            {32: 1, 64: 2, 128: 3}[swizzle])
            values[m.group(1)] = memory.alloc(len(raw), raw)
            continue
        if line.startswith("gpu.dealloc"):
            continue
        m = re.match(r"(%\w+) = gpu\.alloc\s+\((.*?)\) : (memref<[^>]*>)$", line)
        if m:
            dims, element = memref_shape(m.group(3))
            sizes = iter(values[v.strip()] for v in m.group(2).split(",") if v.strip())
            dims = [next(sizes) if d is None else d for d in dims]
            size = math.prod(dims) * ELEMENT_BYTES[element]
            poison = {"f16": b"\x00\x7e", "bf16": b"\xc0\x7f", "f32": b"\x00\x00\xc0\x7f"}.get(
                element, b"\x00")
            values[m.group(1)] = (memory.alloc(size, poison * (size // len(poison))), dims, element)
            continue
        m = re.match(r"gpu\.launch_func\s+@(\w+::@\w+) blocks in \((.*?)\) threads in \((.*?)\)"
                     r"\s*(?:dynamic_shared_memory_size (%\w+))?\s*args\((.*)\)$", line)
        if m:
            kernel = kernels[tuple(m.group(1).split("::@"))]
            grid = [values[v.strip()] for v in m.group(2).split(",")]
            block = [values[v.strip()] for v in m.group(3).split(",")]
            shared = values[m.group(4)] if m.group(4) else 0
            params = []
            for arg, type_text in re.findall(r"(%\w+) : ([^,]+(?:<[^>]*>)?)", m.group(5)):
                if type_text.startswith("memref"):
                    address, dims, _ = values[arg]
                    strides = [math.prod(dims[i + 1:]) for i in range(len(dims))]
                    params += [address, address, 0] + dims + strides
                else:
                    params.append(values[arg])
            if len(params) != len(kernel.params):
                raise ptx_sim.SimError(f"{kernel.name}: {len(params)} parameter values for "
                                       f"{len(kernel.params)} parameters")
            launch = ptx_sim.Launch(kernel, grid, block, dict(zip(kernel.params, params)),
                                    memory, shared)
            launch.run()
            executed += launch.executed - (0 if count_moves else launch.moves)
            continue
        m = re.match(r"return (%\w+(?:, %\w+)*) : memref<.*>$", line)
        if m:
            # Several results: their bytes one after the other.
            output = b""
            for result in m.group(1).split(", "):
                address, dims, element = values[result]
                size = math.prod(dims) * ELEMENT_BYTES[element]
                output += bytes(memory.data[address:address + size])
            return output, element, executed
        raise ptx_sim.SimError(f"{name}: unsupported host operation: {line}")
    raise ptx_sim.SimError(f"{name}: no return")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("--wq-opt", required=True)
    parser.add_argument("--chip", default="sm_90")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", action="append", help="check only these functions")
    parser.add_argument("--rows", type=int, default=21,
                        help="M of functions whose activations have a dynamic number of rows")
    parser.add_argument("--stats", action="store_true",
                        help="also print warp instructions per 1024 weights (thread "
                             "instructions / 32, without register moves, which ptxas "
                             "mostly folds away) and the share of an H200's issue slots "
                             "they would take at 4.8 TB/s of weights")
    parser.add_argument("--split-k", type=int,
                        help="run wq-lower-to-gpu-decode with this split-k before the pipeline")
    parser.add_argument("--columns-per-block", type=int,
                        help="run wq-lower-to-gpu-decode with this columns-per-block "
                             "before the pipeline")
    parser.add_argument("--resident-warps", type=int,
                        help="run wq-lower-to-gpu-decode with this resident-warps "
                             "before the pipeline")
    parser.add_argument("--prefill-split-k", type=int,
                        help="run wq-lower-to-gpu-prefill with this split-k before the pipeline")
    parser.add_argument("--stages", type=int,
                        help="run wq-lower-to-gpu-prefill with this many stages before the "
                             "pipeline")
    parser.add_argument("--sm-count", type=int,
                        help="run wq-lower-to-gpu-prefill with this sm-count (the tile and "
                             "split-K choice) before the pipeline")
    parser.add_argument("--attention-options",
                        help="run wq-lower-attention-to-gpu with these options (e.g. "
                             "'warps=1 unroll=3') before the pipeline")
    parser.add_argument("--no-tma", action="store_true",
                        help="run wq-lower-to-gpu-prefill with tma=false: the wgmma kernel's "
                             "stages by cp.async at every M")
    parser.add_argument("--mma-sync", action="store_true",
                        help="sm_90: the prefill GEMM on mma.sync (prefill-wgmma=false) instead "
                             "of wgmma")
    parser.add_argument("--perturb",
                        choices=["mma-b", "async-wait", "wgmma-a", "wgmma-wait", "proxy-fence",
                                 "barrier", "tma-parity"],
                        help="break the PTX on purpose, to show the check fails: swap the two "
                             "B registers of every mma or the middle A registers of every wgmma "
                             "(a fragment layout), wait for one cp.async group or wgmma group "
                             "fewer (a pipeline stage read before it lands, or refilled while a "
                             "wgmma still reads it), or drop the proxy fence between the copies "
                             "and the wgmmas, or every bar.sync, or wait for phase 0 of "
                             "every TMA stage's mbarrier (a stage's later fills not waited for)")
    args = parser.parse_args()

    source = open(args.input).read()
    matmuls = {}
    for m in re.finditer(r"func\.func @(\w+)\((.*?)\) -> [^{]*\{(.*?)\n\}", source, re.S):
        if args.only and m.group(1) not in args.only:
            continue
        # A dynamic M is --rows here; the compiled function still takes any.
        signature = m.group(2).replace("<?x", f"<{args.rows}x")
        body = m.group(3)
        kind = (FusedMatmul if "wq.matmul" in body and ("wq.rms_norm" in body or
                                                        "linalg.generic" in body) else
                RmsNorm if "wq.rms_norm" in body else
                Attention if "wq.attention" in body else Matmul)
        matmuls[m.group(1)] = kind(m.group(1), signature, m.group(3))
    decode_options = []
    if args.split_k:
        decode_options.append(f"split-k={args.split_k}")
    if args.columns_per_block:
        decode_options.append(f"columns-per-block={args.columns_per_block}")
    if args.resident_warps:
        decode_options.append(f"resident-warps={args.resident_warps}")
    passes = ["--wq-lower-to-gpu-decode=" + " ".join(decode_options)] if decode_options else []
    prefill_options = []
    if args.prefill_split_k:
        prefill_options.append(f"split-k={args.prefill_split_k}")
    if args.stages:
        prefill_options.append(f"stages={args.stages}")
    if args.sm_count:
        prefill_options.append(f"sm-count={args.sm_count}")
    if args.no_tma:
        prefill_options.append("tma=false")
    wgmma = args.chip == "sm_90" and not args.mma_sync
    if prefill_options and wgmma:
        prefill_options.append("wgmma=true")
    if prefill_options:
        passes.append("--wq-lower-to-gpu-prefill=" + " ".join(prefill_options))
    if args.attention_options:
        passes.append("--wq-lower-attention-to-gpu=" + args.attention_options)
    run = subprocess.run([args.wq_opt, args.input] + passes +
                         [f"--wq-gpu-pipeline=chip={args.chip} format=isa"
                          f" prefill-wgmma={'true' if wgmma else 'false'}",
                          "--mlir-print-ir-after=gpu-kernel-outlining"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stderr, file=sys.stderr)
        return 1
    # The first dump after outlining (the pipeline outlines once more, for
    # kernels created later, with async tokens by then).
    dump = run.stderr.split("// -----// IR Dump")[1]
    hosts = host_functions(dump)
    kernels = {}
    for match in BINARY.finditer(run.stdout):
        ptx = unescape_mlir_string(match.group(3))
        if args.perturb == "mma-b":
            ptx = re.sub(r"(mma\.sync\S* \{[^}]*\}, \{[^}]*\}, )\{(%\w+), (%\w+)\}",
                         r"\1{\3, \2}", ptx)
        elif args.perturb == "async-wait":
            ptx = re.sub(r"cp\.async\.wait_group (\d+)",
                         lambda w: f"cp.async.wait_group {int(w.group(1)) + 1}", ptx)
        elif args.perturb == "wgmma-a":
            ptx = re.sub(r"(wgmma\.mma_async\S* \{[^}]*\}, )\{(%\w+), (%\w+), (%\w+), (%\w+)\}",
                         r"\1{\2, \4, \3, \5}", ptx)
        elif args.perturb == "wgmma-wait":
            # The waits in the loop (not the final wait for all).
            ptx = re.sub(r"wgmma\.wait_group\.sync\.aligned ([1-9]\d*)",
                         lambda w: f"wgmma.wait_group.sync.aligned {int(w.group(1)) + 1}", ptx)
        elif args.perturb == "proxy-fence":
            ptx = ptx.replace("fence.proxy.async.shared::cta;", "")
        elif args.perturb == "barrier":
            ptx = ptx.replace("bar.sync 0;", "")
        elif args.perturb == "tma-parity":
            ptx = re.sub(r"(mbarrier\.try_wait\.parity\S* \S+, \[%\w+\]), %\w+;", r"\1, 0;", ptx)
        for kernel_name, kernel in ptx_sim.parse_ptx(ptx).items():
            kernels[(match.group(1), kernel_name)] = kernel
    failures = 0
    for name, matmul in matmuls.items():
        rng = random.Random(args.seed)
        inputs, reference = matmul.make_inputs(rng)
        arg_names, body = hosts[name]
        maps = affine_maps(dump)
        memory = ptx_sim.GlobalMemory()
        try:
            output, element, executed = run_host(
                name, arg_names, body, inputs, [t for _, t in matmul.args], kernels, memory, maps,
                count_moves=not args.stats)
        except ptx_sim.SimError as error:
            print(f"sim {name}: FAIL: {error}")
            failures += 1
            continue
        got = decode(output, element)
        # Several results (a norm's sums, a fused norm's residual sums):
        # their rows one after the other.
        expected_values = [v for row in reference for v in row]
        error_sq = norm_sq = 0.0
        finite = len(got) == len(expected_values)
        for value, expected in zip(got, expected_values):
            finite = finite and math.isfinite(value)
            error_sq += (value - expected) ** 2
            norm_sq += expected ** 2
        relative = math.sqrt(error_sq / norm_sq) if finite else float("inf")
        ok = finite and relative < BOUND[element]
        failures += not ok
        stats = ""
        if args.stats:
            per_kilo = executed / 32 / (matmul.n * matmul.k / 1024)
            weights_per_s = H200_BYTES_PER_S * 8 / matmul.bits
            share = per_kilo / 1024 * weights_per_s / H200_ISSUE_PER_S
            stats = f"; {per_kilo:.1f} warp instructions per 1024 weights, {100 * share:.0f}% of issue"
        print(f"sim {name}: {'ok' if ok else 'FAIL'} (relative error {relative:.1e}, bound "
              f"{BOUND[element]:.0e}; {matmul.m}x{matmul.k} x {matmul.n}x{matmul.k} {matmul.layout}; "
              f"{executed} instructions{' without moves' if args.stats else ''}{stats})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
