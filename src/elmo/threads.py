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
import tempfile
from pathlib import Path

import torch

REGISTRY = Path(tempfile.gettempdir()) / f"elmo-processes-{os.getuid()}"


class CoreShare:
    """This process's place among the running elmo processes; use it as a context manager.

    Args:
        registry: the folder of lock files, one per running process.
    """

    def __init__(self, registry: Path = REGISTRY) -> None:
        self.registry = registry
        self._handle = None

    def __enter__(self) -> CoreShare:
        self.registry.mkdir(parents=True, exist_ok=True)
        unlocked = self.registry / f".{os.getpid()}.new"
        self._handle = open(unlocked, "w")
        fcntl.flock(self._handle, fcntl.LOCK_EX)
        unlocked.rename(self.registry / f"{os.getpid()}.lock")  # visible only once locked
        self.apply()
        return self

    def __exit__(self, *exc_info) -> None:
        (self.registry / f"{os.getpid()}.lock").unlink(missing_ok=True)
        self._handle.close()

    def threads(self) -> int:
        """The number of threads this process should use now."""
        fixed = os.environ.get("ELMO_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
        if fixed:
            return max(1, int(fixed))
        return max(1, len(os.sched_getaffinity(0)) // max(1, self.running()))

    def running(self) -> int:
        """Registered processes still alive (the locks of dead ones are removed)."""
        alive = 0
        for path in self.registry.glob("*.lock"):
            try:
                with open(path) as handle:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                path.unlink(missing_ok=True)  # nobody holds it: its process is gone
            except BlockingIOError:
                alive += 1
            except FileNotFoundError:
                pass
        return alive

    def apply(self) -> int:
        """Set torch's thread count to :meth:`threads`; returns it."""
        threads = self.threads()
        if threads != torch.get_num_threads():
            torch.set_num_threads(threads)
        return threads
