//===- BpeTokenizer.h - Byte-level BPE tokenizer from GGUF ------*- C++ -*-===//
//
// The byte-level BPE tokenizer of GGUF models (`tokenizer.ggml.model` =
// "gpt2": GPT-2, SmolLM, Llama 3, ...), reproducing llama.cpp's
// (llama-vocab.cpp, unicode.cpp) so that the ids are the ones llama.cpp
// produces for the same text:
//
//  * special tokens written in the text (control and user-defined tokens,
//    longest first) are cut out first, as tokenizer_st_partition does;
//  * each remaining fragment is decoded from UTF-8 the way llama.cpp does it
//    (every byte that does not start a well-formed sequence becomes U+FFFD),
//    split by the pre-tokenizer's regexes (llama.cpp's, chosen by
//    `tokenizer.ggml.pre`, applied one after another, each splitting the
//    pieces of the previous one), and each piece's bytes are mapped to
//    GPT-2's byte-to-unicode alphabet;
//  * each piece is merged by merge rank (lowest first, leftmost on ties) and
//    looked up; a piece that is not a token after merging falls back to the
//    single bytes of its text, as llm_tokenizer_bpe_session does.
//
// Unicode categories come from PCRE2 (compiled with PCRE2_UTF | PCRE2_UCP);
// `\s` is Unicode's White_Space (PCRE2's \p{Z} plus U+0009..U+000D and
// U+0085), llama.cpp's definition.
//
//===----------------------------------------------------------------------===//

#ifndef WQ_MODEL_BPETOKENIZER_H
#define WQ_MODEL_BPETOKENIZER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wq_formats {
class GgufFile;
} // namespace wq_formats

namespace wq_model {

/// GGUF token types (`tokenizer.ggml.token_type`, llama.h's
/// llama_token_type).
enum class BpeTokenType : int32_t {
  Undefined = 0,
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

/// A byte-level BPE vocabulary as GGUF stores it.
struct BpeVocabulary {
  /// Token texts: normal tokens in GPT-2's byte-to-unicode encoding (UTF-8
  /// of the mapped code points), special tokens as plain text.
  std::vector<std::string> tokens;
  /// One BpeTokenType value per token, or empty (all normal).
  std::vector<int32_t> tokenTypes;
  /// "left right" pairs; the rank of a merge is its index.
  std::vector<std::string> merges;
  /// `tokenizer.ggml.pre` ("" = llama.cpp's "default").
  std::string pre;
  /// Special token ids, -1 when absent.
  int32_t bosId = -1, eosId = -1, eotId = -1, unkId = -1, padId = -1;
  /// Whether encoding with special tokens adds BOS / EOS. fromGguf takes
  /// `tokenizer.ggml.add_bos_token` / `add_eos_token`, else llama.cpp's
  /// default for the pre-tokenizer (BOS for llama3-style ones).
  bool addBos = false, addEos = false;
  /// `tokenizer.chat_template` (Jinja), empty if none.
  std::string chatTemplate;

  /// Reads the `tokenizer.ggml.*` keys (and `tokenizer.chat_template`).
  /// `tokenizer.ggml.model` must be "gpt2"; `tokens` and `merges` are
  /// required; the rest are optional. Errors name the file and the key.
  static llvm::Expected<BpeVocabulary>
  fromGguf(const wq_formats::GgufFile &file);

  /// A JSON document (format "wq-bpe-vocabulary", version 1) holding all of
  /// the above; the tokenizer.json of a compiled model directory. Token
  /// texts that are not valid UTF-8 are written as {"hex": "..."}.
  std::string toJson() const;
  static llvm::Expected<BpeVocabulary> fromJson(llvm::StringRef json);
};

class BpeTokenizer {
public:
  /// Validates `vocab` (ids in range, no duplicate token texts, a known
  /// pre-tokenizer) and builds the look-up tables and the regexes.
  static llvm::Expected<BpeTokenizer> create(BpeVocabulary vocab);

  BpeTokenizer(BpeTokenizer &&) noexcept;
  BpeTokenizer &operator=(BpeTokenizer &&) noexcept;
  ~BpeTokenizer();

  /// llama_tokenize: `addSpecial` adds BOS / EOS where the vocabulary says
  /// so; `parseSpecial` also matches control (and unknown-type) tokens
  /// written in the text (user-defined tokens are always matched).
  std::vector<int> encode(llvm::StringRef text, bool addSpecial,
                          bool parseSpecial) const;
  /// The bytes of a token (llama_token_to_piece): normal tokens mapped back
  /// from GPT-2's alphabet, user-defined tokens as written, control and
  /// unknown-type tokens empty unless `renderSpecial`, byte/unused/undefined
  /// tokens empty. Out-of-range ids give "".
  std::string tokenToPiece(int id, bool renderSpecial) const;
  /// The pieces of `ids` concatenated (no space clean-up), so that
  /// decode(encode(text, false, false)) == text for valid UTF-8 whose bytes
  /// all have a token in GPT-2's alphabet (a byte without one, such as 0x1D
  /// in SmolLM2's vocabulary, is dropped by encode as llama.cpp drops it).
  std::string decode(llvm::ArrayRef<int> ids,
                     bool renderSpecial = false) const;

  int64_t vocabSize() const;
  int bosId() const;
  int eosId() const;
  /// The vocabulary's EOT, else the first token (lowest id) named like
  /// llama.cpp's EOT candidates ("<|eot_id|>", "<|im_end|>", ...), else -1.
  int eotId() const;
  int unkId() const;
  int padId() const;
  bool addBos() const;
  bool addEos() const;
  /// End of generation (llama_vocab_is_eog): EOS, EOT, and the tokens
  /// llama.cpp stops at by name ("<|im_end|>", "<|endoftext|>",
  /// "<|eot_id|>", "<end_of_turn>", FIM pad/repo/separator tokens, ...).
  bool isEog(int id) const;
  /// Control-type token (after llama.cpp's overrides: tokens named like
  /// EOG/EOT/FIM tokens count as control).
  bool isControl(int id) const;
  /// The token type llama.cpp works with (after its overrides).
  BpeTokenType tokenType(int id) const;
  /// The id of a token text (as stored), -1 if none.
  int tokenId(llvm::StringRef text) const;
  const std::string &tokenText(int id) const;
  const std::string &chatTemplate() const;
  /// The pre-tokenizer name as given ("" = default).
  llvm::StringRef preTokenizer() const;
  const BpeVocabulary &vocabulary() const;

  /// The pre-tokenizer's split of `text` (no special-token handling), as
  /// UTF-8 pieces before the byte-to-unicode mapping (after llama.cpp's
  /// UTF-8 decoding: invalid bytes are U+FFFD).
  std::vector<std::string> preTokenize(llvm::StringRef text) const;

private:
  struct Impl;
  explicit BpeTokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// llama.cpp's regexes for a `tokenizer.ggml.pre` name (the switch on
/// LLAMA_VOCAB_PRE_TYPE_* in llama-vocab.cpp); "" is "default". An error
/// naming the pre-tokenizer for names this implementation does not handle.
llvm::Expected<std::vector<std::string>>
bpePreTokenizerRegexes(llvm::StringRef pre);

/// GPT-2's byte-to-unicode mapping: the UTF-8 of the code point standing for
/// `byte` (printable Latin-1 bytes map to themselves, the others to
/// U+0100 + n in byte order).
std::string bpeByteToUnicode(uint8_t byte);
/// The inverse: the byte a code point stands for, if any.
std::optional<uint8_t> bpeUnicodeToByte(uint32_t codePoint);
/// The bytes of `text` in GPT-2's alphabet (each byte mapped).
std::string bpeEncodeBytes(llvm::StringRef text);

/// llama.cpp's UTF-8 decoding (unicode_cpts_from_utf8): well-formed
/// sequences by their lead byte (overlong forms and surrogates accepted, as
/// llama.cpp does); every other byte becomes U+FFFD. Code points above
/// U+10FFFF (which llama.cpp cannot encode back) also become U+FFFD.
std::vector<uint32_t> bpeCodePointsFromUtf8(llvm::StringRef text);
/// UTF-8 of a code point (surrogates encoded like any other code point).
std::string bpeCodePointToUtf8(uint32_t codePoint);

} // namespace wq_model

#endif // WQ_MODEL_BPETOKENIZER_H
