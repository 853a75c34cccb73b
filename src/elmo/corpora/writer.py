"""Write a converted corpus: one file per split and format, with counts for ``meta.json``.

Every format holds one item per line, UTF-8, ``\\n`` line ends, tokens joined by single spaces:

* ``<split>.txt``: a sentence (the plain text a biLM is trained on);
* ``<split>.tagged.txt``: the same sentences as ``word/TAG`` tokens (the tag follows the last
  ``/``), for corpora with part-of-speech tags;
* ``<split>.tsv``: ``label<TAB>tokens``, one labelled text per line (a review, a news article),
  for corpora with class labels;
* ``words.txt``: a word list, one word per line (a dictionary's headwords), not split.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from elmo.corpora.splits import SPLITS


class CorpusWriter:
    """Writes the files of a corpus into ``folder`` and counts what it wrote.

    Files are opened on first use and must be closed with :meth:`close` (or use ``with``).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, IO[str]] = {}
        self.sentences: Counter[str] = Counter()
        self.tokens: Counter[str] = Counter()
        self.labelled: dict[str, Counter[str]] = {split: Counter() for split in SPLITS}

    def sentence(self, split: str, tokens: Sequence[str], tags: Sequence[str] | None = None) -> None:
        """Add one sentence to ``<split>.txt`` (and ``word/TAG`` to ``<split>.tagged.txt`` when
        ``tags`` are given, one per token). A sentence without tokens is left out."""
        _check_split(split)
        if not tokens:
            return
        _check_tokens(tokens)
        self._file(f"{split}.txt").write(" ".join(tokens) + "\n")
        if tags is not None:
            if len(tags) != len(tokens):
                raise ValueError(f"{len(tokens)} tokens but {len(tags)} tags")
            _check_tokens(tags)
            self._file(f"{split}.tagged.txt").write(
                " ".join(f"{word}/{tag}" for word, tag in zip(tokens, tags)) + "\n")
        self.sentences[split] += 1
        self.tokens[split] += len(tokens)

    def labelled_text(self, split: str, label: str, tokens: Sequence[str]) -> None:
        """Add ``label<TAB>tokens`` to ``<split>.tsv`` (left out when there are no tokens)."""
        _check_split(split)
        if not tokens:
            return
        _check_tokens([label, *tokens])
        self._file(f"{split}.tsv").write(f"{label}\t{' '.join(tokens)}\n")
        self.labelled[split][label] += 1

    def word(self, word: str) -> None:
        """Add one word to ``words.txt``."""
        _check_tokens([word])
        self._file("words.txt").write(word + "\n")

    def counts(self) -> dict[str, dict]:
        """Per split: sentences and tokens written, and texts per label if any were labelled."""
        counts = {}
        for split in SPLITS:
            entry = {"sentences": self.sentences[split], "tokens": self.tokens[split]}
            if self.labelled[split]:
                entry["labelled_texts"] = dict(sorted(self.labelled[split].items()))
            counts[split] = entry
        return counts

    def files(self) -> list[str]:
        """The names of the files written, sorted."""
        return sorted(self._files)

    def close(self) -> None:
        """Close every file; a split with no sentence still gets an empty ``<split>.txt``."""
        for split in SPLITS:
            self._file(f"{split}.txt")
        for file in self._files.values():
            file.close()

    def __enter__(self) -> CorpusWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _file(self, name: str) -> IO[str]:
        if name not in self._files:
            self._files[name] = open(self.folder / name, "w", encoding="utf-8", newline="\n")
        return self._files[name]


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")


def _check_tokens(tokens: Sequence[str]) -> None:
    for token in tokens:
        if not token or token.split() != [token]:
            raise ValueError(f"token {token!r} is empty or holds whitespace")
