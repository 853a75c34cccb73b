"""Context-free token vectors remembered across calls, keyed by a token's character ids."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import torch
from torch import nn


class TokenVectorCache:
    """Remembers layer-0 vectors of tokens so that the character encoder runs once per token.

    A token's layer-0 vector depends on the token alone, so frozen models (inference, feature-based
    transfer) need to compute it only once. Entries are keyed by the token's character-id row.
    The cache empties itself when the encoder's parameters are replaced or modified in place (an
    optimizer step, ``load_state_dict``), and it is bypassed whenever gradients are needed.

    Args:
        max_size: most tokens kept (least recently used go first); None keeps everything,
            which suits a precomputed vocabulary.
    """

    def __init__(self, max_size: int | None = 200_000) -> None:
        self.max_size = max_size
        self._vectors: OrderedDict[bytes, torch.Tensor] = OrderedDict()
        self._weights_key: tuple | None = None

    def __len__(self) -> int:
        return len(self._vectors)

    def clear(self) -> None:
        self._vectors.clear()

    def usable_for(self, encoder: nn.Module) -> bool:
        """True unless autograd needs the encoder's graph."""
        return not (torch.is_grad_enabled() and any(p.requires_grad for p in encoder.parameters()))

    def lookup(self, encoder: nn.Module, char_ids: torch.Tensor,
               compute: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        """Vectors of distinct tokens, computing (with ``compute``) only the unseen ones.

        Shape: (U, max_characters) -> (U, dim).
        """
        self._check_weights(encoder)
        keys = [row.tobytes() for row in char_ids.cpu().numpy()]
        missing = [i for i, key in enumerate(keys) if key not in self._vectors]
        if missing:
            fresh = compute(char_ids[missing])
            for i, vector in zip(missing, fresh):
                self._vectors[keys[i]] = vector
        vectors = []
        for key in keys:
            self._vectors.move_to_end(key)
            vectors.append(self._vectors[key])
        while self.max_size is not None and len(self._vectors) > self.max_size:
            self._vectors.popitem(last=False)
        return torch.stack(vectors)

    def items(self) -> tuple[torch.Tensor, torch.Tensor]:
        """All entries: character ids (V, max_characters) int64 and vectors (V, dim)."""
        if not self._vectors:
            raise ValueError("the token cache is empty")
        ids = torch.stack([torch.frombuffer(bytearray(key), dtype=torch.int64)
                           for key in self._vectors])
        return ids, torch.stack(list(self._vectors.values()))

    def add(self, encoder: nn.Module, char_ids: torch.Tensor, vectors: torch.Tensor) -> None:
        """Insert precomputed vectors (V, dim) for character-id rows (V, max_characters)."""
        self._check_weights(encoder)
        for row, vector in zip(char_ids.to(torch.int64).cpu().numpy(), vectors):
            self._vectors[row.tobytes()] = vector

    def _check_weights(self, encoder: nn.Module) -> None:
        key = tuple((id(p), p._version) for p in encoder.parameters())
        if key != self._weights_key:
            self._vectors.clear()
            self._weights_key = key
