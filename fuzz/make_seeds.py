#!/usr/bin/env python3
"""Seed inputs for the harnesses whose inputs are made, not cut from files.

  make_seeds.py hf OUT --bin BIN      FuzzHfDirectory: tiny Hugging Face
      folders (f32, f16, and GPTQ / AWQ / wq quantized by BIN/wq-quantize),
      each packed as [u16 config length][config.json][model.safetensors].
  make_seeds.py mlir OUT FILE...      FuzzDialect: every `// -----` case of
      the MLIR test files, without their RUN/CHECK lines.
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "..", "scripts")


def pack(folder, weights=None):
    config = open(os.path.join(folder, "config.json"), "rb").read()
    tensors = open(weights or os.path.join(folder, "model.safetensors"), "rb").read()
    return len(config).to_bytes(2, "little") + config + tensors


def hf_seeds(out, bin_dir):
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for dtype in ("f32", "f16"):
            folder = os.path.join(tmp, dtype)
            subprocess.run([sys.executable, os.path.join(SCRIPTS, "export_hf.py"),
                            folder, "--random", "--tiny", "--dtype", dtype], check=True)
            open(os.path.join(out, "hf-" + dtype), "wb").write(pack(folder))
        for fmt in ("gptq", "awq", "wq"):
            quantized = os.path.join(tmp, fmt + ".safetensors")
            subprocess.run([os.path.join(bin_dir, "wq-quantize"), "--weights",
                            os.path.join(tmp, "f32", "model.safetensors"),
                            "--method", "rtn", "--bits", "4", "--group-size", "32",
                            "--format", fmt, "-o", quantized], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            open(os.path.join(out, "hf-" + fmt), "wb").write(
                pack(os.path.join(tmp, "f32"), quantized))


def mlir_seeds(out, files):
    os.makedirs(out, exist_ok=True)
    directive = re.compile(r"^\s*//\s*(RUN|CHECK|[A-Z0-9-]+:|expected-)")
    for path in files:
        cases = open(path).read().split("// -----")
        for i, case in enumerate(cases):
            text = "\n".join(l for l in case.splitlines() if not directive.match(l))
            name = "%s-%d" % (os.path.splitext(os.path.basename(path))[0], i)
            open(os.path.join(out, name), "w").write(text.strip() + "\n")


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "hf" and sys.argv[3] == "--bin":
        hf_seeds(sys.argv[2], sys.argv[4])
    elif len(sys.argv) >= 4 and sys.argv[1] == "mlir":
        mlir_seeds(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
