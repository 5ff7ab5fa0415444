#!/usr/bin/env python3
"""A functional PTX simulator for the kernels wq generates, to check their
numerics without a GPU.

It executes the PTX text itself (what the driver would JIT or ptxas
assemble), thread by thread, with the semantics of the PTX ISA: integer and
bitwise ops at their register widths, f32 arithmetic rounded to f32, f16x2 /
bf16x2 arithmetic rounded to f16 / bf16, lop3 and prmt, predicated
instructions and branches, global and shared memory as byte arrays,
asynchronous copies (cp.async: the destination reads as poison from the
copy's issue until a cp.async.wait_group completes its group, so a missing
wait or barrier shows), and the collective instructions at warp, warpgroup or block level:
mma.sync.m16n8k16 (the A, B, C and D fragment layouts of the ISA), shfl.sync, bar.sync, and
Hopper's asynchronous warpgroup mma (wgmma.fence / mma_async / commit_group / wait_group: A from
registers, B from shared memory through a matrix descriptor with the 128/64/32-byte swizzles;
the accumulators read as NaN from issue until a wait retires their group, and B is read at
retirement, so a missing wait or fence, or a buffer refilled too early, shows). Shared memory
written by cp.async must pass a fence.proxy.async of the writing thread before a wgmma reads it.
Hopper's bulk copies complete on an mbarrier (mbarrier.init / arrive.expect_tx /
try_wait.parity; cp.async.bulk of bytes and cp.async.bulk.tensor.2d through a tensor map in the
format of wq's stand-in drivers, TENSOR_MAP below, with the 128/64/32-byte swizzles and zero
fill past the tensor's bounds): a copy's destination holds poison until a try_wait on its
barrier completes the phase the copy belongs to, so a missing wait, a wait on the wrong phase
or a buffer refilled while a wgmma still reads it shows; a thread whose try_wait fails waits
for the other threads (a wait no thread can end is a deadlock).
A thread runs until it reaches a collective; a collective runs once every thread it
involves has reached that same instruction (divergence at a collective, or a
deadlock, is an error). Not a timing model, and only the instructions wq's
kernels use: anything else is an error naming the instruction.
"""
import bisect
import math
import operator
import re
import struct

MASKS = {8: 0xFF, 16: 0xFFFF, 32: 0xFFFFFFFF, 64: 0xFFFFFFFFFFFFFFFF}


class SimError(Exception):
    pass


# ---------------------------------------------------------------- numbers

_U32 = struct.Struct("<I")
_F32 = struct.Struct("<f")


def f32_from_bits(bits):
    return _F32.unpack(_U32.pack(bits & 0xFFFFFFFF))[0]


def f32_bits(value):
    try:
        return _U32.unpack(_F32.pack(value))[0]
    except OverflowError:
        return 0x7F800000 if value > 0 else 0xFF800000


def f16_from_bits(bits):
    return struct.unpack("<e", struct.pack("<H", bits & 0xFFFF))[0]


def f16_bits(value):
    try:
        return struct.unpack("<H", struct.pack("<e", value))[0]
    except OverflowError:
        return 0x7C00 if value > 0 else 0xFC00


def bf16_from_bits(bits):
    return f32_from_bits((bits & 0xFFFF) << 16)


def bf16_bits(value):
    """Round to nearest even from f32 (the value is first rounded to f32)."""
    bits = f32_bits(value)
    if (bits & 0x7F800000) == 0x7F800000 and bits & 0x7FFFFF:
        return 0x7FC0
    bits += 0x7FFF + ((bits >> 16) & 1)
    return (bits >> 16) & 0xFFFF


def round_f32_directed(value, bits, direction):
    """f32 bits of `value` rounded toward -inf (rm), +inf (rp) or zero (rz),
    from `bits`, its round-to-nearest f32."""
    nearest = f32_from_bits(bits)
    if nearest == value:
        return bits
    down = (direction == "rm" or (direction == "rz" and value > 0))
    if down == (nearest > value):
        # One ulp toward the direction: the neighbouring bit pattern.
        if nearest == 0:
            return 0x80000001 if down else 0x00000001
        return bits + 1 if (nearest < 0) == down else bits - 1
    return bits


def round_f32(value):
    return f32_from_bits(f32_bits(value))


HALF = {"f16": (f16_from_bits, f16_bits), "bf16": (bf16_from_bits, bf16_bits)}


def signed(value, width):
    value &= MASKS[width]
    return value - (1 << width) if value >> (width - 1) else value


# ---------------------------------------------------------------- parsing

class Instr:
    __slots__ = ("op", "parts", "operands", "guard", "negate", "text", "index", "fast", "is_mov")

    def __init__(self, text, index):
        self.text = text
        self.index = index
        self.guard = None
        self.negate = False
        body = text
        m = re.match(r"@(!?)(%p\d+)\s+(.*)", body)
        if m:
            self.negate = m.group(1) == "!"
            self.guard = m.group(2)
            body = m.group(3)
        op, _, rest = body.partition(" ")
        self.op = op.strip()
        self.parts = self.op.split(".")
        self.operands = split_operands(rest.strip().rstrip(";").strip())
        self.is_mov = self.parts[0] == "mov"  # counted: ptxas folds most of them away
        self.fast = fast_path(self)


def fast_path(instr):
    """A specialized function (launch, thread) for the most frequent simple
    instructions of generated loops (64-bit address arithmetic, f32 add /
    mul / fma in round-to-nearest, 32-bit global loads and stores), with the
    same semantics as `execute`; None for everything else."""
    op, ops = instr.op, instr.operands

    def operand(text, mask):
        if text.startswith("%") and "." not in text and text not in SPECIAL:
            return text, None
        if re.match(r"^-?(0x[0-9A-Fa-f]+|\d+)$", text):
            return None, int(text, 0) & mask
        if re.match(r"^0[fd][0-9A-Fa-f]+$", text):  # float immediates, as `immediate` reads them
            return None, int(text[2:], 16)
        raise ValueError

    try:
        if op in ("add.s64", "add.u64", "sub.s64", "shl.b64", "mul.lo.s64", "mad.lo.s64",
                  "add.s32", "add.u32"):
            mask = MASKS[64] if op.endswith("64") else MASKS[32]
            d = ops[0]
            (ra, ia), (rb, ib) = operand(ops[1], mask), operand(ops[2], mask)
            rc, ic = operand(ops[3], mask) if op == "mad.lo.s64" else (None, 0)
            fn = {"add": lambda a, b, c: a + b, "sub": lambda a, b, c: a - b,
                  "shl": lambda a, b, c: a << b if b < 64 else 0,
                  "mul": lambda a, b, c: a * b, "mad": lambda a, b, c: a * b + c}[op.split(".")[0]]

            def run(launch, t):
                regs = t.regs
                a = regs.get(ra, 0) if ra else ia
                b = regs.get(rb, 0) if rb else ib
                c = regs.get(rc, 0) if rc else ic
                regs[d] = fn(a, b, c) & mask
            return run
        if op in ("add.rn.f32", "sub.rn.f32", "mul.rn.f32", "fma.rn.f32"):
            d = ops[0]
            srcs = [operand(o, MASKS[32]) for o in ops[1:]]
            binary = {"add": operator.add, "sub": operator.sub, "mul": operator.mul}.get(op[:3])
            fn = (lambda x: binary(x[0], x[1])) if binary else (lambda x: x[0] * x[1] + x[2])

            if len(srcs) == 2 and srcs[0][0] and srcs[1][0]:  # two registers: most of them
                (ra, _), (rb, _) = srcs

                def run(launch, t):
                    regs = t.regs
                    regs[d] = f32_bits(binary(f32_from_bits(regs.get(ra, 0)),
                                              f32_from_bits(regs.get(rb, 0))))
                return run

            def run(launch, t):
                regs = t.regs
                xs = [f32_from_bits(regs.get(r, 0) if r else i) for r, i in srcs]
                regs[d] = f32_bits(fn(xs))
            return run
        if op in ("ld.global.b32", "ld.global.nc.b32", "ld.global.f32", "st.global.b32",
                  "st.global.f32"):
            load = op.startswith("ld")
            address = ops[1] if load else ops[0]
            m = re.match(r"^\[\s*(%\w+)\s*(?:\+\s*(-?\d+))?\s*\]$", address)
            if not m:
                return None
            base, offset = m.group(1), int(m.group(2) or 0)
            other = ops[0] if load else ops[1]
            ro, io = operand(other, MASKS[32])

            def run(launch, t):
                if base in launch.params:
                    raise SimError("a global access through a parameter name")
                regs = t.regs
                addr = (regs.get(base, 0) + offset) & MASKS[64]
                if load:
                    regs[other] = launch.memory.load(addr, 4)
                else:
                    launch.memory.store(addr, 4, regs.get(ro, 0) if ro else io)
            return run
        parts = instr.parts
        width = WIDTH_OF_TYPE.get(parts[-1], 0)
        mask = MASKS.get(width)
        head = parts[0]
        if head == "mov" and mask and len(ops) == 2 and "{" not in ops[0] + ops[1]:
            d, (rs, imm) = ops[0], operand(ops[1], mask)

            def run(launch, t):
                t.regs[d] = (t.regs.get(rs, 0) & mask) if rs else imm
            return run
        if op in ("cvt.u64.u32", "cvt.u32.u64", "cvt.s64.s32", "cvta.to.global.u64"):
            d, (rs, _) = ops[0], operand(ops[1], MASKS[64])
            if rs is None:
                return None
            if op == "cvt.s64.s32":
                def run(launch, t):
                    v = t.regs.get(rs, 0) & 0xFFFFFFFF
                    t.regs[d] = v | 0xFFFFFFFF00000000 if v & 0x80000000 else v
            elif op == "cvta.to.global.u64":
                def run(launch, t):
                    t.regs[d] = t.regs.get(rs, 0)
            else:  # the 32-bit source or destination
                def run(launch, t):
                    t.regs[d] = t.regs.get(rs, 0) & 0xFFFFFFFF
            return run
        if head == "ld" and parts[1] == "param" and len(parts) == 3 and width in (32, 64):
            m = re.match(r"^\[\s*(\w+)\s*\]$", ops[1])
            if not m:
                return None
            d, name = ops[0], m.group(1)

            def run(launch, t):
                value = launch.params.get(name)
                if value is None:  # not a parameter: execute reports it
                    execute(launch, t, instr)
                else:
                    t.regs[d] = value
            return run
        if head == "setp" and len(parts) == 3 and parts[2][0] in "bus" and mask:
            cmp, sign = parts[1], parts[2][0] == "s"
            test = COMPARISONS[cmp]
            d = ops[0]
            (ra, ia), (rb, ib) = operand(ops[1], mask), operand(ops[2], mask)
            top = 1 << (width - 1)

            def run(launch, t):
                regs = t.regs
                a = regs.get(ra, 0) if ra else ia
                b = regs.get(rb, 0) if rb else ib
                if sign:
                    a, b = ((a & mask) ^ top) - top, ((b & mask) ^ top) - top
                regs[d] = int(test(a, b))
            return run
        if op in ("and.pred", "or.pred", "xor.pred"):
            d, ra, rb = ops
            if not (ra.startswith("%p") and rb.startswith("%p")):
                return None
            fn = PREDICATE_OPS[head]

            def run(launch, t):
                regs = t.regs
                regs[d] = int(fn(regs.get(ra, 0), regs.get(rb, 0)))
            return run
        if head == "selp" and mask and len(parts) == 2:
            d, p = ops[0], ops[3]
            (ra, ia), (rb, ib) = operand(ops[1], mask), operand(ops[2], mask)
            if not p.startswith("%p"):
                return None

            def run(launch, t):
                regs = t.regs
                if regs.get(p, 0):
                    regs[d] = regs.get(ra, 0) if ra else ia
                else:
                    regs[d] = regs.get(rb, 0) if rb else ib
            return run
        if op in ("cvt.f32.f16", "cvt.f32.bf16"):
            d, (rs, _) = ops[0], operand(ops[1], MASKS[16])
            if rs is None:
                return None
            table = half_to_f32_table(parts[2])

            def run(launch, t):
                t.regs[d] = table[t.regs.get(rs, 0) & 0xFFFF]
            return run
        if head in ("and", "or", "xor", "shl", "shr") and len(parts) == 2 and parts[1][0] in "bu" \
                and width in (32, 64):
            d = ops[0]
            (ra, ia), (rb, ib) = operand(ops[1], mask), operand(ops[2], mask)
            if head in ("shl", "shr"):
                ib = operand(ops[2], MASKS[32])[1]  # the shift count is a 32-bit operand
            fn = {"and": operator.and_, "or": operator.or_, "xor": operator.xor,
                  "shl": lambda a, n: a << min(n, width),
                  "shr": lambda a, n: a >> min(n, width)}[head]
            bmask = mask if head in ("and", "or", "xor") else MASKS[64]

            def run(launch, t):
                regs = t.regs
                a = (regs.get(ra, 0) if ra else ia) & mask
                b = (regs.get(rb, 0) & bmask) if rb else ib
                regs[d] = fn(a, b) & mask
            return run
        if op == "lop3.b32":
            d = ops[0]
            (ra, ia), (rb, ib), (rc, ic) = (operand(o, MASKS[32]) for o in ops[1:4])
            lut_reg, lut = operand(ops[4], MASKS[32])
            if lut_reg:
                return None
            fn = lop3_function(lut)

            def run(launch, t):
                regs = t.regs
                regs[d] = fn(regs.get(ra, 0) if ra else ia, regs.get(rb, 0) if rb else ib,
                             regs.get(rc, 0) if rc else ic)
            return run
        if op == "prmt.b32" and len(ops) == 4:
            d = ops[0]
            (ra, ia), (rb, ib) = operand(ops[1], MASKS[32]), operand(ops[2], MASKS[32])
            sel_reg, sel = operand(ops[3], MASKS[32])
            if sel_reg:
                return None
            shifts = [(8 * ((sel >> (4 * i)) & 7), 8 * i) for i in range(4)]

            def run(launch, t):
                regs = t.regs
                both = ((regs.get(rb, 0) if rb else ib) << 32) | (regs.get(ra, 0) if ra else ia)
                r = 0
                for source, target in shifts:
                    r |= ((both >> source) & 0xFF) << target
                regs[d] = r
            return run
    except (ValueError, IndexError, KeyError):
        return None
    return None


HALF_TO_F32 = {}


def half_to_f32_table(ty):
    """cvt.f32.{f16,bf16} of every 16-bit pattern, as `cvt` computes it."""
    table = HALF_TO_F32.get(ty)
    if table is None:
        table = HALF_TO_F32[ty] = [f32_bits(HALF[ty][0](h)) for h in range(1 << 16)]
    return table


LOP3 = {}


def lop3_function(lut):
    """lop3.b32 with an immediate truth table as one expression (the OR of
    the minterms `execute` walks one by one)."""
    fn = LOP3.get(lut)
    if fn is None:
        terms = ["(%s & %s & %s)" % ("a" if i & 4 else "~a", "b" if i & 2 else "~b",
                                     "c" if i & 1 else "~c")
                 for i in range(8) if (lut >> i) & 1]
        fn = LOP3[lut] = eval("lambda a, b, c: (%s) & 0xFFFFFFFF" % (" | ".join(terms) or "0"))
    return fn


def split_operands(text):
    """Splits on top-level commas ({...} vectors and [...] addresses kept)."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


# Where a block's shared variables start: on no larger boundary than they ask
# for, so that a kernel needing one (the wgmma swizzle's 1024 bytes) must
# align its buffers itself.
SHARED_BASE = 0x210


class Kernel:
    def __init__(self, name, params, body):
        self.name = name
        self.params = params  # names, in order
        self.instrs = []
        self.labels = {}
        self.shared_symbols = {}
        self.local_symbols = {}
        self.local_size = 0
        shared_offset = SHARED_BASE
        for line in body:
            line = line.split("//")[0].strip()
            if not line or line in ("{", "}"):
                continue
            if line.startswith(".reg"):
                continue
            m = re.match(r"\.local\s+\.align\s+(\d+)\s+\.b8\s+(\w+)\[(\d+)\];", line)
            if m:
                # Per-thread local memory (a stack frame, e.g. the trig
                # functions' range reduction): one space per thread.
                align = int(m.group(1))
                self.local_size = (self.local_size + align - 1) // align * align
                self.local_symbols[m.group(2)] = self.local_size
                self.local_size += int(m.group(3))
                continue
            m = re.match(r"\.shared\s+\.align\s+(\d+)\s+\.b8\s+(\w+)(\[(\d*)\])?;", line)
            if m:
                align = int(m.group(1))
                shared_offset = (shared_offset + align - 1) // align * align
                self.shared_symbols[m.group(2)] = shared_offset
                shared_offset += int(m.group(4) or 0) or 1
                continue
            if line.startswith("."):
                continue
            if line.endswith(":"):
                self.labels[line[:-1]] = len(self.instrs)
                continue
            for stmt in line.split(";"):
                if stmt.strip():
                    self.instrs.append(Instr(stmt.strip(), len(self.instrs)))


def parse_ptx(text):
    """Kernels (.entry) of a PTX module, by name."""
    kernels = {}
    # Module-level dynamic shared memory (.extern .shared ... name[]) starts
    # at SHARED_BASE rounded up to its alignment in every kernel.
    module_shared = re.findall(r"^\s*\.extern\s+\.shared\s+\.align\s+(\d+)\s+\.b8\s+(\w+)\[\]",
                               text, re.M)
    for m in re.finditer(r"\.entry\s+(\w+)\s*\((.*?)\)(.*?)\n\{\n", text, re.S):
        name, params_text, _ = m.groups()
        params = re.findall(r"(\w+_param_\d+)", params_text)
        # The body ends at the brace that closes the entry's: inline PTX
        # brings scopes of its own ({ .reg .pred p; ... }).
        body, depth = [], 1
        for line in text[m.end():].split("\n"):
            brace = line.split("//")[0].strip()
            depth += brace == "{"
            depth -= brace == "}"
            if depth == 0:
                break
            body.append(line)
        kernel = Kernel(name, params, body)
        for align, symbol in module_shared:
            align = int(align)
            kernel.shared_symbols.setdefault(symbol, (SHARED_BASE + align - 1) // align * align)
        kernels[name] = kernel
    return kernels


# ---------------------------------------------------------------- memory

class Memory:
    """Flat byte-addressed memory."""

    def __init__(self, size=0):
        self.data = bytearray(size)

    def load(self, addr, nbytes):
        if addr < 0 or addr + nbytes > len(self.data):
            raise SimError(f"load of {nbytes} bytes at {addr:#x} is out of bounds")
        return int.from_bytes(self.data[addr:addr + nbytes], "little")

    def store(self, addr, nbytes, value):
        if addr < 0 or addr + nbytes > len(self.data):
            raise SimError(f"store of {nbytes} bytes at {addr:#x} is out of bounds")
        self.data[addr:addr + nbytes] = (value & ((1 << (8 * nbytes)) - 1)).to_bytes(nbytes, "little")

    def store_bytes(self, addr, data):
        if addr < 0 or addr + len(data) > len(self.data):
            raise SimError(f"store of {len(data)} bytes at {addr:#x} is out of bounds")
        self.data[addr:addr + len(data)] = data

    def load_bytes(self, addr, nbytes):
        if nbytes == 0:
            return b""
        self.load(addr, nbytes)  # bounds
        return bytes(self.data[addr:addr + nbytes])


class GlobalMemory(Memory):
    """Buffers at 256-byte aligned addresses with unmapped gaps between them,
    so that an access past a buffer's end is caught; a freed buffer's bytes
    are poisoned and no longer valid. Buffers are found by bisection (whole
    models allocate thousands)."""
    BASE = 0x10000

    def __init__(self):
        super().__init__(self.BASE)
        self.starts = []  # of the live buffers; addresses only grow: sorted
        self.ends = {}    # start -> end

    def alloc(self, nbytes, init=None):
        addr = (len(self.data) + 255) // 256 * 256 + 4096
        self.data.extend(bytearray(addr + nbytes - len(self.data)))
        if init is not None:
            self.data[addr:addr + len(init)] = init
        self.starts.append(addr)
        self.ends[addr] = addr + nbytes
        return addr

    def free(self, addr):
        if addr not in self.ends:
            raise SimError(f"free of {addr:#x}, which is not a live allocation")
        end = self.ends.pop(addr)
        self.starts.pop(bisect.bisect_left(self.starts, addr))
        self.data[addr:end] = b"\xff" * (end - addr)

    def owns(self, addr):
        """Whether `addr` lies in a live buffer."""
        i = bisect.bisect_right(self.starts, addr) - 1
        return i >= 0 and addr < self.ends[self.starts[i]]

    def check(self, addr, nbytes):
        i = bisect.bisect_right(self.starts, addr) - 1
        if i < 0 or addr + nbytes > self.ends[self.starts[i]]:
            raise SimError(f"global access of {nbytes} bytes at {addr:#x} is outside every "
                           "live buffer")

    def load(self, addr, nbytes):
        self.check(addr, nbytes)
        return super().load(addr, nbytes)

    def store(self, addr, nbytes, value):
        self.check(addr, nbytes)
        super().store(addr, nbytes, value)


# ---------------------------------------------------------------- threads

WIDTH_OF_TYPE = {"b8": 8, "u8": 8, "s8": 8, "b16": 16, "u16": 16, "s16": 16, "f16": 16,
                 "bf16": 16, "b32": 32, "u32": 32, "s32": 32, "f32": 32, "f16x2": 32,
                 "bf16x2": 32, "b64": 64, "u64": 64, "s64": 64, "f64": 64, "pred": 1}
COLLECTIVE = ("mma", "shfl", "bar", "wgmma")
WARPGROUP_WARPS = 4
# What a wgmma accumulator reads as between issue and retirement (an f32 NaN).
WGMMA_POISON = 0x7FC0DEAD
# Parsed address operands and opcode types, by their text (parsed once).
ADDRESSES = {}
TYPES = {}


class Thread:
    __slots__ = ("regs", "pc", "tid", "ctaid", "done", "lane", "warp", "local", "carry",
                 "pending", "groups", "unfenced")

    def __init__(self, tid, ctaid, lane, warp):
        self.regs = {}
        self.pc = 0
        self.tid = tid
        self.ctaid = ctaid
        self.done = False
        self.lane = lane
        self.warp = warp
        self.local = None  # Memory of the kernel's .local frame, on first use
        self.carry = 0     # CC.CF of the extended-precision integer ops
        self.pending = []  # cp.async copies since the last commit: (address, bytes)
        self.groups = []   # committed cp.async groups, oldest first
        self.unfenced = [] # shared ranges its completed cp.async wrote since its last proxy fence


class Launch:
    def __init__(self, kernel, grid, block, params, memory, dynamic_shared=0):
        self.kernel = kernel
        self.grid = grid
        self.block = block
        self.params = params  # name -> int value (64-bit)
        self.memory = memory
        self.dynamic_shared = dynamic_shared
        self.executed = 0
        self.moves = 0  # register moves and constants, which ptxas mostly folds away

    # -- operand access
    def value(self, t, operand, width=32):
        if operand[0] == "%":
            try:
                return t.regs[operand]
            except KeyError:
                special = SPECIAL.get(operand)
                if special:
                    return special(self, t)
                return 0  # registers start undefined; PTX makes no promise, 0 here
        if operand in self.kernel.shared_symbols:
            return self.kernel.shared_symbols[operand]
        if operand in self.kernel.local_symbols:
            return self.kernel.local_symbols[operand]
        key = (operand, width)
        cached = IMMEDIATES.get(key)
        if cached is None:
            cached = IMMEDIATES[key] = self.immediate(operand, width)
        return cached

    def immediate(self, operand, width):
        if operand.startswith("0f"):
            return int(operand[2:], 16)
        if operand.startswith("0d"):
            return int(operand[2:], 16)
        if re.match(r"^-?(0x[0-9A-Fa-f]+|\d+)U?$", operand):
            return int(operand.rstrip("U"), 0) & MASKS.get(width, MASKS[64])
        raise SimError(f"unknown operand {operand!r}")

    def address(self, t, operand):
        parsed = ADDRESSES.get(operand)
        if parsed is None:
            inner = operand.strip("[]").strip()
            m = re.match(r"^([%\w]+)\s*(?:\+\s*(-?\d+))?$", inner)
            if not m:
                raise SimError(f"unsupported address {operand!r}")
            parsed = ADDRESSES[operand] = (m.group(1), int(m.group(2) or 0))
        base, offset = parsed
        if base in self.params:
            return ("param", base, offset)
        return ("mem", self.value(t, base, 64) + offset, None)

    # -- execution
    def run(self, max_instructions=50_000_000):
        for cz in range(self.grid[2]):
            for cy in range(self.grid[1]):
                for cx in range(self.grid[0]):
                    self.run_block((cx, cy, cz), max_instructions)

    def run_block(self, ctaid, max_instructions):
        bx, by, bz = self.block
        threads = []
        shared_size = max(self.kernel.shared_symbols.values(), default=0) + 16 + self.dynamic_shared
        self.shared = Memory(shared_size)
        # Bytes written through the generic proxy (cp.async) and not yet
        # fenced for the async proxy (wgmma) by their writer.
        self.unfenced = bytearray(shared_size)
        self.warpgroups = {}
        self.mbarriers = {}  # shared address -> MbarrierState
        linear = 0
        for z in range(bz):
            for y in range(by):
                for x in range(bx):
                    threads.append(Thread((x, y, z), ctaid, linear % 32, linear // 32))
                    linear += 1
        warps = {}
        for t in threads:
            warps.setdefault(t.warp, []).append(t)
        instrs = self.kernel.instrs
        while True:
            before = self.executed
            for t in threads:
                if not t.done:
                    self.run_thread(t)
                if self.executed > max_instructions:
                    raise SimError("instruction limit reached")
            live = [t for t in threads if not t.done]
            if not live:
                return
            # Threads blocked at an mbarrier wait count as progress while any
            # other thread moved.
            progressed = self.executed != before
            # bar.sync: every live thread of the block at a bar.sync.
            if all(instrs[t.pc].parts[0] == "bar" for t in live):
                for t in live:
                    t.pc += 1
                continue
            for lanes in warps.values():
                waiting = [t for t in lanes if not t.done]
                if not waiting:
                    continue
                pcs = {t.pc for t in waiting}
                instr = instrs[waiting[0].pc]
                if instr.parts[0] == "bar" or instr.parts[0] not in COLLECTIVE:
                    continue  # at a barrier, or moved on by its warpgroup's collective
                if len(pcs) != 1 or len(waiting) != len(lanes):
                    raise SimError(
                        f"{self.kernel.name}: warp {lanes[0].warp} diverges at a collective "
                        f"({', '.join(sorted({instrs[p].text for p in pcs}))})")
                if instr.parts[0] == "wgmma":
                    # A warpgroup collective: runs once its four warps are there.
                    group = lanes[0].warp // WARPGROUP_WARPS
                    members = [warps.get(group * WARPGROUP_WARPS + w) for w in range(WARPGROUP_WARPS)]
                    if any(m is None or len(m) != 32 for m in members):
                        raise SimError(f"{self.kernel.name}: '{instr.text}' needs whole warpgroups "
                                       f"(blocks of a multiple of 128 threads)")
                    group_threads = [t for m in members for t in m]
                    if any(t.done or t.pc != waiting[0].pc for t in group_threads):
                        continue  # the other warps first
                    wgmma(self, instr, group_threads)
                    for t in group_threads:
                        t.pc += 1
                    self.executed += len(group_threads)
                    progressed = True
                    continue
                self.collective(instr, lanes)
                for t in lanes:
                    t.pc += 1
                progressed = True
            if not progressed:
                raise SimError(f"{self.kernel.name}: deadlock")

    def run_thread(self, t):
        """Runs `t` until it exits or reaches a collective (its pc then
        points at the collective)."""
        instrs = self.kernel.instrs
        labels = self.kernel.labels
        n = len(instrs)
        regs = t.regs
        pc = t.pc
        executed = moves = 0
        instr = None
        try:
            while pc < n:
                instr = instrs[pc]
                guard = instr.guard
                if guard is not None and bool(regs.get(guard, 0)) == instr.negate:
                    pc += 1
                    continue
                fast = instr.fast
                if fast is not None:
                    executed += 1
                    moves += instr.is_mov
                    fast(self, t)
                    pc += 1
                    continue
                head = instr.parts[0]
                if head in COLLECTIVE:
                    return
                if head == "mbarrier":
                    if not mbarrier(self, t, instr):
                        return  # blocked at a wait: the other threads first
                    executed += 1
                    pc += 1
                    continue
                executed += 1
                moves += instr.is_mov
                if head == "bra":
                    target = instr.operands[0]
                    if target not in labels:
                        raise SimError(f"unknown label {target}")
                    pc = labels[target]
                    continue
                if head == "ret" or head == "exit":
                    t.done = True
                    return
                execute(self, t, instr)
                pc += 1
            t.done = True
        except SimError:
            raise
        except (ValueError, KeyError, IndexError, TypeError) as error:  # malformed operand
            raise SimError(f"{self.kernel.name}: '{instr.text}': {error}") from error
        finally:
            t.pc = pc
            self.executed += executed
            self.moves += moves

    def collective(self, instr, lanes):
        self.executed += len(lanes)
        if instr.parts[0] == "mma":
            mma(self, instr, lanes)
        elif instr.parts[0] == "shfl":
            shfl(self, instr, lanes)
        else:
            raise SimError(f"unsupported collective '{instr.text}'")


IMMEDIATES = {}

SPECIAL = {
    "%tid.x": lambda l, t: t.tid[0], "%tid.y": lambda l, t: t.tid[1], "%tid.z": lambda l, t: t.tid[2],
    "%ctaid.x": lambda l, t: t.ctaid[0], "%ctaid.y": lambda l, t: t.ctaid[1],
    "%ctaid.z": lambda l, t: t.ctaid[2],
    "%ntid.x": lambda l, t: l.block[0], "%ntid.y": lambda l, t: l.block[1],
    "%ntid.z": lambda l, t: l.block[2],
    "%nctaid.x": lambda l, t: l.grid[0], "%nctaid.y": lambda l, t: l.grid[1],
    "%nctaid.z": lambda l, t: l.grid[2],
    "%laneid": lambda l, t: t.lane,
}


def vector_regs(operand):
    return [r.strip() for r in operand.strip("{}").split(",")]


def type_of(parts):
    """The last type suffix of an opcode (u32, f16x2, ...)."""
    key = tuple(parts)
    cached = TYPES.get(key)
    if cached is not None:
        return cached
    TYPES[key] = found = _type_of(parts)
    return found


def _type_of(parts):
    for p in reversed(parts):
        if p in WIDTH_OF_TYPE:
            return p
    raise SimError(f"no type in {'.'.join(parts)}")


def as_float(bits, ty):
    if ty == "f32":
        return f32_from_bits(bits)
    if ty == "f16":
        return f16_from_bits(bits)
    if ty == "bf16":
        return bf16_from_bits(bits)
    if ty == "f64":
        return struct.unpack("<d", struct.pack("<Q", bits & MASKS[64]))[0]
    raise SimError(f"not a float type: {ty}")


def from_float(value, ty):
    if ty == "f32":
        return f32_bits(value)
    if ty == "f16":
        return f16_bits(value)
    if ty == "bf16":
        return bf16_bits(value)
    if ty == "f64":
        return struct.unpack("<Q", struct.pack("<d", value))[0]
    raise SimError(f"not a float type: {ty}")


# setp comparisons (lo/ls/hi/hs: the unsigned spellings) and predicate logic.
COMPARISONS = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
               "gt": operator.gt, "ge": operator.ge, "lo": operator.lt, "ls": operator.le,
               "hi": operator.gt, "hs": operator.ge}
PREDICATE_OPS = {"and": lambda a, b: bool(a and b), "or": lambda a, b: bool(a or b),
                 "xor": lambda a, b: bool(a) != bool(b)}


def compare(op, a, b):
    return COMPARISONS[op](a, b)


def execute(launch, t, instr):
    parts, ops, regs = instr.parts, instr.operands, t.regs
    head = parts[0]
    val = launch.value

    if head == "mov":
        ty = parts[-1]
        width = WIDTH_OF_TYPE[ty]
        if ops[0].startswith("{"):  # unpack: mov.b32 {%rs1, %rs2}, %r1
            dests = vector_regs(ops[0])
            piece = width // len(dests)
            whole = val(t, ops[1], width)
            for i, d in enumerate(dests):
                regs[d] = (whole >> (piece * i)) & MASKS[piece]
            return
        if ops[1].startswith("{"):  # pack: mov.b32 %r1, {%rs1, %rs2}
            srcs = vector_regs(ops[1])
            piece = width // len(srcs)
            regs[ops[0]] = sum((val(t, r, piece) & MASKS[piece]) << (piece * i)
                               for i, r in enumerate(srcs))
            return
        regs[ops[0]] = val(t, ops[1], width) & (MASKS[width] if width > 1 else 1)
        return
    if head == "cp":
        cp_async(launch, t, instr)
        return
    if head == "griddepcontrol":
        # Programmatic dependent launch: launches run one after another here,
        # so the predecessors are done (wait) and the successor waits (launch).
        return
    if head == "fence" and parts[1:] == ["mbarrier_init", "release", "cluster"]:
        return  # mbarriers are initialized at once here
    if head == "fence" and parts[1:] == ["proxy", "async", "shared::cta"]:
        for address, size in t.unfenced:
            launch.unfenced[address:address + size] = bytes(size)
        t.unfenced = []
        return
    if head == "ld" or head == "st":
        space = parts[1]
        vec = 1
        rest = parts[2:]
        if rest and rest[0] in ("v2", "v4"):
            vec = int(rest[0][1])
            rest = rest[1:]
        ty = rest[-1]
        nbytes = WIDTH_OF_TYPE[ty] // 8
        addr_op = ops[1] if head == "ld" else ops[0]
        kind, addr, _ = launch.address(t, addr_op)
        if space == "param":
            if kind != "param":
                raise SimError("ld.param from a register address")
            regs[ops[0]] = launch.params[addr]
            return
        if space == "local" and t.local is None:
            t.local = Memory(launch.kernel.local_size)
        mem = {"global": launch.memory, "shared": launch.shared, "local": t.local}.get(space)
        if mem is None:
            raise SimError(f"unsupported state space {space}")
        if head == "ld":
            dests = vector_regs(ops[0]) if vec > 1 else [ops[0]]
            for i, d in enumerate(dests):
                v = mem.load(addr + i * nbytes, nbytes)
                if ty.startswith("s"):
                    v = signed(v, 8 * nbytes) & MASKS[32 if nbytes < 4 else 8 * nbytes]
                regs[d] = v
        else:
            srcs = vector_regs(ops[1]) if vec > 1 else [ops[1]]
            for i, s in enumerate(srcs):
                mem.store(addr + i * nbytes, nbytes, val(t, s, 8 * nbytes))
        return
    if head == "cvta":
        regs[ops[0]] = val(t, ops[1], 64)
        return
    if head == "cvt":
        cvt(launch, t, instr)
        return
    if head == "setp":
        cmp, ty = parts[1], parts[2]
        width = WIDTH_OF_TYPE[ty]
        a, b = val(t, ops[1], width), val(t, ops[2], width)
        if ty.startswith("s"):
            a, b = signed(a, width), signed(b, width)
        elif ty.startswith("f"):
            a, b = as_float(a, ty), as_float(b, ty)
            unordered = math.isnan(a) or math.isnan(b)
            if cmp in ("equ", "neu", "ltu", "leu", "gtu", "geu"):
                regs[ops[0]] = int(unordered or compare(cmp[:-1], a, b))
                return
            if cmp == "num" or cmp == "nan":
                regs[ops[0]] = int(unordered == (cmp == "nan"))
                return
            regs[ops[0]] = int(not unordered and compare(cmp, a, b))
            return
        regs[ops[0]] = int(compare(cmp, a, b))
        return
    if head == "selp":
        width = WIDTH_OF_TYPE[parts[1]]
        regs[ops[0]] = val(t, ops[1], width) if regs.get(ops[3], 0) else val(t, ops[2], width)
        return
    if head == "lop3":
        a, b, c, lut = (val(t, o, 32) for o in ops[1:5])
        r = 0
        for i in range(8):
            if (lut >> i) & 1:
                r |= ((a if i & 4 else ~a) & (b if i & 2 else ~b) & (c if i & 1 else ~c))
        regs[ops[0]] = r & MASKS[32]
        return
    if head == "prmt":
        a, b, sel = val(t, ops[1], 32), val(t, ops[2], 32), val(t, ops[3], 32)
        both = (b << 32) | a
        r = 0
        for i in range(4):
            r |= ((both >> (8 * ((sel >> (4 * i)) & 7))) & 0xFF) << (8 * i)
        regs[ops[0]] = r
        return
    ty = type_of(parts)
    if ty in ("f16x2", "bf16x2"):
        half = ty[:-2]
        unpack, pack = HALF[half]
        srcs = [val(t, o, 32) for o in ops[1:]]
        out = 0
        for h in range(2):
            xs = [unpack((s >> (16 * h)) & 0xFFFF) for s in srcs]
            if head == "add":
                r = xs[0] + xs[1]
            elif head == "sub":
                r = xs[0] - xs[1]
            elif head == "mul":
                r = xs[0] * xs[1]
            elif head == "fma":
                r = xs[0] * xs[1] + xs[2]
            else:
                raise SimError(f"unsupported {instr.op}")
            out |= pack(r) << (16 * h)
        regs[ops[0]] = out
        return
    if ty == "f32" and head in ("rsqrt", "ex2", "lg2", "sin", "cos", "tanh"):
        # The .approx forms, computed exactly and rounded to f32 (the
        # hardware's are within a few ulp).
        x = f32_from_bits(val(t, ops[1], 32))
        if "ftz" in parts and x != 0 and abs(x) < 1.1754943508222875e-38:
            x = math.copysign(0.0, x)
        try:
            r = {"rsqrt": lambda: math.inf if x == 0 else math.nan if x < 0 else x ** -0.5,
                 "ex2": lambda: 2.0 ** x,
                 "lg2": lambda: -math.inf if x == 0 else math.nan if x < 0 else math.log2(x),
                 "sin": lambda: math.sin(x), "cos": lambda: math.cos(x),
                 "tanh": lambda: math.tanh(x)}[head]()
        except OverflowError:
            r = math.inf
        regs[ops[0]] = f32_bits(r)
        return
    if ty in ("f32", "f64", "f16", "bf16") and head in ("add", "sub", "mul", "fma", "div", "neg",
                                                          "abs", "max", "min", "sqrt", "rcp", "mad"):
        xs = [as_float(val(t, o, WIDTH_OF_TYPE[ty]), ty) for o in ops[1:]]
        r = {"add": lambda: xs[0] + xs[1], "sub": lambda: xs[0] - xs[1],
             "mul": lambda: xs[0] * xs[1], "fma": lambda: xs[0] * xs[1] + xs[2],
             "mad": lambda: xs[0] * xs[1] + xs[2], "div": lambda: xs[0] / xs[1],
             "neg": lambda: -xs[0], "abs": lambda: abs(xs[0]), "max": lambda: max(xs),
             "min": lambda: min(xs), "sqrt": lambda: xs[0] ** 0.5, "rcp": lambda: 1.0 / xs[0]}[head]()
        bits = from_float(r, ty)
        direction = next((p for p in parts if p in ("rm", "rp", "rz")), None)
        if direction and ty == "f32" and math.isfinite(r):
            bits = round_f32_directed(r, bits, direction)
        regs[ops[0]] = bits
        return
    if ty == "pred":
        a = regs.get(ops[1], 0)
        if head == "not":
            regs[ops[0]] = int(not a)
            return
        b = regs.get(ops[2], 0)
        regs[ops[0]] = int(PREDICATE_OPS[head](a, b))
        return
    width = WIDTH_OF_TYPE[ty]
    mask = MASKS[width]
    sgn = ty.startswith("s")

    def num(o, w=width):
        v = val(t, o, w)
        return signed(v, w) if sgn else v & MASKS[w]

    if head in ("add", "sub", "and", "or", "xor", "min", "max", "div", "rem"):
        a, b = num(ops[1]), num(ops[2])
        if head in ("div", "rem") and b == 0:
            raise SimError(f"{instr.op} by zero")
        r = {"add": lambda: a + b, "sub": lambda: a - b, "and": lambda: a & b,
             "or": lambda: a | b, "xor": lambda: a ^ b, "min": lambda: min(a, b),
             "max": lambda: max(a, b),
             "div": lambda: int(a / b) if sgn else a // b,
             "rem": lambda: a - int(a / b) * b if sgn else a % b}[head]()
        regs[ops[0]] = r & mask
        return
    if head == "not":
        regs[ops[0]] = ~num(ops[1]) & mask
        return
    if head == "neg":
        regs[ops[0]] = -num(ops[1]) & mask
        return
    if head in ("shl", "shr"):
        a, s = num(ops[1]), val(t, ops[2], 32)
        if head == "shl":
            regs[ops[0]] = (a << min(s, width)) & mask
        else:
            regs[ops[0]] = (a >> min(s, width)) & mask if not sgn else (a >> min(s, width - 1)) & mask
        return
    if head in ("mad", "madc", "add", "addc", "sub", "subc") and ("cc" in parts or head.endswith("c")):
        # Carry chains (CC.CF): .cc writes the carry out, madc/addc add it in.
        carry_in = t.carry if head.endswith("c") else 0
        if head.startswith("mad"):
            mode = parts[1]
            p = num(ops[1]) * num(ops[2])
            p = p >> width if mode == "hi" else p
            total = (p & mask) + (val(t, ops[3], width) & mask) + carry_in
        elif head.startswith("add"):
            total = (num(ops[1]) & mask) + (num(ops[2]) & mask) + carry_in
        else:
            total = (num(ops[1]) & mask) - (num(ops[2]) & mask) - (t.carry if head == "subc" else 0)
        if "cc" in parts:
            t.carry = int(total > mask or total < 0)
        regs[ops[0]] = total & mask
        return
    if head == "shf":
        # Funnel shift of the 64-bit b:a by c (wrap: c mod 32; clamp: at most 32).
        a, b, c = val(t, ops[1], 32), val(t, ops[2], 32), val(t, ops[3], 32)
        n = c & 31 if "wrap" in parts else min(c, 32)
        both = (b << 32) | a
        regs[ops[0]] = ((both << n) >> 32 if parts[1] == "l" else both >> n) & MASKS[32]
        return
    if head in ("mul", "mad"):
        mode = parts[1]
        a, b = num(ops[1]), num(ops[2])
        p = a * b
        if mode == "wide":
            r, rmask = p, MASKS[2 * width]
        elif mode == "lo":
            r, rmask = p, mask
        elif mode == "hi":
            r, rmask = p >> width, mask
        else:
            raise SimError(f"unsupported {instr.op}")
        if head == "mad":
            cw = 2 * width if mode == "wide" else width
            r += signed(val(t, ops[3], cw), cw) if sgn else val(t, ops[3], cw)
        regs[ops[0]] = r & rmask
        return
    if head == "bfe":
        a, pos, ln = num(ops[1]), val(t, ops[2], 32) & 0xFF, val(t, ops[3], 32) & 0xFF
        field = (a >> pos) & ((1 << ln) - 1) if ln else 0
        if sgn and ln and (field >> (ln - 1)) & 1:
            field -= 1 << ln
        regs[ops[0]] = field & mask
        return
    if head == "popc":
        regs[ops[0]] = bin(num(ops[1])).count("1")
        return
    raise SimError(f"{launch.kernel.name}: unsupported instruction '{instr.text}'")


def cvt(launch, t, instr):
    parts, ops = instr.parts, instr.operands
    types = [p for p in parts[1:] if p in WIDTH_OF_TYPE]
    dst, src = types[0], types[1]
    if dst in ("f16x2", "bf16x2"):
        # cvt.rn.f16x2.f32 d, a, b: a rounded into the upper half, b the lower.
        if src != "f32" or "rn" not in parts:
            raise SimError(f"unsupported conversion '{instr.text}'")
        pack = HALF[dst[:-2]][1]
        hi = pack(f32_from_bits(launch.value(t, ops[1], 32)))
        lo = pack(f32_from_bits(launch.value(t, ops[2], 32)))
        t.regs[ops[0]] = (hi << 16) | lo
        return
    raw = launch.value(t, ops[1], WIDTH_OF_TYPE[src])
    floaty = ("f16", "bf16", "f32", "f64")
    if src not in floaty + ("u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "b16", "b32",
                            "b64") or dst not in floaty + ("u8", "u16", "u32", "u64", "s8", "s16",
                                                          "s32", "s64"):
        raise SimError(f"unsupported conversion '{instr.text}'")
    if src in floaty:
        x = as_float(raw & MASKS[WIDTH_OF_TYPE[src]], src)
        if dst in floaty:
            if "sat" in parts:
                x = 0.0 if math.isnan(x) else min(1.0, max(0.0, x))
            t.regs[ops[0]] = from_float(x, dst)
            return
        # float -> int: .rzi / .rni
        mode = next((p for p in parts if p in ("rzi", "rni", "rmi", "rpi")), "rzi")
        r = {"rzi": math.trunc, "rni": round, "rmi": math.floor, "rpi": math.ceil}[mode](x)
        width = WIDTH_OF_TYPE[dst]
        lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if dst.startswith("s") else (0, MASKS[width])
        t.regs[ops[0]] = max(lo, min(hi, r)) & MASKS[width]
        return
    sw = WIDTH_OF_TYPE[src]
    x = signed(raw, sw) if src.startswith("s") else raw & MASKS[sw]
    if dst in floaty:
        t.regs[ops[0]] = from_float(float(x), dst)
        return
    dw = WIDTH_OF_TYPE[dst]
    t.regs[ops[0]] = x & MASKS[dw] if dw >= 32 else (x & MASKS[dw])


# Poison a cp.async destination holds until its group completes: f16 and
# bf16 NaN halves, an f32 NaN, and bytes that are no int4/int8 field pattern
# a test draws consistently.
CP_ASYNC_POISON = 0x7E


def cp_async(launch, t, instr):
    """cp.async.{ca,cg}.shared.global [dst], [src], cp-size{, src-size};
    cp.async.commit_group; cp.async.wait_group N; cp.async.wait_all. The
    source is read at issue (nothing writes it while a copy is in flight);
    the destination holds poison until the copy's group completes."""
    parts, ops = instr.parts, instr.operands
    kind = parts[2]
    if kind == "bulk":
        bulk_copy(launch, t, instr)
        return
    if kind == "commit_group":
        t.groups.append(t.pending)
        t.pending = []
        return
    if kind in ("wait_group", "wait_all"):
        keep = 0 if kind == "wait_all" else launch.value(t, ops[0], 32)
        while len(t.groups) > keep:
            for address, data in t.groups.pop(0):
                launch.shared.store_bytes(address, data)
                launch.unfenced[address:address + len(data)] = b"\x01" * len(data)
                t.unfenced.append((address, len(data)))
        return
    if kind not in ("ca", "cg") or parts[3:5] != ["shared", "global"]:
        raise SimError(f"unsupported '{instr.op}'")
    size = launch.value(t, ops[2], 32)
    if size not in (4, 8, 16) or (kind == "cg" and size != 16):
        raise SimError(f"'{instr.text}': copy size {size}")
    source_size = launch.value(t, ops[3], 32) if len(ops) > 3 else size
    if source_size > size:
        raise SimError(f"'{instr.text}': source size {source_size} over {size}")
    _, dst, _ = launch.address(t, ops[0])
    _, src, _ = launch.address(t, ops[1])
    if dst % size or src % size:
        raise SimError(f"'{instr.text}': misaligned copy")
    data = launch.memory.load_bytes(src, source_size) + bytes(size - source_size)
    launch.shared.store_bytes(dst, bytes([CP_ASYNC_POISON]) * size)
    t.pending.append((dst, data))


# ---------------------------------------------------------------- mbarriers and bulk copies

# The tensor maps (CUtensorMap, 128 bytes) of wq's stand-in CUDA drivers
# (kernels_runtime/test/FakeImage.h, FakeTensorMap, the same layout) and of
# gpu_sim_check.py: cuTensorMapEncodeTiled's parameters as given (a real
# driver encodes them in a format of its own). Magic, rank, global address,
# dims[5], byte strides of dims 1..4, box[5], element bytes, swizzle
# (CU_TENSOR_MAP_SWIZZLE_*: 0 none, 1 32B, 2 64B, 3 128B), out-of-bounds fill.
TENSOR_MAP = struct.Struct("<IIQ5Q4Q5IIII")
TENSOR_MAP_MAGIC = 0x70616D54
TENSOR_MAP_BYTES = 128


def encode_tensor_map(address, dims, strides, box, element_bytes, swizzle):
    """The 128 bytes of a tensor map (what the stand-in drivers'
    cuTensorMapEncodeTiled writes); dims and box innermost first, strides in
    bytes for dims 1 ..."""
    rank = len(dims)
    raw = TENSOR_MAP.pack(TENSOR_MAP_MAGIC, rank, address, *(list(dims) + [0] * (5 - rank)),
                          *(list(strides) + [0] * (4 - len(strides))),
                          *(list(box) + [0] * (5 - rank)), element_bytes, swizzle, 0)
    return raw + bytes(TENSOR_MAP_BYTES - len(raw))


def decode_tensor_map(raw):
    fields = TENSOR_MAP.unpack(raw[:TENSOR_MAP.size])
    if fields[0] != TENSOR_MAP_MAGIC:
        raise SimError("the tensor map operand holds no tensor map of the stand-in drivers")
    rank = fields[1]
    return {"rank": rank, "address": fields[2], "dims": list(fields[3:3 + rank]),
            "strides": list(fields[8:8 + rank - 1]), "box": list(fields[12:12 + rank]),
            "element_bytes": fields[17], "swizzle": fields[18], "oob_fill": fields[19]}


class MbarrierState:
    """An mbarrier: its phase, arrivals still expected in it, the pending
    transaction bytes and the bulk copies completing on it (destination,
    data), which land when a try_wait observes the phase."""

    def __init__(self, count):
        self.count = count
        self.phase = 0
        self.pending = count
        self.tx = 0
        self.copies = []

    def complete_if_done(self):
        if self.pending == 0 and self.tx == 0:
            self.phase += 1
            self.pending = self.count


def mbarrier_at(launch, t, operand, instr):
    _, address, _ = launch.address(t, operand)
    state = launch.mbarriers.get(address)
    if state is None:
        raise SimError(f"'{instr.text}': no mbarrier initialized at shared address {address:#x}")
    return state


def mbarrier(launch, t, instr):
    """mbarrier.init.shared::cta.b64 [bar], count;
    mbarrier.arrive.expect_tx.shared::cta.b64 _, [bar], bytes;
    mbarrier.try_wait.parity.shared::cta.b64 p, [bar], parity. Returns
    False when the thread must wait (try_wait on a phase not complete)."""
    parts, ops = instr.parts, instr.operands
    if parts[-2:] != ["shared::cta", "b64"]:
        raise SimError(f"unsupported '{instr.op}'")
    kind = ".".join(parts[1:-2])
    if kind == "init":
        _, address, _ = launch.address(t, ops[0])
        if address % 8:
            raise SimError(f"'{instr.text}': misaligned mbarrier")
        launch.mbarriers[address] = MbarrierState(launch.value(t, ops[1], 32))
        return True
    if kind == "arrive.expect_tx":
        if ops[0] != "_":
            raise SimError(f"unsupported '{instr.text}'")
        state = mbarrier_at(launch, t, ops[1], instr)
        state.tx += launch.value(t, ops[2], 32)
        state.pending -= 1
        if state.pending < 0:
            raise SimError(f"'{instr.text}': more arrivals than the mbarrier's count")
        state.complete_if_done()
        return True
    if kind == "try_wait.parity":
        state = mbarrier_at(launch, t, ops[1], instr)
        parity = launch.value(t, ops[2], 32) & 1
        if state.phase & 1 == parity:
            # The phase waited for is the current one: its copies land now.
            for address, data in state.copies:
                launch.shared.store_bytes(address, data)
                state.tx -= len(data)
            state.copies = []
            state.complete_if_done()
            if state.phase & 1 == parity:
                return False
        t.regs[ops[0]] = 1
        return True
    raise SimError(f"unsupported '{instr.op}'")


TENSOR_SWIZZLE_BYTES = {1: 32, 2: 64, 3: 128}


def bulk_copy(launch, t, instr):
    """cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes
    [dst], [src], size, [bar] and
    cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
    [dst], [map, {x, y}], [bar]. The source is read at issue, the
    destination holds poison until the copy completes (see mbarrier)."""
    parts, ops = instr.parts, instr.operands
    tensor = parts[3] == "tensor"
    rest = parts[5:] if tensor else parts[3:]
    if (tensor and parts[4] != "2d") or rest[:2] != ["shared::cluster", "global"] or \
            rest[-1] != "mbarrier::complete_tx::bytes" or (tensor and rest[2:-1] != ["tile"]):
        raise SimError(f"unsupported '{instr.op}'")
    _, dst, _ = launch.address(t, ops[0])
    if not tensor:
        _, src, _ = launch.address(t, ops[1])
        size = launch.value(t, ops[2], 32)
        if size % 16 or dst % 16 or src % 16:
            raise SimError(f"'{instr.text}': bulk copies move multiples of 16 bytes between "
                           f"16-byte aligned addresses")
        data = launch.memory.load_bytes(src, size)
        bar = ops[3]
    else:
        m = re.match(r"\[\s*(%\w+)\s*,\s*\{\s*(%\w+|\d+)\s*,\s*(%\w+|\d+)\s*\}\s*\]$", ops[1])
        if not m:
            raise SimError(f"unsupported tensor operand in '{instr.text}'")
        tmap = decode_tensor_map(launch.memory.load_bytes(launch.value(t, m.group(1), 64),
                                                          TENSOR_MAP_BYTES))
        x0 = launch.value(t, m.group(2), 32)
        y0 = launch.value(t, m.group(3), 32)
        if tmap["rank"] != 2:
            raise SimError(f"'{instr.text}': a rank-{tmap['rank']} tensor map for a 2-D copy")
        if tmap["oob_fill"]:
            raise SimError(f"'{instr.text}': only the zero fill past the bounds is simulated")
        if dst % 128:
            raise SimError(f"'{instr.text}': the destination must be 128-byte aligned")
        width, height = tmap["dims"]
        box_x, box_y = tmap["box"]
        size_of = tmap["element_bytes"]
        row_bytes = box_x * size_of
        swizzle = TENSOR_SWIZZLE_BYTES.get(tmap["swizzle"])
        if swizzle and row_bytes > swizzle:
            raise SimError(f"'{instr.text}': box rows of {row_bytes} bytes over the "
                           f"{swizzle}-byte swizzle span")
        box = bytearray(box_x * box_y * size_of)
        for r in range(box_y):
            y = y0 + r
            if y >= height:
                continue  # zero fill
            row = tmap["address"] + y * tmap["strides"][0]
            count = max(0, min(box_x, width - x0))
            if count:
                box[r * row_bytes:r * row_bytes + count * size_of] = \
                    launch.memory.load_bytes(row + x0 * size_of, count * size_of)
        size = len(box)
        if swizzle:
            # The swizzle XORs address bits 4.. (16-byte chunk) with bits 7..
            mask = swizzle // 16 - 1
            data = bytearray(size)
            for chunk in range(0, size, 16):
                address = dst + chunk
                moved = address ^ (((address >> 7) & mask) << 4)
                data[moved - dst:moved - dst + 16] = box[chunk:chunk + 16]
            data = bytes(data)
        else:
            data = bytes(box)
        bar = ops[2]
    state = mbarrier_at(launch, t, bar, instr)
    launch.shared.store_bytes(dst, bytes([CP_ASYNC_POISON]) * size)
    state.copies.append((dst, data))


# ---------------------------------------------------------------- collectives

def mma(launch, instr, lanes):
    """mma.sync.aligned.m16n8k16.row.col.f32.{f16,bf16}.{f16,bf16}.f32 with
    the fragment layouts of the PTX ISA (groupID = lane / 4, threadID in group
    = lane % 4)."""
    parts = instr.parts
    if parts[3] != "m16n8k16" or parts[4:6] != ["row", "col"] or parts[6] != "f32" or parts[9] != "f32":
        raise SimError(f"unsupported mma '{instr.op}'")
    half = parts[7]
    unpack = HALF[half][0]
    d_regs, a_regs, b_regs, c_regs = (vector_regs(o) for o in instr.operands)
    a = [[0.0] * 16 for _ in range(16)]
    b = [[0.0] * 8 for _ in range(16)]
    c = [[0.0] * 8 for _ in range(16)]
    for t in lanes:
        g, q = t.lane // 4, t.lane % 4
        av = [launch.value(t, r, 32) for r in a_regs]
        for i, (row, col) in enumerate(((g, 2 * q), (g + 8, 2 * q), (g, 2 * q + 8), (g + 8, 2 * q + 8))):
            a[row][col] = unpack(av[i] & 0xFFFF)
            a[row][col + 1] = unpack(av[i] >> 16)
        bv = [launch.value(t, r, 32) for r in b_regs]
        for i, row in enumerate((2 * q, 2 * q + 8)):
            b[row][g] = unpack(bv[i] & 0xFFFF)
            b[row + 1][g] = unpack(bv[i] >> 16)
        cv = [f32_from_bits(launch.value(t, r, 32)) for r in c_regs]
        c[g][2 * q], c[g][2 * q + 1], c[g + 8][2 * q], c[g + 8][2 * q + 1] = cv
    for t in lanes:
        g, q = t.lane // 4, t.lane % 4
        for reg, (row, col) in zip(d_regs, ((g, 2 * q), (g, 2 * q + 1), (g + 8, 2 * q), (g + 8, 2 * q + 1))):
            total = c[row][col] + sum(a[row][k] * b[k][col] for k in range(16))
            t.regs[reg] = f32_bits(total)


def shfl(launch, instr, lanes):
    """shfl.sync.{bfly,down,up,idx}.b32 d[|p], a, b, c, membermask."""
    mode = instr.parts[2]
    dest = instr.operands[0].split("|")[0].strip()
    values = {t.lane: launch.value(t, instr.operands[1], 32) for t in lanes}
    for t in lanes:
        b = launch.value(t, instr.operands[2], 32) & 31
        c = launch.value(t, instr.operands[3], 32)
        max_lane = c & 31
        seg_mask = (c >> 8) & 31
        min_lane = t.lane & seg_mask
        max_lane = min_lane | (max_lane & ~seg_mask & 31)
        if mode == "bfly":
            src = t.lane ^ b
            ok = src <= max_lane
        elif mode == "down":
            src = t.lane + b
            ok = src <= max_lane
        elif mode == "up":
            src = t.lane - b
            ok = src >= min_lane
        else:
            src = min_lane | (b & ~seg_mask & 31)
            ok = src <= max_lane
        t.regs[dest] = values[src] if ok and src in values else values[t.lane]


# ---------------------------------------------------------------- wgmma

class WarpgroupState:
    """A warpgroup's asynchronous mmas: issued but not committed (`open`),
    committed groups (oldest first), and the true values of the accumulator
    registers the retired mmas wrote while later ones are still in flight."""

    def __init__(self):
        self.fenced = False
        self.open = []
        self.groups = []
        self.shadow = {}  # (thread index, register) -> value


WGMMA_SWIZZLE = {1: (128, 7), 2: (64, 3), 3: (32, 1)}  # mode -> (row bytes, address bits 7.. mask)


def wgmma_b_address(desc, n, k):
    """Byte address of element (k, n) of a K-major B operand (16-bit elements)
    under matrix descriptor `desc`: start address, stride byte offset between
    8-row groups, and the swizzle, which XORs address bits 4.. with bits 7.."""
    start = (desc & 0x3FFF) << 4
    stride = ((desc >> 32) & 0x3FFF) << 4
    mode = (desc >> 62) & 3
    if mode not in WGMMA_SWIZZLE:
        raise SimError("wgmma: only the swizzled K-major B layouts are simulated")
    if (desc >> 49) & 7:
        raise SimError("wgmma: a matrix base offset is not simulated")
    row_bytes, mask = WGMMA_SWIZZLE[mode]
    address = start + (n // 8) * stride + (n % 8) * row_bytes + 2 * k
    return address ^ (((address >> 7) & mask) << 4)


def wgmma(launch, instr, threads):
    """wgmma.{fence,commit_group,wait_group}.sync.aligned and
    wgmma.mma_async.sync.aligned.m64nNk16.f32.{f16,bf16}.{f16,bf16} d, a, b-desc, scale-d,
    1, 1, 0 with A in registers (the m16n8k16 A layout per warp, warp w of
    the group holding rows 16w .. 16w + 15) and D in the mma.sync D layout per
    8 columns. Stricter than the ISA in one point: every mma_async needs a
    wgmma.fence since the previous one."""
    state = launch.warpgroups.setdefault(threads[0].warp // WARPGROUP_WARPS, WarpgroupState())
    kind = instr.parts[1]
    if kind == "fence":
        state.fenced = True
        return
    if kind == "commit_group":
        state.groups.append(state.open)
        state.open = []
        return
    if kind == "wait_group":
        keep = launch.value(threads[0], instr.operands[0], 32)
        while len(state.groups) > keep:
            for op in state.groups.pop(0):
                wgmma_retire(launch, state, threads, op)
        return
    if kind != "mma_async":
        raise SimError(f"unsupported '{instr.op}'")
    parts = instr.parts
    m = re.match(r"m64n(\d+)k16$", parts[4])
    if not m or parts[5] != "f32" or parts[6] != parts[7] or parts[6] not in HALF:
        raise SimError(f"unsupported wgmma '{instr.op}'")
    n = int(m.group(1))
    ops = instr.operands
    d_regs, a_regs = vector_regs(ops[0]), vector_regs(ops[1])
    if len(d_regs) != n // 2 or len(a_regs) != 4 or ops[4:] != ["1", "1", "0"]:
        raise SimError(f"'{instr.text}': expected {n // 2} accumulators, 4 A registers, "
                       f"scales 1 and K-major B")
    if not state.fenced:
        raise SimError(f"'{instr.text}': no wgmma.fence since the previous wgmma")
    state.fenced = False
    descs = {launch.value(t, ops[2], 64) for t in threads}
    if len(descs) != 1:
        raise SimError(f"'{instr.text}': the B descriptor differs between threads")
    desc = descs.pop()
    unfenced = launch.unfenced
    for kk in range(16):
        for col in range(n):
            address = wgmma_b_address(desc, col, kk)
            if address + 2 > len(unfenced):
                raise SimError(f"'{instr.text}': B element ({kk}, {col}) at shared address "
                               f"{address} outside the block's shared memory")
            if unfenced[address] or unfenced[address + 1]:
                raise SimError(f"'{instr.text}': B element ({kk}, {col}) was written by "
                               f"cp.async without a fence.proxy.async before the wgmma")
    in_flight = {reg for op in state.open for reg in op["d"]}
    in_flight.update(reg for group in state.groups for op in group for reg in op["d"])
    chained = [reg in in_flight for reg in d_regs]
    if any(chained) and not all(chained):
        raise SimError(f"'{instr.text}': accumulators partly in flight")
    op = {"d": d_regs, "n": n, "half": parts[6], "desc": desc, "chained": all(chained),
          "scale_d": [bool(t.regs[ops[3]] if ops[3] in t.regs else launch.value(t, ops[3], 1))
                      for t in threads],
          "a": [[launch.value(t, r, 32) for r in a_regs] for t in threads],
          "c": None if all(chained) else [[launch.value(t, r, 32) for r in d_regs] for t in threads]}
    state.open.append(op)
    for t in threads:
        for reg in d_regs:
            t.regs[reg] = WGMMA_POISON


def wgmma_retire(launch, state, threads, op):
    unpack = HALF[op["half"]][0]
    n = op["n"]
    a = [[0.0] * 16 for _ in range(64)]
    for index, t in enumerate(threads):
        w, g, q = index // 32, t.lane // 4, t.lane % 4
        for i, (row, col) in enumerate(((g, 2 * q), (g + 8, 2 * q), (g, 2 * q + 8), (g + 8, 2 * q + 8))):
            bits = op["a"][index][i]
            a[16 * w + row][col] = unpack(bits & 0xFFFF)
            a[16 * w + row][col + 1] = unpack(bits >> 16)
    shared = launch.shared
    columns = [[unpack(shared.load(wgmma_b_address(op["desc"], col, kk), 2)) for kk in range(16)]
               for col in range(n)]
    product = [[math.fsum(map(operator.mul, row, column)) for column in columns] for row in a]
    pending = {reg for o in state.open for reg in o["d"]}
    pending.update(reg for group in state.groups for o in group for reg in o["d"])
    for index, t in enumerate(threads):
        w, g, q = index // 32, t.lane // 4, t.lane % 4
        for j, reg in enumerate(op["d"]):
            i = j % 4
            row = 16 * w + g + (8 if i >= 2 else 0)
            col = 8 * (j // 4) + 2 * q + i % 2
            if op["chained"]:
                c_bits = state.shadow[(index, reg)]
            else:
                c_bits = op["c"][index][j]
            total = product[row][col]
            if op["scale_d"][index]:
                total += f32_from_bits(c_bits)
            bits = f32_bits(total)
            state.shadow[(index, reg)] = bits
            if reg not in pending:
                t.regs[reg] = bits
