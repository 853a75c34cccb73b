"""Sharing the machine's cores between elmo processes that run at the same time.

PyTorch starts one thread per core in every process, so two processes on one machine each run
twice as many threads as there are cores, and both slow down many times over. Each long-running
command (embed, index, train, task training) instead registers itself in a folder of lock files
and uses its fair share of the usable cores: ``cores // running processes``, at least 1. A
process's lock is released by the operating system when it exits, however it exits, so a killed
process stops counting at once.

``ELMO_NUM_THREADS`` (or ``elmo --threads N``) fixes the number instead; so does
``OMP_NUM_THREADS``, which PyTorch itself reads.
"""
from __future__ import annotations

import fcntl
import os
import stat
import tempfile
import uuid
from pathlib import Path

import torch

REGISTRY = Path(tempfile.gettempdir()) / f"elmo-processes-{os.getuid()}"


class CoreShare:
    """This process's place among the running elmo processes; use it as a context manager.

    The registry must be a folder of this user's that nobody else can write; otherwise (or on any
    error reading it) the process uses every core, as PyTorch would.

    Args:
        registry: the folder of lock files, one per running process.
    """

    def __init__(self, registry: Path = REGISTRY) -> None:
        self.registry = registry
        self._entry: Path | None = None
        self._handle: int | None = None

    def __enter__(self) -> CoreShare:
        try:
            self.registry.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = os.lstat(self.registry)
            if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022:
                self._register()
        except OSError:
            self._entry = None  # no sharing: every core
        self.apply()
        return self

    def _register(self) -> None:
        name = f"{os.getpid()}-{uuid.uuid4().hex}"
        unlocked = self.registry / f".{name}.new"
        self._handle = os.open(unlocked, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        fcntl.flock(self._handle, fcntl.LOCK_EX)
        self._entry = self.registry / f"{name}.lock"
        unlocked.rename(self._entry)  # visible only once locked

    def __exit__(self, *exc_info) -> None:
        if self._entry is not None:
            self._entry.unlink(missing_ok=True)
            os.close(self._handle)
            self._entry = None

    def threads(self) -> int:
        """The number of threads this process should use now."""
        for variable in ("ELMO_NUM_THREADS", "OMP_NUM_THREADS"):
            fixed = os.environ.get(variable, "").split(",")[0].strip()
            if fixed.isdigit() and int(fixed) > 0:
                return int(fixed)
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return max(1, (cores or 1) // max(1, self.running()))

    def running(self) -> int:
        """Registered processes still alive (the locks of dead ones are removed)."""
        if self._entry is None:
            return 1
        alive = 0
        for path in self.registry.glob("*.lock"):
            try:
                handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
            except OSError:
                continue
            try:
                if not stat.S_ISREG(os.fstat(handle).st_mode):
                    continue
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                path.unlink(missing_ok=True)  # nobody holds it: its process is gone
            except BlockingIOError:
                alive += 1
            finally:
                os.close(handle)
        return max(alive, 1)

    def apply(self) -> int:
        """Set torch's thread count to :meth:`threads`; returns it."""
        threads = self.threads()
        if threads != torch.get_num_threads():
            torch.set_num_threads(threads)
        return threads
