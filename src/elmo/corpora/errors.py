"""Errors of the corpus downloader: each message says what went wrong and the command to retry."""
from __future__ import annotations

from elmo.errors import ElmoError


class CorpusError(ElmoError):
    """A corpus is unknown, not fetched yet, or could not be built."""


class DownloadError(CorpusError):
    """A package registry or its client (pip, npm, apt-get) failed or could not be found."""


class ChecksumError(CorpusError):
    """A downloaded file does not have the sha256 pinned in the code (the file is deleted)."""


class ArchiveError(CorpusError):
    """A downloaded archive lacks a file the converter needs, or cannot be read."""


def retry_hint(name: str) -> str:
    """The command that resumes fetching corpus ``name``."""
    return f"run `elmo data fetch {name}` again"
