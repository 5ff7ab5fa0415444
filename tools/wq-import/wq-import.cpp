//===- wq-import.cpp - Checkpoints to MLIR --------------------------------===//
//
//   wq-import CHECKPOINT [--tokenizer T] -o model.mlirbc
//             [--weight-type f32|f16] [--emit-text] [--to-safetensors OUT]
//
// Turns a llama2.c checkpoint (fp32, or the int8 "ak42" export whose
// quantized weights become wq.matmul ops) into MLIR in upstream dialects,
// weights carried as resources in MLIR bytecode. --to-safetensors writes the
// (dequantized) weights for wq-quantize instead.
//
//===----------------------------------------------------------------------===//

#include "wq/Formats/Safetensors.h"
#include "wq/Model/Import.h"
#include "wq/Model/Tokenizer.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"

using namespace llvm;

static cl::OptionCategory importCategory("wq-import options");
static cl::opt<std::string> checkpoint(cl::Positional, cl::desc("<checkpoint>"),
                                       cl::Required, cl::cat(importCategory));
static cl::opt<std::string> output("o", cl::desc("Output .mlirbc (or .mlir with --emit-text)"),
                                   cl::value_desc("file"), cl::cat(importCategory));
static cl::opt<std::string> tokenizer("tokenizer",
                                      cl::desc("Tokenizer (checked: vocabulary size)"),
                                      cl::value_desc("file"), cl::cat(importCategory));
static cl::opt<std::string> weightType("weight-type", cl::desc("f32 | f16"),
                                       cl::init("f32"), cl::cat(importCategory));
static cl::opt<bool> emitText("emit-text", cl::desc("Write textual MLIR"), cl::cat(importCategory));
static cl::opt<bool> forGpu(
    "for-gpu",
    cl::desc("Build the GPU form of the forward pass (all heads' attention per "
             "kernel, and @decode, the one-token step replayed as a CUDA "
             "graph): what wq-compile --target sm_80|sm_90 lowers"),
    cl::cat(importCategory));
static cl::opt<std::string> toSafetensors(
    "to-safetensors", cl::desc("Write the weights as safetensors instead"),
    cl::value_desc("file"), cl::cat(importCategory));

static int fail(const Twine &message) {
  errs() << "wq-import: error: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(importCategory);
  cl::ParseCommandLineOptions(argc, argv, "wq-import: checkpoints to MLIR\n");
  Expected<wq_model::LlamaWeights> weights =
      wq_model::readCheckpoint(checkpoint);
  if (!weights)
    return fail(toString(weights.takeError()));
  if (!tokenizer.empty()) {
    Expected<int64_t> vocab = wq_model::tokenizerVocabSize(tokenizer);
    if (!vocab)
      return fail(toString(vocab.takeError()));
    if (*vocab != weights->config.vocabSize)
      return fail("tokenizer '" + tokenizer + "' has " + Twine(*vocab) +
                  " tokens but the model's vocabulary is " +
                  Twine(weights->config.vocabSize));
  }
  if (!toSafetensors.empty()) {
    wq_formats::SafetensorsWriter writer;
    for (const auto &[name, tensor] : weights->tensors)
      writer.addFloats(name, tensor.shape, tensor.values);
    writer.setMetadata("wq.config", weights->config.toJson());
    if (Error e = writer.write(toSafetensors))
      return fail(toString(std::move(e)));
    return 0;
  }
  if (output.empty())
    return fail("-o is required");
  if (weightType != "f32" && weightType != "f16")
    return fail("--weight-type must be f32 or f16");
  mlir::MLIRContext context;
  wq_model::ImportOptions options;
  options.weightDtype = weightType;
  options.forGpu = forGpu;
  auto module = wq_model::buildModelModule(context, *weights, options);
  if (!module)
    return fail(toString(module.takeError()));
  if (failed(mlir::verify(**module)))
    return fail("internal error: the imported module does not verify");
  // Written atomically (temporary file + rename): no partial output.
  std::string buffer;
  raw_string_ostream os(buffer);
  if (emitText)
    (*module)->print(os);
  else if (failed(mlir::writeBytecodeToFile(**module, os)))
    return fail("cannot write bytecode");
  if (Error e = wq_formats::writeFileAtomically(output, os.str()))
    return fail(toString(std::move(e)));
  return 0;
}
