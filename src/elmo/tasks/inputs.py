"""Sentences -> the tensors a task model reads (:class:`TaskInputs`), one way for training and
for prediction.

Character tasks (segmentation + POS, entities) can add two classic features of Chinese sequence
labelling to each character:

* **bigrams**: the ids of the character bigrams ending and starting there (``<s>`` and ``</s>``
  pad the sentence), from a vocabulary of the training split's bigrams;
* **lexicon**: for each word length ``n`` in 2..``max_word_length``, whether a word of the
  lexicon (the training split's words) of that length starts at the character, and whether one
  ends there: ``2 * (max_word_length - 1)`` zeros and ones.

A lexicon of the training split's own words would mark every word of every training sentence, so
a model learns to trust it blindly and splits the words it lacks: the new words of new text. With
``lexicon_folds = k``, training sentences are dealt into k folds and each reads the lexicon of the
words of the *other* folds (:func:`fold_lexicons`), so a word seen in one fold only is missing
there, as a new word is at test time; dev, test and new text read the whole lexicon. Words of a
dictionary (``lexicon_extra``) are in every fold's lexicon, as they are at test time.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import torch

from elmo.corpora.cache import cache_root
from elmo.errors import InputError
from elmo.heads.token_input import TaskInputs
from elmo.tasks.config import FeaturesConfig
from elmo.tasks.vocab import TokenVocab

START, END = "<s>", "</s>"


def sentence_bigrams(tokens: Sequence[str]) -> list[str]:
    """The n + 1 bigrams of a sentence of n tokens padded with ``<s>`` and ``</s>``, each once."""
    padded = [START, *tokens, END]
    return [padded[i] + padded[i + 1] for i in range(len(padded) - 1)]


def character_bigrams(tokens: Sequence[str]) -> list[str]:
    """The bigrams around each token, 2 per token: (ending there, starting there), flattened."""
    bigrams = sentence_bigrams(tokens)
    return [pair for i in range(len(tokens)) for pair in (bigrams[i], bigrams[i + 1])]


class Lexicon:
    """Words of 2..``max_length`` characters, matched against a sentence's characters."""

    def __init__(self, words: Iterable[str], max_length: int) -> None:
        self.max_length = max_length
        self.words = {word for word in words if 2 <= len(word) <= max_length}

    @property
    def width(self) -> int:
        return 2 * (self.max_length - 1)

    def extended(self, words: Iterable[str]) -> Lexicon:
        """This lexicon with ``words`` added."""
        return Lexicon(itertools.chain(self.words, words), self.max_length)

    def features(self, tokens: Sequence[str]) -> np.ndarray:
        """(T, width) float32: column ``n - 2`` says a lexicon word of length n starts at the
        token, column ``max_length - 1 + n - 2`` that one ends there."""
        found = np.zeros((len(tokens), self.width), np.float32)
        text = "".join(tokens)
        if len(text) != len(tokens):  # tokens are not single characters: no match is meaningful
            return found
        for start in range(len(text)):
            for length in range(2, min(self.max_length, len(text) - start) + 1):
                if text[start: start + length] in self.words:
                    found[start, length - 2] = 1.0
                    found[start + length - 1, self.max_length - 1 + length - 2] = 1.0
        return found


def fold_lexicons(sentence_words: Sequence[Sequence[str]], folds: int, max_length: int,
                  extra: Iterable[str] = ()) -> list[Lexicon]:
    """For each training sentence, the lexicon of the words of the other folds (sentence i is in
    fold ``i % folds``), plus the ``extra`` words in every fold."""
    seen_in: dict[str, set[int]] = {}
    for index, words in enumerate(sentence_words):
        for word in words:
            seen_in.setdefault(word, set()).add(index % folds)
    extra = list(extra)
    lexicons = [Lexicon(itertools.chain((word for word, where in seen_in.items() if where - {fold}),
                                        extra), max_length)
                for fold in range(folds)]
    return [lexicons[index % folds] for index in range(len(sentence_words))]


def lexicon_words(features: FeaturesConfig, train_words: Iterable[str],
                  extra: Sequence[str] = ()) -> list[str]:
    """The words of the configured lexicon: the training words, a file's, or none; then the
    ``extra`` words (:func:`extra_words`) not among them.

    Raises:
        InputError: the lexicon file cannot be read.
    """
    if features.lexicon == "train":
        words = sorted(set(train_words))
    else:
        words = read_words(features.lexicon, "[features] lexicon") if features.lexicon else []
    return list(dict.fromkeys([*words, *extra]))


def extra_words(features: FeaturesConfig) -> list[str]:
    """The words of ``[features] lexicon_extra``, none if it is not set.

    Raises:
        InputError: the file cannot be read.
    """
    return (read_words(features.lexicon_extra, "[features] lexicon_extra")
            if features.lexicon_extra else [])


def read_words(path: str | Path, option: str) -> list[str]:
    """The words of a word-list file, one per line.

    Raises:
        InputError: the file cannot be read (naming the ``option`` that gave it).
    """
    try:
        with open(path, encoding="utf-8") as lines:
            return [line.strip() for line in lines if line.strip()]
    except (OSError, UnicodeDecodeError) as error:
        hint = ("; it comes with a fetched corpus: `elmo data list`, `elmo data fetch NAME`"
                if Path(path).is_relative_to(cache_root()) else "")
        raise InputError(f"{option} {path}: cannot be read ({error}){hint}") from None


class InputEncoder:
    """The token vocabulary and, for character tasks, the bigram vocabulary and the lexicon."""

    def __init__(self, vocab: TokenVocab, bigrams: TokenVocab | None = None,
                 lexicon: Lexicon | None = None) -> None:
        self.vocab, self.bigrams, self.lexicon = vocab, bigrams, lexicon

    @classmethod
    def configured(cls, features: FeaturesConfig, vocab: TokenVocab, bigrams: TokenVocab | None,
                   words: Iterable[str]) -> InputEncoder:
        """The encoder ``features`` ask for, over the given vocabularies and lexicon ``words``."""
        lexicon = Lexicon(words, features.max_word_length) if features.lexicon else None
        return cls(vocab, bigrams if features.bigram_dim else None, lexicon)

    def encode(self, sentences: Sequence[Sequence[str]], layers: torch.Tensor | None = None,
               lexicons: Sequence[Lexicon] | None = None) -> TaskInputs:
        """Padded tensors of non-empty ``sentences`` (and their ELMo ``layers``, if given);
        ``lexicons``: each sentence's own lexicon (see :func:`fold_lexicons`) instead of ours."""
        length = max(len(s) for s in sentences)
        token_ids = torch.zeros(len(sentences), length, dtype=torch.long)
        mask = torch.zeros(len(sentences), length, dtype=torch.bool)
        bigram_ids = (torch.zeros(len(sentences), length, 2, dtype=torch.long)
                      if self.bigrams is not None else None)
        lexicon = (torch.zeros(len(sentences), length, self.lexicon.width)
                   if self.lexicon is not None else None)
        for row, tokens in enumerate(sentences):
            n = len(tokens)
            token_ids[row, :n] = torch.from_numpy(self.vocab.encode(tokens))
            mask[row, :n] = True  # unknown tokens are id 1, never 0: the mask is by length
            if bigram_ids is not None:
                ids = self.bigrams.encode(character_bigrams(tokens)).reshape(n, 2)
                bigram_ids[row, :n] = torch.from_numpy(ids)
            if lexicon is not None:
                own = lexicons[row] if lexicons is not None else self.lexicon
                lexicon[row, :n] = torch.from_numpy(own.features(tokens))
        return TaskInputs(token_ids, mask, layers, bigram_ids, lexicon)
