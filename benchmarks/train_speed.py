"""Training speed and the three softmaxes compared at equal time, on real text.

Prints, from one run:
  * the float32 GEMM rate of this machine;
  * training tokens/s (forward, backward and optimizer step; corpus tokens, each read by both
    directions) of the stated config, with each softmax;
  * where the time goes: token encoder (char CNN + highway), LSTMs, softmax (forward + backward
    of each part, timed separately on the same batches), the floating-point work of one step
    (GFLOP: 3x the forward's multiply-adds, work actually executed) and the fraction of the GEMM
    rate that reaches;
  * each softmax trained for the same wall time on the same data, then scored by exact
    (full-distribution) held-out perplexity.

With ``--recipe NAME`` it measures a shipped recipe's model and training settings instead (its
token encoder, sizes, batch, softmax and optimizer; the vocabulary from the training text): tokens/s
over ``--steps`` steps of the trainer's own ``training_step``, the share of the step's time in
data (batches and tensors), token encoder, LSTMs, softmax (their forward + backward, split in the
proportions of timing each alone) and optimizer (gradient clipping and the update), and the
fraction of the GEMM rate reached by the FLOPs the PyTorch profiler counts in a step's matrix
products, forward and backward (it does not count the character convolutions, so the fraction is
a lower bound).

Usage:
  python benchmarks/train_speed.py --train TRAIN_GLOB --heldout HELDOUT_FILE \
      [--vocab-size 20000] [--minutes 5] [--threads 2]
  python benchmarks/train_speed.py --train TRAIN_GLOB --recipe en-small [--steps 40]
Example on the Brown corpus (after `elmo data fetch brown`):
  python benchmarks/train_speed.py --train ~/.cache/elmo/brown/train.txt \
      --heldout ~/.cache/elmo/brown/dev.txt --minutes 5
"""
from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

import torch

from elmo.data.chars import CodepointVocabulary
from elmo.data.shards import expand_shards
from elmo.data.vocab import build_vocabulary, count_tokens
from elmo.distributed import Context
from elmo.evaluate.perplexity import perplexity
from elmo.recipes.build import read_recipe
from elmo.train.config import parse_train_config
from elmo.train.trainer import (
    characters_for,
    language_model_for,
    make_batcher,
    make_optimizer,
    to_tensors,
    training_step,
)

MODEL = {
    "char_cnn": {"activation": "relu", "embedding": {"dim": 16}, "n_highway": 1,
                 "filters": [[1, 32], [2, 32], [3, 64], [4, 128], [5, 256]]},
    "lstm": {"dim": 1024, "projection_dim": 128, "n_layers": 2, "cell_clip": 3, "proj_clip": 3,
             "use_skip_connections": True},
}
SOFTMAXES = {"full": {"type": "full"}, "sampled": {"type": "sampled", "n_samples": 1024},
             "adaptive": {"type": "adaptive"}}


def gemm_rate() -> float:
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    for _ in range(3):
        a @ b
    start = time.perf_counter()
    for _ in range(10):
        a @ b
    return 2 * 2048 ** 3 * 10 / (time.perf_counter() - start)


def make_config(train: list[str], vocab: Path, softmax: dict, output: Path, batch: int, unroll: int):
    return parse_train_config({
        "model": MODEL, "data": {"train": train, "vocab": str(vocab), "batch_size": batch,
                                 "unroll_steps": unroll},
        "softmax": softmax, "optimizer": {"name": "adagrad", "lr": 0.2},
        "training": {"output_dir": str(output), "max_steps": 10 ** 9, "dropout": 0.1}})


def time_parts(model, batches) -> dict[str, float]:
    """Forward + backward seconds of encoder, LSTMs and softmax, each timed on its own."""
    bilm, seconds = model.bilm, {"encoder": 0.0, "lstm": 0.0, "softmax": 0.0}
    for char_ids, word_ids, targets, mask in batches:
        sides, rows, steps, width = char_ids.shape
        start = time.perf_counter()
        tokens = bilm.encode_tokens(char_ids.reshape(-1, steps, width), mask.reshape(-1, steps),
                                    word_ids.reshape(-1, steps))
        tokens.sum().backward()
        seconds["encoder"] += time.perf_counter() - start
        inputs = tokens.detach().view(sides, rows, steps, -1).requires_grad_()
        start = time.perf_counter()
        outputs, _ = bilm.contextualize(inputs, mask[0].sum(1), None, model.dropout)
        outputs[-1].sum().backward()
        seconds["lstm"] += time.perf_counter() - start
        hidden = outputs[-1].detach().requires_grad_()
        start = time.perf_counter()
        loss = sum(model.softmax.training_loss(hidden[d][mask[d]], targets[d][mask[d]]).sum()
                   for d in range(2))
        loss.backward()
        seconds["softmax"] += time.perf_counter() - start
    model.zero_grad(set_to_none=True)
    return seconds


def training_flops(model, batch, softmax: str, vocab_size: int) -> float:
    """Multiply-add FLOPs of one step (forward x 3 for forward + backward), executed work only."""
    char_ids, _, _, mask = batch
    cfg = model.bilm.config
    p, h, n_filters = cfg.lstm.projection_dim, cfg.lstm.dim, cfg.char_cnn.n_filters
    distinct = torch.unique(char_ids[mask], dim=0)
    lengths = (distinct != 261).sum(1)
    windows = torch.clamp((lengths + 4) // 4 * 4, max=50).double()
    conv = 2 * windows.sum().item() * n_filters * cfg.char_cnn.embedding_dim * cfg.char_cnn.max_width
    encoder = conv + len(distinct) * 2 * (cfg.char_cnn.n_highway * 2 * n_filters ** 2 + n_filters * p)
    positions = int(mask.sum())
    lstm = positions * cfg.lstm.n_layers * 2 * (2 * p * 4 * h + h * p)
    if softmax == "full":
        width = vocab_size
    elif softmax == "sampled":
        width = model.softmax.n_samples + 1
    else:  # adaptive: the head, plus (roughly) one projection into a cluster
        width = model.softmax.adaptive.head_size + p
    head = positions * 2 * p * width
    return 3 * (encoder + lstm + head)


class Stopwatch:
    """Wraps a callable and adds up the wall time spent in it."""

    def __init__(self, function) -> None:
        self.function, self.seconds = function, 0.0

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self.function(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start


def profiled_flops(step) -> float:
    """FLOPs the PyTorch profiler counts in one call of ``step`` (its matrix products)."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU],
                                with_flops=True) as profiler:
        step()
    return float(sum(event.flops or 0 for event in profiler.key_averages()))


def recipe_speed(args, peak: float, work: Path, shards: list[str]) -> None:
    """The --recipe measurement (see the module's description)."""
    recipe = read_recipe(args.recipe)
    vocab = build_vocabulary(count_tokens(shards, progress=False),
                             max_size=recipe.corpora.vocab_size)
    vocab.save(work / "vocab.txt")
    config = recipe.train_config(shards, str(work / "vocab.txt"), [], str(work / "run"))
    torch.manual_seed(0)
    characters = characters_for(config)
    model = language_model_for(config, vocab, characters)
    context = Context(0, 1, torch.device("cpu"))
    batcher = make_batcher(config, vocab, context, model.bilm.config.max_characters,
                           CodepointVocabulary(characters) if characters else None)
    optimizer, _ = make_optimizer(config, model, 10 ** 9)
    model.train()
    lstm, data = config.model["lstm"], config.data
    print(f"recipe {args.recipe}: token encoder {config.model.get('token_encoder', 'char')}, LSTM {lstm['dim']} "
          f"cells / projection {lstm['projection_dim']}, {config.softmax.type} softmax over "
          f"{len(vocab):,} words, {config.optimizer.name}; batch {data.batch_size} x "
          f"{data.unroll_steps} per direction; {args.threads} threads, GEMM rate "
          f"{peak / 1e9:.0f} GFLOP/s")
    next_batch = Stopwatch(lambda: to_tensors(next(batcher), context.device))
    update = Stopwatch(optimizer.step)
    clip = Stopwatch(torch.nn.utils.clip_grad_norm_)
    optimizer.step, torch.nn.utils.clip_grad_norm_ = update, clip
    state = None

    def step():
        nonlocal state
        output, _, _ = training_step(model, optimizer, next_batch(), state,
                                     config.optimizer.clip_norm)
        state = type(output.state)(output.state.h.detach(), output.state.c.detach())
        return output.n_tokens

    for _ in range(3):
        step()  # warm-up
    flops = profiled_flops(step)
    parts = time_parts(model, [to_tensors(b, context.device) for b in itertools.islice(batcher, 3)])
    for watch in (next_batch, update, clip):
        watch.seconds = 0.0
    started, tokens = time.perf_counter(), 0
    for _ in range(args.steps):
        tokens += step()
    seconds = time.perf_counter() - started
    torch.nn.utils.clip_grad_norm_ = clip.function
    compute = seconds - next_batch.seconds - update.seconds - clip.seconds
    shares = {"data": next_batch.seconds, "optimizer": update.seconds + clip.seconds,
              **{part: compute * value / sum(parts.values()) for part, value in parts.items()}}
    print(f"{args.steps} steps: {tokens / seconds:,.0f} tokens/s, {1000 * seconds / args.steps:.0f} "
          f"ms per step, {flops / 1e9:.1f} GFLOP per step (profiler), "
          f"{100 * flops * args.steps / seconds / peak:.1f}% of the GEMM rate")
    print("time per part: " + ", ".join(f"{name} {100 * value / seconds:.0f}%"
                                        for name, value in shares.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", required=True, nargs="+")
    parser.add_argument("--heldout", nargs="+", help="required without --recipe")
    parser.add_argument("--recipe", help="measure this recipe's settings (see the description)")
    parser.add_argument("--steps", type=int, default=40, help="timed steps with --recipe")
    parser.add_argument("--vocab-size", type=int, default=20000)
    parser.add_argument("--minutes", type=float, default=5.0, help="training time per softmax")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--unroll-steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    peak = gemm_rate()
    work = Path(tempfile.mkdtemp(prefix="train-speed-"))
    shards = [str(p) for p in expand_shards(args.train)]
    if args.recipe:
        return recipe_speed(args, peak, work, shards)
    if not args.heldout:
        parser.error("--heldout is required without --recipe")
    vocab = build_vocabulary(count_tokens(shards, progress=False), max_size=args.vocab_size)
    vocab.save(work / "vocab.txt")
    print(f"threads {args.threads}, float32 GEMM rate {peak / 1e9:.0f} GFLOP/s; vocabulary "
          f"{len(vocab):,}; batch {args.batch_size} x {args.unroll_steps} tokens per direction")
    print(f"model: char CNN {MODEL['char_cnn']['filters']}, 1 highway, LSTM "
          f"{MODEL['lstm']['dim']} cells / projection {MODEL['lstm']['projection_dim']}, 2 layers, "
          "skip connections, dropout 0.1, Adagrad lr 0.2\n")
    context = Context(0, 1, torch.device("cpu"))
    print(f"{'softmax':<9} {'tokens/s':>9} {'encoder':>8} {'lstm':>6} {'softmax':>8} {'GFLOP':>6} {'GEMM %':>7} "
          f"{'steps':>6} {'tokens':>9} {'heldout ppl (fw / bw / avg)':>30}")
    for name, softmax in SOFTMAXES.items():
        torch.manual_seed(0)
        config = make_config(shards, work / "vocab.txt", softmax, work / name, args.batch_size,
                             args.unroll_steps)
        model = language_model_for(config, vocab)
        model.softmax.generator.manual_seed(0) if hasattr(model.softmax, "generator") else None
        batcher = make_batcher(config, vocab, context, model.bilm.config.max_characters)
        optimizer, scheduler = make_optimizer(config, model, 10 ** 9)
        model.train()
        sample = [to_tensors(b, context.device) for b in itertools.islice(batcher, 3)]
        parts = time_parts(model, sample)
        flops = training_flops(model, sample[0], name, len(vocab))
        state, steps, tokens = None, 0, 0
        deadline = time.perf_counter() + 60 * args.minutes
        started = time.perf_counter()
        while time.perf_counter() < deadline:
            output, _, _ = training_step(model, optimizer, to_tensors(next(batcher), context.device),
                                         state, config.optimizer.clip_norm)
            scheduler.step()
            state = type(output.state)(output.state.h.detach(), output.state.c.detach())
            steps += 1
            tokens += output.n_tokens
        seconds = time.perf_counter() - started
        result = perplexity(model, vocab, expand_shards(args.heldout), 32, args.unroll_steps,
                            progress=False)
        total = sum(parts.values())
        shares = "".join(f" {100 * parts[k] / total:>{w}.0f}%" for k, w in
                         (("encoder", 7), ("lstm", 5), ("softmax", 7)))
        fraction = 100 * flops * steps / seconds / peak
        print(f"{name:<9} {tokens / seconds:9.0f}{shares} {flops / 1e9:6.1f} {fraction:6.1f}% {steps:6d} {tokens:9,d} "
              f"{result.forward:10.1f} / {result.backward:6.1f} / {result.average:6.1f}")


if __name__ == "__main__":
    main()
