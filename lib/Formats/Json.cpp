//===- Json.cpp - JSON from untrusted files --------------------------------===//

#include "wq/Formats/Json.h"

using namespace llvm;

namespace wq_formats {

Expected<json::Value> parseJson(StringRef text) {
  int depth = 0;
  bool inString = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth)
        return createStringError(
            inconvertibleErrorCode(),
            "JSON nested deeper than %d levels (at byte %zu)", kMaxJsonDepth,
            i);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return json::parse(text);
}

} // namespace wq_formats
