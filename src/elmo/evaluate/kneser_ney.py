"""Interpolated Kneser-Ney n-gram language model: the classic baseline for perplexity tables.

Written here because the usual libraries do not fit this machine: NLTK's ``KneserNeyInterpolated``
scans every stored n-gram for each probability (measured: 40 tokens/s when trained on 108k tokens,
hours for a held-out set), and KenLM's estimator (``lmplz``) is neither on PyPI nor in Debian.
N-grams are counted as integer keys with numpy, so millions of tokens take seconds.

Model (Chen & Goodman's interpolated Kneser-Ney, one absolute discount per order,
``D = n1 / (n1 + 2 n2)`` from that order's counts of counts)::

    P(w | h) = max(c(h w) - D, 0) / c(h .) + D * N1+(h .) / c(h .) * P(w | h')

where ``c`` is the raw count at the highest order and the continuation count
``N1+(. h w)`` (distinct left neighbours) below it, ``h'`` drops the oldest word of ``h``, and an
unseen ``h`` backs off entirely to ``P(w | h')``. The unigram level interpolates with the uniform
distribution over the vocabulary, so every token has a probability. Sentences are wrapped in
``<S>`` ... ``</S>``, out-of-vocabulary tokens become ``<UNK>``, and ``</S>`` is predicted, exactly
like the biLM's evaluation; ``reverse=True`` gives the backward model.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from elmo.data.vocab import Vocabulary


class _Level:
    """Counts of one order: sorted n-gram keys with counts, and per-context totals and types."""

    def __init__(self, keys: np.ndarray, counts: np.ndarray, base: int) -> None:
        self.keys, self.counts = keys, counts
        contexts = keys // base
        self.contexts, first = np.unique(contexts, return_index=True)
        self.totals = np.add.reduceat(counts, first) if len(keys) else counts
        self.types = np.diff(np.append(first, len(keys)))
        n1, n2 = int((counts == 1).sum()), int((counts == 2).sum())
        self.discount = n1 / (n1 + 2 * n2) if n1 + n2 else 0.5

    @staticmethod
    def _find(sorted_keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
        """values[i] where sorted_keys[i] == query, else 0."""
        index = np.clip(np.searchsorted(sorted_keys, query), 0, max(len(sorted_keys) - 1, 0))
        found = sorted_keys[index] == query if len(sorted_keys) else np.zeros(len(query), bool)
        return np.where(found, values[index] if len(values) else 0, 0)

    def count(self, keys: np.ndarray) -> np.ndarray:
        return self._find(self.keys, self.counts, keys)

    def context_totals(self, contexts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (self._find(self.contexts, self.totals, contexts),
                self._find(self.contexts, self.types, contexts))


class KneserNeyLM:
    """An order-``order`` interpolated Kneser-Ney model over a fixed vocabulary.

    Args:
        vocabulary: tokens outside it count as ``<UNK>``.
        order: n-gram order (3 = trigram); ``len(vocabulary) ** order`` must fit in 63 bits.
        reverse: model sentences right to left (the backward direction).
    """

    def __init__(self, vocabulary: Vocabulary, order: int = 3, reverse: bool = False) -> None:
        if order < 1:
            raise ValueError("order must be at least 1")
        if len(vocabulary) ** order >= 2 ** 63:
            raise ValueError(f"order {order} is too high for a vocabulary of {len(vocabulary):,}")
        self.vocabulary = vocabulary
        self.order = order
        self.reverse = reverse
        self.size = len(vocabulary)
        self.levels: list[_Level] = []

    @property
    def discounts(self) -> list[float]:
        return [level.discount for level in self.levels]

    def _grams(self, sentences: Iterable[Sequence[str]]) -> np.ndarray:
        """All n-grams of the padded sentences as rows of ids: (N, order), oldest first."""
        pad, rows = self.order - 1, []
        for sentence in sentences:
            ids = self.vocabulary.encode(sentence)
            if self.reverse:
                ids = ids[::-1]
            padded = np.concatenate([np.full(pad, self.vocabulary.bos_id), ids,
                                     [self.vocabulary.eos_id]]).astype(np.int64)
            rows.append(np.lib.stride_tricks.sliding_window_view(padded, self.order))
        return np.concatenate(rows) if rows else np.zeros((0, self.order), np.int64)

    def _keys(self, grams: np.ndarray) -> np.ndarray:
        keys = np.zeros(len(grams), np.int64)
        for column in range(grams.shape[1]):
            keys = keys * self.size + grams[:, column]
        return keys

    def fit(self, sentences: Iterable[Sequence[str]]) -> KneserNeyLM:
        keys, counts = np.unique(self._keys(self._grams(sentences)), return_counts=True)
        levels = [_Level(keys, counts, self.size)]
        for k in range(self.order - 1, 0, -1):  # continuation counts: distinct left neighbours
            keys, counts = np.unique(keys % self.size ** k, return_counts=True)
            levels.append(_Level(keys, counts, self.size))
        self.levels = levels[::-1]  # levels[k] holds (k+1)-grams
        return self

    def count(self, gram: Sequence[int]) -> int:
        """The stored count of an n-gram of ids: raw at the top order, continuation below."""
        return int(self.levels[len(gram) - 1].count(self._keys(np.array([gram], np.int64)))[0])

    def probabilities(self, grams: np.ndarray) -> np.ndarray:
        """P(last id | the ids before it) for each row of ``grams``: (N, order) -> (N,)."""
        probability = np.full(len(grams), 1.0 / self.size)
        for k, level in enumerate(self.levels):
            full = self._keys(grams[:, self.order - 1 - k:])
            total, types = level.context_totals(full // self.size)
            seen = total > 0
            safe = np.where(seen, total, 1)
            mixed = (np.maximum(level.count(full) - level.discount, 0.0) / safe
                     + level.discount * types / safe * probability)
            probability = np.where(seen, mixed, probability)
        return probability

    def probability(self, history: tuple[int, ...], word: int) -> float:
        """P(word | history) for one word, history holding ``order - 1`` ids (oldest first);
        a shorter history is padded with ``<S>`` on the left."""
        pad = (self.vocabulary.bos_id,) * (self.order - 1 - len(history))
        row = np.array([(pad + tuple(history))[len(pad + tuple(history)) - (self.order - 1):]
                        + (word,)] if self.order > 1 else [(word,)], dtype=np.int64)
        return float(self.probabilities(row)[0])

    def log_likelihood(self, sentences: Iterable[Sequence[str]]) -> tuple[float, int]:
        """(sum of natural-log probabilities, number of predictions) over the sentences."""
        grams = self._grams(sentences)
        return float(np.log(self.probabilities(grams)).sum()), len(grams)

    def perplexity(self, sentences: Iterable[Sequence[str]]) -> float:
        total, predictions = self.log_likelihood(sentences)
        return math.exp(-total / predictions)
