"""The character vocabulary of the character CNN: 262 ids, as the original ELMo numbers them.

Ids 1-256 are the UTF-8 bytes 0-255 shifted by one, then five special symbols (begin/end of
sentence, begin/end of word, padding), each also shifted by one; 0 marks an absent token, whose
embedding row stays zero. A token is ``max_characters`` ids: begin-of-word, its bytes,
end-of-word, then padding (see :mod:`elmo.data.chars`, which encodes text).
"""
from __future__ import annotations

import numpy as np

BOS_CHAR, EOS_CHAR, BOW_CHAR, EOW_CHAR, PAD_CHAR = 256, 257, 258, 259, 260  # before the shift
MAX_CHARACTERS = 50  # the original's characters per token


def marker_ids(char: int, max_characters: int) -> np.ndarray:
    """The ids of a one-symbol token such as the begin-of-sentence marker: (max_characters,)."""
    ids = np.full(max_characters, PAD_CHAR + 1, dtype=np.int64)
    ids[:3] = (BOW_CHAR + 1, char + 1, EOW_CHAR + 1)
    return ids


def sentence_boundary_ids(max_characters: int = MAX_CHARACTERS) -> tuple[np.ndarray, np.ndarray]:
    """Character ids of the begin- and end-of-sentence tokens, each of shape (max_characters,)."""
    return marker_ids(BOS_CHAR, max_characters), marker_ids(EOS_CHAR, max_characters)
