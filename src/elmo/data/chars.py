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

from elmo.config import FIRST_CODEPOINT_ID
from elmo.errors import InputError
from elmo.modules.char_ids import (
    BOS_CHAR,
    BOW_CHAR,
    CODEPOINT_BOS,
    CODEPOINT_BOW,
    CODEPOINT_EOS,
    CODEPOINT_EOW,
    CODEPOINT_OOV,
    CODEPOINT_PAD,
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
                 characters: CodepointVocabulary | None = None) -> torch.Tensor:
    """Character ids of a batch of tokenized sentences, without sentence markers.

    Args:
        sentences: lists of tokens (strings), possibly empty.
        max_characters: the model's characters per token.
        characters: a code-point model's character vocabulary; None: UTF-8 bytes.
    Returns:
        LongTensor of shape (batch, max_sentence_length, max_characters); rows past a sentence's
        end are all 0. Same layout as AllenNLP's ``batch_to_ids``.
    """
    if isinstance(sentences, str) or any(isinstance(s, str) for s in sentences):
        raise InputError("batch_to_ids expects a list of token lists, e.g. [['Hello', 'world']], "
                         "not a list of strings")
    encode = token_to_char_ids if characters is None else characters.token_ids
    longest = max((len(s) for s in sentences), default=0)
    ids = np.zeros((len(sentences), longest, max_characters), dtype=np.int64)
    for row, sentence in enumerate(sentences):
        for column, token in enumerate(sentence):
            ids[row, column] = encode(token, max_characters)
    return torch.from_numpy(ids)


class CodepointVocabulary:
    """The characters of a code-point model (``characters = "codepoints"``), with their ids.

    Character ``i`` of the list has id ``FIRST_CODEPOINT_ID + i``; any other character is the
    unknown character. A token is cut to ``max_characters - 2`` code points (ELMoForManyLangs
    cuts it before its word lookup too: see :meth:`cut`); the tokens ``<bos>`` and ``<eos>`` are the
    sentence markers, and an empty token is begin- and end-of-word alone, as there.

    Args:
        characters: distinct single characters.
    """

    MARKERS = {"<bos>": CODEPOINT_BOS, "<eos>": CODEPOINT_EOS}

    def __init__(self, characters: Sequence[str]) -> None:
        self.characters = list(characters)
        self._ids = {char: FIRST_CODEPOINT_ID + index for index, char in enumerate(self.characters)}
        if len(self._ids) != len(self.characters) or any(len(c) != 1 for c in self.characters):
            raise InputError("a character vocabulary holds distinct single characters")

    def __len__(self) -> int:
        return len(self.characters)

    @staticmethod
    def cut(token: str, max_characters: int) -> str:
        """The part of ``token`` the model reads: at most ``max_characters - 2`` code points."""
        return token[: max_characters - 2]

    def token_ids(self, token: str, max_characters: int) -> np.ndarray:
        """[begin-of-word, characters, end-of-word, padding]: int64 array (max_characters,)."""
        if not isinstance(token, str):
            raise InputError(f"tokens must be strings, found {type(token).__name__}: {token!r}")
        if token in self.MARKERS:
            return marker_ids(self.MARKERS[token], max_characters, "codepoints")
        chars = self.cut(token, max_characters)
        ids = np.full(max_characters, CODEPOINT_PAD, dtype=np.int64)
        ids[0], ids[len(chars) + 1] = CODEPOINT_BOW, CODEPOINT_EOW
        ids[1: len(chars) + 1] = [self._ids.get(char, CODEPOINT_OOV) for char in chars]
        return ids
