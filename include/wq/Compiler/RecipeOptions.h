//===- RecipeOptions.h - Command-line options of a recipe -------*- C++ -*-===//
//
// The quantization recipe's command-line options, declared once for every
// tool that takes them (wq-compile, wq-quantize): the same names, help and
// defaults (wq_numerics::RecipeSpec's) as the wq-quantize-weights pass.
//
//===----------------------------------------------------------------------===//

#ifndef WQ_COMPILER_RECIPEOPTIONS_H
#define WQ_COMPILER_RECIPEOPTIONS_H

#include "wq/Numerics/Calibrated.h"

#include "llvm/Support/CommandLine.h"

namespace wq_compiler {

/// Construct one, as a global of the tool, before parsing the command line;
/// wq_numerics::recipeSpecOf(options, bits) reads it. `--bits` stays with
/// each tool (wq-compile also takes 16 and 32).
struct RecipeOptions {
  explicit RecipeOptions(llvm::cl::OptionCategory &category);

  llvm::cl::opt<std::string> method;
  llvm::cl::opt<int64_t> groupSize;
  llvm::cl::opt<bool> symmetric;
  llvm::cl::opt<std::string> scaleType;
  llvm::cl::opt<bool> actOrder;
  llvm::cl::opt<bool> staticGroups;
  llvm::cl::opt<double> damp;
  llvm::cl::opt<double> outlierFraction;
};

} // namespace wq_compiler

#endif // WQ_COMPILER_RECIPEOPTIONS_H
