"""Turn raw prose into tokenized sentences.

English: paragraphs are split into sentences by pysbd (rule-based, the "Golden Rules" splitter),
then each sentence into tokens by sacremoses' MosesTokenizer (``lang="en"``, ``escape=False``:
punctuation becomes separate tokens and characters such as ``&`` are kept as they are). A
typographic apostrophe inside a word (``you’re``) is read as ``'`` so that contractions are split
the same way whichever apostrophe the source used (``you 're``), and a word with an underscore
(``Py_DECREF``, ``__init__``) stays one token, as identifiers in technical prose should.
Chinese: jieba's word segmentation (the ``jieba`` tokenizer of :mod:`elmo.data.tokenizers`).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from elmo.data.tokenizers import get_tokenizer, moses_tokens

ENGLISH = "pysbd sentences + sacremoses MosesTokenizer(lang=en, escape=False)"
CHINESE = "jieba (HMM on)"

_BLANK_LINE = re.compile(r"\n\s*\n")
# A safe place to cut a long paragraph before pysbd (whose time grows faster than linearly with
# the length of its input): after a lower-case word of 3+ letters and a full stop, ! or ?, before
# a capital letter. pysbd splits there too.
_SAFE_CUT = re.compile(r"(?<=[a-z]{3}[.!?])\s+(?=[A-Z])")
CHUNK_CHARS = 1000
_CHINESE_SENTENCE = re.compile(r"[^。！？]+(?:[。！？]+[”’」』）)]*)?|[。！？]+[”’」』）)]*")


def paragraphs(text: str) -> list[str]:
    """The paragraphs of plain text (separated by blank lines), each on one line, whitespace
    collapsed."""
    return [" ".join(block.split()) for block in _BLANK_LINE.split(text) if block.strip()]


def english_sentences(paragraph: str) -> Iterator[list[str]]:
    """The tokenized sentences of one paragraph of English prose (empty ones left out)."""
    for chunk in chunks(" ".join(paragraph.split())):
        for sentence in _segmenter().segment(chunk):
            tokens = english_tokens(sentence)
            if tokens:
                yield tokens


def chunks(paragraph: str, size: int = CHUNK_CHARS) -> list[str]:
    """``paragraph`` cut at safe sentence ends into pieces of about ``size`` characters or more
    (a paragraph without such a place stays whole)."""
    pieces, start = [], 0
    for match in _SAFE_CUT.finditer(paragraph):
        if match.start() - start >= size:
            pieces.append(paragraph[start:match.start()])
            start = match.end()
    pieces.append(paragraph[start:])
    return pieces


def english_tokens(sentence: str) -> list[str]:
    """The Moses tokens of one English sentence (the ``moses`` tokenizer)."""
    return moses_tokens(sentence)


def chinese_sentences(paragraph: str) -> list[str]:
    """A Chinese paragraph cut after each 。！？ (and any closing quotes or brackets after it)."""
    return [piece.strip() for piece in _CHINESE_SENTENCE.findall(paragraph) if piece.strip()]


def chinese_tokens(text: str) -> list[str]:
    """The jieba words of a Chinese text, whitespace dropped, characters kept as they are."""
    return _jieba()(text)


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


@lru_cache(maxsize=1)
def _jieba():
    return get_tokenizer("jieba")
