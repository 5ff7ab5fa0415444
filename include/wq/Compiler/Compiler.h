//===- Compiler.h - Checkpoint to compiled model, as a library --*- C++ -*-===//
//
// The compile path behind `wq-compile`, callable from C++: read a checkpoint
// (llama2.c, Hugging Face, GPTQ/AWQ folders, GGUF), calibrate when the recipe
// needs statistics, quantize every weight once (linear layers, classifier,
// embedding table) with one recipe, build the forward pass, lower it and
// write a compiled model folder (model.so, model.weights, config.json, the
// tokenizer, weights.safetensors, report.md and report.json). The tool
// parses flags into CompileOptions and calls compileModel.
//
//===----------------------------------------------------------------------===//

#ifndef WQ_COMPILER_COMPILER_H
#define WQ_COMPILER_COMPILER_H

#include "wq/Numerics/Calibrated.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace mlir {
class PassManager;
} // namespace mlir

namespace wq_compiler {

/// Where the compiled model runs: the host CPU, or an NVIDIA GPU (every op
/// of the forward pass in kernels, the weights uploaded once).
enum class Target { Cpu, Sm80, Sm90 };
/// "cpu", "sm_80" or "sm_90".
std::optional<Target> parseTarget(llvm::StringRef name);
/// The name parseTarget reads.
llvm::StringRef targetName(Target target);

struct CompileOptions {
  /// llama2.c .bin, a Hugging Face / GPTQ / AWQ folder, or a .gguf file.
  std::string checkpoint;
  /// llama2.c tokenizer.bin; none for GGUF (the file carries its own).
  std::string tokenizer;
  /// How linear weights held in float are quantized; std::nullopt keeps
  /// them in float, stored as `floatWeights`.
  std::optional<wq_numerics::LinearQuantOptions> recipe =
      wq_numerics::LinearQuantOptions();
  /// Element type of weights kept in float: "f32" or "f16".
  std::string floatWeights = "f32";
  /// Re-quantize a checkpoint's own integers (GPTQ/AWQ folders, GGUF) with
  /// `recipe` instead of compiling them as they are.
  bool requantize = false;
  /// Also quantize the classifier (the token embedding when shared).
  bool quantizeClassifier = false;
  /// Token lookups read the table quantized (only the row looked up is
  /// dequantized): the classifier's quantized table when it is the same
  /// tensor, otherwise an RTN copy with the recipe's scheme.
  bool quantizeEmbedding = false;
  /// Calibration text (GPTQ, AWQ, outliers) and how many tokens of it.
  std::string calibrationText;
  int64_t calibrationTokens = 8192;
  /// Activations inside the CPU kernels: 32 (f32) or 8 (int8 per 32).
  unsigned activationBits = 32;
  Target target = Target::Cpu;
  /// GPU targets: the kernels' form inside model.so: "bin" (a cubin for the
  /// chip, assembled by ptxas at compile time), "fatbin" (cubin and PTX) or
  /// "isa" (PTX, compiled by the driver at load; what scripts/ptx_sim.py
  /// executes).
  std::string gpuFormat = "bin";
  /// GPU targets: the activations of the quantized matmuls: "f32" (as the
  /// model computes them; the SIMT decode and generic kernels), "f16" or
  /// "bf16" (converted around each matmul, so that the tensor-core decode
  /// and prefill kernels run them; the rest of the model stays f32).
  std::string gpuMatmulActivations = "f32";
  /// Called on each pass manager before it runs (e.g. a tool applying
  /// --mlir-timing, --mlir-print-ir-after-all with
  /// mlir::applyPassManagerCLOptions); none by default.
  std::function<llvm::Error(mlir::PassManager &)> configurePassManager;
};

/// What compileModel produced.
struct CompileSummary {
  int64_t parameters = 0;
  int64_t modelBytes = 0;
  double seconds = 0;
};

/// Compiles `options.checkpoint` into the existing, empty folder `folder`
/// (progress on stderr, prefixed "wq-compile: "). On error the folder holds
/// partial output: compileModelTo writes atomically.
llvm::Expected<CompileSummary> compileModel(const CompileOptions &options,
                                            llvm::StringRef folder);

/// compileModel into `outputFolder`, atomically: a temporary folder renamed
/// into place on success, nothing left on failure. An existing
/// `outputFolder` is replaced only when it is a compiled model folder or
/// with `force`.
llvm::Expected<CompileSummary> compileModelTo(const CompileOptions &options,
                                              llvm::StringRef outputFolder,
                                              bool force = false);

/// The memory plan of a Hugging Face Llama-family config.json (bytes per
/// tensor kind at fp32, fp16, int8 and int4 with groups of `groupSize`),
/// without reading any weights.
llvm::Expected<std::string> memoryPlan(llvm::StringRef configPath,
                                       int64_t groupSize);

} // namespace wq_compiler

#endif // WQ_COMPILER_COMPILER_H
