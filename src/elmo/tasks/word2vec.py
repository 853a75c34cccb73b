"""word2vec vectors (gensim skip-gram) trained on the unlabelled text a biLM saw; cached on disk."""
from __future__ import annotations

import glob
import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from elmo.corpora.cache import cache_root
from elmo.errors import ConfigError, InputError
from elmo.files import atomic_path


class _Sentences:
    """Whitespace-tokenized lines of several files, re-readable for each gensim epoch."""

    def __init__(self, files: Sequence[Path]) -> None:
        self.files = files

    def __iter__(self) -> Iterator[list[str]]:
        for path in self.files:
            with path.open(encoding="utf-8", errors="replace") as lines:
                for line in lines:
                    if tokens := line.split():
                        yield tokens


def word2vec_vectors(patterns: Sequence[str], dim: int, epochs: int = 5, window: int = 5,
                     min_count: int = 3, seed: int = 0, cache: str | Path | None = None,
                     ) -> dict[str, np.ndarray]:
    """Skip-gram vectors for every word seen ``min_count`` times in the files matched by ``patterns``.

    Trained once per (files, sizes, settings) and kept in ``<cache>/features/word2vec/``.
    """
    files = sorted({Path(p) for pattern in patterns for p in glob.glob(str(Path(pattern).expanduser()))})
    if not files:
        raise InputError(f"no files match the word2vec corpus {list(patterns)}")
    settings = {"files": [f"{f}:{f.stat().st_size}" for f in files], "dim": dim, "epochs": epochs,
                "window": window, "min_count": min_count, "seed": seed}
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:20]
    path = cache_root(cache) / "features" / "word2vec" / f"{key}.npz"
    if not path.is_file():
        _train(files, settings, path)
    stored = np.load(path)
    return dict(zip(stored["words"].tolist(), stored["vectors"]))


def _train(files: list[Path], settings: dict, path: Path) -> None:
    try:
        from gensim.models import Word2Vec
    except ImportError:
        raise ConfigError("word2vec embeddings need gensim (pip install gensim)") from None
    model = Word2Vec(_Sentences(files), vector_size=settings["dim"], window=settings["window"],
                     min_count=settings["min_count"], sg=1, epochs=settings["epochs"],
                     seed=settings["seed"], workers=1)
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        np.savez(handle, words=np.array(model.wv.index_to_key),
                 vectors=model.wv.vectors.astype(np.float32))
