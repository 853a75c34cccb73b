"""Word-sense evaluation by layer (the ELMo paper's section 5.3), in English and Chinese.

English: the sense-labelled usage examples of WordNet 3.0 (`elmo data fetch wordnet`), nouns
and verbs with examples of 2+ senses; the test lemmas are scored, the dev lemmas choose the pair
threshold. Chinese: the per-sense usage examples of a Xinhua-style dictionary (`zh-senses`, an
opt-in evaluation corpus fetched by this script), and a small hand-made set of polysemous words
(benchmarks/data/zh_senses.*.tsv).
For each, one table: nearest-sense accuracy (1-NN over sense averages, leave one out) and
same/different-sense pair accuracy, for the most-frequent-sense reference, a bag of context
words, each layer of the biLM and the mean of the layers (see elmo.analysis.wsd).

Usage: python benchmarks/word_sense.py [--only en|zh] [--en-model en-small] [--zh-model zh-small]
"""
from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import numpy as np

import elmo
from elmo import corpora
from elmo.analysis.senses import SenseExample, read_examples, target_vectors
from elmo.analysis.wsd import Scores, bag_of_words, evaluate, format_table

DATA = Path(__file__).parent / "data"


def scores(model_name: str, vectors: np.ndarray, examples: list[SenseExample],
           dev: np.ndarray) -> dict[str, Scores]:
    """Every method's scores on ``examples``; ``vectors``: (n, L + 1, D), ``dev``: (n,) bool."""
    rows: dict[str, Scores] = {
        "most frequent sense": evaluate(None, examples, dev),
        "bag of context words": evaluate(bag_of_words(examples), examples, dev),
    }
    for layer in range(vectors.shape[1]):
        rows[f"{model_name} layer {layer}"] = evaluate(vectors[:, layer], examples, dev)
    rows[f"{model_name} mean of layers"] = evaluate(vectors.mean(1), examples, dev)
    return rows


def table(model_name: str, dev_file: Path, test_file: Path, label: str,
          long_context: int | None = None) -> str:
    """The evaluation table of one model on one dev + test pair of sense-labelled files; with
    ``long_context``, a second table on the occurrences of at least that many tokens."""
    examples = read_examples(dev_file) + read_examples(test_file)
    dev = np.arange(len(examples)) < len(read_examples(dev_file))
    model = elmo.load(model_name)
    start = time.monotonic()
    vectors = target_vectors(model, examples)  # (n, L + 1, D)
    seconds = time.monotonic() - start
    words = len({example.word for example in examples})
    lengths = np.array([len(example.tokens) for example in examples])
    per_sense = np.array(list(Counter(example.sense for example in examples).values()))
    text = (f"{model_name} on {label}: {len(examples):,} occurrences of {words:,} words "
            f"and {len(per_sense):,} senses ({dev.sum():,} dev; {(per_sense <= 3).mean():.0%} "
            f"of the senses with 3 or fewer occurrences; median {np.median(lengths):g} tokens, "
            f"{(lengths <= 3).mean():.0%} with 3 or fewer), embedded in {seconds:.0f}s\n"
            f"{format_table(scores(model_name, vectors, examples, dev))}")
    if long_context:
        kept = np.flatnonzero(lengths >= long_context)
        text += (f"\n\nthe same, only the {len(kept):,} occurrences of {long_context} or more tokens\n"
                 + format_table(scores(model_name, vectors[kept], [examples[i] for i in kept],
                                       dev[kept])))
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("en", "zh"))
    parser.add_argument("--en-model", default="en-small")
    parser.add_argument("--zh-model", default="zh-small")
    args = parser.parse_args()
    if args.only != "zh":
        corpora.fetch("wordnet")
        print(table(args.en_model, corpora.corpus_path("wordnet", "dev", format="labelled"),
                    corpora.corpus_path("wordnet", "test", format="labelled"), "WordNet examples"),
              end="\n\n")
    if args.only != "en":
        corpora.fetch("zh-senses")
        print(table(args.zh_model, corpora.corpus_path("zh-senses", "dev", format="labelled"),
                    corpora.corpus_path("zh-senses", "test", format="labelled"),
                    "dictionary examples (zh-senses)", long_context=8), end="\n\n")
        print(table(args.zh_model, DATA / "zh_senses.dev.tsv", DATA / "zh_senses.test.tsv",
                    "hand-made sentences"))


if __name__ == "__main__":
    main()
