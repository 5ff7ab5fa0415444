#!/usr/bin/python3
"""Float64 reference forward pass of a llama-architecture GGUF model (numpy).

An independent check of wq's GGUF path (and of llama.cpp's figures) for
SmolLM2-135M-Instruct.Q4_1.gguf and models of the same shape. Nothing of wq
is used: the weights are read with the `gguf` package's GGUFReader and
dequantized with gguf.quants.dequantize (which returns float32: Q4_1's
d * q + m and Q8_0's d * q are rounded once to float32 there), then every
computation is done in float64 on the whole window at once ([T, dim]
matrices).

Forward pass (llama.cpp's LLM_ARCH_LLAMA graph, no quantization of
activations, float64 KV):
  x = token_embd[token]                                   (row of [V, dim])
  per layer:
    h = x / sqrt(mean(x^2) + eps) * attn_norm
    q = Wq h, k = Wk h, v = Wv h                           (W stored [out, in])
    RoPE on adjacent pairs (2i, 2i+1) of each head (llama.cpp's "normal" RoPE;
      the converter already permuted the Q/K rows):
      theta_i = pos * base^(-2i / head_dim), i = 0 .. head_dim/2 - 1
      (a, b) -> (a cos - b sin, a sin + b cos)
    causal grouped-query attention: query head h uses KV head
      h // (n_head / n_kv_head); softmax(q.k / sqrt(head_dim))
    x += Wo attn
    h = x / sqrt(mean(x^2) + eps) * ffn_norm
    x += W_down (silu(W_gate h) * (W_up h))
  x = x / sqrt(mean(x^2) + eps) * output_norm
  logits = output x, output = token_embd when the model has no output.weight
eps = llama.attention.layer_norm_rms_epsilon, base = llama.rope.freq_base.

The script never tokenizes: token ids come from a file (a JSON / Python list
"[1, 2, 3]", as `llama-tokenize --ids` and `wq-run DIR --tokenize TEXT`
print, possibly among other lines: the last such list is taken; or plain
whitespace/comma-separated ids), or from the stdout of a shell command when
the argument is not an existing file ("{text}" in the command is replaced by
the quoted path of the --perplexity text).

Modes:

  --perplexity TEXT --ctx 512 --tokens-from FILE_OR_CMD [--chunks N] [--verbose]
      llama.cpp's llama-perplexity protocol: the ids of the whole TEXT
      (tokenized without parsing special tokens, e.g.
      `llama-tokenize -m GGUF -f TEXT --ids --no-parse-special --log-disable`;
      a BOS first only where the model's add_bos_token says so, false for
      SmolLM2); n_chunk = n_tokens // ctx chunks of ctx consecutive tokens;
      each chunk is evaluated from an empty cache (its first token replaced
      by BOS when the model adds one, as llama-perplexity does) and its second
      half scored: the logits at positions ctx/2 .. ctx-2 predict tokens
      ctx/2+1 .. ctx-1, i.e. ctx-1-ctx/2 tokens per chunk. Prints
      `chunks: N of CTX tokens`, `scored tokens: S`, `mean NLL: M`,
      `perplexity: P` (exp of the mean negative log-likelihood over all
      scored tokens, as llama-perplexity's final estimate); per-chunk values
      (and the running estimate llama-perplexity prints) with --verbose.
      --json FILE also writes these figures as JSON.

  --logits IDS_FILE --out X.npy [--dtype float64|float32]
      The logits of every position of one window (the ids from position 0,
      empty cache), an array [T, vocab], for comparisons with wq at 1e-3.

  --compare WQ_OUTPUT [--reference-ppl P | --perplexity ...] [--rtol 0.002]
      Parses the "perplexity: X" line of wq-run's --perplexity output (a file,
      or - for stdin) and prints PASS or FAIL: |X - P| <= rtol * P, with P
      the reference perplexity given by --reference-ppl, read from
      --reference-json (a file written by --json), or computed by the
      --perplexity mode in the same run. Exit status 1 on FAIL.

Finding the gguf package: --gguf-python PATH, else $WQ_GGUF_PYTHON, else
whatever PYTHONPATH provides, else the repository's build/python (written by
scripts/setup.sh) or ${WQ_CACHE:-~/.cache/wq}/python. Install it with
  /usr/bin/python3 -m pip install --no-deps --target ~/.cache/wq/python gguf
(the package imports numpy and yaml, both Debian packages).

Threads: numpy's BLAS gets --threads (default 2) unless OMP_NUM_THREADS /
OPENBLAS_NUM_THREADS are set already.

Example (the figures in bench/results/smollm2.md):
  llama-tokenize -m GGUF -f ../shared/models/tinystories_valid_head45.txt \\
      --ids --no-parse-special --log-disable > /tmp/ids.txt
  /usr/bin/python3 bench/models/reference_forward.py \\
      --model ../shared/models/SmolLM2-135M-Instruct.Q4_1.gguf \\
      --perplexity ../shared/models/tinystories_valid_head45.txt --ctx 512 \\
      --tokens-from /tmp/ids.txt
"""

import argparse
import json
import math
import os
import re
import shlex
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_MODEL = os.path.join(ROOT, "..", "shared", "models",
                             "SmolLM2-135M-Instruct.Q4_1.gguf")


def parse_args():
    p = argparse.ArgumentParser(
        description="Float64 numpy reference forward pass of a llama GGUF model",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--model", default=DEFAULT_MODEL, help="GGUF file")
    p.add_argument("--perplexity", metavar="TEXT",
                   help="llama-perplexity protocol on the ids of this text")
    p.add_argument("--ctx", type=int, default=512, help="tokens per chunk")
    p.add_argument("--chunks", type=int, default=-1,
                   help="score at most this many chunks (default: all)")
    p.add_argument("--tokens-from", metavar="FILE_OR_CMD",
                   help="ids file, or a shell command printing the ids")
    p.add_argument("--logits", metavar="IDS_FILE",
                   help="logits of every position of one window")
    p.add_argument("--out", help="--logits: output .npy file")
    p.add_argument("--dtype", default="float64", choices=["float64", "float32"],
                   help="--logits: dtype of the saved array")
    p.add_argument("--compare", metavar="WQ_OUTPUT",
                   help="wq-run --perplexity output to check (- for stdin)")
    p.add_argument("--reference-ppl", type=float,
                   help="--compare: the reference perplexity")
    p.add_argument("--reference-json", help="--compare: a --json file")
    p.add_argument("--rtol", type=float, default=0.002,
                   help="--compare: relative tolerance (default 0.2%%)")
    p.add_argument("--json", help="write the perplexity figures here")
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--gguf-python", metavar="PATH",
                   help="folder holding the gguf package")
    args = p.parse_args()
    if not (args.perplexity or args.logits or args.compare):
        p.error("give --perplexity, --logits or --compare")
    if args.perplexity and not args.tokens_from:
        p.error("--perplexity needs --tokens-from (this script does not tokenize)")
    if args.logits and not args.out:
        p.error("--logits needs --out")
    if args.compare and args.reference_ppl is None and not args.reference_json \
            and not args.perplexity:
        p.error("--compare needs --reference-ppl, --reference-json or --perplexity")
    return args


def setup_environment(args):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(args.threads))
    candidates = []
    if args.gguf_python:
        candidates.append(args.gguf_python)
    if os.environ.get("WQ_GGUF_PYTHON"):
        candidates.append(os.environ["WQ_GGUF_PYTHON"])
    # Explicit choices first; the fallbacks only after PYTHONPATH.
    for c in reversed(candidates):
        sys.path.insert(0, c)
    cache = os.environ.get("WQ_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "wq"))
    sys.path.append(os.path.join(ROOT, "build", "python"))
    sys.path.append(os.path.join(cache, "python"))


def parse_ids(text, what):
    lists = re.findall(r"\[[\s\d,\-]*\]", text)
    if lists:
        return [int(t) for t in json.loads(lists[-1])]
    words = re.split(r"[\s,]+", text.strip())
    try:
        return [int(w) for w in words if w]
    except ValueError:
        raise SystemExit(f"reference_forward: {what}: no token ids found "
                         "(expected a list [1, 2, 3] or whitespace-separated ids)")


def read_ids(source, text_path=None):
    if os.path.exists(source):
        with open(source, encoding="utf-8") as f:
            return parse_ids(f.read(), source)
    command = source
    if text_path is not None:
        command = command.replace("{text}", shlex.quote(text_path))
    out = subprocess.run(command, shell=True, check=True, stdout=subprocess.PIPE)
    return parse_ids(out.stdout.decode("utf-8", "replace"), command)


class Model:
    """The GGUF's weights (dequantized, kept as float32, used in float64)."""

    def __init__(self, path):
        import numpy as np
        try:
            import gguf
            from gguf.quants import dequantize
        except ImportError as e:
            raise SystemExit(
                f"reference_forward: cannot import gguf ({e}); install it with "
                "/usr/bin/python3 -m pip install --no-deps --target ~/.cache/wq/python "
                "gguf, or pass --gguf-python PATH")
        self.np = np
        reader = gguf.GGUFReader(path)
        fields = reader.fields

        def field(name, default=None):
            f = fields.get(name)
            if f is None:
                return default
            return f.contents()

        arch = field("general.architecture")
        if arch != "llama":
            raise SystemExit(f"reference_forward: architecture {arch!r}, not llama")
        self.n_layer = int(field("llama.block_count"))
        self.dim = int(field("llama.embedding_length"))
        self.n_head = int(field("llama.attention.head_count"))
        self.n_kv_head = int(field("llama.attention.head_count_kv", self.n_head))
        self.head_dim = self.dim // self.n_head
        self.rope_dim = int(field("llama.rope.dimension_count", self.head_dim))
        if self.rope_dim != self.head_dim:
            raise SystemExit("reference_forward: partial RoPE is not supported")
        self.rope_base = float(field("llama.rope.freq_base", 10000.0))
        # float64 of the float32 stored in the file, as llama.cpp uses it.
        self.eps = float(field("llama.attention.layer_norm_rms_epsilon"))
        self.add_bos = bool(field("tokenizer.ggml.add_bos_token", True))
        self.bos = int(field("tokenizer.ggml.bos_token_id", 1))

        self.tensors = {}
        self.types = {}
        for t in reader.tensors:
            w = dequantize(t.data, t.tensor_type)
            # GGUF shapes list ne0 (the fastest, "in") first: the array is
            # [ne1, ne0] = [out, in].
            shape = tuple(int(s) for s in reversed(t.shape.tolist()))
            self.tensors[t.name] = np.ascontiguousarray(w.reshape(shape), dtype=np.float32)
            self.types[t.name] = t.tensor_type.name
        self.vocab = self.tensors["token_embd.weight"].shape[0]
        self.output_name = ("output.weight" if "output.weight" in self.tensors
                            else "token_embd.weight")
        i = np.arange(self.head_dim // 2, dtype=np.float64)
        self.inv_freq = self.rope_base ** (-2.0 * i / self.head_dim)

    def w(self, name):
        return self.tensors[name].astype(self.np.float64)

    def rmsnorm(self, x, name):
        np = self.np
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * self.w(name)

    def rope(self, x, positions):
        """x: [T, heads, head_dim]; rotates adjacent pairs (2i, 2i+1)."""
        np = self.np
        angle = positions[:, None].astype(np.float64) * self.inv_freq[None, :]
        cos = np.cos(angle)[:, None, :]
        sin = np.sin(angle)[:, None, :]
        a = x[..., 0::2]
        b = x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = a * cos - b * sin
        out[..., 1::2] = a * sin + b * cos
        return out

    def forward(self, tokens, logit_rows=None):
        """Logits [len(logit_rows), vocab] (all positions by default) of one
        window evaluated from position 0 with an empty cache."""
        np = self.np
        tokens = np.asarray(tokens, dtype=np.int64)
        T = len(tokens)
        if tokens.min() < 0 or tokens.max() >= self.vocab:
            raise SystemExit("reference_forward: token id out of range")
        x = self.tensors["token_embd.weight"][tokens].astype(np.float64)
        pos = np.arange(T)
        H, KV, D = self.n_head, self.n_kv_head, self.head_dim
        group = H // KV
        scale = 1.0 / math.sqrt(D)
        causal = np.triu(np.ones((T, T), dtype=bool), k=1)
        for l in range(self.n_layer):
            p = f"blk.{l}."
            h = self.rmsnorm(x, p + "attn_norm.weight")
            q = (h @ self.w(p + "attn_q.weight").T).reshape(T, H, D)
            k = (h @ self.w(p + "attn_k.weight").T).reshape(T, KV, D)
            v = (h @ self.w(p + "attn_v.weight").T).reshape(T, KV, D)
            q = self.rope(q, pos)
            k = self.rope(k, pos)
            attn = np.empty((T, H, D))
            for head in range(H):
                kv = head // group
                s = (q[:, head, :] @ k[:, kv, :].T) * scale
                s[causal] = -np.inf
                s -= s.max(axis=1, keepdims=True)
                e = np.exp(s)
                e /= e.sum(axis=1, keepdims=True)
                attn[:, head, :] = e @ v[:, kv, :]
            x = x + attn.reshape(T, H * D) @ self.w(p + "attn_output.weight").T
            h = self.rmsnorm(x, p + "ffn_norm.weight")
            g = h @ self.w(p + "ffn_gate.weight").T
            u = h @ self.w(p + "ffn_up.weight").T
            x = x + ((g / (1.0 + np.exp(-g))) * u) @ self.w(p + "ffn_down.weight").T
        if logit_rows is not None:
            x = x[logit_rows]
        x = self.rmsnorm(x, "output_norm.weight")
        return x @ self.w(self.output_name).T


def log_softmax_nll(np, logits, targets):
    m = logits.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
    return lse - logits[np.arange(len(targets)), targets]


def run_perplexity(args, model):
    np = model.np
    tokens = read_ids(args.tokens_from, args.perplexity)
    ctx = args.ctx
    first = ctx // 2
    n_chunk = len(tokens) // ctx
    if args.chunks >= 0:
        n_chunk = min(n_chunk, args.chunks)
    if n_chunk == 0:
        raise SystemExit(f"reference_forward: {len(tokens)} tokens, fewer than "
                         f"one chunk of --ctx {ctx}")
    print(f"tokens: {len(tokens)} (text {args.perplexity})", flush=True)
    total, count, per_chunk = 0.0, 0, []
    start = time.time()
    for c in range(n_chunk):
        chunk = list(tokens[c * ctx:(c + 1) * ctx])
        if model.add_bos:
            chunk[0] = model.bos
        rows = np.arange(first, ctx - 1)
        logits = model.forward(chunk, logit_rows=rows)
        nll = log_softmax_nll(np, logits, np.asarray(chunk[first + 1:ctx]))
        total += float(nll.sum())
        count += len(nll)
        per_chunk.append({"chunk": c + 1, "mean_nll": float(nll.mean()),
                          "perplexity": math.exp(float(nll.mean())),
                          "running_perplexity": math.exp(total / count)})
        if args.verbose:
            print(f"chunk {c + 1}/{n_chunk}: mean NLL {nll.mean():.8f} "
                  f"perplexity {math.exp(nll.mean()):.6f} "
                  f"(running {math.exp(total / count):.6f}, "
                  f"{time.time() - start:.1f} s)", flush=True)
    mean = total / count
    result = {"model": os.path.abspath(args.model), "text": args.perplexity,
              "tokens": len(tokens), "ctx": ctx, "chunks": n_chunk,
              "scored_tokens": count, "mean_nll": mean,
              "perplexity": math.exp(mean), "per_chunk": per_chunk,
              "seconds": time.time() - start}
    print(f"chunks: {n_chunk} of {ctx} tokens")
    print(f"scored tokens: {count}")
    print(f"mean NLL: {mean:.8f}")
    print(f"perplexity: {math.exp(mean):.6f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return result


def run_logits(args, model):
    np = model.np
    tokens = read_ids(args.logits)
    logits = model.forward(tokens)
    np.save(args.out, logits.astype(args.dtype))
    print(f"logits: {logits.shape[0]} positions x {logits.shape[1]} -> {args.out}")


def run_compare(args, reference):
    if args.compare == "-":
        text = sys.stdin.read()
    else:
        with open(args.compare, encoding="utf-8", errors="replace") as f:
            text = f.read()
    found = re.findall(r"^perplexity:\s*([0-9.eE+\-]+|nan|inf)", text, re.M)
    if not found:
        print(f"FAIL: no 'perplexity: X' line in {args.compare}")
        return 1
    got = float(found[-1])
    rel = abs(got - reference) / reference
    verdict = "PASS" if rel <= args.rtol else "FAIL"
    print(f"{verdict}: wq perplexity {got:.6f} vs reference {reference:.6f}: "
          f"relative difference {rel * 100:.4f}% (tolerance {args.rtol * 100:.4f}%)")
    return 0 if verdict == "PASS" else 1


def main():
    args = parse_args()
    setup_environment(args)
    reference = args.reference_ppl
    if reference is None and args.reference_json:
        with open(args.reference_json) as f:
            reference = float(json.load(f)["perplexity"])
    model = None
    if args.perplexity or args.logits:
        model = Model(args.model)
    if args.logits:
        run_logits(args, model)
    if args.perplexity:
        result = run_perplexity(args, model)
        if reference is None:
            reference = result["perplexity"]
    if args.compare:
        return run_compare(args, reference)
    return 0


if __name__ == "__main__":
    sys.exit(main())
