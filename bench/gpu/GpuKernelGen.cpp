//===- GpuKernelGen.cpp - GPU benchmark kernels, built on the CPU machine -===//
//
// Generates the kernels the GPU benchmark times: for every shape, M and
// variant, `wq-opt --wq-gpu-pipeline` of a function
//   kernel(x: [M, K], packed, scales, zeros, y: [M, N])  (f16 or bf16)
// whose weights are arguments (device buffers the runner fills), compiled to
// a shared library (cubin inside, generic x86-64 host code linked against
// libwq_runtime with an $ORIGIN rpath, so the directory can be carried to a
// GPU machine without LLVM). Writes OUTDIR/manifest.txt, one line per
// kernel: `file n k m group_size symmetric bits activation layout form`,
// form `zero_points`, `none` (symmetric) or `offsets` (unsigned fields, no
// zero points, a float offset per group: llama.cpp's Q4_1; the fourth
// argument is then the offsets, in the activations' type).
//
// With --split-k-sweep it writes instead OUTDIR/sweep-manifest.txt: the
// tensor-core int4 g128 and int8 kernels on every shape at M = 1 and 16 for
// each split-k of 1 to 32 (files sk<S>-...), and at M = 4, 8 and 16 for 1, 2
// and 4 tile columns per block (cb<C>-...) and for 32 and 16 resident warps
// per SM (rw<R>-...): wq-lower-to-gpu-decode's options, to measure the
// choices the schedule makes by default.
//
// With --prefill it writes OUTDIR/prefill-manifest.txt: the tensor-core
// int4 g128 and int8 per-channel kernels (f16 and bf16) on the three target
// shapes at M = 16 (the decode kernel, for reference), 32, 64, 128, 512 and
// 4096 (wq-lower-to-gpu-prefill), files prefill-<variant>_<N>x<K>_m<M>.so,
// and for sm_90 the int4 g128 f16 kernel at M = 128, 512 and 4096 with its
// stages filled by cp.async instead of TMA (prefill-tma=false), files
// prefill-cpasync-<variant>_..., to time the two side by side.
//
// Usage: gpu-kernel-gen OUTDIR [--chip sm_90] [--quick | --split-k-sweep |
//                                              --prefill]
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"
#include "wq/Numerics/GpuLayout.h"
#include "wq/Model/Import.h"
#include "wq/Model/Runtime.h"
#include "wq/Pipelines/Pipelines.h"

#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <vector>

using namespace llvm;

namespace {

struct Variant {
  const char *name;
  unsigned bits;
  int64_t groupSize; // 0: per channel
  bool symmetric;
  const char *activation; // element type of x, y and the scales
  bool tiled;             // mma_tiles layout (tensor-core schedule)
  bool offsets = false;   // unsigned, no zero points, group offsets (Q4_1)

  const char *form() const {
    return offsets ? "offsets" : symmetric ? "none" : "zero_points";
  }
};

std::string kernelSource(int64_t m, int64_t n, int64_t k,
                         const Variant &variant) {
  int64_t group = variant.groupSize ? variant.groupSize : k;
  int64_t groups = k / group, bytes = group * variant.bits / 8;
  // mma_tiles: packed [tile columns, K / depth, 512], scales and zero points
  // [tile columns, groups, 16].
  std::string packedShape =
      variant.tiled ? formatv("{0}x{1}x512", (n + 15) / 16,
                              k / wq_numerics::mmaTileDepth(variant.bits))
                          .str()
                    : formatv("{0}x{1}x{2}", n, groups, bytes).str();
  std::string groupShape =
      variant.tiled ? formatv("{0}x{1}x16", (n + 15) / 16, groups).str()
                    : formatv("{0}x{1}", n, groups).str();
  std::string attr = formatv(
      "#wq.qweight<{0}x{1}, {2}, group_size = {3}, scale_type = {4}{5}{6}>", n,
      k, formatv("{0}{1}", variant.symmetric ? "i" : "u", variant.bits).str(),
      variant.groupSize, variant.activation,
      variant.offsets     ? ", offsets"
      : variant.symmetric ? ""
                          : ", zero_points",
      variant.tiled ? ", layout = #wq.layout<mma_tiles>" : "");
  // The fourth argument: zero points, or the offsets (unused if neither).
  std::string fourthType =
      variant.offsets ? variant.activation : std::string("i8");
  std::string zeros = variant.offsets     ? " offsets(%z)"
                      : variant.symmetric ? ""
                                          : " zero_points(%z)";
  std::string zerosType =
      variant.symmetric && !variant.offsets
          ? ""
          : formatv(", tensor<{0}x{1}>", groupShape, fourthType).str();
  return formatv(
             R"(func.func @kernel(%xm: memref<{0}x{2}x{8}>, %pm: memref<{4}xi8>, %sm: memref<{3}x{8}>, %zm: memref<{3}x{9}>, %ym: memref<{0}x{1}x{8}>) attributes {{llvm.emit_c_interface} {
  %x = bufferization.to_tensor %xm restrict : memref<{0}x{2}x{8}> to tensor<{0}x{2}x{8}>
  %p = bufferization.to_tensor %pm restrict : memref<{4}xi8> to tensor<{4}xi8>
  %s = bufferization.to_tensor %sm restrict : memref<{3}x{8}> to tensor<{3}x{8}>
  %z = bufferization.to_tensor %zm restrict : memref<{3}x{9}> to tensor<{3}x{9}>
  %y = wq.matmul %x, %p, %s{5} {{weight = {6}} : (tensor<{0}x{2}x{8}>, tensor<{4}xi8>, tensor<{3}x{8}>{7}) -> tensor<{0}x{1}x{8}>
  bufferization.materialize_in_destination %y in restrict writable %ym : (tensor<{0}x{1}x{8}>, memref<{0}x{1}x{8}>) -> ()
  return
}
)",
             m, n, k, groupShape, packedShape, zeros, attr, zerosType,
             variant.activation, fourthType)
      .str();
}

} // namespace

namespace {

struct Kernel {
  std::string file;
  int64_t n, k, m;
  Variant variant;
  int64_t splitK;          // 0: the schedule's default
  int64_t columnsPerBlock; // likewise
  int64_t residentWarps;   // likewise
  bool prefillTma = true;  // wq-gpu-pipeline's prefill-tma
};

/// Compiles one kernel into OUTDIR/kernel.file; false (after a message) on
/// failure.
bool generate(const Kernel &kernel, const std::string &outDir,
              mlir::wq::GpuPipelineOptions &gpuOptions,
              const wq_model::SharedLibraryOptions &libraryOptions) {
  mlir::MLIRContext context;
  mlir::DialectRegistry registry;
  wq_model::registerModelDialects(registry);
  // gpu-module-to-binary translates the kernels to LLVM IR.
  mlir::registerAllToLLVMIRTranslations(registry);
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();
  auto module = mlir::parseSourceString<mlir::ModuleOp>(
      kernelSource(kernel.m, kernel.n, kernel.k, kernel.variant),
      mlir::ParserConfig(&context));
  if (!module) {
    errs() << "gpu-kernel-gen: kernel IR does not parse\n";
    return false;
  }
  mlir::PassManager pm(&context);
  gpuOptions.prefillTma = kernel.prefillTma;
  if (kernel.splitK > 0 || kernel.columnsPerBlock > 0 ||
      kernel.residentWarps > 0) {
    // The weights are already in their layout: the decode pass runs first
    // with the options asked for, and the pipeline's finds nothing left.
    mlir::wq::WQLowerToGpuDecodePassOptions decodeOptions;
    decodeOptions.splitK = kernel.splitK;
    decodeOptions.columnsPerBlock = kernel.columnsPerBlock;
    decodeOptions.residentWarps = kernel.residentWarps;
    pm.addPass(mlir::wq::createWQLowerToGpuDecodePass(decodeOptions));
  }
  if (failed(mlir::wq::buildGpuPipeline(pm, gpuOptions)) ||
      failed(pm.run(*module))) {
    errs() << "gpu-kernel-gen: the GPU pipeline failed on " << kernel.file
           << "\n";
    return false;
  }
  if (Error e = wq_model::emitSharedLibrary(*module, outDir + "/" + kernel.file,
                                            libraryOptions)) {
    errs() << "gpu-kernel-gen: " << toString(std::move(e)) << "\n";
    return false;
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    errs() << "usage: gpu-kernel-gen OUTDIR [--chip sm_80|sm_90] [--quick | "
              "--split-k-sweep | --prefill]\n";
    return 1;
  }
  std::string outDir = argv[1], chip = "sm_90";
  bool quick = false, sweep = false, prefill = false;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--chip") == 0 && i + 1 < argc)
      chip = argv[++i];
    else if (std::strcmp(argv[i], "--quick") == 0)
      quick = true;
    else if (std::strcmp(argv[i], "--split-k-sweep") == 0)
      sweep = true;
    else if (std::strcmp(argv[i], "--prefill") == 0)
      prefill = true;
    else {
      errs() << "gpu-kernel-gen: unknown argument '" << argv[i] << "'\n";
      return 1;
    }
  }
  mlir::registerAllPasses();
  mlir::wq::registerWQPasses();
  if (std::error_code ec = sys::fs::create_directories(outDir)) {
    errs() << "gpu-kernel-gen: " << outDir << ": " << ec.message() << "\n";
    return 1;
  }
  std::vector<std::pair<int64_t, int64_t>> shapes =
      quick ? std::vector<std::pair<int64_t, int64_t>>{{256, 512}}
            : std::vector<std::pair<int64_t, int64_t>>{
                  {4096, 4096}, {14336, 4096}, {4096, 14336},
                  {8192, 8192}, {28672, 8192}, {8192, 28672}};
  // f16 activations (as cuBLAS fp16), bf16 for PyTorch's int4 kernel and
  // the int8 f32-magic conversion; in the tensor-core schedule, and int4
  // g128 and int8 also in the SIMT one; llama.cpp's Q4_1 (group offsets)
  // in both.
  const Variant variants[] = {
      {"int4_g128_asym", 4, 128, false, "f16", true},
      {"int4_g32_asym", 4, 32, false, "f16", true},
      {"int4_g128_sym", 4, 128, true, "f16", true},
      {"int4_g128_asym_bf16", 4, 128, false, "bf16", true},
      {"int4_g128_asym_simt", 4, 128, false, "f16", false},
      {"int8_per_channel_sym", 8, 0, true, "f16", true},
      {"int8_per_channel_sym_bf16", 8, 0, true, "bf16", true},
      {"int8_per_channel_sym_simt", 8, 0, true, "f16", false},
      {"q4_1_g32", 4, 32, false, "f16", true, /*offsets=*/true},
      {"q4_1_g32_simt", 4, 32, false, "f16", false, /*offsets=*/true}};
  std::vector<Kernel> kernels;
  if (sweep) {
    // Consecutive kernels of one weight share it in the runner.
    for (auto [n, k] : shapes)
      for (const Variant &variant : {variants[0], variants[5]})
        for (int64_t splitK : {1, 2, 4, 8, 16, 32})
          for (int64_t m : {1, 16})
            kernels.push_back(
                {formatv("sk{0}-{1}_{2}x{3}_m{4}.so", splitK, variant.name,
                         n, k, m)
                     .str(),
                 n, k, m, variant, splitK, 0, 0});
    for (auto [n, k] : shapes)
      for (const Variant &variant : {variants[0], variants[5]})
        for (int64_t columns : {1, 2, 4})
          for (int64_t m : {4, 8, 16})
            kernels.push_back(
                {formatv("cb{0}-{1}_{2}x{3}_m{4}.so", columns, variant.name,
                         n, k, m)
                     .str(),
                 n, k, m, variant, 0, columns, 0});
    for (auto [n, k] : shapes)
      for (const Variant &variant : {variants[0], variants[5]})
        for (int64_t resident : {32, 16})
          for (int64_t m : {4, 8, 16})
            kernels.push_back(
                {formatv("rw{0}-{1}_{2}x{3}_m{4}.so", resident, variant.name,
                         n, k, m)
                     .str(),
                 n, k, m, variant, 0, 0, resident});
  } else if (prefill) {
    // Consecutive kernels of one weight share it in the runner.
    for (auto [n, k] : std::vector<std::pair<int64_t, int64_t>>{
             {28672, 8192}, {8192, 28672}, {4096, 4096}})
      for (const Variant &variant :
           {variants[0], variants[3], variants[5], variants[6]}) {
        for (int64_t m : {16, 32, 64, 128, 512, 4096})
          kernels.push_back({formatv("prefill-{0}_{1}x{2}_m{3}.so",
                                     variant.name, n, k, m)
                                 .str(),
                             n, k, m, variant, 0, 0, 0});
        // TMA against cp.async where the wgmma kernel takes TMA, on the
        // same weights.
        if (chip == "sm_90" &&
            std::strcmp(variant.name, variants[0].name) == 0)
          for (int64_t m : {128, 512, 4096})
            kernels.push_back({formatv("prefill-cpasync-{0}_{1}x{2}_m{3}.so",
                                       variant.name, n, k, m)
                                   .str(),
                               n, k, m, variant, 0, 0, 0,
                               /*prefillTma=*/false});
      }
  } else {
    std::vector<int64_t> ms = quick ? std::vector<int64_t>{1, 4}
                                    : std::vector<int64_t>{1, 2, 4, 8, 16};
    for (auto [n, k] : shapes)
      for (int64_t m : ms)
        for (const Variant &variant : variants)
          kernels.push_back(
              {formatv("{0}_{1}x{2}_m{3}.so", variant.name, n, k, m).str(), n,
               k, m, variant, 0, 0, 0});
  }
  mlir::wq::GpuPipelineOptions gpuOptions;
  gpuOptions.chip = chip;
  // The kernels are timed alone, launch after launch, against cuBLAS and
  // PyTorch launched plainly: no overlap of one launch with the previous
  // kernel (programmatic launch is a whole-model effect, timed there).
  gpuOptions.programmaticLaunch = false;
  wq_model::SharedLibraryOptions libraryOptions;
  libraryOptions.hostCpu = false;
  libraryOptions.linkArgs = {"-L" + outDir, "-lwq_runtime",
                             "-Wl,-rpath,$ORIGIN"};
  std::string manifest;
  raw_string_ostream list(manifest);
  for (auto [index, kernel] : llvm::enumerate(kernels)) {
    errs() << formatv("gpu-kernel-gen: [{0}/{1}] {2}\n", index + 1,
                      kernels.size(), kernel.file);
    if (!generate(kernel, outDir, gpuOptions, libraryOptions))
      return 1;
    const Variant &variant = kernel.variant;
    list << formatv("{0} {1} {2} {3} {4} {5} {6} {7} {8} {9}\n", kernel.file,
                    kernel.n, kernel.k, kernel.m, variant.groupSize,
                    variant.symmetric ? 1 : 0, variant.bits,
                    variant.activation,
                    variant.tiled ? "mma_tiles" : "row_major", variant.form());
  }
  std::string manifestPath =
      outDir + (sweep     ? "/sweep-manifest.txt"
                : prefill ? "/prefill-manifest.txt"
                          : "/manifest.txt");
  std::error_code ec;
  raw_fd_ostream out(manifestPath, ec);
  if (ec) {
    errs() << "gpu-kernel-gen: " << manifestPath << ": " << ec.message()
           << "\n";
    return 1;
  }
  out << manifest;
  return 0;
}
