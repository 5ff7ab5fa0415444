//===- GpuKernelGen.cpp - GPU benchmark kernels, built on the CPU machine -===//
//
// Generates the kernels the GPU benchmark times: for every shape, M and
// variant, `wq-opt --wq-gpu-pipeline` of a function
//   kernel(x: [M, K] f32, packed, scales, zeros, y: [M, N] f32)
// whose weights are arguments (device buffers the runner fills), compiled to
// a shared library (cubin inside, generic x86-64 host code linked against
// libwq_runtime with an $ORIGIN rpath, so the directory can be carried to a
// GPU machine without LLVM). Writes OUTDIR/manifest.txt, one line per
// kernel: `file n k m group_size symmetric bits`.
//
// Usage: gpu-kernel-gen OUTDIR [--chip sm_90] [--quick]
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"
#include "wq/Model/Import.h"
#include "wq/Model/Runtime.h"
#include "wq/Pipelines/Pipelines.h"

#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
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
};

std::string kernelSource(int64_t m, int64_t n, int64_t k,
                         const Variant &variant) {
  int64_t group = variant.groupSize ? variant.groupSize : k;
  int64_t groups = k / group, bytes = group * variant.bits / 8;
  std::string attr = formatv(
      "#wq.qweight<{0}x{1}, {2}, group_size = {3}, scale_type = f16{4}>", n, k,
      formatv("{0}{1}", variant.symmetric ? "i" : "u", variant.bits).str(),
      variant.groupSize,
      variant.symmetric ? "" : ", zero_points");
  std::string zeros = variant.symmetric ? "" : " zero_points(%z)";
  std::string zerosType =
      variant.symmetric ? "" : formatv(", tensor<{0}x{1}xi8>", n, groups).str();
  return formatv(
             R"(func.func @kernel(%xm: memref<{0}x{2}xf32>, %pm: memref<{1}x{3}x{4}xi8>, %sm: memref<{1}x{3}xf16>, %zm: memref<{1}x{3}xi8>, %ym: memref<{0}x{1}xf32>) attributes {{llvm.emit_c_interface} {
  %x = bufferization.to_tensor %xm restrict : memref<{0}x{2}xf32> to tensor<{0}x{2}xf32>
  %p = bufferization.to_tensor %pm restrict : memref<{1}x{3}x{4}xi8> to tensor<{1}x{3}x{4}xi8>
  %s = bufferization.to_tensor %sm restrict : memref<{1}x{3}xf16> to tensor<{1}x{3}xf16>
  %z = bufferization.to_tensor %zm restrict : memref<{1}x{3}xi8> to tensor<{1}x{3}xi8>
  %y = wq.matmul %x, %p, %s{5} {{weight = {6}} : (tensor<{0}x{2}xf32>, tensor<{1}x{3}x{4}xi8>, tensor<{1}x{3}xf16>{7}) -> tensor<{0}x{1}xf32>
  bufferization.materialize_in_destination %y in restrict writable %ym : (tensor<{0}x{1}xf32>, memref<{0}x{1}xf32>) -> ()
  return
}
)",
             m, n, k, groups, bytes, zeros, attr, zerosType)
      .str();
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    errs() << "usage: gpu-kernel-gen OUTDIR [--chip sm_80|sm_90] [--quick]\n";
    return 1;
  }
  std::string outDir = argv[1], chip = "sm_90";
  bool quick = false;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--chip") == 0 && i + 1 < argc)
      chip = argv[++i];
    else if (std::strcmp(argv[i], "--quick") == 0)
      quick = true;
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
  std::vector<int64_t> ms = quick ? std::vector<int64_t>{1, 4}
                                  : std::vector<int64_t>{1, 2, 4, 8, 16};
  const Variant variants[] = {{"int4_g128_asym", 4, 128, false},
                              {"int4_g32_asym", 4, 32, false},
                              {"int4_g128_sym", 4, 128, true},
                              {"int8_per_channel_sym", 8, 0, true}};
  std::string manifest;
  raw_string_ostream list(manifest);
  mlir::wq::GpuPipelineOptions gpuOptions;
  gpuOptions.chip = chip;
  wq_model::SharedLibraryOptions libraryOptions;
  libraryOptions.hostCpu = false;
  libraryOptions.linkArgs = {"-L" + outDir, "-lwq_runtime",
                             "-Wl,-rpath,$ORIGIN"};
  int count = 0, total = int(shapes.size() * ms.size() * std::size(variants));
  for (auto [n, k] : shapes)
    for (int64_t m : ms)
      for (const Variant &variant : variants) {
        std::string file =
            formatv("{0}_{1}x{2}_m{3}.so", variant.name, n, k, m).str();
        errs() << formatv("gpu-kernel-gen: [{0}/{1}] {2}\n", ++count, total,
                          file);
        mlir::MLIRContext context;
        mlir::DialectRegistry registry;
        wq_model::registerModelDialects(registry);
        // gpu-module-to-binary translates the kernels to LLVM IR.
        mlir::registerAllToLLVMIRTranslations(registry);
        context.appendDialectRegistry(registry);
        context.loadAllAvailableDialects();
        auto module = mlir::parseSourceString<mlir::ModuleOp>(
            kernelSource(m, n, k, variant), mlir::ParserConfig(&context));
        if (!module) {
          errs() << "gpu-kernel-gen: kernel IR does not parse\n";
          return 1;
        }
        mlir::PassManager pm(&context);
        if (failed(mlir::wq::buildGpuPipeline(pm, gpuOptions)) ||
            failed(pm.run(*module))) {
          errs() << "gpu-kernel-gen: the GPU pipeline failed on " << file
                 << "\n";
          return 1;
        }
        if (Error e = wq_model::emitSharedLibrary(
                *module, outDir + "/" + file, libraryOptions)) {
          errs() << "gpu-kernel-gen: " << toString(std::move(e)) << "\n";
          return 1;
        }
        list << formatv("{0} {1} {2} {3} {4} {5} {6}\n", file, n, k, m,
                        variant.groupSize, variant.symmetric ? 1 : 0,
                        variant.bits);
      }
  std::error_code ec;
  raw_fd_ostream out(outDir + "/manifest.txt", ec);
  if (ec) {
    errs() << "gpu-kernel-gen: manifest: " << ec.message() << "\n";
    return 1;
  }
  out << manifest;
  return 0;
}
