#!/usr/bin/env python3
"""Regenerates test/Models/Inputs/smollm2-tokenizer-cases.json: texts and the
token ids llama.cpp's own `llama-tokenize` gives for them with the
SmolLM2-135M-Instruct GGUF, with and without parsing special tokens.

The committed JSON is the test data of test/Models/smollm2-tokenizer.test (CI
has no llama.cpp build). Cases: adversarial strings (emoji, CJK, RTL scripts,
combining marks, digit runs, whitespace runs, contractions, code, special
tokens written in the text, invalid UTF-8, long words), seeded random strings
over a palette of such characters, every story of the two TinyStories files
and both whole files.

    bench/models/tokenizer_reference.py                 # builds llama.cpp if needed
    bench/models/tokenizer_reference.py --bin DIR --model GGUF --out JSON

llama.cpp comes from bench/models/build_llamacpp.sh (a cache outside the
repository). Texts that are not valid UTF-8 are stored as "hex".
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(os.path.dirname(ROOT), "shared", "models")


def adversarial():
    """(name, bytes) pairs."""
    u = lambda s: s.encode("utf-8")
    cases = [
        ("empty", b""),
        ("space", b" "),
        ("two-spaces", b"  "),
        ("newline", b"\n"),
        ("hello", u("Hello world")),
        ("leading-spaces", u("   leading spaces")),
        ("trailing-spaces", u("trailing spaces   ")),
        ("trailing-space-one", u("word ")),
        ("space-runs", u("a  b   c    d     e")),
        ("tabs", u("\ta\t\tb \t c\t")),
        ("newlines", u("line one\nline two\n\nline four\n\n\n")),
        ("crlf", u("windows\r\nline\r\n\r\nend\r\n")),
        ("cr-only", u("old\rmac\r\rx")),
        ("space-newline-mix", u("a \n b \n\n  c  \n")),
        ("ws-before-punct", u("a  !  ?  ...  ,")),
        ("nbsp", u("non\u00a0breaking\u00a0\u00a0space \u00a0x")),
        ("ideographic-space", u("full\u3000width\u3000\u3000space")),
        ("unicode-spaces", u("a\u2002b\u2003c\u2009d\u200ae\u202ff\u205fg\u1680h")),
        ("line-separators", u("a\u2028b\u2029c\u0085d")),
        ("zero-width", u("zero\u200bwidth\u200cjoin\u200dx\ufeffbom")),
        ("vertical-tab-ff", u("a\x0bb\x0cc\x1cd\x1fe")),
        ("nul-and-controls", b"a\x00b\x01c\x7fd\x1be"),
        ("digits", u("1234567890")),
        ("digits-mixed", u("3.14159 1,000,000 2024-01-01 0x1F 1e-10 v2.0.1")),
        ("digits-long", u("12345678901234567890123")),
        ("digits-unicode", u("\u0661\u0662\u0663 \u0967\u0968 \u2460\u2461 \u00bd \u2153 \uff11\uff12")),
        ("contractions", u("it's don't we're they've I'm we'll he'd")),
        ("contractions-upper", u("IT'S DON'T WE'RE THEY'VE I'M WE'LL HE'D 'S 'T 'LL")),
        ("contractions-edge", u("'s 't 're 've 'm 'll 'd '' 'x ' 's'")),
        ("unicode-apostrophes", u("it\u2019s don\u2019t \u2018quoted\u2019 \u201cdouble\u201d it\u02bcs")),
        ("punctuation", u("Hello, world! How are you? (fine) [ok] {x} <y> \"q\" #$%&*+-/=@\\^_`|~")),
        ("punct-runs", u("!!!??? ... --- *** ### ;;; ::: //")),
        ("emoji", u("I love \U0001F600\U0001F602 pizza \U0001F355!")),
        ("emoji-zwj", u("family \U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466 ok")),
        ("emoji-skin", u("wave \U0001F44B\U0001F3FB\U0001F44B\U0001F3FF thumbs \U0001F44D\U0001F3FD")),
        ("emoji-flags", u("flags \U0001F1FA\U0001F1F8\U0001F1EF\U0001F1F5 keycap 1\ufe0f\u20e3")),
        ("cjk", u("\u4f60\u597d\uff0c\u4e16\u754c\uff01\u6211\u662f\u4e00\u4e2a\u6a21\u578b\u3002")),
        ("japanese", u("\u3053\u3093\u306b\u3061\u306f\u4e16\u754c \u30ab\u30bf\u30ab\u30ca \uff8a\uff9d\uff76\uff78")),
        ("korean", u("\uc548\ub155\ud558\uc138\uc694 \uc138\uacc4")),
        ("arabic", u("\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645 123")),
        ("hebrew", u("\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd")),
        ("rtl-mixed", u("abc \u05e9\u05dc\u05d5\u05dd def \u0645\u0631\u062d\u0628\u0627 1.5")),
        ("combining", u("e\u0301 a\u0308 n\u0303 cafe\u0301 Z\u0351\u0360\u036b\u0343\u036a\u0302")),
        ("combining-alone", u("\u0301\u0301 x \u0308")),
        ("devanagari", u("\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e")),
        ("thai", u("\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e04\u0e23\u0e31\u0e1a")),
        ("greek-cyrillic", u("\u03b1\u03b2\u03b3 \u0394\u03b5\u03bb\u03c4\u03b1 \u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440")),
        ("accents", u("na\u00efve r\u00e9sum\u00e9 \u00fcber stra\u00dfe \u00c5ngstr\u00f6m")),
        ("math-symbols", u("\u2200x\u2208\u211d: x\u00b2 \u2265 0 \u221e \u2211 \u222b \u2248 \u00b1")),
        ("currency", u("$5 \u20ac10 \u00a320 \u00a5300 \u20b9 \u20bf")),
        ("private-use", u("a\ue000b\U000f0000c")),
        ("unassigned", u("a\u0378b\U0001fffec")),
        ("noncharacters", u("a\ufffeb\uffffc\ufffdd")),
        ("code-python", u("def f(x):\n    return x**2 + 1  # square\n\nprint(f(3))\n")),
        ("code-c", u("int main(void) {\n\tprintf(\"%d\\n\", a[i++]);\n\treturn 0;\n}\n")),
        ("code-json", u("{\"key\": [1, 2, 3], \"nested\": {\"a\": null, \"b\": true}}")),
        ("url", u("https://example.com/path?q=1&r=two#frag user@mail.org")),
        ("special-chat", u("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")),
        ("special-endoftext", u("The end.<|endoftext|>Once upon a time")),
        ("special-adjacent", u("<|im_start|><|im_start|><|im_end|><|endoftext|>")),
        ("special-partial", u("<|im_start <|im_end| <|endoftext <im_start|> <|im_start")),
        ("special-nested", u("<|im_<|im_end|>start|>")),
        ("special-others", u("<repo_name>x<file_sep>y<jupyter_code>z<reponame>")),
        ("special-spaces", u(" <|im_start|> user \n <|im_end|> ")),
        ("special-only", u("<|endoftext|>")),
        ("long-word", u("a" * 300)),
        ("long-word-mixed", u("Supercalifragilisticexpialidocious" * 8)),
        ("long-spaces", u(" " * 200 + "x")),
        ("long-newlines", u("\n" * 50 + "x" + "\n" * 50)),
        ("long-digits", u("9" * 100)),
        ("long-punct", u("=" * 120)),
        ("long-emoji", u("\U0001F600" * 40)),
        ("repeated-words", u("the the the the the the the the the the")),
        ("mixed-everything", u("Hi! I'm 25 y/o \U0001F600 \u4f60\u597d\n\tcaf\u00e9 \u0645\u0631\u062d\u0628\u0627 1,234.5 <|im_end|>")),
        # Not valid UTF-8 (llama.cpp turns each offending byte into U+FFFD).
        ("invalid-lone-continuation", b"abc\x80def"),
        ("invalid-lone-lead", b"abc\xc3 def"),
        ("invalid-truncated-3", b"x\xe2\x82 y"),
        ("invalid-truncated-4", b"x\xf0\x9f\x98 y"),
        ("invalid-truncated-end", b"end\xf0\x9f"),
        ("invalid-bytes-ff", b"\xff\xfe\xfd ok \xf8\x88"),
        ("invalid-overlong", b"a\xc0\x80b\xc1\xbfc\xe0\x80\xafd"),
        ("invalid-surrogate", b"a\xed\xa0\x80b\xed\xbf\xbfc"),
        ("invalid-latin1", "caf\u00e9 na\u00efve".encode("latin-1")),
        ("invalid-mixed", b"\x80\x81 \xc3\xa9\xc3 \xe4\xbd\xa0\xe5\xa5 <|im_end|>\xff"),
        ("invalid-space-runs", b"\x80  \x80\t\t\xff\n\n"),
        # Above U+10FFFF: llama.cpp decodes it, then aborts re-encoding it
        # (std::invalid_argument), so this case is reported as skipped.
        ("invalid-above-10ffff", b"a\xf4\x90\x80\x80b"),
    ]
    return cases


def random_cases(count, seed):
    """Seeded random strings over a palette of character classes."""
    rng = random.Random(seed)
    palette = [
        "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789",
        " ", " ", " ", "\t", "\n", "\r", "\r\n", "'", "'s", "'LL", "'t", "'re", "'d",
        ".,!?;:-()[]{}\"/\\@#$%^&*_+=<>|~`",
        "\u00a0", "\u3000", "\u2028", "\u0085", "\u2009", "\u200b", "\u200d",
        "\u00e9\u00fc\u00df\u00f1\u00e5", "\u0301\u0308\u0303",
        "\u4f60\u597d\u4e16\u754c", "\u3053\u3093\u30ab", "\uc548\ub155",
        "\u0645\u0631\u062d", "\u05e9\u05dc\u05d5", "\u0928\u092e\u094d",
        "\u03b1\u03b2\u0394", "\u041f\u0440\u0438",
        "\u0661\u0662\u00bd\u2460\uff11", "\u2019\u201c\u201d",
        "\U0001F600\U0001F44D\U0001F3FD\U0001F468\u200d\U0001F469",
        "\u20ac\u00a3\u00a5\u221e\u2211", "\ue000", "\u0378",
        "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|im_", "|>", "<",
    ]
    out = []
    for i in range(count):
        pieces = []
        for _ in range(rng.randint(1, 24)):
            group = rng.choice(palette)
            if len(group) > 1 and not group.startswith(("<", "'", "\r\n", "|")) and rng.random() < 0.7:
                pieces.append("".join(rng.choice(group) for _ in range(rng.randint(1, 6))))
            else:
                pieces.append(group)
        data = "".join(pieces).encode("utf-8")
        if i % 5 == 4:  # some invalid bytes too
            data = bytearray(data)
            for _ in range(rng.randint(1, 3)):
                data.insert(rng.randint(0, len(data)), rng.choice([0x80, 0xbf, 0xc3, 0xe2, 0xf0, 0xff]))
            data = bytes(data)
        out.append(("random-%03d" % i, data))
    return out


def stories(path):
    text = open(path, "rb").read().decode("utf-8")
    parts = [s.strip() for s in text.split("<|endoftext|>")]
    return [p.encode("utf-8") for p in parts if p], text.encode("utf-8")


class LlamaTokenize:
    def __init__(self, bin_dir, model):
        self.exe = os.path.join(bin_dir, "llama-tokenize")
        self.model = model
        self.tmp = tempfile.NamedTemporaryFile(prefix="wq-tok-", delete=False)
        self.tmp.close()

    def __call__(self, data, parse_special):
        with open(self.tmp.name, "wb") as f:
            f.write(data)
        cmd = [self.exe, "-m", self.model, "-f", self.tmp.name, "--ids", "--no-escape",
               "--log-disable"]
        if not parse_special:
            cmd.append("--no-parse-special")
        res = subprocess.run(cmd, capture_output=True)
        if res.returncode != 0:
            return None, res.stderr.decode("utf-8", "replace")[-500:]
        line = res.stdout.decode("ascii").strip().splitlines()[-1]
        return json.loads(line), None

    def vocab_info(self):
        """Special ids and EOG tokens from llama.cpp's load log."""
        with open(self.tmp.name, "wb") as f:
            f.write(b"x")
        res = subprocess.run([self.exe, "-m", self.model, "-f", self.tmp.name, "--ids"],
                             capture_output=True)
        log = res.stderr.decode("utf-8", "replace")
        info = {"eog": []}
        for name, key in (("BOS", "bos"), ("EOS", "eos"), ("EOT", "eot"), ("UNK", "unk"),
                          ("PAD", "pad")):
            m = re.search(r"print_info: %s token\s*=\s*(\d+)" % name, log)
            info[key] = int(m.group(1)) if m else -1
        info["eog"] = sorted(int(x) for x in re.findall(r"print_info: EOG token\s*=\s*(\d+)", log))
        m = re.search(r"tokenizer\.ggml\.add_bos_token\s+bool\s+=\s+(\w+)", log)
        info["add_bos"] = bool(m and m.group(1) == "true")
        m = re.search(r"tokenizer\.ggml\.add_eos_token\s+bool\s+=\s+(\w+)", log)
        info["add_eos"] = bool(m and m.group(1) == "true")
        return info

    def close(self):
        os.unlink(self.tmp.name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", help="llama.cpp bin folder (default: build_llamacpp.sh's)")
    ap.add_argument("--model", default=os.path.join(MODELS, "SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--out", default=os.path.join(ROOT, "test", "Models", "Inputs",
                                                  "smollm2-tokenizer-cases.json"))
    ap.add_argument("--random", type=int, default=300, help="number of random strings")
    args = ap.parse_args()

    bin_dir = args.bin
    if not bin_dir:
        bin_dir = subprocess.run([os.path.join(ROOT, "bench", "models", "build_llamacpp.sh")],
                                 check=True, capture_output=True, text=True).stdout.strip()
    tok = LlamaTokenize(bin_dir, args.model)
    version = os.path.basename(os.path.dirname(bin_dir.rstrip("/")))
    info = tok.vocab_info()

    eval_stories, eval_text = stories(os.path.join(MODELS, "tinystories_valid_head45.txt"))
    calib_stories, calib_text = stories(os.path.join(MODELS, "tinystories_calib.txt"))

    # (name, bytes, [parse_special modes])
    work = []
    for name, data in adversarial() + random_cases(args.random, 1234):
        work.append((name, data, [True, False]))
    for i, s in enumerate(eval_stories):
        work.append(("valid-story-%02d" % i, s, [False]))
    for i, s in enumerate(calib_stories):
        work.append(("calib-story-%02d" % i, s, [False]))
    work.append(("valid-whole-file", eval_text, [True, False]))
    work.append(("calib-whole-file", calib_text, [True]))

    cases, skipped = [], []
    for name, data, modes in work:
        for parse_special in modes:
            ids, err = tok(data, parse_special)
            if ids is None:
                skipped.append((name, parse_special, err))
                continue
            case = {"name": name}
            try:
                case["text"] = data.decode("utf-8")
            except UnicodeDecodeError:
                case["hex"] = data.hex()
            case["parse_special"] = parse_special
            # llama-tokenize adds special tokens exactly when the model adds BOS.
            case["add_special"] = info["add_bos"]
            case["ids"] = ids
            cases.append(case)
    tok.close()
    for name, ps, err in skipped:
        print("skipped %s (parse_special=%s): llama-tokenize failed: %s" % (name, ps, err),
              file=sys.stderr)

    doc = {
        "generator": "bench/models/tokenizer_reference.py",
        "reference": "llama-tokenize of the llama.cpp vendored in llama-cpp-python "
                     "(bench/models/build_llamacpp.sh, %s)" % version,
        "model": os.path.basename(args.model),
        "vocab": info,
        "cases": cases,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("{\n")
        head = [(k, v) for k, v in doc.items() if k != "cases"]
        for k, v in head:
            f.write("%s: %s,\n" % (json.dumps(k), json.dumps(v, ensure_ascii=False)))
        f.write('"cases": [\n')
        f.write(",\n".join(json.dumps(c, ensure_ascii=False, separators=(",", ":"))
                           for c in cases))
        f.write("\n]\n}\n")
    print("%s: %d cases (%d skipped), %d bytes" % (args.out, len(cases), len(skipped),
                                                 os.path.getsize(args.out)))


if __name__ == "__main__":
    main()
