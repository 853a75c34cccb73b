"""The shipped recipe with word input only (no character CNN), compared at equal tokens seen.

Trains ``NAME``'s recipe with ``token_encoder = "word"`` for as many steps as the char-CNN model
made (same mixed shards, vocabulary, batches, softmax, optimizer and schedule), then prints the
held-out perplexity both models logged at the same checkpoints (the first dev sentences that the
build scores at each checkpoint), so the two rows compare equal training on identical text.
The word model's folder goes to ``<cache>/builds/NAME/word-input/model``; its full dev-split
perplexity is a row of ``benchmarks/perplexity_table.py --word-model NAME=FOLDER``.

Usage: python benchmarks/word_input_baseline.py en-small [--steps N] [--against LOG]
(run after `elmo build-model NAME`, whose work folder holds the shards, vocabulary and curve text;
--against defaults to that build's log.csv, else the shipped model's training_log.csv)
"""
from __future__ import annotations

import argparse
import csv
from pathlib import Path

from elmo import corpora
from elmo.interop.model_folder import BUNDLED_DIR, ModelFolder
from elmo.recipes.build import read_recipe
from elmo.train.trainer import train


def curve(log: Path) -> dict[int, float]:
    with open(log, newline="") as handle:
        return {int(row["step"]): float(row["heldout_ppl"]) for row in csv.DictReader(handle)
                if row.get("heldout_ppl")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name")
    parser.add_argument("--steps", type=int, help="default: the steps the shipped model made")
    parser.add_argument("--against", type=Path, help="the char-CNN model's training log")
    parser.add_argument("--max-minutes", type=float)
    args = parser.parse_args()
    recipe = read_recipe(args.name)
    sources = recipe.corpora
    work = corpora.cache_root() / "builds" / args.name
    shards = sorted(str(path) for path in (work / "mixed").glob("train-*.txt"))
    if not shards:
        raise SystemExit(f"{work}/mixed holds no shards: run `elmo build-model {args.name}` first")
    shipped = BUNDLED_DIR / args.name
    against = args.against or next(p for p in (work / "run" / "log.csv", shipped / "training_log.csv")
                                   if p.is_file())
    steps = args.steps or ModelFolder.load(shipped).training.steps
    recipe.training["model"].pop("char_cnn")
    recipe.training["model"]["token_encoder"] = "word"
    config = recipe.train_config(shards, str(work / "vocab.txt"), [str(work / "heldout-curve.txt")],
                                 str(work / "word-input"),
                                 {"training.max_steps": steps, "training.max_minutes": args.max_minutes})
    trained = train(config, progress=False)
    word, char = curve(trained.parent / "log.csv"), curve(against)
    tokens_per_step = config.data.batch_size * config.data.unroll_steps
    print(f"{args.name}: held-out perplexity (average of both directions) on the first "
          f"{sources.curve_sentences} dev sentences of {sources.heldout}")
    print(f"{'tokens seen':>12} {'char CNN (shipped recipe)':>26} {'word input only':>16}")
    for step in sorted(set(word) & set(char)):
        print(f"{step * tokens_per_step:12,d} {char[step]:26.1f} {word[step]:16.1f}")
    print(f"word-input model -> {trained}")


if __name__ == "__main__":
    main()
