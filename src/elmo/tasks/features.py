"""ELMo layer vectors computed once per dataset and kept on disk (the biLM is frozen).

A store lives in ``<cache>/features/<model fingerprint[:16]>/<content key>/``: ``layers.npy``
(N_tokens, L + 1, D) float16, all sentences back to back; ``offsets.npy`` (n_sentences + 1,) int64;
``progress.json`` while filling (how many sentences are done, so an interrupted run resumes);
``done`` when complete; ``lock``, held while filling, so a second process waits instead of
computing the same store. The content key hashes the token lists, so any change to the data
gives a new store, and the same sentences read for two tasks share one.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from elmo.corpora.cache import cache_root
from elmo.embed.embedder import Embedder
from elmo.errors import ModelFileError
from elmo.files import atomic_path, shared_cache_lock, weights_fingerprint, write_text

BLOCK = 256  # sentences embedded between progress saves


class LayerStore:
    """Read-only view of a complete store: ``store[i]`` is sentence i's (L + 1, n_i, D) float16."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.layers = np.load(folder / "layers.npy", mmap_mode="r")
        self.offsets = np.load(folder / "offsets.npy")

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index: int) -> np.ndarray:
        start, end = self.offsets[index], self.offsets[index + 1]
        return np.asarray(self.layers[start:end]).transpose(1, 0, 2)


def model_key(embedder: Embedder) -> str:
    """Short fingerprint of the biLM's weights."""
    return weights_fingerprint(embedder.bilm)[:16]


def check_bilm(embedder: Embedder, trained_with: str | None, folder: str | Path) -> None:
    """Refuse a biLM other than the one the task model in ``folder`` was trained with (fingerprint
    ``trained_with``); those weights rounded to float16 (``ModelFolder.rounding``) are the same biLM.

    Raises:
        ModelFileError: the weights differ.
    """
    key, rounding = model_key(embedder), embedder.model_folder.rounding
    rounded_from = rounding.float32[:16] if rounding and rounding.float16[:16] == key else None
    if trained_with not in {key, rounded_from}:
        raise ModelFileError(f"{folder}: the biLM {embedder.name!r} found now is not the one the task "
                             "model was trained with (its weights differ)")


def content_key(sentences: Sequence[Sequence[str]]) -> str:
    digest = hashlib.sha256()
    for sentence in sentences:
        digest.update("\u0001".join(sentence).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()[:20]


def layer_store(embedder: Embedder, sentences: Sequence[Sequence[str]], cache: str | Path | None = None,
                progress: bool = True, batch_size: int = 64, key: str | None = None) -> LayerStore:
    """The stored layers of ``sentences`` under ``embedder``, computing (or resuming) them if needed."""
    folder = cache_root(cache) / "features" / (key or model_key(embedder)) / content_key(sentences)
    if not (folder / "done").is_file():
        with shared_cache_lock(folder / "lock"):  # a second process waits, then finds it done
            if not (folder / "done").is_file():
                _fill(embedder, sentences, folder, progress, batch_size)
    return LayerStore(folder)


def _fill(embedder: Embedder, sentences: Sequence[Sequence[str]], folder: Path, progress: bool,
          batch_size: int) -> None:
    offsets = np.zeros(len(sentences) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(s) for s in sentences])
    shape = (int(offsets[-1]), embedder.n_representations, embedder.output_dim)
    state_file, array_file = folder / "progress.json", folder / "layers.npy"
    done = json.loads(state_file.read_text())["done"] if state_file.is_file() else 0
    if done and array_file.is_file():
        layers = np.load(array_file, mmap_mode="r+")
    else:
        done, layers = 0, np.lib.format.open_memmap(array_file, "w+", np.float16, shape)
    bar = tqdm(total=int(offsets[-1]), initial=int(offsets[done]), unit="tok", disable=not progress,
               desc="ELMo features")
    for start in range(done, len(sentences), BLOCK):
        block = [list(s) for s in sentences[start: start + BLOCK]]
        for index, vectors in enumerate(embedder.embed(block, batch_size=batch_size), start):
            layers[offsets[index]: offsets[index + 1]] = vectors.transpose(1, 0, 2)
        layers.flush()
        done = min(start + BLOCK, len(sentences))
        write_text(state_file, json.dumps({"done": done}))
        bar.update(int(offsets[done] - offsets[start]))
    bar.close()
    del layers
    with atomic_path(folder / "offsets.npy") as temporary:
        np.save(temporary, offsets)
    write_text(folder / "done", "")
    state_file.unlink(missing_ok=True)
