"""Sense-labelled word occurrences: reading them, and the vectors a model gives their target word.

One occurrence per line, ``SENSE@I<TAB>tokens``: ``tokens[I]`` (0-based, tokens separated by
single spaces) is used in sense ``SENSE``, a label ``WORD.NAME`` whose part before the last dot
names the word whose senses are told apart (``play.v.03`` is sense 3 of the verb *play*;
``包袱.笑料`` the "joke" sense of 包袱). This is the layout of the ``wordnet`` corpus's
``<split>.tsv`` files and of the Chinese set ``benchmarks/data/zh_senses.*.tsv``.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from elmo.embed.embedder import Embedder
from elmo.errors import InputError


@dataclass(frozen=True)
class SenseExample:
    """A word used in one sense at ``tokens[position]``."""

    sense: str
    position: int
    tokens: tuple[str, ...]

    @property
    def word(self) -> str:
        """What the senses belong to: the label before its last dot (``play.v``, ``包袱``)."""
        return self.sense.rsplit(".", 1)[0]

    @property
    def context(self) -> tuple[str, ...]:
        """The sentence without the target token."""
        return self.tokens[: self.position] + self.tokens[self.position + 1:]


def parse_line(line: str, where: str = "line") -> SenseExample:
    """One ``SENSE@I<TAB>tokens`` line (see the module docstring).

    Raises:
        InputError: a malformed line, or a position outside the sentence.
    """
    label, tab, text = line.rstrip("\n").partition("\t")
    sense, at, position = label.rpartition("@")
    tokens = tuple(text.split())
    if not tab or not at or "." not in sense or not position.isdigit():
        raise InputError(f"{where}: expected 'WORD.SENSE@POSITION<TAB>tokens', got {line[:80]!r}")
    if int(position) >= len(tokens):
        raise InputError(f"{where}: position {position} is outside the {len(tokens)} tokens")
    return SenseExample(sense, int(position), tokens)


def read_examples(path: str | Path) -> list[SenseExample]:
    """The sense-labelled occurrences of a file, skipping blank lines and ``#`` comments.

    Raises:
        InputError: the file is missing or has a malformed line (naming it).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no sense-labelled file {path}")
    with open(path, encoding="utf-8") as file:
        return [parse_line(line, f"{path}:{number}") for number, line in enumerate(file, start=1)
                if line.strip() and not line.startswith("#")]


def by_word(examples: Sequence[SenseExample]) -> Iterator[np.ndarray]:
    """Indices of the examples of each word, words in order of first appearance: (m,) each."""
    groups: dict[str, list[int]] = {}
    for index, example in enumerate(examples):
        groups.setdefault(example.word, []).append(index)
    return (np.array(indices) for indices in groups.values())


def target_vectors(model: Embedder, examples: Sequence[SenseExample]) -> np.ndarray:
    """Every layer's vector of each example's target token: (n, L + 1, D) float32.

    Sentences are embedded whole, in the model's batches; memory is n * (L + 1) * D floats.
    """
    out = np.empty((len(examples), model.n_representations, model.output_dim), np.float32)
    step = 1024
    for start in range(0, len(examples), step):
        chunk = examples[start: start + step]
        for row, (example, vectors) in enumerate(
                zip(chunk, model.embed([list(e.tokens) for e in chunk])), start=start):
            out[row] = vectors[:, example.position]  # (L + 1, D)
    return out


def examples_of(word: str, examples: Sequence[SenseExample], senses: int | None = None,
                ) -> list[SenseExample]:
    """The examples of ``word`` (``play`` takes ``play.n`` and ``play.v``; ``play.v`` only the
    verb), keeping only its ``senses`` most frequent senses when given (ties: label order)."""
    chosen = [e for e in examples if e.word == word or e.word.split(".")[0] == word]
    if senses is not None:
        counts: dict[str, int] = {}
        for example in chosen:
            counts[example.sense] = counts.get(example.sense, 0) + 1
        kept = set(sorted(counts, key=lambda sense: (-counts[sense], sense))[:senses])
        chosen = [e for e in chosen if e.sense in kept]
    return chosen


def unlabelled_examples(word: str, sentences: Iterable[Sequence[str]]) -> list[SenseExample]:
    """An example of unknown sense (``WORD.?``) for each sentence holding the token ``word``,
    at its first occurrence."""
    return [SenseExample(f"{word}.?", list(tokens).index(word), tuple(tokens))
            for tokens in sentences if word in tokens]
