"""Chinese fortunes from the Debian package fortunes-zh 2.98: Tang poems (``tang300``), Song lyrics
(``song100``) and assorted quotations (``chinese``), in the fortune format: entries separated by
lines holding ``%``, with ANSI colour codes around titles and authors.

Colour codes are removed; each non-blank line of an entry is segmented by jieba into one output
line (a poem's line, a title, an author line). Split by entry, 90/5/5, files in name order, each
file's entries in order (see :mod:`elmo.corpora.splits`).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from elmo.corpora.archives import read_member, read_members
from elmo.corpora.download import Artifact
from elmo.corpora.spec import CorpusSpec
from elmo.corpora.splits import BY_DOCUMENT, split_of_document
from elmo.corpora.tokenize import CHINESE, chinese_tokens
from elmo.corpora.writer import CorpusWriter

ARTIFACT = Artifact("apt", "fortunes-zh=2.98", "fortunes-zh_2.98_all.deb",
                    "211c5ddee59d0ae74ce01cbfd02f7c8714740bae1835d5661eb2254edd739105")
FILES = tuple(f"usr/share/games/fortunes/{name}" for name in ("chinese", "song100", "tang300"))
COPYRIGHT = "usr/share/doc/fortunes-zh/copyright"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def entries(text: str) -> list[list[str]]:
    """The entries of a fortune file, each as its non-blank lines without colour codes."""
    found: list[list[str]] = [[]]
    for line in _ANSI.sub("", text).split("\n"):
        if line.strip() == "%":
            found.append([])
        elif line.strip():
            found[-1].append(line.strip())
    return [entry for entry in found if entry]


def convert_files(texts: Sequence[str], writer: CorpusWriter) -> None:
    """Write the entries of fortune files, 90/5/5 by entry in order."""
    for index, entry in enumerate(entry for text in texts for entry in entries(text)):
        split = split_of_document(index)
        for line in entry:
            writer.sentence(split, chinese_tokens(line))


def convert(archives: Sequence[Path], writer: CorpusWriter) -> None:
    """Convert the three fortune files of the Debian package."""
    contents = read_members(archives[0], FILES)
    convert_files([contents[name].decode("utf-8", errors="replace") for name in FILES], writer)


def notice(archives: Sequence[Path]) -> str:
    text = read_member(archives[0], COPYRIGHT).decode("utf-8", errors="replace").strip()
    return ("Derived from the Debian package fortunes-zh 2.98 (apt-get download), whose copyright "
            f"file follows. The Tang and Song poems themselves are classical texts.\n\n{text}\n")


CORPUS = CorpusSpec(
    name="fortunes-zh", language="zh", description="Tang/Song poems and quotations (fortune-zh)",
    licence="GPL-3.0+ (package)", size="0.33M chars", version="fortunes-zh 2.98",
    source=f"apt-get download {ARTIFACT.spec}: {', '.join(FILES)}",
    artifacts=(ARTIFACT,), convert=convert, notice=notice, tokenizer=CHINESE,
    split=BY_DOCUMENT.format(order="file order (chinese, song100, tang300), entries in order") +
    "; one source line per line")
