"""Fetch a corpus: download its pinned files, verify them, convert them into the cache.

Idempotent: a corpus whose folder has its ``.done`` marker is returned at once. Resumable:
verified downloads are kept in ``<cache>/downloads`` and reused; a conversion is written into a
temporary folder ``<cache>/.<name>.partial-<pid>`` that is renamed to ``<cache>/<name>`` when
complete, and ``.done`` is written last.
"""
from __future__ import annotations

import datetime
import json
import sys
import time
from pathlib import Path

from elmo.corpora.cache import DONE_MARKER, cache_root, downloads_folder, is_complete
from elmo.corpora.catalog import get_spec
from elmo.corpora.download import obtain
from elmo.corpora.errors import ArchiveError, retry_hint
from elmo.corpora.spec import CorpusSpec
from elmo.corpora.writer import CorpusWriter
from elmo.files import (
    atomic_path,
    exclusive_lock,
    lock_beside,
    remove_leftovers,
    write_text,
)

META_VERSION = 1


def fetch(name: str, cache: str | Path | None = None, progress: bool = True) -> Path:
    """The folder of corpus ``name`` in the cache, fetched and converted first if needed."""
    return build(get_spec(name), cache, progress)


def build(spec: CorpusSpec, cache: str | Path | None = None, progress: bool = True) -> Path:
    """Fetch and convert ``spec`` into ``<cache>/<spec.name>`` unless that is already complete."""
    root = cache_root(cache)
    folder = root / spec.name
    say = _reporter(spec.name, progress)
    if _is_current(folder, spec):
        say(f"already fetched: {folder}")
        return folder
    if is_complete(folder):
        say(f"{folder} was converted by an earlier version of this corpus's conversion; "
            "converting it again")
    if spec.caveat:
        say(f"opt-in corpus: {spec.caveat}")
    retry = retry_hint(spec.name)
    start = time.monotonic()
    archives = [obtain(artifact, downloads_folder(root), retry, say) for artifact in spec.artifacts]
    say("converting")
    with exclusive_lock(lock_beside(folder), f"elmo data fetch {spec.name}"):
        if _is_current(folder, spec):  # another process finished it meanwhile
            return folder
        remove_leftovers(folder)  # of a killed conversion
        meta = _convert(spec, archives, folder, start, retry)
        write_text(folder / DONE_MARKER, meta["created"] + "\n")
    say(f"done in {time.monotonic() - start:.1f}s: {_summary(meta['counts'])} -> {folder}")
    return folder


def _is_current(folder: Path, spec: CorpusSpec) -> bool:
    """Whether ``folder`` holds a finished conversion at ``spec``'s revision."""
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return is_complete(folder) and meta.get("revision", 1) == spec.revision


def _convert(spec: CorpusSpec, archives, folder: Path, start: float, retry: str) -> dict:
    """Convert the archives into ``folder`` (atomically); returns its meta.json."""
    try:
        with atomic_path(folder, folder=True) as partial:  # replaces an unfinished conversion
            with CorpusWriter(partial) as writer:
                spec.convert(archives, writer)
            write_text(partial / "NOTICE", spec.notice(archives))
            meta = _meta(spec, writer, time.monotonic() - start)
            write_text(partial / "meta.json", json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    except ArchiveError as error:
        raise ArchiveError(f"{error}; {retry}") from None
    return meta


def _meta(spec: CorpusSpec, writer: CorpusWriter, seconds: float) -> dict:
    return {
        "name": spec.name, "language": spec.language, "description": spec.description,
        "source": spec.source, "version": spec.version, "licence": spec.licence,
        "artifacts": [{"registry": a.registry, "spec": a.spec, "file": a.filename,
                       "sha256": a.sha256} for a in spec.artifacts],
        "tokenizer": spec.tokenizer, "split": spec.split,
        "files": writer.files() + ["NOTICE", "meta.json"], "counts": writer.counts(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(seconds, 1), "format_version": META_VERSION, "revision": spec.revision,
    }


def _summary(counts: dict) -> str:
    return ", ".join(f"{split} {entry['sentences']:,} sentences / {entry['tokens']:,} tokens"
                     for split, entry in counts.items())


def _reporter(name: str, progress: bool):
    def say(message: str) -> None:
        if progress:
            print(f"[{name}] {message}", file=sys.stderr, flush=True)
    return say
