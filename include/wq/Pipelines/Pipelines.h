//===- Pipelines.h - wq named pass pipelines --------------------*- C++ -*-===//

#ifndef WQ_PIPELINES_PIPELINES_H
#define WQ_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::wq {

struct CpuPipelineOptions : public PassPipelineOptions<CpuPipelineOptions> {
  PassOptions::Option<unsigned> activationBits{
      *this, "activation-bits",
      llvm::cl::desc("Activations inside the int4 kernels: 32 (f32, exact) or "
                     "8 (int8 per 32 with AVX2 integer dot products, like "
                     "llama.cpp's Q4 x Q8; faster, ~0.3% output error)"),
      llvm::cl::init(32)};
  PassOptions::Option<std::string> byteDotTarget{
      *this, "byte-dot-target",
      llvm::cl::desc("How wq-lower-byte-dot lowers the integer dot products "
                     "of the int8-activation kernels: host (default: "
                     "AVX512-VNNI, else VNNI, else AVX2, else portable), "
                     "x86-vnni-512, x86-vnni, x86 or generic"),
      llvm::cl::init("host")};
};

/// Lowers a module of func/linalg/tensor/arith and wq ops on tensors to the
/// LLVM dialect for the host CPU: wq ops to vector kernels or fused linalg,
/// bufferization across function boundaries, loops, then LLVM. Returns
/// failure (after printing to `errorStream`) if a constituent pass is not
/// registered.
LogicalResult buildCpuPipeline(OpPassManager &pm,
                               const CpuPipelineOptions &options,
                               raw_ostream &errorStream = llvm::errs());
/// The same with the default options.
LogicalResult buildCpuPipeline(OpPassManager &pm,
                               raw_ostream &errorStream = llvm::errs());

struct GpuPipelineOptions : public PassPipelineOptions<GpuPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip", llvm::cl::desc("Target GPU: sm_80 (A100) or sm_90 (H100, "
                                    "H200)"),
      llvm::cl::init("sm_90")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("Embedded kernel format: bin (cubin, needs ptxas from "
                     "the CUDA toolkit), isa (PTX text) or fatbin"),
      llvm::cl::init("bin")};
  PassOptions::Option<int> optLevel{
      *this, "opt-level", llvm::cl::desc("Optimization level of the kernels"),
      llvm::cl::init(3)};
  PassOptions::Option<std::string> matmulActivations{
      *this, "matmul-activations",
      llvm::cl::desc("Activations of quantized matmuls with f32 ones: f32 "
                     "(as they are), f16 or bf16 (converted around each "
                     "matmul by wq-narrow-matmul-activations, so that the "
                     "tensor-core kernels take them)"),
      llvm::cl::init("f32")};
  PassOptions::Option<bool> prefillWgmma{
      *this, "prefill-wgmma",
      llvm::cl::desc("sm_90: the prefill GEMM (M > 16) on warpgroup wgmma, "
                     "which makes the kernels' PTX target sm_90a (runs on "
                     "H100/H200 only); off: mma.sync and plain sm_90"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> prefillTma{
      *this, "prefill-tma",
      llvm::cl::desc("sm_90 with prefill-wgmma: the prefill GEMM's stages "
                     "filled by TMA bulk copies from M >= 128 and for dynamic "
                     "M (wq-lower-to-gpu-prefill tma); off: cp.async at "
                     "every M"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> programmaticLaunch{
      *this, "programmatic-launch",
      llvm::cl::desc("sm_90: each kernel may launch while the previous one "
                     "still runs (wq-enable-programmatic-launch; kernels_runtime "
                     "launches them so unless WQRT_PROGRAMMATIC_LAUNCH=0)"),
      llvm::cl::init(true)};
};

/// Checks a chip and binary format for the GPU pipeline (what
/// buildGpuPipeline accepts), printing what is wrong to `errorStream`.
LogicalResult checkGpuPipelineOptions(llvm::StringRef chip,
                                      llvm::StringRef format,
                                      llvm::raw_ostream &errorStream,
                                      llvm::StringRef matmulActivations = "f32");

/// Lowers the same input as the CPU pipeline to kernels in a `gpu.binary`
/// (cubin for `options.chip`) and host LLVM dialect code that launches them
/// through the `mgpu*` entry points of kernels_runtime.
LogicalResult buildGpuPipeline(OpPassManager &pm,
                               const GpuPipelineOptions &options,
                               raw_ostream &errorStream = llvm::errs());

/// Registers `wq-cpu-pipeline` and `wq-gpu-pipeline`.
void registerPipelines();

} // namespace mlir::wq

#endif // WQ_PIPELINES_PIPELINES_H
