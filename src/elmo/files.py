"""Writing files so that nothing half-written ever looks finished, and checking saved settings.

Every writer in the package goes through :func:`atomic_path` (a file or a folder is written under
a temporary name beside its destination and renamed into place only when complete) and every
"was this made with the same settings?" check through :func:`settings_differences`.
"""
from __future__ import annotations

import fcntl
import glob
import hashlib
import os
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from torch import nn

from elmo.errors import BusyError


@contextmanager
def atomic_path(path: str | Path, folder: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on error it is removed.

    An error without a file name (a full disk, say) is raised again naming ``path``. The
    temporary name keeps the destination's suffix (``x.partial-<pid>.npz`` for ``x.npz``), so
    libraries that choose a format by suffix write the right one. With ``folder=True`` the
    temporary path is an empty folder and a folder already at ``path`` is replaced whole.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.stem}.partial-{os.getpid()}{path.suffix}")
    _remove(temporary)
    if folder:
        temporary.mkdir()
    try:
        yield temporary
        if folder and path.exists():  # swap: the old folder goes aside first, then is removed
            aside = path.with_name(f"{path.stem}.replaced-{os.getpid()}{path.suffix}")
            _remove(aside)
            os.replace(path, aside)
            os.replace(temporary, path)
            _remove(aside)
        else:
            os.replace(temporary, path)
    except OSError as error:
        if error.filename is not None:
            raise
        message = f"{error.strerror or error} while writing {path}"  # e.g. a full disk
        raise (OSError(error.errno, message) if error.errno else OSError(message)) from error
    finally:
        _remove(temporary)


@contextmanager
def shared_cache_lock(path: str | Path) -> Iterator[None]:
    """Hold the lock file ``path`` while the block fills a cache entry; another process asking for
    it waits, then finds the entry made (the lock file stays: removing it could let two hold it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the holder exits, however it exits
        yield


@contextmanager
def exclusive_lock(path: str | Path, purpose: str) -> Iterator[None]:
    """Hold the lock file ``path`` while the block runs; another process asking for it fails at once.

    The lock is the operating system's (``flock``), so it is released when the holder exits,
    however it exits (even killed); the file names the holder (process, host, start, purpose)
    so that the refusal can say who it is.

    Raises:
        BusyError: another process holds the lock.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = open(path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise BusyError(f"{path} is held by {holder}: another run is writing there; wait for "
                            "it to finish, or choose another output") from None
        try:
            if os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino:
                break  # locked the file that is still at ``path``, not one removed meanwhile
        except FileNotFoundError:
            pass
        handle.close()
    try:
        handle.truncate(0)
        handle.write(f"{purpose} (process {os.getpid()} on {socket.gethostname()}, started "
                     f"{time.strftime('%Y-%m-%d %H:%M:%S')})\n")
        handle.flush()
        yield
    finally:
        path.unlink(missing_ok=True)
        handle.close()


def lock_beside(path: str | Path) -> Path:
    """The lock file that one run at a time holds while it writes ``path``: ``<path>.lock``."""
    path = Path(path)
    return path.with_name(path.name + ".lock")


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB pieces."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def remove_leftovers(path: str | Path) -> int:
    """Remove what killed writers of ``path`` left beside it (their temporary files or folders);
    call it while holding ``path``'s lock, so that no live writer's work is among them."""
    path = Path(path)
    leftovers = list(path.parent.glob(f"{glob.escape(path.stem)}.partial-*{glob.escape(path.suffix)}"))
    for leftover in leftovers:
        _remove(leftover)
    return len(leftovers)


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(path)


def settings_differences(saved: dict[str, Any], current: dict[str, Any],
                         may_change: frozenset[str] = frozenset(), prefix: str = "") -> list[str]:
    """What differs between two nested settings dicts, as ``"key was X, now Y"`` lines.

    Keys are compared recursively and named with dots (``"training.seed"``); dotted names in
    ``may_change`` are ignored (settings that may differ when work is resumed).
    """
    found = []
    for key in sorted(set(saved) | set(current), key=str):
        name = f"{prefix}{key}"
        if name in may_change:
            continue
        old, new = saved.get(key), current.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            found += settings_differences(old, new, may_change, f"{name}.")
        elif old != new:
            found.append(f"{name} was {old!r}, now {new!r}")
    return found


def weights_fingerprint(module: nn.Module) -> str:
    """SHA-256 over a module's parameter names, shapes and float32 bytes."""
    digest = hashlib.sha256()
    for name, parameter in module.named_parameters():
        digest.update(f"{name}{tuple(parameter.shape)}".encode())
        digest.update(parameter.detach().to("cpu", torch.float32).contiguous().numpy().tobytes())
    return digest.hexdigest()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
