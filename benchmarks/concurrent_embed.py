"""Two `elmo embed` runs at once: each process's share of the cores against every process using all.

    python benchmarks/concurrent_embed.py [--lines 3000] [--model en-small]

Writes LINES random sentences (10-30 words of the model's vocabulary, seeded), then times, as whole
processes: one run alone; two runs started together with the default threads (each takes its share
of the cores); two runs started together that each use every core (`--threads CORES`, what PyTorch
does by default). Prints each run's wall time.
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

        alone = run_together([embed("alone")])
        shared = run_together([embed("a"), embed("b")])
        oversubscribed = run_together([embed("c", "--threads", str(cores)),
                                       embed("d", "--threads", str(cores))])
    print(f"{args.lines:,} lines, {args.model}, {cores} cores; wall time per run (s)")
    print(f"  one run alone                          {alone[0]:7.1f}")
    print(f"  two at once, each its share (default)  {shared[0]:7.1f} {shared[1]:7.1f}")
    print(f"  two at once, each all {cores} cores          {oversubscribed[0]:7.1f} "
          f"{oversubscribed[1]:7.1f}")


if __name__ == "__main__":
    main()
