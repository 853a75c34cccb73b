"""Adam vs the original's Adagrad on a shipped recipe: held-out perplexity after a few hundred steps.

The figures behind the recipes' choice of Adam (en-small, 300 steps, one thread each:
held-out perplexity 582 with Adam 2e-3, 852 with Adagrad 0.2). Run after `elmo build-model NAME`
(it reuses that build's vocabulary and curve text):

    python benchmarks/optimizer_ab.py adam    &  python benchmarks/optimizer_ab.py adagrad
"""
from __future__ import annotations

import csv
import sys

import torch

from elmo import corpora
from elmo.recipes.build import read_recipe
from elmo.train.trainer import train


def main(optimizer: str, name: str = "en-small", steps: int = 300) -> None:
    torch.set_num_threads(1)
    recipe = read_recipe(name)
    work = corpora.cache_root() / "builds" / name
    recipe.training["optimizer"] = ({"name": "adam", "lr": 2e-3, "clip_norm": 10.0}
                                    if optimizer == "adam" else
                                    {"name": "adagrad", "lr": 0.2, "clip_norm": 10.0})
    output = f"/tmp/optimizer-ab-{optimizer}"
    config = recipe.train_config([str(corpora.corpus_path(c, "train")) for c in recipe.corpora.train],
                                 str(work / "vocab.txt"), [str(work / "heldout-curve.txt")], output,
                                 {"training.max_steps": steps, "training.max_minutes": None,
                                  "training.checkpoint_every": steps, "training.log_every": 50})
    train(config, progress=False)
    heldout = [row["heldout_ppl"] for row in csv.DictReader(open(f"{output}/log.csv")) if row["heldout_ppl"]]
    print(f"{optimizer}: held-out perplexity after {steps} steps: {float(heldout[-1]):.0f}")


if __name__ == "__main__":
    main(sys.argv[1])
