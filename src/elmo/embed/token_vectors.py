"""Saving and loading precomputed layer-0 token vectors, tied to the weights they came from.

A file holds ``char_ids`` (V, max_characters) int16, ``vectors`` (V, projection_dim) float32 and
``fingerprint``, a SHA-256 of the token encoder's parameters: vectors from other weights are refused.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import torch

from elmo.embed.embedder import Embedder
from elmo.errors import InputError, ModelFileError
from elmo.files import atomic_path, weights_fingerprint


def save_token_vectors(model: Embedder, path: str | Path) -> int:
    """Write the model's cached token vectors (see ``precompute_tokens``); returns how many."""
    cache = model.token_cache
    if cache is None or len(cache) == 0:
        raise InputError("no token vectors to save: call precompute_tokens first")
    char_ids, vectors = cache.items()
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        np.savez(handle, char_ids=char_ids.numpy().astype(np.int16),
                 vectors=vectors.to(torch.float32).numpy(),
                 fingerprint=np.array(weights_fingerprint(model.bilm.token_encoder)))
    return len(char_ids)


def load_token_vectors(model: Embedder, path: str | Path) -> int:
    """Add saved token vectors to the model's cache after checking they match its weights."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"token vector file not found: {path}")
    try:
        with np.load(path) as stored:
            char_ids, vectors, fingerprint = (stored["char_ids"], stored["vectors"],
                                              str(stored["fingerprint"]))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise ModelFileError(f"{path} is not a token vector file ({error})") from None
    encoder = model.bilm.token_encoder
    if fingerprint != weights_fingerprint(encoder):
        raise ModelFileError(f"{path} was computed with different weights than model "
                             f"'{model.name}'; recompute it for this model")
    cache = model.token_cache
    if cache is None:
        raise InputError("the model's token cache is disabled (token_cache_size=0)")
    if cache.max_size is not None:
        cache.max_size = max(cache.max_size, 2 * len(char_ids))
    cache.add(torch.from_numpy(char_ids.astype(np.int64)), torch.from_numpy(vectors))
    return len(char_ids)
