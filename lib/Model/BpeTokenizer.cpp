//===- BpeTokenizer.cpp - Byte-level BPE tokenizer from GGUF --------------===//
//
// A reproduction of llama.cpp's BPE tokenizer (llama-vocab.cpp: the
// pre-tokenizer switch, tokenizer_st_partition, llm_tokenizer_bpe_session,
// token_to_piece; unicode.cpp: unicode_cpts_from_utf8, unicode_regex_split,
// the byte-to-unicode map). llama.cpp runs hand-written splitters for the
// GPT-2 and Llama 3 regexes; they are equivalent to the regexes themselves
// (with a final `\s+` alternative, which changes nothing since a lone
// whitespace is split off either way), which PCRE2 runs here.
//
//===----------------------------------------------------------------------===//

#include "wq/Model/BpeTokenizer.h"
#include "wq/Formats/Json.h"

#include "wq/Formats/Gguf.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>

using namespace llvm;

namespace wq_model {

//===----------------------------------------------------------------------===//
// Code points and GPT-2's byte alphabet
//===----------------------------------------------------------------------===//

static constexpr uint32_t kReplacement = 0xFFFD;

std::string bpeCodePointToUtf8(uint32_t cpt) {
  std::string out;
  if (cpt <= 0x7F) {
    out.push_back(char(cpt));
  } else if (cpt <= 0x7FF) {
    out.push_back(char(0xC0 | ((cpt >> 6) & 0x1F)));
    out.push_back(char(0x80 | (cpt & 0x3F)));
  } else if (cpt <= 0xFFFF) {
    out.push_back(char(0xE0 | ((cpt >> 12) & 0x0F)));
    out.push_back(char(0x80 | ((cpt >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cpt & 0x3F)));
  } else if (cpt <= 0x10FFFF) {
    out.push_back(char(0xF0 | ((cpt >> 18) & 0x07)));
    out.push_back(char(0x80 | ((cpt >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cpt >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cpt & 0x3F)));
  } else {
    return bpeCodePointToUtf8(kReplacement);
  }
  return out;
}

/// unicode_cpt_from_utf8: one code point at `offset`, or nullopt (the byte is
/// not the start of a sequence llama.cpp accepts).
static std::optional<uint32_t> decodeOne(StringRef s, size_t &offset) {
  auto byte = [&](size_t i) { return uint8_t(s[offset + i]); };
  auto cont = [&](size_t i) {
    return offset + i < s.size() && (byte(i) & 0xC0) == 0x80;
  };
  uint8_t c = byte(0);
  if (!(c & 0x80)) {
    offset += 1;
    return c;
  }
  if (!(c & 0x40))
    return std::nullopt;
  if (!(c & 0x20)) {
    if (!cont(1))
      return std::nullopt;
    uint32_t r = ((c & 0x1F) << 6) | (byte(1) & 0x3F);
    offset += 2;
    return r;
  }
  if (!(c & 0x10)) {
    if (!cont(1) || !cont(2))
      return std::nullopt;
    uint32_t r = ((c & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F);
    offset += 3;
    return r;
  }
  if (!(c & 0x08)) {
    if (!cont(1) || !cont(2) || !cont(3))
      return std::nullopt;
    uint32_t r = ((c & 0x07) << 18) | ((byte(1) & 0x3F) << 12) |
                 ((byte(2) & 0x3F) << 6) | (byte(3) & 0x3F);
    // llama.cpp decodes these but throws when encoding them back.
    if (r > 0x10FFFF)
      return std::nullopt;
    offset += 4;
    return r;
  }
  return std::nullopt;
}

std::vector<uint32_t> bpeCodePointsFromUtf8(StringRef text) {
  std::vector<uint32_t> out;
  out.reserve(text.size());
  size_t offset = 0;
  while (offset < text.size()) {
    if (std::optional<uint32_t> cpt = decodeOne(text, offset)) {
      out.push_back(*cpt);
    } else {
      ++offset;
      out.push_back(kReplacement);
    }
  }
  return out;
}

namespace {
/// GPT-2's bytes_to_unicode (unicode_byte_to_utf8_map).
struct ByteAlphabet {
  uint32_t byteToCpt[256];
  std::string byteToUtf8[256];
  std::unordered_map<uint32_t, uint8_t> cptToByte;
  ByteAlphabet() {
    bool direct[256] = {};
    for (int ch = 0x21; ch <= 0x7E; ++ch)
      direct[ch] = true;
    for (int ch = 0xA1; ch <= 0xAC; ++ch)
      direct[ch] = true;
    for (int ch = 0xAE; ch <= 0xFF; ++ch)
      direct[ch] = true;
    uint32_t n = 0;
    for (int ch = 0; ch < 256; ++ch) {
      byteToCpt[ch] = direct[ch] ? uint32_t(ch) : 256 + n++;
      byteToUtf8[ch] = bpeCodePointToUtf8(byteToCpt[ch]);
      cptToByte[byteToCpt[ch]] = uint8_t(ch);
    }
  }
};
} // namespace

static const ByteAlphabet &byteAlphabet() {
  static const ByteAlphabet alphabet;
  return alphabet;
}

std::string bpeByteToUnicode(uint8_t byte) {
  return byteAlphabet().byteToUtf8[byte];
}

std::optional<uint8_t> bpeUnicodeToByte(uint32_t codePoint) {
  const auto &map = byteAlphabet().cptToByte;
  auto it = map.find(codePoint);
  if (it == map.end())
    return std::nullopt;
  return it->second;
}

std::string bpeEncodeBytes(StringRef text) {
  const ByteAlphabet &alphabet = byteAlphabet();
  std::string out;
  out.reserve(text.size() * 2);
  for (char c : text)
    out += alphabet.byteToUtf8[uint8_t(c)];
  return out;
}

/// unicode_len_utf8: the length of the sequence a lead byte announces.
static size_t utf8Length(char lead) {
  static const size_t lookup[] = {1, 1, 1, 1, 1, 1, 1, 1,
                                  1, 1, 1, 1, 2, 2, 3, 4};
  return lookup[uint8_t(lead) >> 4];
}

//===----------------------------------------------------------------------===//
// Pre-tokenizers
//===----------------------------------------------------------------------===//

namespace {
struct PreTokenizerInfo {
  std::vector<std::string> regexes;
  bool ignoreMerges = false;
  bool addBosDefault = false;
};
} // namespace

// The regexes of llama-vocab.cpp's llm_tokenizer_bpe, verbatim.
static const char *const kRegexGpt2 =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!"
    "\\S)";
static const char *const kRegexLlama3 =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}"
    "\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|"
    "\\s+(?!\\S)|\\s+";
static const char *const kRegexQwen2 =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}"
    "\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!"
    "\\S)|\\s+";

static std::optional<PreTokenizerInfo> lookupPreTokenizer(StringRef pre) {
  PreTokenizerInfo info;
  auto is = [&](std::initializer_list<StringRef> names) {
    return llvm::is_contained(names, pre);
  };
  if (pre.empty() || pre == "default") {
    info.regexes = {"[\\p{P}\\$\\+<=>\\^~\\|]+", kRegexGpt2, "\\p{N}+",
                    "[0-9][0-9][0-9]"};
  } else if (is({"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1",
                 "pixtral", "midm-2.0", "lfm2"})) {
    info.regexes = {kRegexLlama3};
    info.ignoreMerges = true;
    info.addBosDefault = true;
  } else if (is({"dbrx", "smaug-bpe"})) {
    info.regexes = {kRegexLlama3};
  } else if (is({"falcon"})) {
    info.regexes = {"[\\p{P}\\$\\+<=>\\^~\\|`]+", kRegexGpt2,
                    "[0-9][0-9][0-9]"};
  } else if (is({"starcoder", "refact", "command-r", "smollm", "codeshell",
                 "exaone", "minerva-7b"})) {
    info.regexes = {"\\p{N}", kRegexGpt2};
  } else if (is({"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat",
                 "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "mpt",
                 "olmo", "jais", "exaone4", "trillion"})) {
    info.regexes = {kRegexGpt2};
  } else if (is({"qwen2", "deepseek-r1-qwen", "megrez", "stablelm2",
                 "hunyuan"})) {
    info.regexes = {kRegexQwen2};
  } else {
    return std::nullopt;
  }
  return info;
}

Expected<std::vector<std::string>> bpePreTokenizerRegexes(StringRef pre) {
  std::optional<PreTokenizerInfo> info = lookupPreTokenizer(pre);
  if (!info)
    return createStringError(
        "unsupported BPE pre-tokenizer '%s' (tokenizer.ggml.pre)",
        pre.str().c_str());
  return info->regexes;
}

/// White_Space as llama.cpp defines `\s` (unicode_set_whitespace): Unicode's
/// separators plus U+0009..U+000D and U+0085, as the body of a class.
static const char *const kWhitespaceClassBody = "\\t-\\r\\x{85}\\p{Z}";

/// llama.cpp's regex for PCRE2: `\s` / `\S` become llama.cpp's whitespace.
static Expected<std::string> translateRegex(StringRef regex) {
  std::string out;
  bool inClass = false;
  for (size_t i = 0; i < regex.size(); ++i) {
    char c = regex[i];
    if (c == '\\' && i + 1 < regex.size()) {
      char e = regex[++i];
      if (e == 's') {
        if (inClass)
          out += kWhitespaceClassBody;
        else
          out += std::string("[") + kWhitespaceClassBody + "]";
      } else if (e == 'S') {
        if (inClass)
          return createStringError("\\S inside a class in '%s'",
                                   regex.str().c_str());
        out += std::string("[^") + kWhitespaceClassBody + "]";
      } else {
        out += c;
        out += e;
      }
      continue;
    }
    if (c == '[' && !inClass)
      inClass = true;
    else if (c == ']' && inClass)
      inClass = false;
    out += c;
  }
  return out;
}

namespace {
struct Pcre2Code {
  pcre2_code *code = nullptr;
  Pcre2Code() = default;
  explicit Pcre2Code(pcre2_code *c) : code(c) {}
  Pcre2Code(Pcre2Code &&o) noexcept : code(o.code) { o.code = nullptr; }
  Pcre2Code &operator=(Pcre2Code &&o) noexcept {
    std::swap(code, o.code);
    return *this;
  }
  ~Pcre2Code() {
    if (code)
      pcre2_code_free(code);
  }
};

struct MatchData {
  pcre2_match_data *data;
  explicit MatchData(const pcre2_code *code)
      : data(pcre2_match_data_create_from_pattern(code, nullptr)) {}
  ~MatchData() { pcre2_match_data_free(data); }
};

/// A piece of the text: byte offsets [begin, end).
struct Span {
  size_t begin, end;
};
} // namespace

static Expected<Pcre2Code> compileRegex(StringRef regex) {
  Expected<std::string> pattern = translateRegex(regex);
  if (!pattern)
    return pattern.takeError();
  int errorCode = 0;
  PCRE2_SIZE errorOffset = 0;
  pcre2_code *code = pcre2_compile(
      reinterpret_cast<PCRE2_SPTR>(pattern->c_str()), pattern->size(),
      PCRE2_UTF | PCRE2_UCP, &errorCode, &errorOffset, nullptr);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(errorCode, message, sizeof(message));
    return createStringError("cannot compile pre-tokenizer regex '%s': %s at "
                             "offset %zu",
                             regex.str().c_str(),
                             reinterpret_cast<const char *>(message),
                             size_t(errorOffset));
  }
  // JIT when the library has it; the interpreter otherwise.
  (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  return Pcre2Code(code);
}

/// unicode_regex_split_stl's splitting of each span by one regex: the
/// matches and the text between them, in order. `subject` is valid UTF-8.
static void splitSpans(const pcre2_code *code, StringRef subject,
                       const std::vector<Span> &spans,
                       std::vector<Span> &out) {
  MatchData match(code);
  for (const Span &span : spans) {
    auto piece = reinterpret_cast<PCRE2_SPTR>(subject.data() + span.begin);
    size_t length = span.end - span.begin;
    size_t last = 0, pos = 0;
    while (pos <= length) {
      int rc = pcre2_match(code, piece, length, pos, PCRE2_NO_UTF_CHECK,
                           match.data, nullptr);
      if (rc < 0)
        break; // no match (or a matching error: the rest stays one piece)
      PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(match.data);
      size_t start = ovector[0], end = ovector[1];
      if (start > last)
        out.push_back({span.begin + last, span.begin + start});
      if (end > start)
        out.push_back({span.begin + start, span.begin + end});
      last = end;
      if (end > start) {
        pos = end;
      } else {
        if (end >= length)
          break;
        pos = end + std::min(length - end, utf8Length(char(piece[end])));
      }
    }
    if (last < length)
      out.push_back({span.begin + last, span.end});
  }
}

//===----------------------------------------------------------------------===//
// The tokenizer
//===----------------------------------------------------------------------===//

namespace {
struct Bigram {
  int left, right;
  int rank;
  size_t size;
};
struct BigramOrder {
  bool operator()(const Bigram &l, const Bigram &r) const {
    return l.rank > r.rank || (l.rank == r.rank && l.left > r.left);
  }
};
struct Symbol {
  int prev, next;
  size_t offset, n;
};
} // namespace

struct BpeTokenizer::Impl {
  BpeVocabulary vocab;
  PreTokenizerInfo pre;
  std::vector<Pcre2Code> regexes;
  std::vector<BpeTokenType> types;
  std::unordered_map<std::string, int> tokenToId;
  /// "left right" -> rank (the first of duplicate merges wins).
  std::unordered_map<std::string, int> mergeRanks;
  /// Control, user-defined and unknown-type tokens, longest first.
  std::vector<int> specialTokens;
  std::set<int> eog;
  int eot = -1;
  /// token_to_piece with special = true, per token.
  std::vector<std::string> pieces;

  int lookup(StringRef text) const {
    auto it = tokenToId.find(text.str());
    return it == tokenToId.end() ? -1 : it->second;
  }
  int rank(StringRef left, StringRef right, std::string &key) const {
    key.assign(left.data(), left.size());
    key += ' ';
    key.append(right.data(), right.size());
    auto it = mergeRanks.find(key);
    return it == mergeRanks.end() ? -1 : it->second;
  }
  std::vector<std::string> splitWords(StringRef text) const;
  void bpeWord(StringRef word, std::vector<int> &out) const;
  void encodeFragment(StringRef text, std::vector<int> &out) const;
};

/// llama_decode_text: a normal token's text back to bytes.
static std::string decodeTokenText(StringRef text) {
  std::string out;
  for (uint32_t cpt : bpeCodePointsFromUtf8(text)) {
    if (std::optional<uint8_t> byte = bpeUnicodeToByte(cpt)) {
      out.push_back(char(*byte));
      continue;
    }
    out += "[UNK_BYTE_0x";
    for (char c : bpeCodePointToUtf8(cpt))
      out += llvm::utohexstr(uint8_t(c), /*LowerCase=*/true, /*Width=*/2);
    out += text.str() + "]";
  }
  return out;
}

std::vector<std::string> BpeTokenizer::Impl::splitWords(StringRef text) const {
  // unicode_cpts_from_utf8, then the text the words are cut from (each code
  // point re-encoded) and the text the regexes see (surrogates, which PCRE2
  // rejects in UTF-8, replaced by U+FFFD: both are "other" characters, 3
  // bytes long).
  std::vector<uint32_t> cpts = bpeCodePointsFromUtf8(text);
  std::string clean, subject;
  clean.reserve(text.size());
  subject.reserve(text.size());
  for (uint32_t cpt : cpts) {
    std::string utf8 = bpeCodePointToUtf8(cpt);
    clean += utf8;
    if (cpt >= 0xD800 && cpt <= 0xDFFF)
      subject += bpeCodePointToUtf8(kReplacement);
    else
      subject += utf8;
  }
  std::vector<Span> spans = {{0, subject.size()}}, next;
  if (subject.empty())
    spans.clear();
  for (const Pcre2Code &regex : regexes) {
    next.clear();
    splitSpans(regex.code, subject, spans, next);
    spans.swap(next);
  }
  std::vector<std::string> words;
  words.reserve(spans.size());
  for (const Span &span : spans)
    words.push_back(clean.substr(span.begin, span.end - span.begin));
  return words;
}

void BpeTokenizer::Impl::bpeWord(StringRef word, std::vector<int> &out) const {
  if (word.empty())
    return;
  if (pre.ignoreMerges) {
    int id = lookup(word);
    if (id >= 0) {
      out.push_back(id);
      return;
    }
  }
  std::vector<Symbol> symbols;
  for (size_t offset = 0; offset < word.size();) {
    size_t n = std::min(word.size() - offset, utf8Length(word[offset]));
    int index = int(symbols.size());
    symbols.push_back({index - 1, offset + n == word.size() ? -1 : index + 1,
                       offset, n});
    offset += n;
  }
  auto text = [&](int i) {
    return word.substr(symbols[i].offset, symbols[i].n);
  };
  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
  std::string key;
  auto addBigram = [&](int left, int right) {
    if (left == -1 || right == -1)
      return;
    int r = rank(text(left), text(right), key);
    if (r < 0)
      return;
    queue.push({left, right, r, symbols[left].n + symbols[right].n});
  };
  for (int i = 1; i < int(symbols.size()); ++i)
    addBigram(i - 1, i);
  while (!queue.empty()) {
    Bigram bigram = queue.top();
    queue.pop();
    Symbol &left = symbols[bigram.left];
    Symbol &right = symbols[bigram.right];
    // Outdated: one side was merged away or has grown.
    if (left.n == 0 || right.n == 0 || left.n + right.n != bigram.size ||
        left.next != bigram.right)
      continue;
    left.n += right.n;
    right.n = 0;
    left.next = right.next;
    if (right.next >= 0)
      symbols[right.next].prev = bigram.left;
    addBigram(left.prev, bigram.left);
    addBigram(bigram.left, left.next);
  }
  for (const Symbol &symbol : symbols) {
    if (symbol.n == 0)
      continue;
    StringRef str = word.substr(symbol.offset, symbol.n);
    int id = lookup(str);
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    // llm_tokenizer_bpe_session's fallback: each byte of the (encoded) text
    // looked up alone; bytes that are no token are dropped.
    for (char c : str) {
      int byteId = lookup(StringRef(&c, 1));
      if (byteId >= 0)
        out.push_back(byteId);
    }
  }
}

void BpeTokenizer::Impl::encodeFragment(StringRef text,
                                        std::vector<int> &out) const {
  const ByteAlphabet &alphabet = byteAlphabet();
  std::string encoded;
  for (const std::string &word : splitWords(text)) {
    encoded.clear();
    for (char c : word)
      encoded += alphabet.byteToUtf8[uint8_t(c)];
    bpeWord(encoded, out);
  }
}

BpeTokenizer::BpeTokenizer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
BpeTokenizer::BpeTokenizer(BpeTokenizer &&) noexcept = default;
BpeTokenizer &BpeTokenizer::operator=(BpeTokenizer &&) noexcept = default;
BpeTokenizer::~BpeTokenizer() = default;

// Token texts llama.cpp recognizes (llama_vocab::impl::load).
static const char *const kEotNames[] = {
    "<|eot_id|>",    "<|im_end|>", "<|end|>",   "<end_of_turn>",
    "<|endoftext|>", "<EOT>",      "_<EOT>",    "<｜end▁of▁sentence｜>",
    "<end_of_utterance>"};
static const char *const kEomNames[] = {"<|eom_id|>"};
static const char *const kFimPreNames[] = {
    "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",   "<｜fim▁begin｜>",
    "<PRE>",          "▁<PRE>",       "<|code_prefix|>"};
static const char *const kFimSufNames[] = {
    "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",   "<｜fim▁hole｜>",
    "<SUF>",          "▁<SUF>",       "<|code_suffix|>"};
static const char *const kFimMidNames[] = {
    "<|fim_middle|>", "<fim-middle>", "<fim_middle>",   "<｜fim▁end｜>",
    "<MID>",          "▁<MID>",       "<|code_middle|>"};
static const char *const kFimPadNames[] = {"<|fim_pad|>", "<fim-pad>",
                                           "<fim_pad>", "<PAD>"};
static const char *const kFimRepNames[] = {"<|fim_repo|>", "<|repo_name|>",
                                           "<fim-repo>", "<REPO>",
                                           "<reponame>"};
static const char *const kFimSepNames[] = {"<|file_sep|>"};
static const char *const kEogNames[] = {
    "<|eot_id|>",    "<|im_end|>",      "<|end|>",
    "<|return|>",    "<|call|>",        "<end_of_turn>",
    "<|endoftext|>", "<|eom_id|>",      "<EOT>",
    "_<EOT>",        "<|end_of_text|>", "<end_of_utterance>"};
static const char *const kAlwaysRenderedNames[] = {
    "<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"};

Expected<BpeTokenizer> BpeTokenizer::create(BpeVocabulary vocab) {
  auto impl = std::make_unique<Impl>();
  const int64_t n = int64_t(vocab.tokens.size());
  if (n == 0)
    return createStringError("BPE vocabulary without tokens");
  if (n > int64_t(INT32_MAX))
    return createStringError("BPE vocabulary too large (%lld tokens)",
                             (long long)n);
  if (!vocab.tokenTypes.empty() && int64_t(vocab.tokenTypes.size()) != n)
    return createStringError(
        "BPE vocabulary: %zu token types for %lld tokens",
        vocab.tokenTypes.size(), (long long)n);
  std::optional<PreTokenizerInfo> pre = lookupPreTokenizer(vocab.pre);
  if (!pre)
    return createStringError(
        "unsupported BPE pre-tokenizer '%s' (tokenizer.ggml.pre)",
        vocab.pre.c_str());
  impl->pre = std::move(*pre);
  for (const std::string &regex : impl->pre.regexes) {
    Expected<Pcre2Code> code = compileRegex(regex);
    if (!code)
      return code.takeError();
    impl->regexes.push_back(std::move(*code));
  }

  struct NamedId {
    const char *name;
    int32_t id;
  };
  for (NamedId special : {NamedId{"bos_token_id", vocab.bosId},
                          NamedId{"eos_token_id", vocab.eosId},
                          NamedId{"eot_token_id", vocab.eotId},
                          NamedId{"unknown_token_id", vocab.unkId},
                          NamedId{"padding_token_id", vocab.padId}})
    if (special.id < -1 || special.id >= n)
      return createStringError(
          "BPE vocabulary: %s %d out of range (%lld tokens)", special.name,
          special.id, (long long)n);
  if (vocab.addBos && vocab.bosId < 0)
    return createStringError(
        "BPE vocabulary adds BOS (add_bos_token) but has no bos_token_id");
  if (vocab.addEos && vocab.eosId < 0)
    return createStringError(
        "BPE vocabulary adds EOS (add_eos_token) but has no eos_token_id");

  // Token texts (llama.cpp names empty ones "[EMPTY_<id>]") and types.
  impl->types.resize(n, BpeTokenType::Normal);
  impl->tokenToId.reserve(size_t(n));
  for (int64_t i = 0; i < n; ++i) {
    std::string &text = vocab.tokens[i];
    if (text.empty())
      text = "[EMPTY_" + std::to_string(i) + "]";
    if (!impl->tokenToId.emplace(text, int(i)).second)
      return createStringError("BPE vocabulary: token %lld duplicates token "
                               "%d ('%s')",
                               (long long)i, impl->tokenToId[text],
                               text.c_str());
    if (!vocab.tokenTypes.empty()) {
      int32_t t = vocab.tokenTypes[i];
      impl->types[i] = t >= 1 && t <= 6 ? BpeTokenType(t)
                                        : BpeTokenType::Undefined;
    }
  }

  // Merges, split at the first space after the first character.
  impl->mergeRanks.reserve(vocab.merges.size());
  for (size_t i = 0; i < vocab.merges.size(); ++i) {
    const std::string &merge = vocab.merges[i];
    size_t pos = merge.size() > 1 ? merge.find(' ', 1) : std::string::npos;
    std::string key = pos == std::string::npos
                          ? std::string(" ")
                          : merge.substr(0, pos) + " " + merge.substr(pos + 1);
    impl->mergeRanks.emplace(std::move(key), int(i));
  }

  // llama.cpp's detection of special tokens by their text (the lowest id
  // where several match; llama.cpp takes whichever its hash map yields
  // first), which also makes them control tokens.
  auto makeControl = [&](int id) { impl->types[id] = BpeTokenType::Control; };
  auto detect = [&](ArrayRef<const char *> names) {
    int found = -1;
    for (const char *name : names) {
      auto it = impl->tokenToId.find(name);
      if (it != impl->tokenToId.end() && (found < 0 || it->second < found))
        found = it->second;
    }
    if (found >= 0)
      makeControl(found);
    return found;
  };
  impl->eot = vocab.eotId >= 0 ? vocab.eotId : detect(kEotNames);
  int eom = detect(kEomNames);
  detect(kFimPreNames);
  detect(kFimSufNames);
  detect(kFimMidNames);
  int fimPad = detect(kFimPadNames);
  int fimRep = detect(kFimRepNames);
  int fimSep = detect(kFimSepNames);
  for (int id : {fimPad, fimRep, fimSep})
    if (id >= 0)
      impl->eog.insert(id);
  for (const char *name : kEogNames) {
    auto it = impl->tokenToId.find(name);
    if (it == impl->tokenToId.end())
      continue;
    impl->eog.insert(it->second);
    makeControl(it->second);
  }
  for (const char *name : kAlwaysRenderedNames) {
    auto it = impl->tokenToId.find(name);
    if (it != impl->tokenToId.end())
      impl->types[it->second] = BpeTokenType::UserDefined;
  }
  for (int id : {vocab.eosId, impl->eot, eom})
    if (id >= 0)
      impl->eog.insert(id);
  {
    // o200k_harmony: "<|end|>" is not an end of generation when "<|return|>"
    // and "<|call|>" are.
    int ret = impl->lookup("<|return|>"), call = impl->lookup("<|call|>"),
        end = impl->lookup("<|end|>");
    if (ret >= 0 && call >= 0 && end >= 0 && impl->eog.count(ret) &&
        impl->eog.count(call) && impl->eog.count(end)) {
      impl->eog.erase(end);
      impl->types[end] = BpeTokenType::UserDefined;
    }
  }

  // The special tokens matched in text, longest first.
  for (int id = 0; id < int(n); ++id) {
    BpeTokenType t = impl->types[id];
    if (t == BpeTokenType::Control || t == BpeTokenType::UserDefined ||
        t == BpeTokenType::Unknown)
      impl->specialTokens.push_back(id);
  }
  std::stable_sort(impl->specialTokens.begin(), impl->specialTokens.end(),
                   [&](int a, int b) {
                     return vocab.tokens[a].size() > vocab.tokens[b].size();
                   });

  // token_to_piece(special = true) of every token.
  impl->pieces.resize(n);
  for (int id = 0; id < int(n); ++id) {
    switch (impl->types[id]) {
    case BpeTokenType::Control:
    case BpeTokenType::Unknown:
    case BpeTokenType::UserDefined:
      impl->pieces[id] = vocab.tokens[id];
      break;
    case BpeTokenType::Normal:
      impl->pieces[id] = decodeTokenText(vocab.tokens[id]);
      break;
    default:
      break; // byte, unused, undefined: nothing
    }
  }
  impl->vocab = std::move(vocab);
  return BpeTokenizer(std::move(impl));
}

std::vector<int> BpeTokenizer::encode(StringRef text, bool addSpecial,
                                      bool parseSpecial) const {
  const Impl &impl = *impl_;
  struct Fragment {
    int token; // -1: text
    size_t offset, length;
  };
  std::vector<Fragment> fragments, next;
  if (!text.empty())
    fragments.push_back({-1, 0, text.size()});
  // tokenizer_st_partition: each special token in turn cuts every text
  // fragment at each of its occurrences.
  for (int id : impl.specialTokens) {
    BpeTokenType type = impl.types[id];
    if (!parseSpecial &&
        (type == BpeTokenType::Control || type == BpeTokenType::Unknown))
      continue;
    StringRef special = impl.vocab.tokens[id];
    next.clear();
    for (const Fragment &fragment : fragments) {
      if (fragment.token >= 0) {
        next.push_back(fragment);
        continue;
      }
      size_t base = fragment.offset, end = fragment.offset + fragment.length;
      while (true) {
        size_t match = text.substr(0, end).find(special, base);
        if (match == StringRef::npos)
          break;
        if (match > base)
          next.push_back({-1, base, match - base});
        next.push_back({id, match, special.size()});
        base = match + special.size();
      }
      if (base < end)
        next.push_back({-1, base, end - base});
    }
    fragments.swap(next);
  }

  std::vector<int> out;
  if (addSpecial && impl.vocab.addBos)
    out.push_back(impl.vocab.bosId);
  for (const Fragment &fragment : fragments) {
    if (fragment.token >= 0)
      out.push_back(fragment.token);
    else
      impl.encodeFragment(text.substr(fragment.offset, fragment.length), out);
  }
  if (addSpecial && impl.vocab.addEos)
    out.push_back(impl.vocab.eosId);
  return out;
}

std::string BpeTokenizer::tokenToPiece(int id, bool renderSpecial) const {
  if (id < 0 || id >= int(impl_->pieces.size()))
    return "";
  BpeTokenType type = impl_->types[id];
  if (!renderSpecial &&
      (type == BpeTokenType::Control || type == BpeTokenType::Unknown))
    return "";
  return impl_->pieces[id];
}

std::string BpeTokenizer::decode(ArrayRef<int> ids, bool renderSpecial) const {
  std::string out;
  for (int id : ids)
    out += tokenToPiece(id, renderSpecial);
  return out;
}

std::vector<std::string> BpeTokenizer::preTokenize(StringRef text) const {
  return impl_->splitWords(text);
}

int64_t BpeTokenizer::vocabSize() const {
  return int64_t(impl_->vocab.tokens.size());
}
int BpeTokenizer::bosId() const { return impl_->vocab.bosId; }
int BpeTokenizer::eosId() const { return impl_->vocab.eosId; }
int BpeTokenizer::eotId() const { return impl_->eot; }
int BpeTokenizer::unkId() const { return impl_->vocab.unkId; }
int BpeTokenizer::padId() const { return impl_->vocab.padId; }
bool BpeTokenizer::addBos() const { return impl_->vocab.addBos; }
bool BpeTokenizer::addEos() const { return impl_->vocab.addEos; }
bool BpeTokenizer::isEog(int id) const { return impl_->eog.count(id) > 0; }
bool BpeTokenizer::isControl(int id) const {
  return tokenType(id) == BpeTokenType::Control;
}
BpeTokenType BpeTokenizer::tokenType(int id) const {
  if (id < 0 || id >= int(impl_->types.size()))
    return BpeTokenType::Undefined;
  return impl_->types[id];
}
int BpeTokenizer::tokenId(StringRef text) const { return impl_->lookup(text); }
const std::string &BpeTokenizer::tokenText(int id) const {
  static const std::string empty;
  if (id < 0 || id >= int(impl_->vocab.tokens.size()))
    return empty;
  return impl_->vocab.tokens[id];
}
const std::string &BpeTokenizer::chatTemplate() const {
  return impl_->vocab.chatTemplate;
}
StringRef BpeTokenizer::preTokenizer() const { return impl_->vocab.pre; }
const BpeVocabulary &BpeTokenizer::vocabulary() const { return impl_->vocab; }

//===----------------------------------------------------------------------===//
// Reading the vocabulary
//===----------------------------------------------------------------------===//

Expected<BpeVocabulary>
BpeVocabulary::fromGguf(const wq_formats::GgufFile &file) {
  auto fail = [&](const Twine &message) {
    return createStringError(file.path() + ": " + message);
  };
  BpeVocabulary vocab;
  Expected<std::string> model = file.getString("tokenizer.ggml.model");
  if (!model)
    return model.takeError();
  if (*model != "gpt2")
    return fail("tokenizer.ggml.model is '" + *model +
                "', not 'gpt2' (byte-level BPE)");

  Expected<std::vector<std::string>> tokens =
      file.getStringArray("tokenizer.ggml.tokens");
  if (!tokens)
    return tokens.takeError();
  vocab.tokens = std::move(*tokens);
  Expected<std::vector<std::string>> merges =
      file.getStringArray("tokenizer.ggml.merges");
  if (!merges)
    return merges.takeError();
  vocab.merges = std::move(*merges);

  if (file.find("tokenizer.ggml.token_type")) {
    Expected<std::vector<int64_t>> types =
        file.getIntegerArray("tokenizer.ggml.token_type");
    if (!types)
      return types.takeError();
    if (types->size() != vocab.tokens.size())
      return fail("tokenizer.ggml.token_type has " + Twine(types->size()) +
                  " entries for " + Twine(vocab.tokens.size()) + " tokens");
    for (int64_t t : *types) {
      if (t < INT32_MIN || t > INT32_MAX)
        return fail("tokenizer.ggml.token_type: value " + Twine(t) +
                    " out of range");
      vocab.tokenTypes.push_back(int32_t(t));
    }
  }
  if (file.find("tokenizer.ggml.pre")) {
    Expected<std::string> pre = file.getString("tokenizer.ggml.pre");
    if (!pre)
      return pre.takeError();
    vocab.pre = std::move(*pre);
  }
  std::optional<PreTokenizerInfo> preInfo = lookupPreTokenizer(vocab.pre);
  if (!preInfo)
    return fail("unsupported BPE pre-tokenizer '" + vocab.pre +
                "' (tokenizer.ggml.pre)");

  struct IdKey {
    const char *key;
    int32_t *id;
  };
  for (IdKey k : {IdKey{"tokenizer.ggml.bos_token_id", &vocab.bosId},
                  IdKey{"tokenizer.ggml.eos_token_id", &vocab.eosId},
                  IdKey{"tokenizer.ggml.eot_token_id", &vocab.eotId},
                  IdKey{"tokenizer.ggml.unknown_token_id", &vocab.unkId},
                  IdKey{"tokenizer.ggml.padding_token_id", &vocab.padId}}) {
    if (!file.find(k.key))
      continue;
    Expected<int64_t> id = file.getInteger(k.key);
    if (!id)
      return id.takeError();
    if (*id < 0 || *id >= int64_t(vocab.tokens.size()))
      return fail(Twine(k.key) + " " + Twine(*id) + " out of range (" +
                  Twine(vocab.tokens.size()) + " tokens)");
    *k.id = int32_t(*id);
  }
  vocab.addBos = preInfo->addBosDefault;
  for (auto [key, flag] :
       {std::pair<const char *, bool *>{"tokenizer.ggml.add_bos_token",
                                        &vocab.addBos},
        std::pair<const char *, bool *>{"tokenizer.ggml.add_eos_token",
                                        &vocab.addEos}}) {
    if (!file.find(key))
      continue;
    Expected<bool> value = file.getBool(key);
    if (!value)
      return value.takeError();
    *flag = *value;
  }
  if (file.find("tokenizer.chat_template")) {
    Expected<std::string> chat = file.getString("tokenizer.chat_template");
    if (!chat)
      return chat.takeError();
    vocab.chatTemplate = std::move(*chat);
  }
  return vocab;
}

static json::Value stringOrHex(const std::string &s) {
  if (json::isUTF8(s))
    return s;
  return json::Object{{"hex", llvm::toHex(s, /*LowerCase=*/true)}};
}

std::string BpeVocabulary::toJson() const {
  json::Array tokenArray, mergeArray, typeArray;
  tokenArray.reserve(tokens.size());
  for (const std::string &t : tokens)
    tokenArray.push_back(stringOrHex(t));
  for (int32_t t : tokenTypes)
    typeArray.push_back(t);
  mergeArray.reserve(merges.size());
  for (const std::string &m : merges)
    mergeArray.push_back(stringOrHex(m));
  json::Object doc{
      {"format", "wq-bpe-vocabulary"},
      {"version", 1},
      {"model", "gpt2"},
      {"pre", pre},
      {"bos_token_id", bosId},
      {"eos_token_id", eosId},
      {"eot_token_id", eotId},
      {"unknown_token_id", unkId},
      {"padding_token_id", padId},
      {"add_bos_token", addBos},
      {"add_eos_token", addEos},
      {"chat_template", stringOrHex(chatTemplate)},
      {"token_types", std::move(typeArray)},
      {"tokens", std::move(tokenArray)},
      {"merges", std::move(mergeArray)},
  };
  std::string out;
  raw_string_ostream os(out);
  os << json::Value(std::move(doc)) << "\n";
  os.flush();
  return out;
}

Expected<BpeVocabulary> BpeVocabulary::fromJson(StringRef text) {
  auto fail = [](const Twine &message) {
    return createStringError("BPE vocabulary JSON: " + message);
  };
  Expected<json::Value> parsed = wq_formats::parseJson(text);
  if (!parsed)
    return fail(toString(parsed.takeError()));
  const json::Object *doc = parsed->getAsObject();
  if (!doc)
    return fail("not an object");
  std::optional<StringRef> format = doc->getString("format");
  if (!format || *format != "wq-bpe-vocabulary")
    return fail("'format' is not \"wq-bpe-vocabulary\"");
  if (doc->getInteger("version") != std::optional<int64_t>(1))
    return fail("unsupported 'version' (expected 1)");
  std::optional<StringRef> model = doc->getString("model");
  if (!model || *model != "gpt2")
    return fail("'model' is not \"gpt2\"");

  auto readString = [&](const json::Value &v, StringRef key,
                        std::string &out) -> Error {
    if (std::optional<StringRef> s = v.getAsString()) {
      out = s->str();
      return Error::success();
    }
    if (const json::Object *o = v.getAsObject())
      if (std::optional<StringRef> hex = o->getString("hex"))
        if (tryGetFromHex(*hex, out))
          return Error::success();
    return fail("'" + key + "': expected a string or {\"hex\": ...}");
  };
  auto readStrings = [&](StringRef key,
                         std::vector<std::string> &out) -> Error {
    const json::Array *array = doc->getArray(key);
    if (!array)
      return fail("missing array '" + key + "'");
    out.resize(array->size());
    for (size_t i = 0; i < array->size(); ++i)
      if (Error e = readString((*array)[i], key, out[i]))
        return e;
    return Error::success();
  };
  BpeVocabulary vocab;
  if (Error e = readStrings("tokens", vocab.tokens))
    return std::move(e);
  if (Error e = readStrings("merges", vocab.merges))
    return std::move(e);
  if (const json::Array *types = doc->getArray("token_types")) {
    for (const json::Value &v : *types) {
      std::optional<int64_t> t = v.getAsInteger();
      if (!t || *t < INT32_MIN || *t > INT32_MAX)
        return fail("'token_types': expected 32-bit integers");
      vocab.tokenTypes.push_back(int32_t(*t));
    }
  } else {
    return fail("missing array 'token_types'");
  }
  std::optional<StringRef> pre = doc->getString("pre");
  if (!pre)
    return fail("missing string 'pre'");
  vocab.pre = pre->str();
  using IdField = std::pair<const char *, int32_t *>;
  for (auto [key, id] : {IdField{"bos_token_id", &vocab.bosId},
                         IdField{"eos_token_id", &vocab.eosId},
                         IdField{"eot_token_id", &vocab.eotId},
                         IdField{"unknown_token_id", &vocab.unkId},
                         IdField{"padding_token_id", &vocab.padId}}) {
    std::optional<int64_t> v = doc->getInteger(key);
    if (!v || *v < -1 || *v > INT32_MAX)
      return fail("'" + Twine(key) + "': expected an id or -1");
    *id = int32_t(*v);
  }
  using FlagField = std::pair<const char *, bool *>;
  for (auto [key, flag] : {FlagField{"add_bos_token", &vocab.addBos},
                           FlagField{"add_eos_token", &vocab.addEos}}) {
    std::optional<bool> v = doc->getBoolean(key);
    if (!v)
      return fail("'" + Twine(key) + "': expected a boolean");
    *flag = *v;
  }
  if (const json::Value *chat = doc->get("chat_template"))
    if (Error e = readString(*chat, "chat_template", vocab.chatTemplate))
      return std::move(e);
  return vocab;
}

} // namespace wq_model
