"""Tokenizers that turn one line of raw text into the token list a biLM reads."""
from __future__ import annotations

import logging
from collections.abc import Callable

from elmo.errors import InputError

TOKENIZERS = ("whitespace", "chars", "jieba")


def whitespace_tokens(text: str) -> list[str]:
    """Split on runs of whitespace: the tokenization of already tokenized text."""
    return text.split()


def char_tokens(text: str) -> list[str]:
    """Every non-whitespace character is a token (a simple choice for Chinese or Japanese)."""
    return [char for char in text if not char.isspace()]


def get_tokenizer(name: str) -> Callable[[str], list[str]]:
    """The tokenizer called ``name``: one of ``TOKENIZERS``.

    ``jieba`` segments Chinese words with jieba (HMM on for unknown words) and drops the
    whitespace tokens it returns; jieba is imported only when asked for.
    """
    if name == "whitespace":
        return whitespace_tokens
    if name == "chars":
        return char_tokens
    if name == "jieba":
        return _jieba_tokenizer()
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
