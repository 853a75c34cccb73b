"""`elmo embed` end to end (process start, model load, embedding, HDF5 written) against the exact
naive path, in alternating runs.

    python benchmarks/embed_end_to_end.py [--repeats 3] [--threads 2] [--lines 1500]

The model has the original "small" sizes (LSTM 1024 cells, projection 128, 2 layers, skip
connections, 2048 character filters, 1 highway layer) with random weights, saved in the original
format. Two workloads:

* running text: the first LINES sentences of the Brown training split (``elmo data fetch brown``);
* random words: 256 sentences of 20-30 random lowercase strings (every token distinct).

Each run is a whole process. ``elmo embed`` is the command a user runs (default batch size and
block size, every layer); the naive path is this script in worker mode: the same model, the
character CNN on every padded slot over all 50 positions, no token cache, batches in file order,
each line's vectors written to HDF5 as it is embedded (what a straightforward port does). Runs
alternate (A B A B ...); the best wall time of each is reported, with the largest difference
between the two output files. With ``--profile`` one more `elmo embed` run prints where its time
goes (start-up and imports, model load, embedding, blocks kept, output written), and the time
the embedding would take at 100% of this machine's float32 GEMM rate, measured in the same run
(the FLOPs the exact path executes), as a bound on what any exact implementation reaches here.
"""
from __future__ import annotations

import argparse
import pstats
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
from bilm_speed import (
    SMALL_OPTIONS,
    executed_flops,
    gemm_rate,
    naive_encode_tokens,
    random_words,
)

BROWN = Path.home() / ".cache" / "elmo" / "brown" / "train.txt"
ALLENNLP = {"running text": 548, "random words": 772}  # tokens/s measured on this machine kind
GOALS = {"running text": 10.0, "random words": 3.0}  # x AllenNLP


def save_model(folder: Path) -> None:
    import torch

    from elmo.config import BiLMConfig
    from elmo.interop.model_folder import ModelFolder
    from elmo.modules.bilm import BiLM

    torch.manual_seed(0)
    ModelFolder(BiLM(BiLMConfig.from_options(SMALL_OPTIONS))).save(folder)


def write_inputs(folder: Path, lines: int) -> dict[str, Path]:
    if not BROWN.is_file():
        raise SystemExit(f"{BROWN} is missing: run `elmo data fetch brown` first")
    with open(BROWN, encoding="utf-8") as file:
        running = [next(file) for _ in range(lines)]
    rng = random.Random(0)
    words = [" ".join(random_words(rng, rng.randint(20, 30))) + "\n" for _ in range(256)]
    paths = {"running text": folder / "running.txt", "random words": folder / "random.txt"}
    paths["running text"].write_text("".join(running), encoding="utf-8")
    paths["random words"].write_text("".join(words), encoding="utf-8")
    return paths


def naive_worker(model: Path, source: Path, output: Path, batch_size: int) -> None:
    """Embed ``source`` the straightforward way and write one (L + 1, n, D) dataset per line."""
    import torch

    from elmo.embed.embedder import Embedder

    embedder = Embedder.from_pretrained(model, token_cache_size=0)
    bilm = embedder.bilm
    bilm.encode_tokens = lambda ids, mask, word_ids=None, token_cache=None: naive_encode_tokens(
        bilm, ids, mask)
    lines = source.read_text(encoding="utf-8").splitlines()
    with h5py.File(output, "w") as out, torch.inference_mode():
        for start in range(0, len(lines), batch_size):
            batch = [line.split() for line in lines[start: start + batch_size]]
            for index, vectors in enumerate(embedder._embed_batch(batch), start):
                out.create_dataset(str(index), data=vectors, dtype="float32")


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def largest_difference(a: Path, b: Path) -> float:
    with h5py.File(a, "r") as first, h5py.File(b, "r") as second:
        keys = [key for key in second if key.isdigit()]
        assert sorted(keys) == sorted(key for key in first if key.isdigit()), "different lines"
        return max(float(np.abs(first[key][()] - second[key][()]).max(initial=0)) for key in keys)


def profile(command: list[str], folder: Path) -> dict[str, float]:
    """Seconds per phase of one profiled run of ``command`` (``python -m elmo.cli.main ...``)."""
    stats_file = folder / "profile"
    started = time.perf_counter()
    subprocess.run([command[0], "-m", "cProfile", "-o", str(stats_file), *command[1:]], check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    stats = pstats.Stats(str(stats_file)).stats  # {(file, line, function): (.., .., .., cumtime, ..)}

    def seconds(function) -> float:
        code = function.__code__
        return stats[(code.co_filename, code.co_firstlineno, code.co_name)][3]

    from elmo.cli.main import embed
    from elmo.embed.blocks import BlockStore
    from elmo.embed.embedder import Embedder
    from elmo.embed.writers import write_output
    phases = {"start-up and imports": wall - seconds(embed.callback),
              "model load": seconds(Embedder.from_pretrained.__func__),
              "embedding": seconds(Embedder.embed), "blocks kept": seconds(BlockStore.write),
              "output written": seconds(write_output)}
    phases["other"] = wall - sum(phases.values())
    return {"wall": wall, **phases}


def compute_floor(source: Path, batch_size: int = 64) -> float:
    """Seconds the exact path's FLOPs take at this machine's best float32 GEMM rate."""
    import torch

    from elmo.config import BiLMConfig
    from elmo.modules.bilm import BiLM

    sentences = sorted((line.split() for line in source.read_text(encoding="utf-8").splitlines()),
                       key=len)
    batches = [[]] + [sentences[i: i + batch_size] for i in range(0, len(sentences), batch_size)]
    bilm = BiLM(BiLMConfig.from_options(SMALL_OPTIONS))
    with torch.inference_mode():
        return executed_flops(bilm, batches, cached=True) / gemm_rate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lines", type=int, default=1500, help="Brown sentences (running text)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile one `elmo embed` run per workload and print its phases")
    parser.add_argument("--naive-worker", nargs=3, metavar=("MODEL", "INPUT", "OUTPUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    if args.naive_worker:
        naive_worker(*map(Path, args.naive_worker), batch_size=64)
        return
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        save_model(folder / "model")
        inputs = write_inputs(folder, args.lines)
        print(f"model: small sizes, random weights; {args.threads} threads; best of {args.repeats} "
              "alternating whole-process runs\n")
        print(f"{'workload':<13} {'tokens':>7} {'naive s':>8} {'elmo s':>7} {'naive tok/s':>11} "
              f"{'elmo tok/s':>10} {'vs naive':>8} {'vs AllenNLP':>11} {'goal':>5} {'max diff':>8}")
        for name, source in inputs.items():
            tokens = sum(len(line.split()) for line in source.read_text(encoding="utf-8").splitlines())
            exact = [sys.executable, "-m", "elmo.cli.main", "--threads", str(args.threads), "embed",
                     "--quiet", "--overwrite", "--model", str(folder / "model"), str(source),
                     str(folder / "exact.hdf5")]
            naive = [sys.executable, __file__, "--threads", str(args.threads), "--naive-worker",
                     str(folder / "model"), str(source), str(folder / "naive.hdf5")]
            times: dict[str, list[float]] = {"naive": [], "exact": []}
            for _ in range(args.repeats):
                times["naive"].append(timed(naive))
                times["exact"].append(timed(exact))
            best = {path: min(values) for path, values in times.items()}
            rate = {path: tokens / seconds for path, seconds in best.items()}
            versus = rate["exact"] / ALLENNLP[name]
            difference = largest_difference(folder / "exact.hdf5", folder / "naive.hdf5")
            print(f"{name:<13} {tokens:>7,} {best['naive']:8.2f} {best['exact']:7.2f} "
                  f"{rate['naive']:11,.0f} {rate['exact']:10,.0f} "
                  f"{rate['exact'] / rate['naive']:7.2f}x {versus:10.1f}x "
                  f"{'met' if versus >= GOALS[name] else 'no':>5} {difference:8.1e}")
            if args.profile:
                phases = profile(exact, folder)
                floor = compute_floor(source)
                print(f"{'':<13} profiled: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds
                                                        in phases.items()))
                bound = tokens / (phases["start-up and imports"] + floor)
                print(f"{'':<13} embedding at 100% of the GEMM rate: {floor:.2f} s; with this "
                      f"start-up, at most {bound:,.0f} tokens/s end to end ({bound / ALLENNLP[name]:.1f}x"
                      f" AllenNLP's figure)")
        print(f"\nthis machine's float32 GEMM rate: {gemm_rate() / 1e9:.0f} GFLOP/s ({args.threads} threads)")
        print(f"AllenNLP 2.10 on this machine kind (the issue's figures, for scale): "
              f"{', '.join(f'{k} {v} tokens/s' for k, v in ALLENNLP.items())}; goals "
              f"{', '.join(f'{k} {v:g}x' for k, v in GOALS.items())}")


if __name__ == "__main__":
    main()
