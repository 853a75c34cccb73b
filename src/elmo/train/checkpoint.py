"""Training checkpoints: everything needed to continue a run exactly where it stopped.

``<output_dir>/checkpoints/step-<N>/`` holds ``shared.pt`` (model, optimizer, scheduler, step,
config) written by rank 0 and ``rank-<r>.pt`` per process (its data position, carried LSTM states
and random generator states). A checkpoint is written under a temporary name and renamed when
complete, so an interrupted write never looks finished; ``latest`` names the newest one.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import torch

from elmo.distributed import Context
from elmo.errors import ConfigError, ModelFileError
from elmo.files import settings_differences, write_text


class Checkpoints:
    """The checkpoints of one run, made with ``config`` (a dict of the run's settings)."""

    def __init__(self, output_dir: Path, keep: int, config: dict[str, Any]) -> None:
        self.folder = output_dir / "checkpoints"
        self.keep = keep
        self.config = config

    def latest(self) -> Path | None:
        pointer = self.folder / "latest"
        if not pointer.is_file():
            return None
        path = self.folder / pointer.read_text().strip()
        return path if (path / "shared.pt").is_file() else None

    def save(self, context: Context, step: int, shared: dict[str, Any], own: dict[str, Any]) -> Path:
        """All ranks call this; each writes its own state, rank 0 the shared state."""
        final = self.folder / f"step-{step}"
        temporary = self.folder / f"step-{step}.partial"
        if context.is_main:
            shutil.rmtree(temporary, ignore_errors=True)
            temporary.mkdir(parents=True)
        context.barrier()
        torch.save(own, temporary / f"rank-{context.rank}.pt")
        context.barrier()
        if context.is_main:
            torch.save({**shared, "config": self.config}, temporary / "shared.pt")
            shutil.rmtree(final, ignore_errors=True)
            temporary.rename(final)
            write_text(self.folder / "latest", final.name)
            self._prune(final)
        context.barrier()
        return final

    def load(self, path: Path, context: Context) -> tuple[dict, dict]:
        """(shared state, this rank's state); refuses a checkpoint made with another config."""
        try:
            shared = torch.load(path / "shared.pt", map_location="cpu", weights_only=False)
            own = torch.load(path / f"rank-{context.rank}.pt", map_location="cpu", weights_only=False)
        except FileNotFoundError as error:
            raise ModelFileError(f"checkpoint {path} is incomplete ({error.filename} is missing); "
                                 "was it made with another number of processes?") from None
        except Exception as error:
            raise ModelFileError(f"checkpoint {path} cannot be read ({error})") from None
        differences = settings_differences(shared.get("config", {}), self.config, RESUMABLE)
        if differences:
            raise ConfigError(f"checkpoint {path} was made with another config ({'; '.join(differences)}); "
                              "use another output_dir, or delete the checkpoints to start afresh")
        return shared, own

    def _prune(self, newest: Path) -> None:
        steps = sorted((p for p in self.folder.glob("step-*") if p.is_dir() and "partial" not in p.name),
                       key=lambda p: int(p.name.split("-")[1]))
        for old in steps[: max(0, len(steps) - self.keep)]:
            if old != newest:
                shutil.rmtree(old)


# Settings that may change when a run is resumed: how long it runs and how it reports.
RESUMABLE = frozenset({"training.max_steps", "training.epochs", "training.max_minutes",
                       "training.checkpoint_every", "training.keep_checkpoints",
                       "training.log_every", "data.heldout"})
