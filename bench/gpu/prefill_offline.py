#!/usr/bin/env python3
"""The prefill GEMM's kernels at the benchmark's shapes, offline: which form
each shape takes and what ptxas and the disassembler make of it.

Compiles test/Pipelines/Inputs/prefill-bench-shapes.mlir with wq-opt's
wq-gpu-pipeline for sm_90 (wgmma, target sm_90a) and sm_80 (mma.sync),
assembles every kernel with `ptxas -v`, and, where `nvdisasm` is found
(--nvdisasm, or PATH; PyPI's nvidia-cuda-nvdisasm has one), counts the
tensor-core and copy instructions of the SASS. Prints a markdown table: the
block's threads (.maxntid), how stages reach shared memory (TMA: bulk copies
on an mbarrier; cp.async), the mma instruction and its shape in the PTX,
registers, spills, and the SASS tensor-core and copy opcodes (UTMALDG: a
TMA tensor copy, UBLKCP: a bulk copy, LDGSTS: a cp.async). No GPU needed; nothing here is a
timing.

    python3 bench/gpu/prefill_offline.py --wq-opt build/bin/wq-opt [--nvdisasm PATH]
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from ptxas_check import BINARY, find_ptxas, unescape_mlir_string  # noqa: E402

SHAPES = os.path.join(ROOT, "test", "Pipelines", "Inputs", "prefill-bench-shapes.mlir")


def kernels(wq_opt, chip):
    run = subprocess.run([wq_opt, SHAPES, f"--wq-gpu-pipeline=chip={chip} format=isa"],
                         capture_output=True, text=True, check=True)
    for match in BINARY.finditer(run.stdout):
        name, target, assembly = match.groups()
        yield name, target, unescape_mlir_string(assembly)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wq-opt", required=True)
    parser.add_argument("--nvdisasm", default=shutil.which("nvdisasm"))
    args = parser.parse_args()
    ptxas = find_ptxas()
    print("| chip | kernel | threads | stages by | PTX mma | registers | spills | "
          "SASS tensor-core ops | SASS copies |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for chip in ("sm_90", "sm_80"):
            for name, target, ptx in kernels(args.wq_opt, chip):
                mma = re.search(r"(wgmma\.mma_async\S*|mma\.sync\S*)", ptx)
                if not mma:
                    continue  # the split-K reduction kernels
                threads = re.search(r"\.maxntid (\d+)", ptx)
                path = os.path.join(tmp, name + ".ptx")
                with open(path, "w") as f:
                    f.write(ptx)
                run = subprocess.run([ptxas, "-v", f"-arch={target}", path, "-o", path + ".cubin"],
                                     capture_output=True, text=True, check=True)
                registers = re.search(r"Used (\d+) registers", run.stderr).group(1)
                spills = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", run.stderr)
                sass = copies = "no nvdisasm"
                if args.nvdisasm:
                    listing = subprocess.run([args.nvdisasm, path + ".cubin"], capture_output=True,
                                             text=True, check=True).stdout
                    ops = collections.Counter(re.findall(r"\b(HGMMA\.[\w.]+|HMMA\.[\w.]+)", listing))
                    sass = ", ".join(f"{count} x {op}" for op, count in sorted(ops.items()))
                    moves = collections.Counter(re.findall(r"\b(UTMALDG|UBLKCP|LDGSTS)\b", listing))
                    copies = ", ".join(f"{count} x {op}" for op, count in sorted(moves.items()))
                stages_by = "TMA" if "cp.async.bulk.tensor" in ptx else "cp.async"
                print(f"| {target} | {name} | {threads.group(1) if threads else '?'} | {stages_by} | "
                      f"`{mma.group(1)}` | {registers} | {int(spills.group(1)) + int(spills.group(2))} "
                      f"| {sass} | {copies} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
