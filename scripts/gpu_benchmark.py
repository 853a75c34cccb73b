"""biLM speed on one GPU: embedding, the LSTM step loop as a CUDA graph, and training.

Two model sizes with random weights: "small" (SMALL_OPTIONS of benchmarks/bilm_speed.py: 2048 char
filters, 1 highway layer, LSTM 1024 cells / projection 128, 2 layers) and "original" (the original
ELMo: 2048 char filters, 2 highway layers, LSTM 4096 cells / projection 512, 2 layers). All float32.

Prints, from one run:
  1. embedding: tokens/s of the exact forward pass (elmo.modules.bilm.BiLM) on random-word
     sentences, by batch size and sentence length; peak GPU memory; GFLOP per batch (executed
     work, counted analytically) and the fraction of the device's float32 GEMM rate it reaches;
  2. the LSTM step loop made cheap: the forward with each LSTM layer replayed from a CUDA graph
     (captured once per batch shape), and with the layers compiled by torch.compile
     (mode="reduce-overhead", CUDA graphs too; first shape only), against the eager forward:
     speed and the largest output difference to the eager GPU output and to the CPU float32
     output. The token encoder stays eager: it deduplicates tokens (torch.unique) and reads
     sizes back to the host, so the whole forward cannot be captured as one graph;
  3. training: tokens/s of forward + backward + Adam step of the library's language model
     (elmo.train.trainer pieces, full softmax over 20,000 words, windows of 20 steps), peak
     memory and the fraction of the GEMM rate.

Tokens: embedding counts each sentence's words plus its two sentence markers (all are run);
training counts the positions each direction predicts. Timings follow warm-up calls and are
bracketed by torch.cuda.synchronize. CUDA-only parts (graphs, compile, memory) are skipped on CPU.

Usage:
  python scripts/gpu_benchmark.py [--device cuda|cpu] [--sizes small,original] [--repeats N]
  python scripts/gpu_benchmark.py --device cpu --quick     # tiny smoke test, under a minute
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import random
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

import torch

from elmo.config import BiLMConfig
from elmo.data.chars import batch_to_ids
from elmo.data.vocab import SPECIAL_TOKENS, Vocabulary
from elmo.distributed import Context
from elmo.modules.bilm import BiLM, LSTMState
from elmo.train.config import parse_train_config
from elmo.train.trainer import (
    language_model_for,
    make_batcher,
    make_optimizer,
    to_tensors,
    training_step,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bilm_speed import SMALL_OPTIONS, make_batches, random_words  # noqa: E402

ORIGINAL_OPTIONS = {
    "char_cnn": {**SMALL_OPTIONS["char_cnn"], "n_highway": 2},
    "lstm": {**SMALL_OPTIONS["lstm"], "dim": 4096, "projection_dim": 512},
}
MODEL_OPTIONS = {"small": SMALL_OPTIONS, "original": ORIGINAL_OPTIONS}
VOCAB_SIZE = 20_000
SETUP_CALLS = 3  # forwards before timing a variant: capture, compile, record, replay


@dataclasses.dataclass(frozen=True)
class Plan:
    """Settings measured: (batch, sentence length) grids and training batches."""

    embed_batches: tuple[int, ...]
    lengths: tuple[int, ...]
    graph_shapes: tuple[tuple[int, int], ...]  # (batch, length) of the CUDA-graph comparisons
    train_batches: tuple[int, ...]
    unroll_steps: int
    repeats: int  # timed batches or steps per setting


FULL = Plan((32, 128, 512), (20, 50), ((32, 20), (128, 20)), (128, 512), 20, 5)
QUICK = Plan((2,), (5,), ((2, 5),), (2,), 5, 1)


@dataclasses.dataclass(frozen=True)
class Variant:
    """How the LSTM layers run: each layer's forward replaced by ``wrap(forward)`` (None: as is),
    and ``step_begin`` called before every biLM forward."""

    name: str
    wrap: Callable | None = None
    step_begin: Callable[[], None] = lambda: None


class CudaGraphed:
    """A ProjectedLSTM forward replayed from a CUDA graph, captured once per input shape.

    The layer forward (inputs (S, B, T, I), batch_sizes, (h (S, B, P), c (S, B, H))) makes no host
    synchronisation, so it can be captured. The returned tensors belong to the graph and are
    overwritten at its next replay (BiLM.contextualize copies them before that).
    """

    def __init__(self, forward: Callable) -> None:
        self.forward = forward
        self.graphs = {}

    def __call__(self, inputs, batch_sizes, state):
        key = (tuple(inputs.shape), tuple(batch_sizes))
        if key not in self.graphs:
            self.graphs[key] = self._capture(inputs, batch_sizes, state)
        graph, static_inputs, static_state, outputs = self.graphs[key]
        static_inputs.copy_(inputs)
        for buffer, value in zip(static_state, state):
            buffer.copy_(value)
        graph.replay()
        return outputs

    def _capture(self, inputs, batch_sizes, state):
        static_inputs, static_state = inputs.clone(), tuple(t.clone() for t in state)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):  # warm-up off the capturing stream, as capture requires
            self.forward(static_inputs, batch_sizes, static_state)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            outputs = self.forward(static_inputs, batch_sizes, static_state)
        return graph, static_inputs, static_state, outputs


def compiled(forward: Callable) -> Callable:
    return torch.compile(forward, mode="reduce-overhead", dynamic=False)


class Table:
    """Prints a title and column names, then one aligned line per row as rows come."""

    def __init__(self, title: str, columns: list[tuple[str, int, str]]) -> None:
        self.columns = columns  # (name, width, format spec); a None value prints as "-"
        print(f"\n{title}")
        print("  ".join(f"{name:>{width}}" for name, width, _ in columns))

    def row(self, *values) -> None:
        cells = ("-" if value is None else format(value, spec)
                 for value, (_, _, spec) in zip(values, self.columns))
        print("  ".join(f"{cell:>{width}}" for cell, (_, width, _) in zip(cells, self.columns)),
              flush=True)


class Samples:
    """Random-word batches per (batch, length), shared by the sections and the model sizes."""

    def __init__(self, device: torch.device, n_batches: int) -> None:
        self.device, self.n_batches, self.cache = device, n_batches, {}

    def get(self, batch_size: int, length: int) -> list[torch.Tensor]:
        """n_batches char-id tensors (B, length, 50) on the device; the first is for warm-up."""
        key = (batch_size, length)
        if key not in self.cache:
            batches = make_batches("random", self.n_batches, batch_size, (length, length))
            self.cache[key] = [batch_to_ids(batch).to(self.device) for batch in batches]
        return self.cache[key]


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def reset_peak_memory(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def peak_memory_mib(device: torch.device) -> float | None:
    return torch.cuda.max_memory_allocated(device) / 2 ** 20 if device.type == "cuda" else None


def timed(device: torch.device, step: Callable, items: list) -> float:
    """Seconds to run ``step`` on every item, the device's queued work included."""
    synchronize(device)
    start = time.perf_counter()
    for item in items:
        step(item)
    synchronize(device)
    return time.perf_counter() - start


def gemm_rate(device: torch.device) -> float:
    """float32 FLOP/s of a large square torch.matmul on the device."""
    n = 8192 if device.type == "cuda" else 1024
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    repeats = 10
    timed(device, lambda _: a @ b, range(3))
    return 2 * n ** 3 * repeats / timed(device, lambda _: a @ b, range(repeats))


def encoder_flops(bilm: BiLM, token_ids: torch.Tensor) -> float:
    """FLOPs (2 per multiply-add) of the token encoder on the distinct rows of token_ids (N, C):
    the character windows the CNN computes (by length, in steps of 4), highway and projection."""
    cnn = bilm.config.char_cnn
    n_filters = sum(count for _, count in cnn.filters)
    distinct = torch.unique(token_ids, dim=0)
    lengths = (distinct != bilm.token_encoder.cnn.pad_id).sum(dim=1)
    windows = torch.clamp((lengths + 4) // 4 * 4, max=cnn.max_characters_per_token).sum().item()
    convolutions = 2 * windows * n_filters * cnn.embedding_dim * cnn.max_width
    dense = 2 * len(distinct) * (cnn.n_highway * n_filters * 2 * n_filters
                                 + n_filters * bilm.config.lstm.projection_dim)
    return convolutions + dense


def lstm_flops(config: BiLMConfig, steps: int) -> float:
    """FLOPs of all LSTM layers over ``steps`` steps of one direction each: input and recurrent
    gate products (P x 4H each) and the projection (H x P)."""
    p, h = config.lstm.projection_dim, config.lstm.dim
    return 2 * steps * config.lstm.n_layers * (2 * p * 4 * h + h * p)


def embed_flops(bilm: BiLM, char_ids: torch.Tensor) -> float:
    """One forward on char_ids (B, T, C): the encoder on its distinct tokens and the two sentence
    markers, both directions' LSTMs over every real position."""
    mask = (char_ids > 0).any(dim=-1)  # (B, T)
    positions = int(mask.sum()) + 2 * char_ids.shape[0]
    tokens = torch.cat([char_ids[mask], bilm.marker_ids])
    return encoder_flops(bilm, tokens) + lstm_flops(bilm.config, 2 * positions)


def training_flops(bilm: BiLM, batch: tuple[torch.Tensor, ...]) -> float:
    """One training step, 3x the forward (backward ~ 2x forward); batch from to_tensors:
    char_ids (2, B, T, C), word_ids, targets, mask (2, B, T); full softmax over VOCAB_SIZE words."""
    char_ids, _, _, mask = batch
    positions = int(mask.sum())  # both directions' streams
    softmax = 2 * positions * bilm.config.lstm.projection_dim * VOCAB_SIZE
    return 3 * (encoder_flops(bilm, char_ids[mask]) + lstm_flops(bilm.config, positions) + softmax)


def build_bilm(size: str) -> BiLM:
    """Random-weight biLM on the CPU, the same weights for a size on every call."""
    torch.manual_seed(0)
    return BiLM(BiLMConfig.from_options(MODEL_OPTIONS[size])).eval().requires_grad_(False)


def embed_section(sizes: list[str], plan: Plan, samples: Samples, device: torch.device,
                  peak: float) -> None:
    table = Table("1. Embedding: exact forward, random-word sentences",
                  [("size", 8, "s"), ("batch", 5, "d"), ("length", 6, "d"), ("tokens/s", 10, ".0f"),
                   ("ms/batch", 9, ".2f"), ("peak MiB", 9, ".0f"), ("GFLOP/batch", 11, ".1f"),
                   ("% of GEMM", 9, ".1f")])
    for size in sizes:
        bilm = build_bilm(size).to(device)
        for batch_size in plan.embed_batches:
            for length in plan.lengths:
                inputs = samples.get(batch_size, length)
                reset_peak_memory(device)
                with torch.inference_mode():
                    bilm(inputs[0])
                    seconds = timed(device, bilm, inputs[1:])
                tokens = len(inputs[1:]) * batch_size * (length + 2)
                flops = sum(embed_flops(bilm, ids) for ids in inputs[1:])
                table.row(size, batch_size, length, tokens / seconds,
                          1000 * seconds / len(inputs[1:]), peak_memory_mib(device),
                          flops / len(inputs[1:]) / 1e9, 100 * flops / seconds / peak)
        del bilm
        if device.type == "cuda":
            torch.cuda.empty_cache()


@contextmanager
def replaced_layer_forwards(bilm: BiLM, wrap: Callable | None):
    """Within the block, every LSTM layer runs ``wrap(layer.forward)`` instead of its forward."""
    if wrap is None:
        yield
        return
    for layer in bilm.layers:
        layer.forward = wrap(layer.forward)
    try:
        yield
    finally:
        for layer in bilm.layers:
            del layer.forward


def run_variant(bilm: BiLM, variant: Variant, inputs: list[torch.Tensor], device: torch.device):
    """Setup seconds, timed seconds and the layers (L + 1, B, T + 2, 2P) for inputs[0]."""

    def forward(char_ids: torch.Tensor) -> torch.Tensor:
        variant.step_begin()
        return bilm(char_ids).layers

    with replaced_layer_forwards(bilm, variant.wrap), torch.inference_mode():
        start = time.perf_counter()
        for _ in range(SETUP_CALLS):
            layers = forward(inputs[0])
        synchronize(device)
        setup = time.perf_counter() - start
        seconds = timed(device, forward, inputs[1:])
    return setup, seconds, layers


def graph_variants(device: torch.device) -> list[Variant]:
    variants = [Variant("eager")]
    if device.type == "cuda":
        variants += [Variant("CUDA graph", CudaGraphed),
                     Variant("compile", compiled, torch.compiler.cudagraph_mark_step_begin)]
    else:
        print("\n(CUDA graph and torch.compile variants need a CUDA device: eager only)")
    return variants


def graph_section(sizes: list[str], plan: Plan, samples: Samples, device: torch.device) -> None:
    variants = graph_variants(device)
    table = Table("2. LSTM step loop: eager vs CUDA graph vs torch.compile(reduce-overhead), "
                  "fixed batch shape; max |difference| of all layers' outputs",
                  [("size", 8, "s"), ("batch", 5, "d"), ("length", 6, "d"), ("variant", 10, "s"),
                   ("setup s", 7, ".1f"), ("tokens/s", 10, ".0f"), ("ms/batch", 9, ".2f"),
                   ("speed-up", 8, ".2f"), ("vs eager", 8, ".1e"), ("vs CPU fp32", 11, ".1e")])
    for size in sizes:
        reference = build_bilm(size)  # stays on the CPU
        bilm = copy.deepcopy(reference).to(device)
        for index, (batch_size, length) in enumerate(plan.graph_shapes):
            inputs = samples.get(batch_size, length)
            with torch.inference_mode():
                cpu_layers = reference(inputs[0].cpu()).layers
            # compiling takes tens of seconds a shape: torch.compile runs at the first shape only
            for variant in [v for v in variants if index == 0 or v.wrap is not compiled]:
                try:
                    setup, seconds, layers = run_variant(bilm, variant, inputs, device)
                except Exception as error:  # capture or compilation failed: report, go on
                    if variant.wrap is None:
                        raise
                    print(f"{size} batch {batch_size} length {length}: {variant.name} failed: "
                          f"{type(error).__name__}: {str(error).strip().splitlines()[0][:160]}")
                    continue
                finally:
                    if variant.wrap is compiled:
                        torch.compiler.reset()  # free its code and graphs
                if variant.wrap is None:  # the first variant, eager, is the reference
                    eager = (seconds, layers)
                tokens = len(inputs[1:]) * batch_size * (length + 2)
                table.row(size, batch_size, length, variant.name, setup, tokens / seconds,
                          1000 * seconds / len(inputs[1:]), eager[0] / seconds,
                          (layers - eager[1]).abs().max().item(),
                          (layers.cpu() - cpu_layers).abs().max().item())
        del bilm
        if device.type == "cuda":
            torch.cuda.empty_cache()


def write_corpus(folder: Path, n_sentences: int) -> tuple[Path, Vocabulary]:
    """A corpus of Zipf-distributed words from a VOCAB_SIZE vocabulary, and that vocabulary."""
    rng = random.Random(0)
    words = list(dict.fromkeys(random_words(rng, 2 * VOCAB_SIZE)))[: VOCAB_SIZE - len(SPECIAL_TOKENS)]
    vocab = Vocabulary([*SPECIAL_TOKENS, *words])
    vocab.save(folder / "vocab.txt")
    weights = [1.0 / (rank + 1) ** 1.1 for rank in range(len(words))]
    lines = (" ".join(rng.choices(words, weights, k=rng.randint(10, 30))) for _ in range(n_sentences))
    corpus = folder / "train.txt"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return corpus, vocab


def train_setting(size: str, rows: int, plan: Plan, folder: Path, corpus: Path,
                  vocab: Vocabulary, device: torch.device):
    """Time plan.repeats training steps after two warm-up steps: (tokens, seconds, FLOPs, loss)."""
    config = parse_train_config({
        "model": MODEL_OPTIONS[size],
        "data": {"train": [str(corpus)], "vocab": str(folder / "vocab.txt"), "batch_size": rows,
                 "unroll_steps": plan.unroll_steps},
        "softmax": {"type": "full"}, "optimizer": {"name": "adam", "lr": 1e-3},
        "training": {"output_dir": str(folder / "run"), "max_steps": 1}})
    torch.manual_seed(0)
    model = language_model_for(config, vocab).to(device).train()
    optimizer, _ = make_optimizer(config, model, 1)
    batcher = make_batcher(config, vocab, Context(0, 1, device), model.bilm.config.max_characters)
    batches = [to_tensors(next(batcher), device) for _ in range(2 + plan.repeats)]
    state, losses = None, []

    def step(batch: tuple[torch.Tensor, ...]) -> None:
        """forward, backward, gradient clipping and Adam, as the trainer does; state carried."""
        nonlocal state
        output, loss, _ = training_step(model, optimizer, batch, state, config.optimizer.clip_norm)
        state = LSTMState(*(t.detach() for t in output.state))
        losses.append(loss)

    reset_peak_memory(device)
    timed(device, step, batches[:2])
    seconds = timed(device, step, batches[2:])
    tokens = sum(int(mask[0].sum()) for *_, mask in batches[2:])
    flops = sum(training_flops(model.bilm, batch) for batch in batches[2:])
    return tokens, seconds, flops, losses[-1].item()


def train_section(sizes: list[str], plan: Plan, device: torch.device, peak: float) -> None:
    table = Table(f"3. Training: forward + backward + Adam step, full softmax over {VOCAB_SIZE:,} "
                  f"words, windows of {plan.unroll_steps} steps (tokens: positions per direction)",
                  [("size", 8, "s"), ("batch", 5, "d"), ("unroll", 6, "d"), ("tokens/s", 10, ".0f"),
                   ("ms/step", 9, ".1f"), ("peak MiB", 9, ".0f"), ("GFLOP/step", 10, ".1f"),
                   ("% of GEMM", 9, ".1f"), ("last loss", 9, ".2f")])
    with tempfile.TemporaryDirectory(prefix="gpu-benchmark-") as work:
        folder = Path(work)
        corpus, vocab = write_corpus(folder, n_sentences=2000)
        for size in sizes:
            for rows in plan.train_batches:
                tokens, seconds, flops, loss = train_setting(size, rows, plan, folder, corpus,
                                                             vocab, device)
                table.row(size, rows, plan.unroll_steps, tokens / seconds,
                          1000 * seconds / plan.repeats, peak_memory_mib(device),
                          flops / plan.repeats / 1e9, 100 * flops / seconds / peak, loss)
                if device.type == "cuda":
                    torch.cuda.empty_cache()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=("cuda", "cpu"),
                        default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--quick", action="store_true", help="tiny settings, for a smoke test")
    parser.add_argument("--repeats", type=int, help="timed batches / steps per setting "
                        f"(default {FULL.repeats}, --quick {QUICK.repeats})")
    parser.add_argument("--sizes", default="small,original", help="comma-separated: small, original")
    args = parser.parse_args()
    args.sizes = args.sizes.split(",")
    if unknown := set(args.sizes) - set(MODEL_OPTIONS):
        parser.error(f"unknown size(s) {', '.join(sorted(unknown))}; choose from small, original")
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: no CUDA device is available")
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def main() -> None:
    args = parse_args()
    device = torch.device(args.device)
    plan = QUICK if args.quick else FULL
    if args.repeats is not None:
        plan = dataclasses.replace(plan, repeats=args.repeats)
    started = time.perf_counter()
    peak = gemm_rate(device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else \
        f"CPU ({torch.get_num_threads()} threads)"
    print(f"device: {name} | torch {torch.__version__} | float32, matmul precision "
          f"{torch.get_float32_matmul_precision()!r} | GEMM rate {peak / 1e12:.2f} TFLOP/s "
          "(square torch.matmul)")
    samples = Samples(device, 1 + plan.repeats)
    embed_section(args.sizes, plan, samples, device, peak)
    graph_section(args.sizes, plan, samples, device)
    train_section(args.sizes, plan, device, peak)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
