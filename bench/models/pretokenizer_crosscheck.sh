#!/usr/bin/env bash
# Cross-checks wq's BPE pre-tokenizers (lib/Model/BpeTokenizer.cpp, PCRE2)
# against llama.cpp's own unicode_regex_split (its hand-written GPT-2 and
# Llama 3 splitters, its std::regex fallback and its Unicode tables) on
# seeded random strings over a palette of troublesome characters (all sorts
# of whitespace, contractions, digits, punctuation, combining marks, CJK, RTL,
# emoji, unassigned and private-use code points, invalid UTF-8, surrogates,
# special-token fragments), for every pre-tokenizer regex list wq supports.
# Also counts the code points whose letter/number/whitespace class differs
# between llama.cpp's tables and PCRE2's (Unicode version differences).
#
#   bench/models/pretokenizer_crosscheck.sh [STRINGS_PER_LIST]   (default 20000)
#
# Needs the llama.cpp sources of bench/models/build_llamacpp.sh (run it first)
# and wq's build (build/lib/libWQFormats.so). Builds in the cache folder.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${WQ_BUILD:-$ROOT/build}"
CACHE="${WQ_CACHE:-$HOME/.cache/wq}/llama.cpp"
BIN="$("$ROOT/bench/models/build_llamacpp.sh")"
VERSION="$(basename "$(dirname "$BIN")")"   # build-<version>
SRC="$(dirname "$(dirname "$BIN")")/src-${VERSION#build-}/vendor/llama.cpp/src"
[ -f "$SRC/unicode.cpp" ] || { echo "no llama.cpp sources at $SRC" >&2; exit 1; }
WORK="$CACHE/pretokenizer-crosscheck"
mkdir -p "$WORK"

# The regex lists wq supports, as llama-vocab.cpp writes them; each literal is
# checked to occur verbatim there.
cat > "$WORK/lists.inc" <<'EOF'
static const std::vector<std::pair<std::string, std::vector<std::string>>> kLists = {
 {"default", {"[\\p{P}\\$\\+<=>\\^~\\|]+", "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)", "\\p{N}+", "[0-9][0-9][0-9]"}},
 {"llama-bpe", {"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}},
 {"dbrx", {"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}},
 {"falcon", {"[\\p{P}\\$\\+<=>\\^~\\|`]+", "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)", "[0-9][0-9][0-9]"}},
 {"smollm", {"\\p{N}", "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)"}},
 {"gpt-2", {"'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)"}},
 {"qwen2", {"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}},
};
EOF
python3 - "$WORK/lists.inc" "$SRC/llama-vocab.cpp" <<'EOF'
import re, sys
inc, vocab = open(sys.argv[1]).read(), open(sys.argv[2]).read()
names = {"default", "llama-bpe", "dbrx", "falcon", "smollm", "gpt-2", "qwen2"}
for lit in re.findall(r'"((?:[^"\\]|\\.)*)"', inc):
    if lit not in names and '"%s"' % lit not in vocab:
        sys.exit("regex not in llama-vocab.cpp: " + lit)
EOF

cat > "$WORK/crosscheck.cpp" <<'EOF'
#include "unicode.h"
#include "wq/Model/BpeTokenizer.h"
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <cstdio>
#include <cstdlib>
#include <random>
#include "lists.inc"
using namespace wq_model;
static std::string hex(const std::string &s) {
  static const char *d = "0123456789abcdef";
  std::string o;
  for (unsigned char c : s) { o += d[c >> 4]; o += d[c & 15]; }
  return o;
}
int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 20000;
  const std::vector<std::string> palette = {
    "a", "b", "Z", "q", "x", " ", "  ", "\t", "\n", "\r", "\r\n", "'", "'s", "'S", "'ll",
    "'LL", "'t", "'re", "'ve", "'m", "'d", "'D", "0", "1", "9", "123", "4567", ".", ",",
    "!", "?", "-", "(", ")", "$", "+", "<", ">", "=", "^", "~", "|", "`", "_", "@", "#",
    "\\", "\"", "<|im_start|>", "<|endoftext|>",
    "\xc2\xa0", "\xe3\x80\x80", "\xe2\x80\xa8", "\xc2\x85", "\xe2\x80\x89", "\xe2\x80\x8b",
    "\xe2\x80\x8d", "\xe1\xa0\x8e", "\xc3\xa9", "\xc3\x9f", "\xcc\x81", "\xcc\x88",
    "\xe4\xbd\xa0", "\xe5\xa5\xbd", "\xe3\x81\x93", "\xec\x95\x88", "\xd9\x85", "\xd7\xa9",
    "\xe0\xa4\xa8", "\xe0\xa5\x8d", "\xce\xb1", "\xd0\x9f", "\xd9\xa1", "\xc2\xbd",
    "\xe2\x91\xa0", "\xef\xbc\x91", "\xe2\x80\x99", "\xe2\x80\x9c", "\xf0\x9f\x98\x80",
    "\xf0\x9f\x8f\xbd", "\xe2\x82\xac", "\xe2\x88\x9e", "\xee\x80\x80", "\xcd\xb8",
    "\xf0\x9f\xaf\xbf", "\x80", "\xbf", "\xc3", "\xe2\x82", "\xf0\x9f", "\xff",
    "\xc0\x80", "\xed\xa0\x80", std::string(1, '\0'), "\x1c", "\x0b", "\x0c", "\x7f"};
  std::mt19937_64 rng(42);
  long bad = 0;
  for (auto &[pre, regexes] : kLists) {
    BpeVocabulary v;
    for (int b = 0; b < 256; ++b) v.tokens.push_back(bpeByteToUnicode(b));
    v.pre = pre;
    auto tok = BpeTokenizer::create(v);
    if (!tok) { printf("%s: %s\n", pre.c_str(), llvm::toString(tok.takeError()).c_str()); return 1; }
    long here = 0;
    for (long i = 0; i < n; ++i) {
      std::string s;
      for (int k = 0, len = int(rng() % 16); k < len; ++k) s += palette[rng() % palette.size()];
      std::vector<std::string> ref = unicode_regex_split(s, regexes), ours;
      for (auto &w : tok->preTokenize(s)) ours.push_back(bpeEncodeBytes(w));
      if (ref != ours && ++here <= 5) {
        printf("%s differs on %s\n  llama.cpp:", pre.c_str(), hex(s).c_str());
        for (auto &w : ref) printf(" %s", hex(w).c_str());
        printf("\n  wq:       ");
        for (auto &w : ours) printf(" %s", hex(w).c_str());
        printf("\n");
      }
    }
    printf("%-10s %ld of %ld random strings split differently\n", pre.c_str(), here, n);
    bad += here;
  }
  // Letter / number / whitespace classes: llama.cpp's tables vs PCRE2's.
  const char *patterns[3] = {"\\p{L}", "\\p{N}", "[\\t-\\r\\x{85}\\p{Z}]"};
  const char *names[3] = {"letters", "numbers", "whitespace"};
  pcre2_code *code[3];
  int err; PCRE2_SIZE off;
  for (int i = 0; i < 3; ++i)
    code[i] = pcre2_compile((PCRE2_SPTR)patterns[i], PCRE2_ZERO_TERMINATED,
                            PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED, &err, &off, nullptr);
  pcre2_match_data *md = pcre2_match_data_create(4, nullptr);
  long diff[3] = {0, 0, 0}, bmp[3] = {0, 0, 0};
  for (uint32_t cp = 0; cp < 0x110000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string s = unicode_cpt_to_utf8(cp);
    auto f = unicode_cpt_flags_from_cpt(cp);
    bool theirs[3] = {bool(f.is_letter), bool(f.is_number), bool(f.is_whitespace)};
    for (int i = 0; i < 3; ++i) {
      bool ours = pcre2_match(code[i], (PCRE2_SPTR)s.data(), s.size(), 0, 0, md, nullptr) >= 0;
      if (ours != theirs[i]) { ++diff[i]; if (cp < 0x10000) ++bmp[i]; }
    }
  }
  unsigned char version[32] = {};
  pcre2_config(PCRE2_CONFIG_UNICODE_VERSION, version);
  for (int i = 0; i < 3; ++i)
    printf("%s: %ld code points classed differently (%ld in the BMP; PCRE2 Unicode %s)\n",
           names[i], diff[i], bmp[i], (const char *)version);
  return bad != 0;
}
EOF
LLVM=/usr/lib/llvm-22
g++ -O2 -std=c++17 -I"$SRC" -I"$SRC/../include" -I"$ROOT/include" -I"$LLVM/include" -I"$WORK" \
  "$WORK/crosscheck.cpp" "$SRC/unicode.cpp" "$SRC/unicode-data.cpp" "$ROOT/lib/Model/BpeTokenizer.cpp" \
  -o "$WORK/crosscheck" -L"$BUILD/lib" -lWQFormats -L"$LLVM/lib" -lLLVM -lpcre2-8 \
  -Wl,-rpath,"$BUILD/lib:$LLVM/lib"
"$WORK/crosscheck" "${1:-20000}"
