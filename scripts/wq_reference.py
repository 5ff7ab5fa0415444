"""Independent float64 reference for wq's RTN numerics (numpy only).

Written from the RTN contract in docs/dialect.md, not from the C++ sources,
so that tests compare two implementations of the same rules.
"""
import numpy as np


def round_scale(scale, scale_type):
    """Rounds f32 scales to the scale type (round to nearest even)."""
    scale = np.asarray(scale, dtype=np.float32)
    if scale_type == "f32":
        return scale
    if scale_type == "f16":
        return scale.astype(np.float16).astype(np.float32)
    if scale_type == "bf16":
        bits = scale.view(np.uint32).astype(np.uint64)
        rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16 << 16
        return rounded.astype(np.uint32).view(np.float32)
    raise ValueError(scale_type)


def _avoid_zero(scale, raw, scale_type):
    tiny = {"f16": np.float32(2.0**-24), "bf16": np.float32(2.0**-133),
            "f32": np.float32(1.4e-45)}[scale_type]
    return np.where(scale == 0, np.copysign(tiny, raw), scale).astype(np.float32)


def rtn_dequantize(w, bits, group_size, symmetric, scale_type):
    """Returns the RTN-dequantized weight [N, K] in float64."""
    w = np.asarray(w, dtype=np.float32)
    n, k = w.shape
    g = group_size if 0 < group_size <= k else k
    out = np.zeros((n, k), dtype=np.float64)
    for start in range(0, k, g):
        blk = w[:, start:start + g]
        if not symmetric:
            maxq = np.float32(2**bits - 1)
            lo = np.minimum(blk.min(axis=1), np.float32(0))
            hi = np.maximum(blk.max(axis=1), np.float32(0))
            same = lo == hi
            lo = np.where(same, np.float32(-1), lo).astype(np.float32)
            hi = np.where(same, np.float32(1), hi).astype(np.float32)
            raw = ((hi - lo) / maxq).astype(np.float32)
            scale = _avoid_zero(round_scale(raw, scale_type), raw, scale_type)
            zero = np.clip(np.round((-lo / scale).astype(np.float32)), 0, maxq)
            q = np.round((blk / scale[:, None]).astype(np.float32)) + zero[:, None]
            q = np.clip(q, 0, maxq)
            out[:, start:start + g] = scale[:, None].astype(np.float64) * (
                q.astype(np.float64) - zero[:, None].astype(np.float64))
            continue
        if bits == 8:
            amax = np.abs(blk).max(axis=1)
            raw = np.where(amax == 0, np.float32(1), amax / np.float32(127)).astype(np.float32)
            lo_q, hi_q = -127, 127
        else:
            idx = np.abs(blk).argmax(axis=1)
            extreme = blk[np.arange(n), idx]
            raw = np.where(extreme == 0, np.float32(1),
                           extreme / np.float32(-(2**(bits - 1)))).astype(np.float32)
            lo_q, hi_q = -(2**(bits - 1)), 2**(bits - 1) - 1
        scale = _avoid_zero(round_scale(raw, scale_type), raw, scale_type)
        q = np.clip(np.round((blk / scale[:, None]).astype(np.float32)), lo_q, hi_q)
        out[:, start:start + g] = scale[:, None].astype(np.float64) * q.astype(np.float64)
    return out


def parse_memref_print(text):
    """Extracts the numbers printed by the runner's printMemrefF32."""
    values = []
    for block in text.split("data =")[1:]:
        end = block.find("Unranked Memref")
        body = block if end < 0 else block[:end]
        for token in body.replace("[", " ").replace("]", " ").replace(",", " ").split():
            values.append(float(token))
    return np.array(values, dtype=np.float64)
