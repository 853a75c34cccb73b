"""word2vec vectors (gensim skip-gram) trained on the unlabelled text a biLM saw; cached on disk.

The text is read in one of three units: its whitespace-separated ``tokens``, its ``chars`` (every
non-space character: the tokens of a character task, whatever the files' segmentation) or the
``bigrams`` of those characters (:func:`~elmo.tasks.inputs.sentence_bigrams`, the bigram features
of a character task).
"""
from __future__ import annotations

import glob
import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from elmo.corpora.cache import cache_root
from elmo.errors import ConfigError, InputError
from elmo.files import atomic_path, lock_beside, shared_cache_lock
from elmo.tasks.inputs import sentence_bigrams


def line_units(line: str, unit: str) -> list[str]:
    """One line of text as a sequence of ``unit`` (see the module docstring); [] for a blank line."""
    tokens = line.split()
    if unit == "tokens" or not tokens:
        return tokens
    characters = list("".join(tokens))
    return characters if unit == "chars" else sentence_bigrams(characters)


class _Sentences:
    """The non-blank lines of several files as ``unit`` sequences, re-readable for each gensim epoch."""

    def __init__(self, files: Sequence[Path], unit: str) -> None:
        self.files, self.unit = files, unit

    def __iter__(self) -> Iterator[list[str]]:
        for path in self.files:
            with path.open(encoding="utf-8", errors="replace") as lines:
                for line in lines:
                    if units := line_units(line, self.unit):
                        yield units


def word2vec_vectors(patterns: Sequence[str], dim: int, epochs: int = 5, window: int = 5,
                     min_count: int = 3, seed: int = 0, cache: str | Path | None = None,
                     unit: str = "tokens", progress: bool = False) -> dict[str, np.ndarray]:
    """Skip-gram vectors (``dim`` wide) for every ``unit`` seen ``min_count`` times in the files
    matched by ``patterns``.

    Trained once per (files, sizes, settings) and kept in ``<cache>/features/word2vec/``;
    ``progress`` shows a bar of its epochs.
    """
    files = sorted({Path(p) for pattern in patterns for p in glob.glob(str(Path(pattern).expanduser()))})
    if not files:
        raise InputError(f"no files match the word2vec corpus {list(patterns)} (text files; `elmo "
                         f"build-model NAME` prepares a recipe's text in {cache_root(cache)}/builds/NAME/mixed/)")
    settings = {"files": [f"{f}:{f.stat().st_size}" for f in files], "dim": dim, "epochs": epochs,
                "window": window, "min_count": min_count, "seed": seed, "unit": unit}
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:20]
    path = cache_root(cache) / "features" / "word2vec" / f"{key}.npz"
    if not path.is_file():
        with shared_cache_lock(lock_beside(path)):  # a second process waits for the first's vectors
            if not path.is_file():
                _train(files, settings, path, progress)
    stored = np.load(path)
    return dict(zip(stored["words"].tolist(), stored["vectors"]))


def _train(files: list[Path], settings: dict, path: Path, progress: bool) -> None:
    try:
        from gensim.models import Word2Vec
        from gensim.models.callbacks import CallbackAny2Vec
    except ImportError:
        raise ConfigError("word2vec embeddings need gensim (pip install gensim)") from None

    class EpochBar(CallbackAny2Vec):
        def __init__(self, bar: tqdm) -> None:
            self.bar = bar

        def on_epoch_end(self, model: Word2Vec) -> None:
            self.bar.update()

    with tqdm(total=settings["epochs"], unit="epoch", disable=not progress,
              desc=f"word2vec {settings['unit']} ({len(files)} files, once)") as bar:
        model = Word2Vec(_Sentences(files, settings["unit"]), vector_size=settings["dim"],
                         window=settings["window"], min_count=settings["min_count"], sg=1,
                         epochs=settings["epochs"], seed=settings["seed"], workers=1,
                         callbacks=[EpochBar(bar)])
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        np.savez(handle, words=np.array(model.wv.index_to_key),
                 vectors=model.wv.vectors.astype(np.float32))
