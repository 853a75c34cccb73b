"""Several `elmo embed` runs at once: each process's share of the cores against every process
using all of them.

    python benchmarks/concurrent_embed.py [--lines 3000] [--model en-small] [--runs 1 2 4]

Writes LINES random sentences (10-30 words of the model's vocabulary, seeded), then, for each
number N of runs, starts N whole `elmo embed` processes together, once with the default threads
(each takes its share of the cores) and once with every process using every core (`--threads
CORES`, what PyTorch does by default). Prints the wall time of the slowest and the mean run, and
the total throughput: N x the input's tokens / the slowest run's wall time.
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from elmo.interop.model_folder import ModelFolder


def write_input(path: Path, model: str, lines: int) -> None:
    vocabulary = [w for w in ModelFolder.load(model).vocabulary[3:5003] if w.isalpha()]
    rng = random.Random(0)
    path.write_text("".join(" ".join(rng.choices(vocabulary, k=rng.randint(10, 30))) + "\n"
                            for _ in range(lines)), encoding="utf-8")


def run_together(commands: list[list[str]]) -> list[float]:
    """Start every command at once; the wall time of each."""
    started = time.perf_counter()
    processes = [subprocess.Popen(command, stdout=subprocess.DEVNULL) for command in commands]
    times = [0.0] * len(processes)
    while any(process.poll() is None for process in processes) or not all(times):
        for index, process in enumerate(processes):
            if process.poll() is not None and not times[index]:
                if process.returncode:
                    raise SystemExit(f"{' '.join(commands[index])} failed ({process.returncode})")
                times[index] = time.perf_counter() - started
        time.sleep(0.05)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--model", default="en-small")
    parser.add_argument("--runs", type=int, nargs="+", default=[1, 2, 4],
                        help="numbers of runs started together")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    elmo = [sys.executable, "-m", "elmo.cli.main"]
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        source = folder / "input.txt"
        write_input(source, args.model, args.lines)

        def embed(name: str, *options: str) -> list[str]:
            return [*elmo, *options, "embed", "--quiet", "--overwrite", "--model", args.model,
                    str(source), str(folder / f"{name}.hdf5")]

        tokens = sum(len(line.split()) for line in source.read_text(encoding="utf-8").splitlines())
        print(f"{args.lines:,} lines ({tokens:,} tokens), {args.model}, {cores} cores\n")
        print(f"{'runs':>4} {'threads':<22} {'slowest s':>9} {'mean s':>7} {'total tokens/s':>14}")
        for n in args.runs:
            for label, options in (("its share (default)", ()),
                                   (f"all {cores} cores each", ("--threads", str(cores)))):
                if n == 1 and options:
                    continue  # one run alone takes every core either way
                times = run_together([embed(f"{n}-{i}", *options) for i in range(n)])
                print(f"{n:>4} {label:<22} {max(times):9.1f} {sum(times) / n:7.1f} "
                      f"{n * tokens / max(times):14,.0f}")


if __name__ == "__main__":
    main()
