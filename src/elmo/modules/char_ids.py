"""The character vocabularies of the character CNN.

``"bytes"``, the original ELMo's: ids 1-256 are the UTF-8 bytes 0-255 shifted by one, then five
special symbols (begin/end of sentence, begin/end of word, padding), each also shifted by one.
``"codepoints"``, ELMoForManyLangs' design: every Unicode character of the model's character
vocabulary has its own id from ``FIRST_CODEPOINT_ID`` on; ids 1-6 are the same five specials and
the out-of-vocabulary character. In both, 0 marks an absent token, whose embedding row stays zero,
and a token is ``max_characters`` ids: begin-of-word, its characters, end-of-word, then padding
(see :mod:`elmo.data.chars`, which encodes text).
"""
from __future__ import annotations

import numpy as np

from elmo.config import FIRST_CODEPOINT_ID

BOS_CHAR, EOS_CHAR, BOW_CHAR, EOW_CHAR, PAD_CHAR = 256, 257, 258, 259, 260  # bytes, before the shift
MAX_CHARACTERS = 50  # the original's characters per token
# code points: (begin/end of sentence, begin/end of word, padding, unknown character); then
# the vocabulary's characters from FIRST_CODEPOINT_ID on
CODEPOINT_BOS, CODEPOINT_EOS, CODEPOINT_BOW, CODEPOINT_EOW, CODEPOINT_PAD, CODEPOINT_OOV = range(
    1, FIRST_CODEPOINT_ID)


def pad_id(characters: str) -> int:
    """The id of the padding character after a token's end."""
    return PAD_CHAR + 1 if characters == "bytes" else CODEPOINT_PAD


def marker_ids(char: int, max_characters: int, characters: str = "bytes") -> np.ndarray:
    """The ids of a one-symbol token such as the begin-of-sentence marker: (max_characters,).

    ``char`` is the symbol's id before the byte scheme's shift (for ``"bytes"``) or its id.
    """
    shift = 1 if characters == "bytes" else 0
    begin, end = (BOW_CHAR, EOW_CHAR) if characters == "bytes" else (CODEPOINT_BOW, CODEPOINT_EOW)
    ids = np.full(max_characters, pad_id(characters), dtype=np.int64)
    ids[:3] = (begin + shift, char + shift, end + shift)
    return ids


def sentence_boundary_ids(max_characters: int = MAX_CHARACTERS, characters: str = "bytes",
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Character ids of the begin- and end-of-sentence tokens, each of shape (max_characters,)."""
    if characters == "bytes":
        return marker_ids(BOS_CHAR, max_characters), marker_ids(EOS_CHAR, max_characters)
    return (marker_ids(CODEPOINT_BOS, max_characters, characters),
            marker_ids(CODEPOINT_EOS, max_characters, characters))
