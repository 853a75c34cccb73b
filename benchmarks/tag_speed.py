"""Speed of Chinese lexical analysis on this CPU: the bundled tagger against jieba, in one run.

    python benchmarks/tag_speed.py [--model zh-lexical] [--repeat 1]

Text: the raw PD1998 test split (its words joined; `elmo data fetch pd1998`). Prints characters
per second of
- `elmo tag` end to end (a new process: start-up, model load, tagging, printing), 2 threads;
- the tagger in-process (`Predictor.tag_lines`, model loaded), by batch size and threads;
- jieba in-process, with POS (`jieba.posseg`) and without (`jieba.cut`), dictionary loaded first;
and the peak resident memory of `elmo tag` on the text and on 8 copies of it (streaming: the
peak should not grow with the input).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from elmo.corpora import corpus_path
from elmo.tasks.predict import Predictor
from elmo.tasks.saved import DEFAULT_TAGGER

ELMO = Path(sys.executable).parent / "elmo"


def raw_lines() -> list[str]:
    path = corpus_path("pd1998", "test", format="tagged")
    return ["".join(item.rpartition("/")[0] for item in line.split())
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def rate(chars: int, seconds: float) -> str:
    return f"{chars / seconds:9,.0f} chars/s ({seconds:6.2f} s)"


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def command_run(model: str, text_file: Path) -> tuple[float, int]:
    """Seconds and peak resident memory (MB) of `elmo tag` over the file, output discarded."""
    started = time.perf_counter()
    process = subprocess.Popen([str(ELMO), "tag", "--model", model, str(text_file)],
                               stdout=subprocess.DEVNULL, env={**os.environ, "OMP_NUM_THREADS": "2"})
    _, status, usage = os.wait4(process.pid, 0)  # this child's own resource usage
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"elmo tag failed on {text_file}")
    return seconds, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=DEFAULT_TAGGER)
    args = parser.parse_args()
    lines = raw_lines()
    chars = sum(len(line) for line in lines)
    print(f"text: PD1998 test split, {len(lines):,} lines, {chars:,} characters; model {args.model}")
    with tempfile.TemporaryDirectory() as folder:
        one, eight = Path(folder) / "one.txt", Path(folder) / "eight.txt"
        one.write_text("\n".join(lines) + "\n", encoding="utf-8")
        eight.write_text(("\n".join(lines) + "\n") * 8, encoding="utf-8")
        seconds, peak_one = command_run(args.model, one)
        print(f"elmo tag, end to end (new process, 2 threads): {rate(chars, seconds)}")
        seconds_eight, peak_eight = command_run(args.model, eight)
        print(f"elmo tag on 8 copies: {rate(8 * chars, seconds_eight)}")
        print(f"peak resident memory: {peak_one} MB on the text, {peak_eight} MB on 8 copies")
    for threads in (2, 1):
        torch.set_num_threads(threads)
        for batch in (1, 8, 32, 128):
            predictor = Predictor(args.model, batch_size=batch)
            sample = lines if batch > 1 else lines[:300]
            n = sum(len(line) for line in sample)
            print(f"in-process, {threads} thread(s), batch {batch:3d}: "
                  f"{rate(n, timed(lambda: list(predictor.tag_lines(sample))))}")
    import jieba
    import jieba.posseg
    jieba.setLogLevel(60)
    jieba.initialize()
    list(jieba.posseg.cut("预热"))
    print(f"jieba.posseg (with POS): {rate(chars, timed(lambda: [list(jieba.posseg.cut(x)) for x in lines]))}")
    print(f"jieba.cut (no POS):      {rate(chars, timed(lambda: [list(jieba.cut(x)) for x in lines]))}")


if __name__ == "__main__":
    main()
