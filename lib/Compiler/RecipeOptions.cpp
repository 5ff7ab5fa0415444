//===- RecipeOptions.cpp - Command-line options of a recipe ---------------===//

#include "wq/Compiler/RecipeOptions.h"

using namespace llvm;

namespace wq_compiler {

namespace {
const wq_numerics::RecipeSpec kDefaults;
} // namespace

RecipeOptions::RecipeOptions(cl::OptionCategory &category)
    : method("method", cl::desc("rtn | rtn-mse | gptq | awq"),
             cl::init(kDefaults.method), cl::cat(category)),
      groupSize("group-size",
                cl::desc("Weights per group along K (0 = one group per "
                         "output channel)"),
                cl::init(kDefaults.groupSize), cl::cat(category)),
      symmetric("sym",
                cl::desc("Symmetric signed storage without zero points"),
                cl::init(kDefaults.symmetric), cl::cat(category)),
      scaleType("scale-type", cl::desc("f16 | bf16 | f32"),
                cl::init(kDefaults.scaleType), cl::cat(category)),
      actOrder("act-order",
               cl::desc("GPTQ: columns by descending Hessian diagonal"),
               cl::init(kDefaults.actOrder), cl::cat(category)),
      staticGroups("static-groups",
                   cl::desc("GPTQ: group parameters from the original "
                            "weights"),
                   cl::init(kDefaults.staticGroups), cl::cat(category)),
      damp("damp",
           cl::desc("GPTQ damping (fraction of the mean Hessian diagonal)"),
           cl::init(kDefaults.damp), cl::cat(category)),
      outlierFraction("outlier-fraction",
                      cl::desc("Fraction of input channels kept in full "
                               "precision"),
                      cl::init(kDefaults.outlierFraction), cl::cat(category)) {
}

} // namespace wq_compiler
