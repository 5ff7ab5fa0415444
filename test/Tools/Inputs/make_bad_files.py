"""Writes malformed and lying safetensors files into the directory argv[1]."""
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts"))
from safetensors_io import save  # noqa: E402

out = sys.argv[1]
rng = np.random.default_rng(0)
w = rng.standard_normal((16, 24)).astype(np.float32)


def raw(name, header, data):
    text = json.dumps(header).encode()
    with open(os.path.join(out, name), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


entry = {"dtype": "F32", "shape": [16, 24], "data_offsets": [0, 1536]}
raw("truncated", {"layers.0.weight": entry}, w.tobytes()[:100])
raw("lying", {"layers.0.weight": {"dtype": "F32", "shape": [32, 24],
                                  "data_offsets": [0, 1536]}}, w.tobytes())
with open(os.path.join(out, "huge_header"), "wb") as f:
    f.write(struct.pack("<Q", 1 << 40) + b"{}")
with open(os.path.join(out, "not_json"), "wb") as f:
    f.write(struct.pack("<Q", 5) + b"{oops")
raw("overlap", {"a": {"dtype": "F32", "shape": [16, 24], "data_offsets": [0, 1536]},
                "b": {"dtype": "F32", "shape": [8, 24], "data_offsets": [768, 1536]}},
    w.tobytes())
bad = w.copy()
bad[1, 2] = np.nan
save(os.path.join(out, "nan"), {"layers.0.weight": bad})
x = rng.standard_normal((64, 24)).astype(np.float32)
x[0, 5] = np.nan
save(os.path.join(out, "calib_nan"), {"layers.0.weight.calib_input": x})
h = np.eye(24, dtype=np.float32)
h[3, 3] = -1e6
save(os.path.join(out, "indefinite"), {"layers.0.weight.hessian": h})
save(os.path.join(out, "singular"),
     {"layers.0.weight.calib_input": rng.standard_normal((4, 24)).astype(np.float32)})
g_idx = np.zeros(24, dtype=np.int32)
g_idx[3] = 9
save(os.path.join(out, "bad_gidx"), {
    "layers.0.qweight": np.zeros((3, 16), dtype=np.int32),
    "layers.0.qzeros": np.zeros((1, 2), dtype=np.int32),
    "layers.0.scales": np.ones((1, 16), dtype=np.float16),
    "layers.0.g_idx": g_idx})
