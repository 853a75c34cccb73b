"""Reading downloaded archives, and small fake archives in the formats the registries serve."""
import io
import tarfile
import zipfile

import pytest

from elmo.corpora.archives import iter_members, read_member, read_members
from elmo.corpora.errors import ArchiveError


def make_tar_gz(path, files: dict[str, bytes | str]):
    """A .tar.gz (an sdist or an npm package) holding ``files``."""
    with tarfile.open(path, "w:gz") as tar:
        _add_to_tar(tar, files)
    return path


def make_zip(path, files: dict[str, bytes | str]):
    """A .zip or .whl holding ``files``."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, _bytes(content))
    return path


def make_deb(path, files: dict[str, bytes | str]):
    """A Debian package: an ar archive with debian-binary, control.tar.xz and data.tar.xz, whose
    members are named ``./usr/...`` as dpkg-deb writes them."""
    members = [("debian-binary", b"2.0\n"), ("control.tar.xz", _tar_xz({"./control": "Package: x\n"})),
               ("data.tar.xz", _tar_xz({f"./{name}": content for name, content in files.items()}))]
    with open(path, "wb") as out:
        out.write(b"!<arch>\n")
        for name, data in members:
            header = (f"{name + '/':<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(data):<10}`\n")
            out.write(header.encode("ascii"))
            out.write(data + (b"\n" if len(data) % 2 else b""))
    return path


def _tar_xz(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:xz") as tar:
        _add_to_tar(tar, files)
    return buffer.getvalue()


def _add_to_tar(tar, files):
    for name, content in files.items():
        data = _bytes(content)
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


def _bytes(content):
    return content.encode("utf-8") if isinstance(content, str) else content


def test_reads_named_members_of_a_tar_gz(tmp_path):
    archive = make_tar_gz(tmp_path / "pkg-1.0.tar.gz", {"pkg-1.0/a.txt": "甲", "pkg-1.0/b.txt": "b"})
    assert read_members(archive, ["pkg-1.0/a.txt"]) == {"pkg-1.0/a.txt": "甲".encode()}


def test_reads_a_member_of_a_wheel(tmp_path):
    archive = make_zip(tmp_path / "pkg-1.0-py3-none-any.whl", {"pkg/data/x.txt": "x"})
    assert read_member(archive, "pkg/data/x.txt") == b"x"


def test_reads_the_data_of_a_deb_without_the_leading_dot_slash(tmp_path):
    archive = make_deb(tmp_path / "pkg_1.0_all.deb", {"usr/share/doc/pkg/copyright": "GPL"})
    assert read_member(archive, "usr/share/doc/pkg/copyright") == b"GPL"


def test_iter_members_yields_the_accepted_names_in_archive_order(tmp_path):
    archive = make_tar_gz(tmp_path / "p.tgz", {"package/b": "2", "package/README": "r",
                                               "package/a": "1"})
    names = [name for name, _ in iter_members(archive, lambda name: len(name) == 9)]
    assert names == ["package/b", "package/a"]


def test_a_missing_member_is_an_archive_error_naming_member_and_archive(tmp_path):
    archive = make_tar_gz(tmp_path / "pkg-1.0.tar.gz", {"pkg-1.0/a.txt": "a"})
    with pytest.raises(ArchiveError, match=r"pkg-1\.0\.tar\.gz has no member pkg-1\.0/tag/x\.txt"):
        read_members(archive, ["pkg-1.0/a.txt", "pkg-1.0/tag/x.txt"])


def test_a_corrupt_archive_is_an_archive_error(tmp_path):
    archive = tmp_path / "pkg-1.0.tar.gz"
    archive.write_bytes(b"not gzip at all")
    with pytest.raises(ArchiveError, match="cannot be read"):
        read_member(archive, "x")
