# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "WQ"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.wq_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# Runner utility libraries for end-to-end tests (printMemrefF32 and friends).
runner_libs = ",".join(
    os.path.join(config.llvm_lib_dir, lib)
    for lib in ("libmlir_runner_utils.so", "libmlir_c_runner_utils.so", "libomp.so")
)
config.substitutions.append(("%mlir_runner_libs", runner_libs))
config.substitutions.append(("%wq_source_root", config.wq_src_root))
config.substitutions.append(("%wq_scripts", os.path.join(config.wq_src_root, "scripts")))
config.substitutions.append(("%python", "/usr/bin/python3"))
# Real models, read from ../shared/models beside the checkout (never copied).
models_dir = os.path.join(os.path.dirname(config.wq_src_root), "shared", "models")
config.substitutions.append(("%models", models_dir))
if os.path.exists(os.path.join(models_dir, "stories260K.bin")):
    config.available_features.add("models")
# The host's integer dot-product instructions, for tests that force a
# lowering of wq.byte_dot the host must be able to run.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        cpu_flags = set(next((line.split(":", 1)[1].split() for line in cpuinfo
                              if line.startswith("flags")), []))
except OSError:
    cpu_flags = set()
if "avx_vnni" in cpu_flags or {"avx512_vnni", "avx512vl"} <= cpu_flags:
    config.available_features.add("x86-vnni")
if {"avx512_vnni", "avx512vl", "avx512bw"} <= cpu_flags:
    config.available_features.add("x86-vnni-512")
config.substitutions.append(
    ("%wq_observer", os.path.join(config.wq_obj_root, "lib", "libwq_observer.so")))
config.substitutions.append(
    ("%wq_plugin", os.path.join(config.wq_obj_root, "lib", "libWQPlugin.so")))

tool_dirs = [os.path.join(config.wq_obj_root, "bin"), config.llvm_tools_dir]
llvm_config.add_tool_substitutions(
    ["wq-opt", "wq-quantize", "wq-import", "wq-compile", "wq-run", "mlir-opt",
     "mlir-runner", "gpu-kernel-gen", "gpu-bench-runner"], tool_dirs)

# The GPU pipeline assembles cubins with the CUDA toolkit's ptxas, found the
# way MLIR finds it (CUDA_ROOT/CUDA_HOME/CUDA_PATH, else /usr/local/cuda).
import shutil
for var in ("CUDA_ROOT", "CUDA_HOME", "CUDA_PATH"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
cuda_roots = [os.environ[v] for v in ("CUDA_ROOT", "CUDA_HOME", "CUDA_PATH")
              if v in os.environ] + ["/usr/local/cuda"]
if shutil.which("ptxas") or any(
        os.path.exists(os.path.join(root, "bin", "ptxas")) for root in cuda_roots):
    config.available_features.add("ptxas")
config.substitutions.append(
    ("%wq_runtime_dir", os.path.join(config.wq_obj_root, "lib")))
# The CUDA driver whose work is done by callbacks (scripts/gpu_model_sim.py
# runs compiled GPU models through it on the PTX simulator).
fake_cuda = os.path.join(config.wq_obj_root, "lib", "libwqrt_fake_cuda.so")
if os.path.exists(fake_cuda):
    config.available_features.add("fake-cuda")
config.substitutions.append(("%wqrt_fake_cuda", fake_cuda))
config.substitutions.append(
    ("%wqrt_callback_cuda",
     os.path.join(config.wq_obj_root, "lib", "libwqrt_callback_cuda.so")))
llvm_config.add_tool_substitutions(["mlir-translate", "llc"], tool_dirs)
