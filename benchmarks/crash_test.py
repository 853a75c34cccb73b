"""Crash test: kill elmo commands with SIGKILL at random moments, resume them, compare the outputs.

    python benchmarks/crash_test.py [--trials 7] [--kills 2] [--seed 0] [--only index ...]

Four jobs, each first run once uninterrupted as the reference: `elmo embed` (en-small, 400 lines
in blocks of 40), `elmo index` (the tiny model, 600 lines in blocks of 100), `elmo train` (a tiny biLM, a checkpoint every 5
steps) and `elmo task train` (a tiny tagger with ELMo features). Each trial starts the job in a
fresh folder and kills it with SIGKILL at a random moment of its reference duration (a third of the
kills in its last fifth, where the final output is written), up to ``--kills`` times, then runs the
same command until it finishes, and compares the finished output with the reference's:

- embed: every dataset's bytes, its tokens attribute and sentence_to_index, bit for bit;
- index: every file of the index folder, byte for byte;
- train: every parameter of the final model (the softmax included), bit for bit;
- task train: every tensor of the saved task model, bit for bit.

Prints kills, resumes, outputs checked and differences found (the goal is zero).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import h5py
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from training_configs import write_config  # noqa: E402

from elmo.interop.model_folder import ModelFolder  # noqa: E402

ELMO = [sys.executable, "-m", "elmo.cli.main"]
WORDS = ("the cat dog sat ran on a mat hill river bank money play game stage chess music went saw "
         "big small red green quickly slowly and but because when she he they we it").split()
TAGGED = ("我们/r 喜欢/v 北京/ns 。/w", "他/r 喜欢/v 上海/ns 。/w", "我们/r 去/v 北京/ns",
          "他/r 去/v 上海/ns 。/w", "她/r 看/v 书/n 。/w", "我们/r 看/v 电影/n 。/w")


@dataclass
class Job:
    name: str
    prepare: Callable[[Path], list[str]]  # writes the job's inputs into a folder; the command
    digest: Callable[[Path], str]  # of the finished output in that folder
    output: str  # the finished output, relative to the folder: once it exists the job is done


def _sentences(count: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(" ".join(rng.choices(WORDS, k=rng.randint(3, 20))) + "\n" for _ in range(count))


def _embed(folder: Path) -> list[str]:
    (folder / "input.txt").write_text(_sentences(400, 1), encoding="utf-8")
    return [*ELMO, "embed", "--quiet", "--model", "en-small", "--block-size", "40",
            str(folder / "input.txt"), str(folder / "out.hdf5")]


def _embed_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    with h5py.File(folder / "out.hdf5", "r") as file:
        for key in sorted(file):
            values = file[key][()]  # sentence_to_index is an array of strings: hash their text
            digest.update(key.encode() + (repr(values.tolist()).encode() if values.dtype == object
                                          else values.tobytes()))
            digest.update(json.dumps(dict(file[key].attrs), sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _index(folder: Path) -> list[str]:
    (folder / "corpus.txt").write_text(_sentences(600, 2), encoding="utf-8")
    return [*ELMO, "index", str(folder / "corpus.txt"), "-o", str(folder / "index"),
            "--model", "bilm-tf-tiny", "--block-size", "100", "--quiet"]


def _folder_digest(path: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(path)).encode() + file.read_bytes())
    return digest.hexdigest()


def _train(folder: Path) -> list[str]:
    config = write_config(folder, training="max_steps = 40\ncheckpoint_every = 5\nlog_every = 5")
    return [*ELMO, "train", str(config), "-q"]


def _tensors_digest(tensors: dict[str, torch.Tensor]) -> str:
    digest = hashlib.sha256()
    for name in sorted(tensors):
        digest.update(name.encode() + tensors[name].detach().contiguous().numpy().tobytes())
    return digest.hexdigest()


def _train_digest(folder: Path) -> str:
    model = ModelFolder.load(folder / "run" / "model")
    return _tensors_digest({**model.bilm.state_dict(), **model.softmax.state_dict()})


def _task(folder: Path) -> list[str]:
    rng = random.Random(3)
    (folder / "data.txt").write_text("".join(" ".join(rng.sample(TAGGED, 3)) + "\n" for _ in range(300)),
                                     encoding="utf-8")
    config = folder / "task.toml"
    config.write_text(f"""
[data]
format = "seg-pos"
train = "data.txt"
dev = "data.txt"
test = "data.txt"
[elmo]
model = "bilm-tf-tiny"
[embeddings]
dim = 8
[model]
hidden = 16
[training]
output_dir = "{folder / 'run'}"
epochs = 6
patience = 6
batch_size = 8
""", encoding="utf-8")
    return [*ELMO, "task", "train", str(config), "-q"]


def _task_digest(folder: Path) -> str:
    return _tensors_digest(torch.load(folder / "run" / "model" / "weights.pt", weights_only=True))


JOBS = [Job("embed", _embed, _embed_digest, "out.hdf5"),
        Job("index", _index, lambda f: _folder_digest(f / "index"), "index"),
        Job("train", _train, _train_digest, "run/model"),
        Job("task train", _task, _task_digest, "run/results.json")]


def _run(command: list[str], environment: dict, kill_after: float | None) -> bool:
    """Run ``command``; with ``kill_after``, SIGKILL it then. True if it finished by itself."""
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        process.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return False
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()[-2000:]}")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=7, help="interrupted runs per job")
    parser.add_argument("--kills", type=int, default=2, help="most kills per trial")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="+", choices=[job.name for job in JOBS],
                        help="these jobs only (default: all)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    totals = {"kills": 0, "resumes": 0, "checked": 0, "differences": 0}
    with tempfile.TemporaryDirectory() as root:
        root = Path(root)
        environment = {**os.environ, "ELMO_CACHE": str(root / "cache")}
        for job in (job for job in JOBS if not args.only or job.name in args.only):
            durations = []
            for attempt in range(2):  # the shorter of two runs: the duration kills aim within
                reference = root / f"{job.name}-reference-{attempt}"
                reference.mkdir()
                started = time.perf_counter()
                _run(job.prepare(reference), environment, None)
                durations.append(time.perf_counter() - started)
            duration, expected = min(durations), job.digest(reference)
            kills = resumes = differences = 0
            for trial in range(args.trials):
                folder = root / f"{job.name}-{trial}"
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                command = job.prepare(folder)
                killed = 0
                while not (folder / job.output).exists():  # a kill after the end leaves it done
                    moment = (rng.uniform(0.8, 1.0) if rng.random() < 1 / 3 else rng.uniform(0.1, 1.0))
                    if _run(command, environment, moment * duration if killed < args.kills else None):
                        resumes += killed > 0  # a run that started after a kill and finished
                        break
                    killed += 1
                kills += killed
                differences += job.digest(folder) != expected
                shutil.rmtree(folder)
            print(f"{job.name:<11} reference {duration:5.1f}s: {kills} kills, {resumes} trials "
                  f"finished by a run resumed after a kill, {args.trials} outputs checked, "
                  f"{differences} differ")
            for key, value in (("kills", kills), ("resumes", resumes), ("checked", args.trials),
                               ("differences", differences)):
                totals[key] += value
    print(f"total: {totals['kills']} kills, {totals['resumes']} resumed runs, {totals['checked']} "
          f"outputs checked against an uninterrupted run, {totals['differences']} differences")


if __name__ == "__main__":
    main()
