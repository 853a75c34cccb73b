"""biLM forward speed on the original "small" ELMo sizes, random weights, CPU.

Prints, from one run:
  * the machine's float32 GEMM rate (best of a few square and model-shaped products);
  * tokens/s of the exact forward pass on random-word text (every token distinct) and on running
    text (Zipf-distributed words, so tokens repeat), with the token cache on and off;
  * the same for a naive baseline that runs the character CNN on every padded slot over all 50
    character positions (what a direct port of the original does), with identical outputs;
  * the share of time in the token encoder and in the LSTMs, and the fraction of the GEMM rate
    reached on the work actually executed;
  * how time grows with batch size, with sentence length and with model size (LSTM cells and
    projection, up to the original sizes: 4096 cells, projection 512, 2 highway layers).

Usage: python benchmarks/bilm_speed.py [--threads 2] [--batches 8] [--quick]
"""
from __future__ import annotations

import argparse
import random
import string
import time

import numpy as np
import torch
from torch.nn import functional as F

from elmo.config import BiLMConfig
from elmo.data.chars import batch_to_ids
from elmo.modules.bilm import BiLM
from elmo.modules.token_cache import TokenVectorCache

SMALL_OPTIONS = {
    "char_cnn": {"activation": "relu", "embedding": {"dim": 16}, "n_highway": 1,
                 "filters": [[1, 32], [2, 32], [3, 64], [4, 128], [5, 256], [6, 512], [7, 1024]],
                 "max_characters_per_token": 50, "n_characters": 262},
    "lstm": {"dim": 1024, "projection_dim": 128, "n_layers": 2, "cell_clip": 3, "proj_clip": 3,
             "use_skip_connections": True},
}


def gemm_rate() -> float:
    """Best float32 matrix-product rate over a few shapes, in FLOP/s."""
    best = 0.0
    for m, k, n in [(2048, 2048, 2048), (1024, 2048, 4096), (800, 128, 4096)]:
        a, b = torch.randn(m, k), torch.randn(k, n)
        for _ in range(3):
            a @ b
        repeats = 10
        start = time.perf_counter()
        for _ in range(repeats):
            a @ b
        best = max(best, 2 * m * k * n * repeats / (time.perf_counter() - start))
    return best


def random_words(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 12))) for _ in range(n)]


def make_batches(kind: str, n_batches: int, batch_size: int, lengths: tuple[int, int],
                 seed: int = 0) -> list[list[list[str]]]:
    """Sentences of random words (all distinct) or of Zipf-distributed words (running text)."""
    rng = random.Random(seed)
    vocabulary = random_words(rng, 20_000)
    weights = [1.0 / (rank + 1) ** 1.1 for rank in range(len(vocabulary))]
    batches = []
    for _ in range(n_batches):
        batch = []
        for _ in range(batch_size):
            n = rng.randint(*lengths)
            batch.append(random_words(rng, n) if kind == "random" else
                         rng.choices(vocabulary, weights, k=n))
        batches.append(batch)
    return batches


def naive_encode_tokens(bilm: BiLM, char_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Character CNN over every slot (padding included) and all 50 positions: (B, T, C) -> (B, T, P)."""
    encoder = bilm.token_encoder
    cnn = encoder.cnn
    flat = char_ids.reshape(-1, char_ids.shape[-1])
    embedded = cnn.char_embedding(flat).transpose(1, 2)  # (B*T, D, C)
    pooled = torch.cat([F.conv1d(embedded, conv.weight, conv.bias).max(dim=2).values
                        for conv in cnn.convolutions], dim=1)
    vectors = encoder.projection(encoder.highway(cnn.activation(pooled)))
    return vectors.view(*mask.shape, -1) * mask.unsqueeze(-1)


class Timer:
    """Accumulates wall time spent inside the token encoder during forward passes."""

    def __init__(self, bilm: BiLM, encode) -> None:
        self.seconds = 0.0
        self.encode = encode
        self.bilm = bilm

    def __call__(self, char_ids, mask, word_ids=None, token_cache=None):
        start = time.perf_counter()
        result = self.encode(char_ids, mask, token_cache)
        self.seconds += time.perf_counter() - start
        return result


def run(bilm: BiLM, batches, mode: str) -> dict[str, float]:
    """Time the forward over all batches (after one warm-up batch); mode: fast, nocache, naive."""
    bilm.requires_grad_(False)  # the token cache serves frozen encoders only
    cache = TokenVectorCache(bilm.token_encoder, None) if mode == "fast" else None
    encode = (lambda ids, mask, _: naive_encode_tokens(bilm, ids, mask)) if mode == "naive" else \
        (lambda ids, mask, token_cache: BiLM.encode_tokens(bilm, ids, mask, None, token_cache))
    timer = Timer(bilm, encode)
    bilm.encode_tokens = timer
    inputs = [batch_to_ids(batch) for batch in batches]
    with torch.inference_mode():
        bilm(inputs[0], token_cache=cache)
        timer.seconds = 0.0
        outputs = []
        start = time.perf_counter()
        for ids in inputs[1:]:
            outputs.append(bilm(ids, token_cache=cache).layers)
        seconds = time.perf_counter() - start
    del bilm.encode_tokens
    tokens = sum(len(s) + 2 for batch in batches[1:] for s in batch)  # markers are run too
    return {"tokens_per_s": tokens / seconds, "seconds": seconds, "encoder_s": timer.seconds,
            "outputs": outputs}


def executed_flops(bilm: BiLM, batches, cached: bool) -> float:
    """Multiply-add FLOPs the fast path executes (unique tokens, windows it computes, LSTM steps)."""
    cfg = bilm.config
    widths = sum(count for _, count in cfg.char_cnn.filters) * cfg.char_cnn.embedding_dim * 7
    n_filters = cfg.char_cnn.n_filters
    p, h = cfg.lstm.projection_dim, cfg.lstm.dim
    lstm_per_token = 2 * cfg.lstm.n_layers * 2 * (p * 4 * h + p * 4 * h + h * p)
    encoder_per_token = 2 * (cfg.char_cnn.n_highway * n_filters * 2 * n_filters + n_filters * p)
    seen, total = set(), 0.0
    for batch in batches[1:]:
        tokens = [t for s in batch for t in ["<S>", *s, "</S>"]]
        distinct = set(tokens) - seen if cached else set(tokens)
        if cached:
            seen |= distinct
        for token in distinct:
            n = len(token.encode()) + 2 if token not in ("<S>", "</S>") else 3
            windows = min((n + 4) // 4 * 4, 50)
            total += 2 * windows * widths + encoder_per_token
        total += lstm_per_token * len(tokens)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batches", type=int, default=8, help="timed batches per measurement")
    parser.add_argument("--quick", action="store_true", help="skip the scaling tables")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    bilm = BiLM(BiLMConfig.from_options(SMALL_OPTIONS)).eval().requires_grad_(False)
    peak = gemm_rate()
    print(f"threads: {args.threads}   float32 GEMM rate: {peak / 1e9:.0f} GFLOP/s")
    print("model: small sizes (LSTM 1024 cells, projection 128, 2 layers, skip, 2048 char filters, "
          "1 highway), random weights; batch 32, 20-30 tokens per sentence\n")

    print(f"{'text':<9} {'path':<34} {'tokens/s':>9} {'vs naive':>8} {'encoder':>8} {'GEMM %':>7}")
    for kind in ("random", "running"):
        batches = make_batches(kind, args.batches + 1, 32, (20, 30))
        distinct = np.mean([len({t for s in b for t in s}) / sum(map(len, b)) for b in batches])
        results = {mode: run(bilm, batches, mode) for mode in ("naive", "nocache", "fast")}
        worst = max(float((a - b).abs().max()) for a, b in zip(results["naive"]["outputs"],
                                                               results["fast"]["outputs"]))
        labels = {"naive": "naive (CNN on every slot, 50 pos.)",
                  "nocache": "exact, per-batch dedup, no cache", "fast": "exact, token cache"}
        for mode, result in results.items():
            share = result["encoder_s"] / result["seconds"]
            fraction = ""
            if mode != "naive":
                flops = executed_flops(bilm, batches, cached=mode == "fast")
                fraction = f"{100 * flops / result['seconds'] / peak:6.1f}%"
            ratio = result["tokens_per_s"] / results["naive"]["tokens_per_s"]
            print(f"{kind:<9} {labels[mode]:<34} {result['tokens_per_s']:9.0f} {ratio:7.2f}x "
                  f"{100 * share:7.0f}% {fraction:>7}")
        print(f"{'':<9} distinct tokens per batch: {100 * distinct:.0f}%; max |fast - naive| = "
              f"{worst:.1e}\n")

    if args.quick:
        return
    print("scaling (running text, token cache warm): ms per batch and tokens/s")
    for batch_size in (1, 8, 32, 128):
        batches = make_batches("running", max(3, 256 // batch_size), batch_size, (20, 30), seed=1)
        result = run(bilm, batches, "fast")
        per_batch = 1000 * result["seconds"] / (len(batches) - 1)
        print(f"  batch {batch_size:>4}, 20-30 tokens: {per_batch:8.1f} ms/batch "
              f"{result['tokens_per_s']:8.0f} tokens/s")
    for length in (10, 25, 50, 100, 200):
        batches = make_batches("running", 5, 32, (length, length), seed=2)
        result = run(bilm, batches, "fast")
        per_batch = 1000 * result["seconds"] / (len(batches) - 1)
        print(f"  batch   32, {length:>3} tokens:   {per_batch:8.1f} ms/batch "
              f"{result['tokens_per_s']:8.0f} tokens/s")
    print("\nmodel size (running text, batch 32, 20-30 tokens, token cache warm):")
    batches = make_batches("running", 4, 32, (20, 30), seed=3)
    for cells, projection, highway in [(512, 128, 1), (1024, 128, 1), (2048, 256, 1),
                                       (4096, 512, 2)]:
        options = {"char_cnn": {**SMALL_OPTIONS["char_cnn"], "n_highway": highway},
                   "lstm": {**SMALL_OPTIONS["lstm"], "dim": cells, "projection_dim": projection}}
        sized = BiLM(BiLMConfig.from_options(options)).eval().requires_grad_(False)
        result = run(sized, batches, "fast")
        parameters = sum(p.numel() for p in sized.parameters()) / 1e6
        print(f"  LSTM {cells:>4} cells, projection {projection:>3}, {highway} highway "
              f"({parameters:5.1f}M parameters): {result['tokens_per_s']:8.0f} tokens/s")


if __name__ == "__main__":
    main()
