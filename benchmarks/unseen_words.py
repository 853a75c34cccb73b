"""Which words a Chinese lexical analyser finds and misses on the PD1998 test split: segmentation
and POS F1, and the recall of words unseen in its training data, overall and by their gold tag.

    python benchmarks/unseen_words.py [MODEL ...] [--dictionary FILE]

MODEL: task model folders (OUTPUT_DIR/model of `elmo task train`) or bundled names; default the
bundled zh-lexical. With ``--dictionary`` each model is scored a second time with the file's words
added to its lexicon at tagging time (``elmo tag --dictionary``), e.g. the headwords of
``elmo data fetch zh-dictionary``: ``~/.cache/elmo/zh-dictionary/words.txt``. Words count as unseen
when the model's training data lacks them (its ``train_words.txt``).
"""
from __future__ import annotations

import argparse
from collections import Counter

import torch

from elmo.corpora import corpus_path
from elmo.tasks.data import read_examples
from elmo.tasks.metrics import segmentation_scores, word_spans
from elmo.tasks.predict import Predictor

NAMED_TAGS = ("nr", "ns", "nt", "nz", "m", "t", "i", "l", "j")  # the rest count as "other"


def unseen_by_tag(gold_tags, predicted_tags, sentences, known: set[str]) -> dict[str, tuple[int, int]]:
    """Per gold tag: (unseen words, how many of them were segmented right)."""
    total, found = Counter(), Counter()
    for gold, predicted, chars in zip(gold_tags, predicted_tags, sentences):
        boundaries = {span[:2] for span in word_spans(predicted)}
        for start, end, tag in word_spans(gold):
            if "".join(chars[start:end]) not in known:
                kind = tag if tag in NAMED_TAGS else "other"
                total[kind] += 1
                found[kind] += (start, end) in boundaries
    return {kind: (count, found[kind]) for kind, count in total.most_common()}


def score(predictor: Predictor, examples) -> None:
    sentences = [example.tokens for example in examples]
    gold = [example.labels for example in examples]
    predicted = predictor.predict(sentences)
    known = predictor.task.train_words
    overall = segmentation_scores(gold, predicted, sentences, known)
    print(f"  seg F1 {overall['seg_f1']:.2f}, POS F1 {overall['pos_f1']:.2f}, unseen-word recall "
          f"{overall['oov_recall']:.2f} ({overall['oov_words']:,.0f} unseen words)")
    by_tag = unseen_by_tag(gold, predicted, sentences, known)
    unseen = sum(count for count, _ in by_tag.values())
    print("  by gold tag (share of the unseen words: recall): " + ", ".join(
        f"{kind} {100 * count / unseen:.0f}%: {100 * hits / count:.1f}"
        for kind, (count, hits) in by_tag.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=["zh-lexical"])
    parser.add_argument("--dictionary", help="also score with these words added (one per line)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    examples = read_examples(corpus_path("pd1998", "test", format="tagged"), "seg-pos")
    print(f"PD1998 test: {len(examples):,} sentences; unseen-word recall by gold tag (nr person, "
          "ns place, nt organisation, nz other proper noun, m number, t time, i idiom, "
          "l idiomatic phrase, j abbreviation)")
    for model in args.models:
        print(f"{model}:")
        score(Predictor(model), examples)
        if args.dictionary:
            print(f"{model} + dictionary {args.dictionary}:")
            score(Predictor(model, dictionary=args.dictionary), examples)


if __name__ == "__main__":
    main()
