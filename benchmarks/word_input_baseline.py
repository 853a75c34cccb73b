"""The shipped recipe with word input only (no character CNN), compared at equal tokens seen.

Trains ``NAME``'s recipe with ``token_encoder = "word"`` for ``--steps`` steps (same data,
vocabulary, batches, softmax and optimizer as the shipped model), then prints the held-out
perplexity both models logged at the same checkpoints: the first dev sentences that the shipped
model's build scored during its training (``training_log.csv``), so the two rows compare equal
amounts of training on identical text.

Usage: python benchmarks/word_input_baseline.py en-small [--steps 1600] [--threads 1]
(run after `elmo build-model NAME`, whose work folder holds the vocabulary and the curve text)
"""
from __future__ import annotations

import argparse
import csv
from pathlib import Path

import torch

from elmo import corpora
from elmo.loading import BUNDLED_DIR
from elmo.recipes.build import read_recipe
from elmo.train.config import parse_train_config
from elmo.train.trainer import train


def curve(log: Path) -> dict[int, float]:
    return {int(row["step"]): float(row["heldout_ppl"]) for row in csv.DictReader(open(log))
            if row.get("heldout_ppl")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name")
    parser.add_argument("--steps", type=int, default=1600)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    recipe = read_recipe(args.name)
    sources = recipe.pop("corpora")
    work = corpora.cache_root() / "builds" / args.name
    recipe["model"].pop("char_cnn")
    recipe["data"].update(train=[str(corpora.corpus_path(c, "train")) for c in sources["train"]],
                          vocab=str(work / "vocab.txt"), heldout=[str(work / "heldout-curve.txt")],
                          tokenizer=sources["tokenizer"])
    recipe["training"].update(output_dir=str(work / "word-input"), max_steps=args.steps,
                              max_minutes=None, token_encoder="word")
    trained = train(parse_train_config(recipe, f"{args.name} word input"), progress=False)
    word = curve(trained.parent / "log.csv")
    shipped_log = BUNDLED_DIR / args.name / "training_log.csv"
    char = curve(shipped_log if shipped_log.is_file() else work / "run" / "log.csv")
    tokens_per_step = recipe["data"]["batch_size"] * recipe["data"]["unroll_steps"]
    print(f"{args.name}: held-out perplexity (average of both directions) on the first "
          f"{sources['curve_sentences']} dev sentences of {sources['heldout']}")
    print(f"{'tokens seen':>12} {'char CNN (shipped recipe)':>26} {'word input only':>16}")
    for step in sorted(set(word) & set(char)):
        print(f"{step * tokens_per_step:12,d} {char[step]:26.1f} {word[step]:16.1f}")


if __name__ == "__main__":
    main()
