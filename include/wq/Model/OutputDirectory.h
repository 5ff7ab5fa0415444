//===- OutputDirectory.h - compiler output folders, replaced atomically --===//
//
// wq-compile writes a model folder (model.so, config.json, tokenizer, ...)
// into a temporary sibling and moves it into place only when everything is
// written, so a failed compile leaves the previous output as it was. What
// the path names now is replaced only if it is itself a compiled model
// folder, or when the user forces it: `-o .`, `-o src/` or `-o notes.txt`
// must not delete anything.
//
//===----------------------------------------------------------------------===//

#ifndef WQ_MODEL_OUTPUTDIRECTORY_H
#define WQ_MODEL_OUTPUTDIRECTORY_H

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace wq_model {

/// True if `path` is a folder holding what wq-compile writes (config.json and
/// model.so).
bool isCompiledModelDirectory(llvm::StringRef path);

class OutputDirectory {
public:
  /// Checks `path` and creates the temporary folder beside it. Trailing
  /// slashes are ignored; ".", "..", "/" and paths ending in them are
  /// refused (the output needs a name of its own). An existing path that is
  /// not a compiled model folder (another folder, a file) is refused unless
  /// `force`.
  static llvm::Expected<OutputDirectory> create(llvm::StringRef path,
                                                bool force);

  OutputDirectory(OutputDirectory &&other);
  OutputDirectory &operator=(OutputDirectory &&) = delete;
  /// Removes the temporary folder unless committed.
  ~OutputDirectory();

  /// Where the outputs are written until commit().
  llvm::StringRef tempPath() const { return temp; }
  /// The output folder (normalized).
  llvm::StringRef path() const { return final; }

  /// Moves the temporary folder onto path(): what was there is renamed
  /// aside first and removed only after the move succeeded.
  llvm::Error commit();

private:
  OutputDirectory(llvm::StringRef final, llvm::StringRef temp);
  llvm::SmallString<256> final, temp;
  bool committed = false;
};

} // namespace wq_model

#endif // WQ_MODEL_OUTPUTDIRECTORY_H
