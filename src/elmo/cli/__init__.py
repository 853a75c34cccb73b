"""The ``elmo`` command-line tool."""
from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import click


def launched_by_torchrun() -> bool:
    """Whether this process is one of several that ``torchrun`` started (its environment says so)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def exit_interrupted(ctx: click.Context, output: Path) -> NoReturn:
    """Say what an interrupted resumable command kept, and exit with 130 (as for SIGINT)."""
    from elmo.embed.blocks import partial_folder

    folder = partial_folder(output)
    kept = (f"finished blocks are kept in {folder}; run the same command again to resume"
            if folder.exists() else "no block was finished")
    click.echo(f"\ninterrupted: {kept}", err=True)
    ctx.exit(130)
