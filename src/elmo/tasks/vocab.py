"""Token and label vocabularies of a task model: index 0 is padding, 1 the unknown token."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import torch

PAD, UNK = "<pad>", "<unk>"


class TokenVocab:
    """Maps tokens to ids; unknown tokens get id 1. Ids below ``counted`` are the tokens counted in
    the training data (all of them unless ``extra`` ones were added: see :meth:`from_sentences`)."""

    def __init__(self, tokens: Sequence[str], counted: int | None = None) -> None:
        self.tokens = [PAD, UNK, *(t for t in dict.fromkeys(tokens) if t not in (PAD, UNK))]
        self.index = {token: i for i, token in enumerate(self.tokens)}
        self.counted = len(self.tokens) if counted is None else counted

    @classmethod
    def from_sentences(cls, sentences: Iterable[Sequence[str]], min_count: int = 1,
                       extra: Iterable[str] = ()) -> TokenVocab:
        """Tokens seen at least ``min_count`` times (most frequent first), then ``extra`` ones."""
        counts = Counter(token for sentence in sentences for token in sentence)
        kept = [t for t, n in counts.most_common() if n >= min_count and t not in (PAD, UNK)]
        return cls([*kept, *extra], counted=2 + len(kept))

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        return np.array([self.index.get(t, 1) for t in tokens], dtype=np.int64)

    def vectors_from(self, lookup: dict[str, np.ndarray], dim: int, seed: int = 0) -> torch.Tensor:
        """(len, dim) initial vectors: ``lookup``'s where it has the token, small random elsewhere,
        zeros for padding."""
        generator = np.random.default_rng(seed)
        table = generator.normal(0.0, 0.1, (len(self), dim)).astype(np.float32)
        table[0] = 0.0
        for i, token in enumerate(self.tokens):
            if token in lookup:
                table[i] = lookup[token]
        return torch.from_numpy(table)


def label_list(label_sequences: Iterable[Sequence[str]]) -> list[str]:
    """Sorted distinct labels."""
    return sorted({label for labels in label_sequences for label in labels})
