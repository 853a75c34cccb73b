"""Readers for the labelled task data: tagged sentences and labelled sentences.

Formats (one example per line, UTF-8):

- ``word/TAG word/TAG ...`` (PD1998, Brown). Read as word-level tags (``"word-tags"``), as
  characters with joint segmentation + POS tags ``B-TAG`` / ``I-TAG`` (``"seg-pos"``), or as
  characters with entity tags ``B-PER`` / ``I-LOC`` / ``O`` derived from nr / ns / nt words, where
  consecutive words of the same entity tag form one entity (PD1998 splits names: ``江/nr 泽民/nr``).
- ``label<TAB>tok tok ...`` (sentence classification, ``"labels"``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from elmo.errors import InputError

FORMATS = ("seg-pos", "ner", "word-tags", "labels")
ENTITY_TYPES = {"nr": "PER", "ns": "LOC", "nt": "ORG"}


@dataclass(frozen=True)
class Example:
    """One sentence: the tokens the models read and its gold labels.

    ``labels`` is one tag per token (tagging) or a one-item tuple with the class (classification).
    ``words`` keeps the gold words of a character-level example (for unseen-word recall).
    """

    tokens: tuple[str, ...]
    labels: tuple[str, ...]
    words: tuple[str, ...] = ()


def read_examples(path: str | Path, data_format: str, limit: int | None = None,
                  max_tokens: int | None = None) -> list[Example]:
    """Read a labelled file; ``limit`` keeps the first N examples, ``max_tokens`` the first N
    tokens of each text (classification only). Blank lines are skipped."""
    if data_format not in FORMATS:
        raise InputError(f"unknown data format {data_format!r}; choose one of {', '.join(FORMATS)}")
    path = Path(path)
    if not path.is_file():
        raise InputError(f"data file not found: {path}")
    parse = {"seg-pos": _seg_pos, "ner": _ner, "word-tags": _word_tags, "labels": _labelled}[data_format]
    examples, number = [], 0
    with path.open(encoding="utf-8") as lines:
        try:
            for number, line in enumerate(lines, 1):
                if limit is not None and len(examples) >= limit:
                    break
                if line.strip():
                    example = parse(line.rstrip("\n"), f"{path}:{number}")
                    if max_tokens is not None and data_format == "labels":
                        example = Example(example.tokens[:max_tokens], example.labels)
                    examples.append(example)
        except UnicodeDecodeError:
            raise InputError(f"{path}: not valid UTF-8 (after line {number})") from None
    if not examples:
        raise InputError(f"{path}: no examples")
    return examples


def split_tagged(line: str, where: str) -> list[tuple[str, str]]:
    """``"word/TAG word/TAG"`` -> [(word, TAG), ...]; the last ``/`` separates the tag."""
    pairs = []
    for item in line.split():
        word, slash, tag = item.rpartition("/")
        if not slash or not word or not tag:
            raise InputError(f"{where}: expected word/TAG, found {item!r}")
        pairs.append((word, tag))
    return pairs


def char_tags(words: Sequence[tuple[str, str]]) -> list[str]:
    """Joint segmentation + POS tags, one per character: [("中国", "ns")] -> ["B-ns", "I-ns"]."""
    return [f"{'B' if i == 0 else 'I'}-{tag}" for word, tag in words for i in range(len(word))]


def entity_char_tags(words: Sequence[tuple[str, str]]) -> list[str]:
    """BIO entity tags per character from nr / ns / nt words (adjacent same-type words merge)."""
    tags, previous = [], None
    for word, tag in words:
        kind = ENTITY_TYPES.get(tag)
        for i in range(len(word)):
            if kind is None:
                tags.append("O")
            else:
                tags.append(f"{'I' if i > 0 or previous == kind else 'B'}-{kind}")
        previous = kind
    return tags


def _seg_pos(line: str, where: str) -> Example:
    words = split_tagged(line, where)
    return Example(tuple(c for word, _ in words for c in word), tuple(char_tags(words)),
                   tuple(word for word, _ in words))


def _ner(line: str, where: str) -> Example:
    words = split_tagged(line, where)
    return Example(tuple(c for word, _ in words for c in word), tuple(entity_char_tags(words)),
                   tuple(word for word, _ in words))


def _word_tags(line: str, where: str) -> Example:
    words = split_tagged(line, where)
    return Example(tuple(w for w, _ in words), tuple(t for _, t in words))


def _labelled(line: str, where: str) -> Example:
    label, tab, text = line.partition("\t")
    if not tab or not label.strip():
        raise InputError(f"{where}: expected label<TAB>tokens")
    tokens = tuple(text.split())
    if not tokens:
        raise InputError(f"{where}: no tokens after the label")
    return Example(tokens, (label.strip(),))
