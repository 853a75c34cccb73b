"""Read files out of downloaded archives: sdists and npm packages (.tar.gz, .tgz), wheels (.whl,
.zip) and Debian packages (.deb: an ``ar`` archive whose ``data.tar.*`` holds the files).

Member names are given without a leading ``./``. Every function reads the archive in one
sequential pass, which suits compressed tar streams.
"""
from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from elmo.corpora.errors import ArchiveError

_AR_MAGIC = b"!<arch>\n"
_AR_HEADER = 60


def iter_members(archive: Path, wanted: Callable[[str], bool]) -> Iterator[tuple[str, bytes]]:
    """(name, content) of each regular file in ``archive`` whose name ``wanted`` accepts, in
    archive order."""
    name = archive.name
    try:
        if name.endswith((".whl", ".zip")):
            yield from _zip_members(archive, wanted)
        elif name.endswith(".deb"):
            yield from _tar_members(io.BytesIO(_deb_data(archive)), wanted)
        elif name.endswith((".tar.gz", ".tgz", ".tar.xz", ".tar")):
            with open(archive, "rb") as file:
                yield from _tar_members(file, wanted)
        else:
            raise ArchiveError(f"{archive}: not an archive format this reader knows")
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise ArchiveError(f"{archive} cannot be read ({error}); delete it and fetch again") from None


def read_members(archive: Path, names: Iterable[str]) -> dict[str, bytes]:
    """The contents of the named files of ``archive``.

    Raises:
        ArchiveError: a named file is not in the archive (naming it and the archive).
    """
    names = set(names)
    found = dict(iter_members(archive, names.__contains__))
    missing = sorted(names - found.keys())
    if missing:
        raise ArchiveError(f"{archive.name} has no member {', '.join(missing)}; the package does not "
                           f"have the layout this converter expects")
    return found


def read_member(archive: Path, name: str) -> bytes:
    """The content of one file of ``archive`` (see :func:`read_members`)."""
    return read_members(archive, [name])[name]


def _clean(name: str) -> str:
    return name.removeprefix("./")


def _tar_members(file, wanted: Callable[[str], bool]) -> Iterator[tuple[str, bytes]]:
    with tarfile.open(fileobj=file, mode="r|*") as tar:
        for member in tar:
            name = _clean(member.name)
            if member.isfile() and wanted(name):
                yield name, tar.extractfile(member).read()


def _zip_members(path: Path, wanted: Callable[[str], bool]) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = _clean(info.filename)
            if not info.is_dir() and wanted(name):
                yield name, archive.read(info)


def _deb_data(path: Path) -> bytes:
    """The ``data.tar.*`` member of a Debian package (ar format: 8-byte magic, then for each member
    a 60-byte header whose bytes 0-16 are the name and 48-58 the decimal size, then the data,
    padded to an even length)."""
    with open(path, "rb") as file:
        if file.read(len(_AR_MAGIC)) != _AR_MAGIC:
            raise ArchiveError(f"{path} is not a Debian package (no ar header)")
        while header := file.read(_AR_HEADER):
            if len(header) < _AR_HEADER:
                break
            name = header[:16].decode("ascii").strip().rstrip("/")
            size = int(header[48:58].decode("ascii").strip())
            if name.startswith("data.tar"):
                return file.read(size)
            file.seek(size + size % 2, io.SEEK_CUR)
    raise ArchiveError(f"{path} has no data.tar member")
