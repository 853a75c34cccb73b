"""Tokenizers that turn one line of raw text into the token list a biLM reads."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import lru_cache

from elmo.errors import InputError

TOKENIZERS = ("whitespace", "chars", "jieba", "moses")
_IDENTIFIER = r"\w*_\w*"  # kept whole by the Moses tokenizer
_APOSTROPHE = re.compile(r"(?<=\w)\u2019(?=\w)")


def whitespace_tokens(text: str) -> list[str]:
    """Split on runs of whitespace: the tokenization of already tokenized text."""
    return text.split()


def char_tokens(text: str) -> list[str]:
    """Every non-whitespace character is a token (a simple choice for Chinese or Japanese)."""
    return [char for char in text if not char.isspace()]


def get_tokenizer(name: str) -> Callable[[str], list[str]]:
    """The tokenizer called ``name``: one of ``TOKENIZERS``.

    ``jieba`` segments Chinese words with jieba (HMM on for unknown words) and drops the
    whitespace tokens it returns; jieba is imported only when asked for. ``moses`` tokenizes
    English with sacremoses (``lang="en"``, ``escape=False``: punctuation becomes separate tokens);
    a typographic apostrophe inside a word is read as ``'`` (``you’re`` -> ``you 're``) and words
    with an underscore (``Py_DECREF``) stay whole.
    """
    if name == "whitespace":
        return whitespace_tokens
    if name == "chars":
        return char_tokens
    if name == "jieba":
        return _jieba_tokenizer()
    if name == "moses":
        return moses_tokens
    raise InputError(f"unknown tokenizer {name!r}; choose one of {', '.join(TOKENIZERS)}")


def _jieba_tokenizer() -> Callable[[str], list[str]]:
    try:
        import jieba
    except ImportError:
        raise InputError("the jieba tokenizer needs the 'jieba' package (pip install jieba)") from None
    jieba.setLogLevel(logging.WARNING)  # no start-up messages about building its dictionary

    def jieba_tokens(text: str) -> list[str]:
        return [token for token in jieba.lcut(text, HMM=True) if token.strip()]

    return jieba_tokens


def moses_tokens(text: str) -> list[str]:
    """The Moses tokens of one English sentence; no token holds whitespace."""
    tokens = _moses().tokenize(_APOSTROPHE.sub("'", text.strip()), escape=False,
                               protected_patterns=[_IDENTIFIER])
    return [piece for token in tokens for piece in token.split()]


@lru_cache(maxsize=1)
def _moses():
    from sacremoses import MosesTokenizer

    return MosesTokenizer(lang="en")
