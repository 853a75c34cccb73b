"""Held-out perplexity of the shipped biLMs next to Kneser-Ney n-gram models, and learning curves.

For each model built by ``elmo build-model NAME`` it prints the exact forward, backward and
average perplexity on the dev split of its held-out corpus, next to interpolated Kneser-Ney
3-gram and 4-gram models trained on exactly the same training text with the same vocabulary
(``<UNK>`` for the rest, ``</S>`` predicted). It also plots the learning curve the training
logged (held-out perplexity on the first dev sentences against tokens seen) to PNG files.

Usage: python benchmarks/perplexity_table.py [en-small zh-small] [--plot-dir docs/images]
       [--word-model NAME=FOLDER]   # add a row for the same recipe trained with word input only
       [--heldout CORPUS]           # score the dev split of another of the training corpora
"""
from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

from elmo import corpora
from elmo.data.shards import expand_shards, iter_sentences
from elmo.data.vocab import Vocabulary
from elmo.errors import ElmoError
from elmo.evaluate.kneser_ney import KneserNeyLM
from elmo.evaluate.perplexity import folder_perplexity
from elmo.interop.model_folder import BUNDLED_DIR, ModelFolder
from elmo.recipes.build import read_recipe


def bilm_row(folder: Path, heldout: Path) -> tuple[float, float, float]:
    result = folder_perplexity(ModelFolder.load(folder), expand_shards(str(heldout)), progress=False)
    return result.forward, result.backward, result.average


def ngram_row(order: int, vocabulary: Vocabulary, train: list[Path], heldout: Path):
    directions = []
    for reverse in (False, True):
        model = KneserNeyLM(vocabulary, order, reverse).fit(iter_sentences(train))
        total, count = model.log_likelihood(iter_sentences([heldout]))
        directions.append(-total / count)
    forward, backward = directions
    return math.exp(forward), math.exp(backward), math.exp((forward + backward) / 2)


def logged_curve(log: Path) -> tuple[list[float], list[dict[str, str]]]:
    """The held-out rows of a training log and the millions of tokens seen at each."""
    rows = [row for row in csv.DictReader(open(log)) if row.get("heldout_ppl")]
    steps = {int(row["step"]): row for row in csv.DictReader(open(log)) if row.get("tokens")}
    if not rows or not steps:
        return [], []
    per_step = next(iter(steps.values()))
    tokens_per_step = int(per_step["tokens"]) / (int(per_step["step"]) or 1)
    return [int(row["step"]) * tokens_per_step / 1e6 for row in rows], rows


def seen_ngrams(order: int, train: list[Path], heldout: Path) -> float:
    """The fraction of the held-out text's word n-grams that occur in the training text."""
    def ngrams(sentence: list[str]):
        return (hash(tuple(sentence[i:i + order])) for i in range(len(sentence) - order + 1))

    seen = {gram for sentence in iter_sentences(train) for gram in ngrams(sentence)}
    found = [gram in seen for sentence in iter_sentences([heldout]) for gram in ngrams(sentence)]
    return sum(found) / max(len(found), 1)


def plot_curve(name: str, log: Path, plot_dir: Path, word_log: Path | None = None) -> Path | None:
    """The learning curve of ``log`` (forward, backward, average), with the average of a
    word-input model's ``word_log`` as a dashed line when given."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seen, rows = logged_curve(log)
    if not rows:
        return None
    figure, axis = plt.subplots(figsize=(6, 4))
    for key, label in (("heldout_forward_ppl", "forward"), ("heldout_backward_ppl", "backward"),
                       ("heldout_ppl", "average")):
        axis.plot(seen, [float(row[key]) for row in rows], marker="o", markersize=3, label=label)
    word_seen, word_rows = logged_curve(word_log) if word_log else ([], [])
    if word_rows:
        axis.plot(word_seen, [float(row["heldout_ppl"]) for row in word_rows], linestyle="--",
                  color="gray", label="average, word input only")
    axis.set(xlabel="training tokens seen (millions)", ylabel="held-out perplexity",
             title=f"{name}: learning curve", yscale="log")
    axis.grid(alpha=0.3)
    axis.legend()
    plot_dir.mkdir(parents=True, exist_ok=True)
    path = plot_dir / f"learning_curve_{name}.png"
    figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="*", default=["en-small", "zh-small"])
    parser.add_argument("--plot-dir", type=Path, default=Path("docs/images"))
    parser.add_argument("--word-model", action="append", default=[],
                        help="NAME=FOLDER: a word-input model trained by the same recipe")
    parser.add_argument("--heldout", metavar="CORPUS",
                        help="the dev split of this training corpus instead of the recipe's")
    args = parser.parse_args()
    word_models = {name: Path(folder).expanduser()
                   for name, folder in (item.split("=", 1) for item in args.word_model)}
    for folder in word_models.values():  # before minutes of scoring, not after
        try:
            ModelFolder.load(folder)
        except ElmoError as error:
            raise SystemExit(f"error: --word-model: {error}") from None
    for name in args.models:
        folder = BUNDLED_DIR / name
        recipe = read_recipe(name).corpora
        train = [corpora.corpus_path(c, "train") for c in recipe.train]
        heldout_name = args.heldout or recipe.heldout
        if heldout_name not in recipe.train:
            raise SystemExit(f"error: {heldout_name} is not among {name}'s training corpora "
                             f"({', '.join(recipe.train)})")
        heldout = corpora.corpus_path(heldout_name, "dev")
        vocabulary = Vocabulary.load(folder / "vocab.txt")
        record = ModelFolder.load(folder).training
        print(f"\n{name}: dev split of {heldout_name}, vocabulary {len(vocabulary):,}, "
              f"biLM trained on {record.tokens_seen:,} tokens")
        print(f"{'model':<34} {'forward':>9} {'backward':>9} {'average':>9}")
        rows = [("biLM (shipped)", bilm_row(folder, heldout))]
        if name in word_models:
            rows.append(("biLM, word input only", bilm_row(word_models[name], heldout)))
        rows += [(f"Kneser-Ney {order}-gram", ngram_row(order, vocabulary, train, heldout))
                 for order in (3, 4)]
        for label, values in rows:
            print(f"{label:<34} " + " ".join(f"{v:9.1f}" for v in values))
        best_ngram = min(values[2] for label, values in rows if label.startswith("Kneser"))
        gain = 1 - rows[0][1][2] / best_ngram
        print(f"shipped biLM: {abs(gain):.1%} {'below' if gain >= 0 else 'above'} the best "
              "Kneser-Ney model (average perplexity)")
        print(f"{seen_ngrams(4, train, heldout):.1%} of the dev split's word 4-grams occur in the "
              "training text")
        word_log = word_models[name].parent / "log.csv" if name in word_models else None
        curve = plot_curve(name, folder / "training_log.csv", args.plot_dir,
                           word_log if word_log and word_log.is_file() else None)
        if curve:
            print(f"learning curve -> {curve}")


if __name__ == "__main__":
    main()
