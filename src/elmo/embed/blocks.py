"""Long jobs over a text file, done in blocks of lines that survive interruption and spread over
processes.

A job (embedding a file, indexing a corpus) cuts the file's lines into blocks of a fixed size and
keeps each finished block in ``<output>.partial/`` (a :class:`BlockStore`). Started again with the
same settings, the job skips the finished blocks. Launched by ``torchrun`` on N processes (the
environment says so), process ``r`` takes blocks ``r, r + N, ...``, then process 0 assembles
every block, in line order, into the output. The blocks depend on the file and the block size
alone, never on the number of processes, so the output is the one a single process writes.
"""
from __future__ import annotations

import itertools
import json
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from elmo.distributed import Context, finish, initialise
from elmo.embed.writers import NpzWriter
from elmo.errors import InputError
from elmo.files import (
    atomic_path,
    exclusive_lock,
    file_sha256,
    lock_beside,
    remove_leftovers,
    settings_differences,
    write_text,
)
from elmo.threads import CoreShare


def partial_folder(output_path: str | Path) -> Path:
    """Where the finished blocks of ``output_path`` wait: ``<output>.partial``."""
    output_path = Path(output_path)
    return output_path.with_name(output_path.name + ".partial")


def block_ranges(n_lines: int, block_size: int) -> list[tuple[int, int]]:
    """[start, stop) line ranges of the blocks of a file of ``n_lines`` lines."""
    return [(start, min(start + block_size, n_lines)) for start in range(0, n_lines, block_size)]


class BlockStore:
    """Finished blocks of one run, so that an interrupted run can resume where it stopped.

    The folder holds ``run.json`` (the settings the blocks were made with) and one
    ``block-<start>-<stop>.npz`` per finished block of lines [start, stop), holding whatever named
    arrays the job keeps for it. A block is written under a temporary name and renamed when
    complete, then its SHA-256 goes into ``block-<start>-<stop>.sha256``: a block counts as
    finished only when the two agree, so neither a killed process nor damage on disk leaves a
    block that looks finished. ``damaged`` lists the blocks found damaged when the store opened
    (they are computed again).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.damaged: list[str] = []

    @classmethod
    def open(cls, folder: str | Path, settings: dict, restart: bool = False) -> BlockStore:
        """Resume the run in ``folder`` if it was made with ``settings``, or start a new one.

        Raises:
            InputError: the folder holds blocks made with other settings (and ``restart`` is false).
        """
        store = cls(Path(folder))
        if store.folder.exists() and (restart or store.is_empty()):
            shutil.rmtree(store.folder)  # nothing to lose with no finished block
        run_file = store.folder / "run.json"
        if run_file.is_file():
            _check_same_settings(store.folder, run_file, settings)
        else:
            store.folder.mkdir()
            write_text(run_file, json.dumps(settings, indent=2, ensure_ascii=False) + "\n")
        for leftover in store.folder.glob("*.partial-*"):
            leftover.unlink()
        for block in sorted(store.folder.glob("block-*.npz")):
            checksum = block.with_suffix(".sha256")
            if not checksum.is_file() or checksum.read_text().strip() != file_sha256(block):
                store.damaged.append(block.name)
                checksum.unlink(missing_ok=True)  # the checksum first: it is what marks a block done
                block.unlink()
        for checksum in store.folder.glob("block-*.sha256"):
            if not checksum.with_suffix(".npz").is_file():
                checksum.unlink()  # its block was removed
        return store

    @classmethod
    def join(cls, folder: str | Path, settings: dict) -> BlockStore:
        """The run another process opened in ``folder`` (a rank of a distributed run)."""
        store = cls(Path(folder))
        _check_same_settings(store.folder, store.folder / "run.json", settings)
        return store

    def is_empty(self) -> bool:
        """Whether no block is finished."""
        return not any(self.folder.glob("block-*.npz"))

    def block_path(self, start: int, stop: int) -> Path:
        return self.folder / f"block-{start}-{stop}.npz"

    def has(self, start: int, stop: int) -> bool:
        """Whether the block of lines [start, stop) is finished (its checksum written)."""
        block = self.block_path(start, stop)
        return block.is_file() and block.with_suffix(".sha256").is_file()

    def write(self, start: int, stop: int, arrays: Mapping[str, np.ndarray]) -> None:
        """Keep the finished block of lines [start, stop): its named arrays."""
        with atomic_path(self.block_path(start, stop)) as temporary, NpzWriter(temporary) as writer:
            for name, array in arrays.items():
                writer.write(name, array)
        block = self.block_path(start, stop)
        write_text(block.with_suffix(".sha256"), file_sha256(block) + "\n")

    @contextmanager
    def read(self, start: int, stop: int) -> Iterator[Mapping[str, np.ndarray]]:
        """The named arrays of a finished block, each read when it is asked for."""
        with np.load(self.block_path(start, stop), allow_pickle=False) as block:
            yield block

    def remove(self) -> None:
        shutil.rmtree(self.folder)


@dataclass(frozen=True)
class BlockRun:
    """This process's part in a job: its place among the processes, the shared store of finished
    blocks, and its share of the cores (set again before each block)."""

    context: Context
    store: BlockStore
    cores: CoreShare

    def lines(self, path: Path, ranges: list[tuple[int, int]], progress: tqdm | None = None,
              ) -> Iterator[tuple[int, int, list[bytes]]]:
        """(start, stop, raw lines) of each block of ``path`` that is this process's and not yet
        finished, reading the file once; ``progress`` advances by the lines of finished blocks.

        Raises:
            InputError: the file has fewer lines than ``ranges`` say (it changed while read).
        """
        mine = set(ranges[self.context.rank::self.context.world_size])
        with open(path, "rb") as file:
            for start, stop in ranges:
                raw_lines = list(itertools.islice(file, stop - start))
                if len(raw_lines) != stop - start:
                    raise InputError(f"{path} changed while it was being read")
                if (start, stop) in mine and not self.store.has(start, stop):
                    self.cores.apply()
                    yield start, stop, raw_lines
                if progress is not None and ((start, stop) in mine or self.store.has(start, stop)):
                    progress.update(stop - start)

    def finished_lines(self, ranges: list[tuple[int, int]]) -> int:
        """Lines in the blocks an earlier run finished."""
        return sum(stop - start for start, stop in ranges if self.store.has(start, stop))


@contextmanager
def block_run(output_path: str | Path, settings: dict, purpose: str, *, restart: bool = False,
              distributed: bool = False, check: Callable[[], None] = lambda: None,
              ) -> Iterator[BlockRun]:
    """Run a job whose finished blocks go into ``<output_path>.partial/``.

    Process 0 holds ``<output_path>.lock`` for the whole job (a second run is refused, naming
    ``purpose``), calls ``check`` under it (the output may have appeared meanwhile), removes what
    killed writers left, and opens the store (resuming it, or refusing other settings); the other
    processes join it. If a single process fails before any block is finished, the empty store is
    removed.

    Raises:
        BusyError: another run is writing the same output.
        InputError: ``check`` failed, or an earlier run's blocks have other settings.
    """
    context = initialise() if distributed else Context(0, 1, torch.device("cpu"))
    lock = exclusive_lock(lock_beside(output_path), purpose) if context.is_main else nullcontext()
    store = None
    try:
        with lock, CoreShare() as cores:
            if context.is_main:
                check()
                remove_leftovers(output_path)
                store = BlockStore.open(partial_folder(output_path), settings, restart=restart)
                for name in store.damaged:
                    tqdm.write(f"warning: {store.folder / name} was damaged; its lines are done "
                               "again", file=sys.stderr)
            context.barrier()
            if not context.is_main:
                store = BlockStore.join(partial_folder(output_path), settings)
            try:
                yield BlockRun(context, store, cores)
            except BaseException:
                if (context.is_main and not context.distributed and store.folder.is_dir()
                        and store.is_empty()):
                    store.remove()  # leave no folder behind when nothing was finished
                raise
    finally:
        if distributed:
            finish(context)


def json_array(value) -> np.ndarray:
    """``value`` as UTF-8 JSON text in a uint8 array, for a block (see :func:`from_json_array`)."""
    return np.frombuffer(json.dumps(value, ensure_ascii=False).encode("utf-8"), np.uint8)


def from_json_array(array: np.ndarray):
    """The value :func:`json_array` stored."""
    return json.loads(array.tobytes().decode("utf-8"))


def _check_same_settings(folder: Path, run_file: Path, settings: dict) -> None:
    hint = f"delete {folder} or pass --restart to start over"
    try:
        previous = json.loads(run_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(f"{run_file} is not readable; {hint}") from None
    changes = settings_differences(previous, settings)
    if not changes:
        return
    raise InputError(f"{folder} holds blocks of an earlier run with other settings "
                     f"({'; '.join(changes)}); {hint}")
