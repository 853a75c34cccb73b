"""Jane Austen's six novels, from the Debian package of the R data package janeaustenr 1.0.0.

The novels are character vectors (one line of the Project Gutenberg text each) in the package's
R lazy-load database, ``data/Rdata.rdx`` + ``Rdata.rdb``, read with :mod:`elmo.corpora.rdata`.
Each novel is cut into chapters at its ``CHAPTER n`` headings (the front matter counts as a
chapter); lines are joined into paragraphs at blank lines, ``_italics_`` marks are removed, and
the prose is split into sentences (pysbd) and tokens (sacremoses). Split by chapter, 90/5/5, with
the novels in order of publication.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from elmo.corpora.archives import read_member, read_members
from elmo.corpora.download import Artifact
from elmo.corpora.errors import ArchiveError
from elmo.corpora.rdata import RFormatError, RObject, load_lazy_database
from elmo.corpora.spec import CorpusSpec
from elmo.corpora.splits import BY_DOCUMENT, split_of_document
from elmo.corpora.tokenize import ENGLISH, english_sentences, paragraphs
from elmo.corpora.writer import CorpusWriter

ARTIFACT = Artifact("apt", "r-cran-janeaustenr=1.0.0-1", "r-cran-janeaustenr_1.0.0-1_all.deb",
                    "df6bddf211906d1ff404f8ff662c21b34e6660e7f54a311084e749050c019c95")
DATA = "usr/lib/R/site-library/janeaustenr/data/"
COPYRIGHT = "usr/share/doc/r-cran-janeaustenr/copyright"
NOVELS = ("sensesensibility", "prideprejudice", "mansfieldpark", "emma", "northangerabbey",
          "persuasion")  # in order of publication
_CHAPTER = re.compile(r"\s*chapter\s+([0-9]+|[ivxlc]+)\b\.?", re.IGNORECASE)


def chapters(lines: Sequence[str | None]) -> list[str]:
    """The text of each chapter of a novel given as lines (NA lines count as blank); the lines
    before the first heading form the first chapter, and each heading starts a new one."""
    found: list[list[str]] = [[]]
    for line in lines:
        line = line or ""
        if _CHAPTER.match(line) and any(text.strip() for text in found[-1]):
            found.append([])
        found[-1].append(line.replace("_", ""))
    return ["\n".join(chapter) for chapter in found if any(line.strip() for line in chapter)]


def convert_novels(novels: Sequence[Sequence[str | None]], writer: CorpusWriter) -> None:
    """Write novels (each a list of lines), 90/5/5 by chapter in reading order."""
    documents = [chapter for lines in novels for chapter in chapters(lines)]
    for index, text in enumerate(documents):
        split = split_of_document(index)
        for paragraph in paragraphs(text):
            for tokens in english_sentences(paragraph):
                writer.sentence(split, tokens)


def convert(archives: Sequence[Path], writer: CorpusWriter) -> None:
    """Read the novels from the R database in the Debian package and convert them."""
    files = read_members(archives[0], [DATA + "Rdata.rdx", DATA + "Rdata.rdb"])
    try:
        variables = load_lazy_database(files[DATA + "Rdata.rdx"], files[DATA + "Rdata.rdb"])
    except (RFormatError, ValueError, KeyError, IndexError) as error:
        raise ArchiveError(f"{archives[0].name}: the R data cannot be read ({error})") from None
    missing = [name for name in NOVELS if name not in variables]
    if missing:
        raise ArchiveError(f"{archives[0].name}: the R data has no {', '.join(missing)}")
    novels = [variables[name] for name in NOVELS]
    convert_novels([novel.value if isinstance(novel, RObject) else novel for novel in novels],
                   writer)


def notice(archives: Sequence[Path]) -> str:
    text = read_member(archives[0], COPYRIGHT).decode("utf-8", errors="replace").strip()
    return ("Jane Austen's novels (1811-1817) are in the public domain; the texts come from "
            "Project Gutenberg by way of the R package janeaustenr. Derived from the Debian "
            f"package r-cran-janeaustenr (apt-get download), whose copyright file follows.\n\n"
            f"{text}\n")


CORPUS = CorpusSpec(
    name="austen", language="en", description="Jane Austen's six novels (1811-1817)",
    licence="public domain text; MIT (package)", size="0.72M words",
    version="r-cran-janeaustenr 1.0.0-1",
    source=f"apt-get download {ARTIFACT.spec}: {DATA}Rdata.rdb (R lazy-load database)",
    artifacts=(ARTIFACT,), convert=convert, notice=notice, tokenizer=ENGLISH,
    split=BY_DOCUMENT.format(order="reading order of the chapters, novels in order of "
                                   "publication"))
