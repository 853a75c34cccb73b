"""Task scores: segmentation / POS / entity F1 over spans, unseen-word recall, accuracy.

Character tags are read into spans ``(start, end, type)`` over character positions. A ``B-X`` tag
starts a word; so does an ``I-X`` tag after a tag of another type or at the start (invalid
sequences are read leniently, as a new word). Entity spans come from BIO tags; ``O`` is outside.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

Span = tuple[int, int, str]


def word_spans(tags: Sequence[str]) -> list[Span]:
    """Joint segmentation + POS tags -> words: ["B-n", "I-n", "B-v"] -> [(0, 2, "n"), (2, 3, "v")]."""
    spans: list[list] = []
    for i, tag in enumerate(tags):
        prefix, _, kind = tag.partition("-")
        if prefix == "B" or not spans or spans[-1][2] != kind or spans[-1][1] != i:
            spans.append([i, i + 1, kind])
        else:
            spans[-1][1] = i + 1
    return [tuple(span) for span in spans]


def entity_spans(tags: Sequence[str]) -> list[Span]:
    """BIO tags -> entities: ["B-PER", "I-PER", "O", "I-LOC"] -> [(0, 2, "PER"), (3, 4, "LOC")]."""
    spans = word_spans(["B-O" if tag == "O" else tag for tag in tags])
    return [span for span in spans if span[2] != "O"]


def f1(gold: Iterable[set], predicted: Iterable[set]) -> dict[str, float]:
    """Precision, recall and F1 (in %) over per-sentence sets of items, summed over sentences."""
    correct = n_gold = n_predicted = 0
    for gold_items, predicted_items in zip(gold, predicted, strict=True):
        correct += len(gold_items & predicted_items)
        n_gold += len(gold_items)
        n_predicted += len(predicted_items)
    precision = 100.0 * correct / n_predicted if n_predicted else 0.0
    recall = 100.0 * correct / n_gold if n_gold else 0.0
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": score}


def accuracy(gold: Iterable[Sequence[str]], predicted: Iterable[Sequence[str]]) -> float:
    """Per-item accuracy in %, over all items of all sentences."""
    correct = total = 0
    for gold_items, predicted_items in zip(gold, predicted, strict=True):
        if len(gold_items) != len(predicted_items):
            raise ValueError("gold and predicted sequences differ in length")
        correct += sum(g == p for g, p in zip(gold_items, predicted_items))
        total += len(gold_items)
    return 100.0 * correct / total if total else 0.0


def segmentation_scores(gold_tags: Sequence[Sequence[str]], predicted_tags: Sequence[Sequence[str]],
                        sentences: Sequence[Sequence[str]], known_words: set[str]) -> dict[str, float]:
    """Segmentation F1, POS F1 over words (span and tag both right), and recall of gold words not
    in ``known_words`` (the training words), all in %.

    Args:
        gold_tags, predicted_tags: per sentence, one B-/I- tag per character.
        sentences: per sentence, its characters.
    """
    gold = [word_spans(tags) for tags in gold_tags]
    predicted = [word_spans(tags) for tags in predicted_tags]
    segmentation = f1(({s[:2] for s in g} for g in gold), ({s[:2] for s in p} for p in predicted))
    pos = f1((set(g) for g in gold), (set(p) for p in predicted))
    found = unseen = 0
    for chars, gold_spans, predicted_spans in zip(sentences, gold, predicted):
        boundaries = {s[:2] for s in predicted_spans}
        for start, end, _ in gold_spans:
            if "".join(chars[start:end]) not in known_words:
                unseen += 1
                found += (start, end) in boundaries
    return {"seg_f1": segmentation["f1"], "seg_precision": segmentation["precision"],
            "seg_recall": segmentation["recall"], "pos_f1": pos["f1"],
            "oov_recall": 100.0 * found / unseen if unseen else 0.0, "oov_words": float(unseen)}


def entity_scores(gold_tags: Sequence[Sequence[str]], predicted_tags: Sequence[Sequence[str]],
                  ) -> dict[str, float]:
    """Entity precision / recall / F1 (%) over typed spans."""
    scores = f1((set(entity_spans(g)) for g in gold_tags), (set(entity_spans(p)) for p in predicted_tags))
    return {f"entity_{name}": value for name, value in scores.items()}
