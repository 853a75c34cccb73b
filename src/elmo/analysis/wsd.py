"""Word-sense evaluation of occurrence vectors, as in section 5.3 of the ELMo paper.

Two tasks on sense-labelled occurrences (:mod:`elmo.analysis.senses`), for any features, one row
per occurrence: a layer's vectors (n, D), the mean of the layers, or a sparse bag of context words.

* **Nearest sense** (1-NN over senses, leave one out): each occurrence is assigned the sense of
  the same word whose mean unit vector, over the *other* occurrences, is nearest by cosine. As in
  the paper, a sense is represented by its average. Scored on the occurrences whose sense has
  another occurrence (otherwise the sense cannot be predicted by any method that learns from
  examples). The reference is the word's most frequent sense, from the sense inventory's order.
  Senses whose cosines tie (within ``TIE``: a context-free vector, such as layer 0 for all
  occurrences of one word form, is equal up to float rounding) go to the first of them in that
  order, so a context-free vector scores exactly what its word's default sense scores, instead of
  whatever the rounding noise picks.
* **Same or different sense**: balanced pairs of occurrences of one word; a pair is called
  "same sense" when its cosine is at least a threshold, chosen for accuracy on the dev pairs;
  the area under the ROC curve (AUC) scores the cosines without a threshold.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import normalize

from elmo.analysis.senses import SenseExample, by_word
from elmo.errors import InputError

TIE = 1e-5  # cosines closer than this are tied (float32 rounding of equal vectors is far below)


@dataclass(frozen=True)
class Scores:
    """One method's results: nearest-sense accuracy and its count of scored occurrences, and
    same/different-sense pair accuracy with its threshold and the pairs' AUC (None for a method
    without features)."""

    wsd: float
    scored: int
    pairs: float | None = None
    threshold: float | None = None
    auc: float | None = None
    n_pairs: int = 0


def bag_of_words(examples: Sequence[SenseExample]) -> sparse.csr_matrix:
    """Binary bag of the lowercased context words of each occurrence: (n, V) sparse."""
    vectorizer = CountVectorizer(analyzer=lambda e: [t.lower() for t in e.context], binary=True)
    return vectorizer.fit_transform(examples).astype(np.float32)


def nearest_sense(features, examples: Sequence[SenseExample]) -> list[str | None]:
    """The predicted sense of each occurrence (leave one out, see the module docstring); None
    where no other occurrence of its word exists. ``features``: (n, D) array or sparse matrix."""
    features = normalize(features)
    predictions: list[str | None] = [None] * len(examples)
    for indices in by_word(examples):
        names, members = _membership(examples, indices)  # (S,), (m, S)
        rows = features[indices]
        rows = rows.toarray() if sparse.issparse(rows) else rows  # (m, D)
        sums = members.T @ rows  # (S, D)
        for r, index in enumerate(indices):
            counts = members.sum(0) - members[r]  # (S,)
            centroids = (sums - np.outer(members[r], rows[r])) / np.maximum(counts, 1)[:, None]
            cosines = centroids @ rows[r] / np.maximum(np.linalg.norm(centroids, axis=1), 1e-12)
            cosines[counts == 0] = -np.inf
            if counts.any():
                predictions[index] = names[int(np.argmax(cosines >= cosines.max() - TIE))]
    return predictions


def first_sense(examples: Sequence[SenseExample]) -> list[str]:
    """The most-frequent-sense reference: each occurrence gets its word's first sense in label
    order (for WordNet the lowest sense number, senses being numbered by frequency)."""
    first: dict[str, str] = {}
    for example in examples:
        first[example.word] = min(first.get(example.word, example.sense), example.sense)
    return [first[example.word] for example in examples]


def scored_mask(examples: Sequence[SenseExample]) -> np.ndarray:
    """Which occurrences the nearest-sense task scores: those whose sense occurs again for the
    same word. (n,) bool."""
    mask = np.zeros(len(examples), bool)
    for indices in by_word(examples):
        _, members = _membership(examples, indices)
        mask[indices] = (members * members.sum(0)).sum(1) >= 2
    return mask


def sense_accuracy(predictions: Sequence[str | None], examples: Sequence[SenseExample],
                   mask: np.ndarray) -> float:
    """The fraction of the masked occurrences whose predicted sense is their sense."""
    right = [predictions[i] == examples[i].sense for i in np.flatnonzero(mask)]
    return float(np.mean(right)) if right else float("nan")


def sense_pairs(examples: Sequence[SenseExample], seed: int = 0) -> np.ndarray:
    """Balanced pairs of occurrences of the same word: for each word, k same-sense and k
    different-sense pairs drawn without replacement, k the smaller of the two counts.
    (n_pairs, 3) int: first index, second index, 1 if same sense."""
    rng = np.random.default_rng(seed)
    chosen = []
    for indices in by_word(examples):
        first, second = np.triu_indices(len(indices), k=1)
        pairs = np.stack([indices[first], indices[second]], axis=1)  # (p, 2)
        same = np.array([examples[a].sense == examples[b].sense for a, b in pairs], bool)
        k = min(same.sum(), (~same).sum())
        for label, selection in ((1, same), (0, ~same)):
            picked = pairs[selection][rng.choice(selection.sum(), size=k, replace=False)]
            chosen.append(np.column_stack([picked, np.full(k, label)]))
    return np.concatenate(chosen) if chosen else np.zeros((0, 3), int)


def pair_cosines(features, pairs: np.ndarray) -> np.ndarray:
    """Cosine similarity of each pair's two rows of ``features``: (n_pairs,)."""
    features = normalize(features)
    products = features[pairs[:, 0]].multiply(features[pairs[:, 1]]) if sparse.issparse(
        features) else features[pairs[:, 0]] * features[pairs[:, 1]]
    return np.asarray(products.sum(1)).ravel()


def best_threshold(scores: np.ndarray, same: np.ndarray) -> float:
    """The threshold t maximising the accuracy of "same sense iff score >= t" on these pairs;
    the lowest such t when several tie. ``scores``, ``same``: (n,)."""
    order = np.argsort(-scores, kind="stable")
    ranked, labels = scores[order], same[order].astype(bool)
    right_same = np.cumsum(labels)  # same-sense pairs at or above each rank
    wrong_same = np.cumsum(~labels)
    accuracy = (right_same + (~labels).sum() - wrong_same) / len(scores)
    last_of_tie = np.append(ranked[1:] != ranked[:-1], True)  # a threshold takes all equal scores
    accuracy = np.where(last_of_tie, accuracy, -1.0)
    best = int(np.flatnonzero(accuracy == accuracy.max())[-1])
    none_same = (~labels).sum() / len(scores)
    return float(ranked[best]) if accuracy[best] >= none_same else float(np.inf)


def pair_accuracy(scores: np.ndarray, same: np.ndarray, threshold: float) -> float:
    """Accuracy of "same sense iff score >= threshold": a float in [0, 1]."""
    return float(np.mean((scores >= threshold) == same.astype(bool)))


def evaluate(features, examples: Sequence[SenseExample], dev: np.ndarray) -> Scores:
    """Both tasks for one set of features: nearest-sense accuracy on the occurrences not in
    ``dev`` ((n,) bool), pair accuracy on their pairs with the threshold chosen on dev pairs.
    ``features`` None scores the most-frequent-sense reference only."""
    test = scored_mask(examples) & ~dev
    if features is None:
        return Scores(sense_accuracy(first_sense(examples), examples, test), int(test.sum()))
    wsd = sense_accuracy(nearest_sense(features, examples), examples, test)
    pairs = sense_pairs(examples)
    on_dev = dev[pairs[:, 0]]
    if not on_dev.any() or on_dev.all():
        raise InputError("the pair task needs dev and test words with two or more senses each")
    cosines = pair_cosines(features, pairs)
    threshold = best_threshold(cosines[on_dev], pairs[on_dev, 2])
    accuracy = pair_accuracy(cosines[~on_dev], pairs[~on_dev, 2], threshold)
    auc = float(roc_auc_score(pairs[~on_dev, 2], cosines[~on_dev]))
    return Scores(wsd, int(test.sum()), accuracy, threshold, auc, int((~on_dev).sum()))


def format_table(rows: dict[str, Scores]) -> str:
    """A text table, one line per method."""
    width = max(len(name) for name in rows)
    lines = [(f"{'method':<{width}}  {'nearest sense':>13}  {'pairs: accuracy':>15}  "
              f"{'threshold':>9}  {'AUC':>5}")]
    lines.append("-" * len(lines[0]))
    for name, scores in rows.items():
        pairs, threshold, auc = ("-", "-", "-") if scores.pairs is None else (
            f"{100 * scores.pairs:.1f}", f"{scores.threshold:.3f}", f"{scores.auc:.3f}")
        lines.append(f"{name:<{width}}  {100 * scores.wsd:13.1f}  {pairs:>15}  {threshold:>9}  "
                     f"{auc:>5}")
    first = next(iter(rows.values()))
    pairs = max(scores.n_pairs for scores in rows.values())
    lines.append(f"(accuracy %: nearest sense over {first.scored:,} test occurrences, "
                 f"pairs over {pairs:,} balanced test pairs, chance 50%)")
    return "\n".join(lines)


def _membership(examples: Sequence[SenseExample], indices: np.ndarray
                ) -> tuple[list[str], np.ndarray]:
    """The sorted senses of these occurrences and a (m, S) 0/1 matrix of who has which."""
    labels = [examples[i].sense for i in indices]
    names = sorted(set(labels))
    members = np.zeros((len(indices), len(names)), np.float32)
    members[np.arange(len(indices)), [names.index(label) for label in labels]] = 1
    return names, members
