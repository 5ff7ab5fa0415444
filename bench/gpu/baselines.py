#!/usr/bin/env python3
"""Baselines for the GPU benchmark, timed with CUDA events and weight rotation
(working set >= 256 MB): cuBLAS fp16 and bf16 through torch.matmul, and
PyTorch's int4 weight-only kernel (torch._weight_int4pack_mm, bf16, group 128)
where this PyTorch has it. One row per shape and M of the manifest."""
import sys

import torch


def time_us(fn, rotations):
    for i in range(3):
        fn(i % rotations)
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    reps = 50
    start.record()
    for i in range(reps):
        fn(i % rotations)
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) * 1e3 / reps


def main():
    shapes = sorted({(int(f[1]), int(f[2]), int(f[3]))
                     for f in (line.split() for line in open(sys.argv[1])) if len(f) >= 6})
    print("| baseline | N x K | M | us | weight GB/s |")
    print("|---|---|---|---|---|")
    for n, k, m in shapes:
        for dtype, name in ((torch.float16, "cuBLAS fp16"), (torch.bfloat16, "cuBLAS bf16")):
            rotations = max(1, min(8, (256 << 20) // (n * k * 2) + 1))
            ws = [torch.randn(n, k, device="cuda", dtype=dtype) for _ in range(rotations)]
            x = torch.randn(m, k, device="cuda", dtype=dtype)
            us = time_us(lambda i: torch.matmul(x, ws[i].t()), rotations)
            print(f"| {name} | {n}x{k} | {m} | {us:.1f} | {n * k * 2 / us / 1e3:.0f} |", flush=True)
        if hasattr(torch, "_weight_int4pack_mm") and hasattr(torch, "_convert_weight_to_int4pack"):
            try:
                rotations = max(1, min(16, (256 << 20) // (n * k // 2) + 1))
                packed = []
                for _ in range(rotations):
                    w = torch.randint(0, 16, (n, k), dtype=torch.int32, device="cuda")
                    wu8 = ((w[:, ::2] << 4) | w[:, 1::2]).to(torch.uint8)
                    packed.append(torch._convert_weight_to_int4pack(wu8, 8))
                sz = torch.rand(k // 128, n, 2, device="cuda", dtype=torch.bfloat16)
                x = torch.randn(m, k, device="cuda", dtype=torch.bfloat16)
                us = time_us(lambda i: torch._weight_int4pack_mm(x, packed[i], 128, sz), rotations)
                print(f"| torch int4 g128 (bf16) | {n}x{k} | {m} | {us:.1f} | {n * k / 2 / us / 1e3:.0f} |",
                      flush=True)
            except Exception as error:  # the packing API changes between versions
                print(f"| torch int4 g128 (bf16) | {n}x{k} | {m} | unavailable: {type(error).__name__} | |")


if __name__ == "__main__":
    main()
