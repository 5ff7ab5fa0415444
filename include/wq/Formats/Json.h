//===- Json.h - JSON from untrusted files ----------------------------------===//
//
// llvm::json::parse recurses once per nesting level, so a file of a few
// hundred kilobytes of '[' overflows the stack. Every JSON that wq reads
// from a file (config.json, quantize_config.json, safetensors headers,
// tokenizer.json, a model folder's config) goes through parseJson, which
// refuses nesting deeper than kMaxJsonDepth before parsing.
//
//===----------------------------------------------------------------------===//

#ifndef WQ_FORMATS_JSON_H
#define WQ_FORMATS_JSON_H

#include "llvm/Support/JSON.h"

namespace wq_formats {

/// Deeper than any file wq reads needs (safetensors headers and Hugging
/// Face configs nest 3 or 4 levels).
constexpr int kMaxJsonDepth = 64;

/// llvm::json::parse after checking the nesting depth (brackets outside
/// strings); the error names the depth reached and where.
llvm::Expected<llvm::json::Value> parseJson(llvm::StringRef text);

} // namespace wq_formats

#endif // WQ_FORMATS_JSON_H
