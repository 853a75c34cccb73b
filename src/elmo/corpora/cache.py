"""Where corpora live: ``$ELMO_CACHE`` or ``~/.cache/elmo``, one folder per corpus.

Layout::

    <cache>/downloads/<file>        archives as the registries serve them, verified before reuse
    <cache>/<name>/train.txt        one sentence per line, tokens separated by single spaces
    <cache>/<name>/dev.txt, test.txt, NOTICE, meta.json, and per-corpus labelled files
    <cache>/<name>/.done            written last: the corpus is complete
"""
from __future__ import annotations

import os
from pathlib import Path

DONE_MARKER = ".done"
DOWNLOADS = "downloads"


def cache_root(cache: str | Path | None = None) -> Path:
    """The cache folder: ``cache`` if given, else ``$ELMO_CACHE``, else ``~/.cache/elmo``."""
    if cache is not None:
        return Path(cache).expanduser()
    env = os.environ.get("ELMO_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "elmo"


def corpus_folder(name: str, cache: str | Path | None = None) -> Path:
    """The folder corpus ``name`` is (or will be) converted into."""
    return cache_root(cache) / name


def downloads_folder(cache: str | Path | None = None) -> Path:
    """The folder downloaded archives are kept in."""
    return cache_root(cache) / DOWNLOADS


def is_complete(folder: Path) -> bool:
    """Whether ``folder`` holds a finished conversion (its ``.done`` marker exists)."""
    return (folder / DONE_MARKER).is_file()

