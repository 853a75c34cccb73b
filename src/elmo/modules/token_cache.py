"""Context-free token vectors remembered across calls, keyed by a token's character ids."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import torch
from torch import nn


class TokenVectorCache:
    """Remembers layer-0 vectors of tokens so that a frozen token encoder runs once per token.

    A token's layer-0 vector depends on the token alone, so frozen models (inference, feature-based
    transfer) need to compute it only once. The cache belongs to one encoder and is passed
    explicitly to :meth:`BiLM.forward` (``token_cache=``); entries are keyed by the token's
    character-id row (and word id, for word-input models).

    It is only used while the encoder is frozen (no parameter requires gradients): otherwise
    :meth:`usable` is False and the encoder runs as usual. It empties itself when the encoder
    loads a state dict; after changing frozen weights in place, call :meth:`clear`.

    Args:
        encoder: the token encoder whose outputs are remembered.
        max_size: most tokens kept (least recently used go first); None keeps everything,
            which suits a precomputed vocabulary.
    """

    def __init__(self, encoder: nn.Module, max_size: int | None = 200_000) -> None:
        self.encoder = encoder
        self.max_size = max_size
        self._vectors: OrderedDict[bytes, torch.Tensor] = OrderedDict()
        encoder.register_load_state_dict_post_hook(_ClearOnLoad(self))

    def __len__(self) -> int:
        return len(self._vectors)

    def clear(self) -> None:
        self._vectors.clear()

    def usable(self) -> bool:
        """True while the encoder is frozen: no parameter requires gradients. While it is not, its
        weights may change, so the cache is emptied."""
        if any(p.requires_grad for p in self.encoder.parameters()):
            self.clear()
            return False
        return True

    def lookup(self, features: torch.Tensor,
               compute: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        """Vectors of distinct tokens, computing (with ``compute``) only the unseen ones.

        Shape: (U, F) int64 token features (character ids, then the word id if any) -> (U, dim).
        """
        keys = [row.tobytes() for row in features.cpu().numpy()]
        missing = [i for i, key in enumerate(keys) if key not in self._vectors]
        if missing:
            fresh = compute(features[missing])
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
        """All entries: token features (V, F) int64 and vectors (V, dim)."""
        if not self._vectors:
            raise ValueError("the token cache is empty")
        ids = torch.stack([torch.frombuffer(bytearray(key), dtype=torch.int64)
                           for key in self._vectors])
        return ids, torch.stack(list(self._vectors.values()))

    def add(self, features: torch.Tensor, vectors: torch.Tensor) -> None:
        """Insert precomputed vectors (V, dim) for token feature rows (V, F)."""
        for row, vector in zip(features.to(torch.int64).cpu().numpy(), vectors):
            self._vectors[row.tobytes()] = vector


class _ClearOnLoad:
    """The encoder's load-state-dict hook: a class, not a closure, so modules still pickle and copy
    (a deep copy's hook clears the copy's cache)."""

    def __init__(self, cache: TokenVectorCache) -> None:
        self.cache = cache

    def __call__(self, module: nn.Module, incompatible_keys) -> None:
        self.cache.clear()
