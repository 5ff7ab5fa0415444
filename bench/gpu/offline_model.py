#!/usr/bin/env python3
"""What can be said of the GPU kernels' speed without a GPU: for each variant
the benchmark times, at M = 1, 8 and 16, the registers ptxas gives it
(sm_90) and its dynamic instruction count from the PTX simulator (which
also checks its numerics), as warp instructions per 1024 weights and the
share of an H200's issue slots (132 SMs x 4 schedulers x 1.98 GHz) it would
take to consume weights at the full 4.8 TB/s. A share well below 100% means
the kernel can keep up with memory; it says nothing about latency hiding,
which only a GPU measures (bench/gpu/run.sh).

    bench/gpu/offline_model.py build/bin/wq-opt > bench/results/gpu-kernels-offline.md

Shapes: N = 32 (two tile columns), K = 4096, so the loop dominates as it does
at the benchmark's shapes (its prologue and epilogue are per tile column)."""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VARIANTS = [  # as bench/gpu/GpuKernelGen.cpp: name, bits, group, signed, activations, layout
    ("int4_g128_asym", 4, 128, False, "f16", "mma_tiles"),
    ("int4_g32_asym", 4, 32, False, "f16", "mma_tiles"),
    ("int4_g128_sym", 4, 128, True, "f16", "mma_tiles"),
    ("int4_g128_asym_bf16", 4, 128, False, "bf16", "mma_tiles"),
    ("int8_per_channel_sym", 8, 0, True, "f16", "mma_tiles"),
    ("int8_per_channel_sym_bf16", 8, 0, True, "bf16", "mma_tiles"),
    ("int4_g128_asym_simt", 4, 128, False, "f16", "row_major"),
    ("int8_per_channel_sym_simt", 8, 0, True, "f16", "row_major"),
]


def function(name, bits, group, signed, act, layout, n, k, m):
    g = group or k
    groups = k // g
    attrs = f"{n}x{k}, {'i' if signed else 'u'}{bits}, group_size = {group}, scale_type = {act}"
    if not signed:
        attrs += ", zero_points"
    if layout == "mma_tiles":
        blocks, depth = (n + 15) // 16, 64 if bits == 4 else 32
        p, s, z = (f"tensor<{blocks}x{k // depth}x512xi8>", f"tensor<{blocks}x{groups}x16x{act}>",
                   f"tensor<{blocks}x{groups}x16xi8>")
        attrs += ", layout = #wq.layout<mma_tiles>"
    else:
        p, s, z = (f"tensor<{n}x{groups}x{g * bits // 8}xi8>", f"tensor<{n}x{groups}x{act}>",
                   f"tensor<{n}x{groups}xi8>")
    x, y = f"tensor<{m}x{k}x{act}>", f"tensor<{m}x{n}x{act}>"
    args = f"%x: {x}, %p: {p}, %s: {s}" + ("" if signed else f", %z: {z}")
    operands = "%x, %p, %s" + ("" if signed else " zero_points(%z)")
    types = f"{x}, {p}, {s}" + ("" if signed else f", {z}")
    return (f"func.func @{name}_m{m}({args}) -> {y} {{\n"
            f"  %y = wq.matmul {operands} {{weight = #wq.qweight<{attrs}>}} : ({types}) -> {y}\n"
            f"  return %y : {y}\n}}\n")


def main():
    wq_opt = sys.argv[1]
    source = "".join(function(*v, 32, 4096, m) for v in VARIANTS for m in (1, 8, 16))
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
        f.write(source)
        path = f.name
    try:
        module = subprocess.run([wq_opt, path, "--wq-gpu-pipeline=chip=sm_90 format=isa"],
                                capture_output=True, text=True, check=True).stdout
        ptxas = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "ptxas_check.py"), "-"],
                               input=module, capture_output=True, text=True)
        registers = {m.group(1): int(m.group(2)) for m in re.finditer(
            r"kernel (\w+)_kernel/\w+ sm_90: (\d+) registers", ptxas.stdout)}
        sim = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gpu_sim_check.py"),
                              "--wq-opt", wq_opt, "--stats", path], capture_output=True, text=True)
    finally:
        os.unlink(path)
    print("# GPU decode kernels, offline (no GPU: ptxas and the PTX simulator)\n")
    print("N = 32, K = 4096. Registers: ptxas sm_90. Instructions: dynamic, from "
          "scripts/ptx_sim.py executing the PTX (thread instructions / 32), without register "
          "moves and constants (mov), which ptxas mostly folds away; PTX, not SASS (no "
          "disassembler here). Issue share: of an H200's 132 x 4 schedulers at 1.98 GHz, to "
          "consume weights at 4.8 TB/s.\n")
    print("| kernel | M | registers | numerics (rel. error) | warp instr. / 1024 weights | issue share at 4.8 TB/s |")
    print("|---|---|---|---|---|---|")
    failed = sim.returncode != 0
    for m in re.finditer(r"sim (\w+)_m(\d+): (ok|FAIL) \(relative error ([\d.e+-]+).*?moves; "
                         r"([\d.]+) warp instructions per 1024 weights, (\d+)% of issue\)", sim.stdout):
        name, rows, status, error, per_kilo, share = m.groups()
        print(f"| {name} | {rows} | {registers.get(f'{name}_m{rows}', '-')} | {status} ({error}) "
              f"| {per_kilo} | {share}% |")
    if failed:
        print("\n(simulation failures)\n")
        print(sim.stdout + sim.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
