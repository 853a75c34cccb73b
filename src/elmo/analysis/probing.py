"""Linear probes: how much of a token property (e.g. its part of speech) each layer's vectors
hold, read by a multinomial logistic regression trained on that layer alone (the paper's
section 5.3 did this for POS tagging and word sense)."""
from __future__ import annotations

import warnings
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from elmo.embed.embedder import Embedder
from elmo.errors import InputError


def token_layers(model: Embedder, sentences: Sequence[Sequence[str]]) -> np.ndarray:
    """Every token's vectors at every layer, sentences concatenated: (n_tokens, L + 1, D) float32."""
    if not sentences:
        raise InputError("no sentences to embed")
    return np.concatenate([layers.transpose(1, 0, 2) for layers in model.embed(sentences)]).astype(np.float32)


def probe_accuracy(train_x: np.ndarray, train_y: Sequence[str], test_x: np.ndarray,
                   test_y: Sequence[str], max_iter: int = 300) -> float:
    """Accuracy on the test tokens of a logistic regression fitted on the train tokens.

    Shapes: train_x (N, D), test_x (M, D); labels are strings, one per row. Features are
    standardised on the train rows. Test labels never seen in training count as errors. Every
    probe gets the same ``max_iter`` L-BFGS iterations, converged or not (no warning).
    """
    if len(train_x) != len(train_y) or len(test_x) != len(test_y):
        raise InputError("each vector needs exactly one label")
    scaler = StandardScaler().fit(train_x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier = LogisticRegression(max_iter=max_iter).fit(scaler.transform(train_x), list(train_y))
    predicted = classifier.predict(scaler.transform(test_x))
    return float(np.mean(predicted == np.asarray(test_y)))


def most_frequent_label_accuracy(train_words: Sequence[str], train_y: Sequence[str],
                                 test_words: Sequence[str], test_y: Sequence[str]) -> float:
    """The reference without context: each word gets its most frequent training label, unseen
    words the most frequent label overall."""
    by_word: dict[str, Counter] = defaultdict(Counter)
    for word, label in zip(train_words, train_y):
        by_word[word][label] += 1
    overall = Counter(train_y).most_common(1)[0][0]
    guesses = [by_word[w].most_common(1)[0][0] if w in by_word else overall for w in test_words]
    return float(np.mean([g == y for g, y in zip(guesses, test_y)]))
