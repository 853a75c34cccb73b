"""What a corpus is to the downloader: its description, the pinned files it is made from, and the
functions that convert them and extract their licence notice."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from elmo.corpora.download import Artifact
from elmo.corpora.writer import CorpusWriter

Converter = Callable[[Sequence[Path], CorpusWriter], None]
NoticeReader = Callable[[Sequence[Path]], str]


@dataclass(frozen=True)
class CorpusSpec:
    """One corpus.

    Args:
        name: the name used on the command line and as the cache folder.
        language: ``"zh"`` or ``"en"``.
        description: one line.
        licence: the licence in a few words (the full notice goes to ``NOTICE``).
        size: the approximate size before conversion, for listings.
        version: the source's version.
        source: where the text comes from, for ``meta.json``.
        artifacts: the files downloaded; ``convert`` and ``notice`` receive their paths in order.
        convert: writes the splits through a :class:`CorpusWriter`.
        notice: returns the text of the ``NOTICE`` file.
        tokenizer: how the text was tokenized, for ``meta.json``.
        split: how train/dev/test were chosen, for ``meta.json``.
        caveat: why a corpus is opt-in (an unclear licence, evaluation use only): such a corpus
            is fetched only when named, never by ``all``, and the caveat is shown when it is.
        revision: the conversion's revision, raised when it writes something new; a cache
            converted at another revision is converted again (from the kept downloads).
    """

    name: str
    language: str
    description: str
    licence: str
    size: str
    version: str
    source: str
    artifacts: tuple[Artifact, ...]
    convert: Converter
    notice: NoticeReader
    tokenizer: str
    split: str
    caveat: str | None = None
    revision: int = 1
