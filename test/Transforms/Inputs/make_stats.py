"""Writes calibration statistics for quantize-weights-calibrated.mlir: weight
"proj" [K = 16] gets a Hessian and channel magnitudes from random activations
in which channel 5 is 50x larger than the rest."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts"))
from safetensors_io import save  # noqa: E402

rng = np.random.default_rng(1)
x = rng.standard_normal((256, 16)).astype(np.float32)
x[:, 5] *= 50
save(sys.argv[1], {"proj.hessian": (2 * x.T @ x).astype(np.float32),
                   "proj.channel_mean_abs": np.abs(x).mean(axis=0).astype(np.float32)})
