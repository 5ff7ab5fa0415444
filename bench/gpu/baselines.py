#!/usr/bin/env python3
"""Baselines for the GPU benchmark, timed as the wq kernels are (CUDA graph
replay, CUDA events, weight rotation with a working set >= 256 MB): cuBLAS
fp16 and bf16 through torch.matmul, and
PyTorch's int4 weight-only kernel (torch._weight_int4pack_mm, bf16, group 128)
where this PyTorch has it. One row per shape and M of the manifest."""
import sys

import torch


def time_us(fn, rotations):
    """Microseconds per call, by CUDA graph replay as the wq kernels are
    timed (32 calls per graph rotating the weight copies), so that Python's
    launch overhead is not counted; eager launches if capture fails."""
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        for i in range(3):  # warm-up (cuBLAS picks its kernel) off the capture
            fn(i % rotations)
    torch.cuda.current_stream().wait_stream(stream)
    torch.cuda.synchronize()
    calls = 32
    try:
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            for i in range(calls):
                fn(i % rotations)
        run, per_run = graph.replay, calls
    except Exception:  # capture unsupported: eager launches
        run, per_run = (lambda: [fn(i % rotations) for i in range(calls)]), calls
    run()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    reps = 20
    start.record()
    for _ in range(reps):
        run()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) * 1e3 / (reps * per_run)


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
