"""Chinese (simplified) manual pages from the Debian package manpages-zh 1.6.4.0-1: technical
Chinese mixed with English options and commands.

Each gzip-compressed troff page under ``usr/share/man/zh_CN/`` is reduced to its paragraphs of
text (see :mod:`elmo.corpora.troff_text`), cut into sentences after 。！？ and segmented by jieba.
The traditional-script copies under ``zh_TW`` are left out. Split by page, 90/5/5, in sorted path
order.
"""
from __future__ import annotations

import gzip
import re
from collections.abc import Sequence
from pathlib import Path

from elmo.corpora.archives import iter_members, read_member
from elmo.corpora.download import Artifact
from elmo.corpora.errors import ArchiveError
from elmo.corpora.spec import CorpusSpec
from elmo.corpora.splits import BY_DOCUMENT, split_of_document
from elmo.corpora.tokenize import CHINESE, chinese_sentences, chinese_tokens
from elmo.corpora.troff_text import man_paragraphs
from elmo.corpora.writer import CorpusWriter

ARTIFACT = Artifact("apt", "manpages-zh=1.6.4.0-1", "manpages-zh_1.6.4.0-1_all.deb",
                    "81bae29495f6445db290e3f329f1203eb19b651c2a7ea165b74ebdc853a32ac1")
PAGE = re.compile(r"usr/share/man/zh_CN/man[1-9]/[^/]+\.gz")
COPYRIGHT = "usr/share/doc/manpages-zh/copyright"


def convert_pages(pages: dict[str, str], writer: CorpusWriter) -> None:
    """Write man pages (path -> troff source) to the split of their position in path order."""
    for index, name in enumerate(sorted(pages)):
        split = split_of_document(index)
        for paragraph in man_paragraphs(pages[name]):
            for sentence in chinese_sentences(paragraph):
                writer.sentence(split, chinese_tokens(sentence))


def convert(archives: Sequence[Path], writer: CorpusWriter) -> None:
    """Convert the zh_CN pages of the Debian package."""
    pages = {name: gzip.decompress(content).decode("utf-8", errors="replace")
             for name, content in iter_members(archives[0], lambda name: bool(PAGE.fullmatch(name)))}
    if not pages:
        raise ArchiveError(f"{archives[0].name} has no page under usr/share/man/zh_CN/")
    convert_pages(pages, writer)


def notice(archives: Sequence[Path]) -> str:
    text = read_member(archives[0], COPYRIGHT).decode("utf-8", errors="replace").strip()
    return ("Derived from the Debian package manpages-zh 1.6.4.0-1 (apt-get download), whose "
            f"copyright file follows.\n\n{text}\n")


CORPUS = CorpusSpec(
    name="zh-manpages", language="zh", description="Chinese manual pages (zh_CN), technical",
    licence="GFDL-1.2+ and others", size="0.82M chars", version="manpages-zh 1.6.4.0-1",
    source=f"apt-get download {ARTIFACT.spec}: usr/share/man/zh_CN/man*/*.gz",
    artifacts=(ARTIFACT,), convert=convert, notice=notice, tokenizer=CHINESE,
    split=BY_DOCUMENT.format(order="sorted path order of the pages") +
    "; troff markup removed, sentences cut after 。！？")
