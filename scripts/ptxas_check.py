#!/usr/bin/env python3
"""Assembles every PTX kernel embedded in a wq-opt GPU module with ptxas -v.

Reads the output of `wq-opt --wq-gpu-pipeline="... format=isa"` (gpu.binary
ops whose objects carry `assembly = "..."`), writes each PTX to a temporary
file and runs `ptxas -v -arch=<chip>` on it. Prints one line per kernel:
  kernel <binary> <chip>: <R> registers, <S> bytes stack, <L> spill stores, <M> spill loads
Exits non-zero if ptxas fails, if no kernel is found, or (with --no-spills) if
any kernel spills to local memory. --print-ptx prints the PTX instead (no
ptxas needed), for FileCheck tests of the generated instructions.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

BINARY = re.compile(r'gpu\.binary @(\w+).*?chip = "(sm_\d+a?)".*?assembly = "((?:[^"\\]|\\.)*)"')


def unescape_mlir_string(text):
    """MLIR prints non-printable bytes and quotes as \\XX (hex)."""
    return re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), text)


def find_ptxas():
    for var in ("CUDA_ROOT", "CUDA_HOME", "CUDA_PATH"):
        root = os.environ.get(var)
        if root and os.path.exists(os.path.join(root, "bin", "ptxas")):
            return os.path.join(root, "bin", "ptxas")
    return shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", help="wq-opt output (MLIR text), '-' for stdin")
    parser.add_argument("--no-spills", action="store_true",
                        help="fail if a kernel spills registers to local memory")
    parser.add_argument("--print-ptx", action="store_true",
                        help="print each embedded PTX module instead of assembling it")
    parser.add_argument("--distinct", action="store_true",
                        help="fail if two embedded modules hold the same PTX (a kernel the "
                             "pipeline should have kept once)")
    args = parser.parse_args()
    text = sys.stdin.read() if args.module == "-" else open(args.module).read()
    if args.distinct:
        first = {}
        for match in BINARY.finditer(text):
            name, chip, assembly = match.groups()
            other = first.setdefault((chip, assembly), name)
            if other != name:
                print(f"error: gpu.binary @{name} ({chip}) holds the same PTX as @{other}",
                      file=sys.stderr)
                return 1
        print(f"{len(first)} distinct kernel modules")
    if args.print_ptx:
        found = False
        for match in BINARY.finditer(text):
            name, chip, assembly = match.groups()
            print(f"// gpu.binary @{name} ({chip})")
            print(unescape_mlir_string(assembly))
            found = True
        if not found:
            print("error: no PTX kernel found (run the pipeline with format=isa)", file=sys.stderr)
            return 1
        return 0
    ptxas = find_ptxas()
    kernels = 0
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for match in BINARY.finditer(text):
            name, chip, assembly = match.groups()
            ptx_path = os.path.join(tmp, name + ".ptx")
            with open(ptx_path, "w") as f:
                f.write(unescape_mlir_string(assembly))
            run = subprocess.run(
                [ptxas, "-v", "-arch=" + chip, ptx_path, "-o", ptx_path + ".cubin"],
                capture_output=True, text=True)
            if run.returncode != 0:
                print(f"error: ptxas failed on {name} ({chip}):\n{run.stderr}", file=sys.stderr)
                failed = True
                continue
            info = run.stderr
            for entry in re.split(r"ptxas info\s*: Compiling entry function ", info)[1:]:
                kernel = entry.split("'")[1] if "'" in entry else name
                registers = re.search(r"Used (\d+) registers", entry)
                stack = re.search(r"(\d+) bytes stack frame", entry)
                stores = re.search(r"(\d+) bytes spill stores", entry)
                loads = re.search(r"(\d+) bytes spill loads", entry)
                values = [int(m.group(1)) if m else 0 for m in (registers, stack, stores, loads)]
                kernels += 1
                print(f"kernel {name}/{kernel} {chip}: {values[0]} registers, {values[1]} bytes stack, "
                      f"{values[2]} spill stores, {values[3]} spill loads")
                if args.no_spills and (values[2] or values[3]):
                    print(f"error: {name}/{kernel} ({chip}) spills to local memory", file=sys.stderr)
                    failed = True
    if kernels == 0:
        print("error: no PTX kernel found (run the pipeline with format=isa)", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
