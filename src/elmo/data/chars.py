"""Tokens to character ids, exactly as the original ELMo: UTF-8 bytes plus five special symbols.

A token becomes ``max_characters`` ids: begin-of-word, its UTF-8 bytes (cut at the byte level to
``max_characters - 2``, even inside a multi-byte character), end-of-word, then padding. Every id is
shifted by one so that 0 marks an absent token; the table therefore has 262 rows. The literal tokens
``<S>`` and ``</S>`` map to the begin/end-of-sentence symbols.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import torch

from elmo.errors import InputError
from elmo.modules.char_ids import (
    BOS_CHAR,
    BOW_CHAR,
    EOS_CHAR,
    EOW_CHAR,
    MAX_CHARACTERS,
    PAD_CHAR,
    marker_ids,
)

BOS_TOKEN, EOS_TOKEN = "<S>", "</S>"


@lru_cache(maxsize=1 << 16)
def _token_ids(token: str, max_characters: int) -> np.ndarray:
    if token == BOS_TOKEN:
        return marker_ids(BOS_CHAR, max_characters)
    if token == EOS_TOKEN:
        return marker_ids(EOS_CHAR, max_characters)
    data = token.encode("utf-8", errors="surrogatepass")[: max_characters - 2]
    ids = np.full(max_characters, PAD_CHAR + 1, dtype=np.int64)
    ids[0] = BOW_CHAR + 1
    ids[1: len(data) + 1] = np.frombuffer(data, dtype=np.uint8).astype(np.int64) + 1
    ids[len(data) + 1] = EOW_CHAR + 1
    ids.flags.writeable = False
    return ids


def token_to_char_ids(token: str, max_characters: int = MAX_CHARACTERS) -> np.ndarray:
    """Character ids (shifted, 0 = absent) of one token: int64 array of shape (max_characters,)."""
    if not isinstance(token, str):
        raise InputError(f"tokens must be strings, found {type(token).__name__}: {token!r}")
    if token == "":
        raise InputError("empty token: tokens must contain at least one character")
    return _token_ids(token, max_characters)


def batch_to_ids(sentences: Sequence[Sequence[str]], max_characters: int = MAX_CHARACTERS,
                 ) -> torch.Tensor:
    """Character ids of a batch of tokenized sentences, without sentence markers.

    Args:
        sentences: lists of tokens (strings), possibly empty.
    Returns:
        LongTensor of shape (batch, max_sentence_length, max_characters); rows past a sentence's
        end are all 0. Same layout as AllenNLP's ``batch_to_ids``.
    """
    if isinstance(sentences, str) or any(isinstance(s, str) for s in sentences):
        raise InputError("batch_to_ids expects a list of token lists, e.g. [['Hello', 'world']], "
                         "not a list of strings")
    longest = max((len(s) for s in sentences), default=0)
    ids = np.zeros((len(sentences), longest, max_characters), dtype=np.int64)
    for row, sentence in enumerate(sentences):
        for column, token in enumerate(sentence):
            ids[row, column] = token_to_char_ids(token, max_characters)
    return torch.from_numpy(ids)
