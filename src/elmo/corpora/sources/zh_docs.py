"""Chinese software documentation: the LibreOffice 7.4 help in simplified Chinese (Debian package
libreoffice-help-zh-cn) and the Debian Administrator's Handbook's zh-CN pages (debian-handbook).

The paragraphs of each HTML page are read (see :mod:`elmo.corpora.html_text`); a paragraph
without a CJK character (untranslated English, menu paths) is left out, and one already seen on
an earlier page (the help's repeated headers and notes) is kept only at its first occurrence.
Paragraphs are cut after 。！？ and segmented by jieba. Split by page, 90/5/5, LibreOffice pages
then handbook pages, each in sorted path order.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from elmo.corpora.archives import iter_members, read_member
from elmo.corpora.download import Artifact
from elmo.corpora.errors import ArchiveError
from elmo.corpora.html_text import html_paragraphs
from elmo.corpora.spec import CorpusSpec
from elmo.corpora.splits import BY_DOCUMENT, split_of_document
from elmo.corpora.tokenize import CHINESE, chinese_sentences, chinese_tokens
from elmo.corpora.writer import CorpusWriter

LIBREOFFICE = Artifact("apt", "libreoffice-help-zh-cn=4:7.4.7-1+deb12u14",
                       "libreoffice-help-zh-cn_4%3a7.4.7-1+deb12u14_all.deb",
                       "db867cdece4c2f9c7eebe65e519c6cf386fdcf49d6e061db3dffec893b3e1dee")
HANDBOOK = Artifact("apt", "debian-handbook=11.20220922", "debian-handbook_11.20220922_all.deb",
                    "3d5dbeac1f1afc9c094eab9d0f701f6ecff99c4927d5a4794cf6c85678134faa")
PAGES = (re.compile(r"usr/share/libreoffice/help/zh-CN/text/.+\.html"),
         re.compile(r"usr/share/doc/debian-handbook/html/zh-CN/[^/]+\.html"))
COPYRIGHTS = ("usr/share/doc/libreoffice-help-zh-cn/copyright",
              "usr/share/doc/debian-handbook/copyright")
_CJK = re.compile(r"[\u3400-\u9fff]")


def convert_pages(pages: Sequence[str], writer: CorpusWriter) -> None:
    """Write HTML pages, in the given order, to the split of their position (module docstring)."""
    seen: set[str] = set()
    for index, html in enumerate(pages):
        split = split_of_document(index)
        for paragraph in html_paragraphs(html):
            if paragraph in seen or not _CJK.search(paragraph):
                continue
            seen.add(paragraph)
            for sentence in chinese_sentences(paragraph):
                writer.sentence(split, chinese_tokens(sentence))


def convert(archives: Sequence[Path], writer: CorpusWriter) -> None:
    """Convert the zh-CN HTML pages of both packages."""
    pages = []
    for archive, pattern in zip(archives, PAGES):
        found = dict(iter_members(archive, lambda name, pattern=pattern: bool(pattern.fullmatch(name))))
        if not found:
            raise ArchiveError(f"{archive.name} has no zh-CN HTML page of the expected layout")
        pages += [found[name].decode("utf-8", errors="replace") for name in sorted(found)]
    convert_pages(pages, writer)


def notice(archives: Sequence[Path]) -> str:
    parts = [read_member(archive, name).decode("utf-8", errors="replace").strip()
             for archive, name in zip(archives, COPYRIGHTS)]
    return ("Derived from two Debian packages (apt-get download): libreoffice-help-zh-cn "
            "(LibreOffice help, MPL-2.0) and debian-handbook (GPL-2.0+ or CC-BY-SA-3.0). Their "
            f"copyright files follow.\n\n== libreoffice-help-zh-cn ==\n{parts[0]}\n\n"
            f"== debian-handbook ==\n{parts[1]}\n")


CORPUS = CorpusSpec(
    name="zh-docs", language="zh",
    description="LibreOffice help and Debian handbook in Chinese (zh-CN), technical",
    licence="MPL-2.0; GPL-2.0+ or CC-BY-SA-3.0", size="0.65M chars",
    version="libreoffice-help-zh-cn 4:7.4.7-1+deb12u14, debian-handbook 11.20220922",
    source=f"apt-get download {LIBREOFFICE.spec} {HANDBOOK.spec}: zh-CN HTML pages",
    artifacts=(LIBREOFFICE, HANDBOOK), convert=convert, notice=notice, tokenizer=CHINESE,
    split=BY_DOCUMENT.format(order="LibreOffice pages then handbook pages, sorted paths") +
    "; paragraphs without CJK or seen before dropped, sentences cut after 。！？")
