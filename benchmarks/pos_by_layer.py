"""Part of speech by layer: a linear probe (logistic regression) on each layer of a biLM.

The paper (section 5.3) found the first biLSTM layer better than the top one for POS tagging and
the top layer better for word sense. This script measures the POS side on Brown: it embeds the
first ``--train`` training sentences and ``--test`` test sentences (test = files ending in 0),
fits one probe per layer (0, 1, 2 and the mean of the layers) on the training tokens and prints the
test accuracy next to the most-frequent-tag reference. (The word-sense side is
``benchmarks/word_sense.py``.)

Usage: python benchmarks/pos_by_layer.py [--model en-small] [--train 3000] [--test 1000]
"""
from __future__ import annotations

import argparse
import time

import elmo
from elmo import corpora
from elmo.analysis.probing import (
    most_frequent_label_accuracy,
    probe_accuracy,
    token_layers,
)
from elmo.tasks.data import read_examples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="en-small")
    parser.add_argument("--train", type=int, default=3000, help="training sentences")
    parser.add_argument("--test", type=int, default=1000, help="test sentences")
    args = parser.parse_args()
    model = elmo.load(args.model)
    splits = {split: read_examples(corpora.corpus_path("brown", split, format="tagged"), "word-tags", limit)
              for split, limit in (("train", args.train), ("test", args.test))}
    started = time.perf_counter()
    vectors = {split: token_layers(model, [e.tokens for e in examples]) for split, examples in splits.items()}
    words = {split: [t for e in examples for t in e.tokens] for split, examples in splits.items()}
    tags = {split: [t for e in examples for t in e.labels] for split, examples in splits.items()}
    print(f"Brown POS ({len(set(tags['train']))} tags): {len(tags['train']):,} training and "
          f"{len(tags['test']):,} test tokens, embedded by {args.model} in "
          f"{time.perf_counter() - started:.0f}s")
    print(f"{'features':<28} {'test accuracy':>14}")
    reference = most_frequent_label_accuracy(words["train"], tags["train"], words["test"], tags["test"])
    print(f"{'most frequent tag per word':<28} {100 * reference:14.1f}")
    n_layers = vectors["train"].shape[1]
    columns = [(f"layer {k}" + (" (context-free)" if k == 0 else ""), lambda x, k=k: x[:, k])
               for k in range(n_layers)] + [("mean of layers", lambda x: x.mean(axis=1))]
    for label, pick in columns:
        accuracy = probe_accuracy(pick(vectors["train"]), tags["train"], pick(vectors["test"]), tags["test"])
        print(f"{label:<28} {100 * accuracy:14.1f}")


if __name__ == "__main__":
    main()
