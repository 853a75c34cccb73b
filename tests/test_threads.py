"""Sharing the cores between elmo processes running at the same time."""
import fcntl
import os

import pytest

from elmo.threads import CoreShare


@pytest.fixture()
def share(tmp_path, monkeypatch):
    monkeypatch.delenv("ELMO_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)))
    with CoreShare(tmp_path) as share:
        yield share


def test_a_process_alone_uses_every_core(share):
    assert share.running() == 1 and share.threads() == 8


def test_running_processes_share_the_cores_and_a_finished_one_stops_counting(share, tmp_path):
    others = [open(tmp_path / f"{pid}.lock", "w") for pid in (111111, 222222, 333333)]
    for handle in others:
        fcntl.flock(handle, fcntl.LOCK_EX)  # as another live process holds its lock
    assert share.running() == 4 and share.threads() == 2
    others[0].close()  # that process exited (or was killed): the system released its lock
    assert share.running() == 3 and share.threads() == 2
    assert not (tmp_path / "111111.lock").exists()
    for handle in others[1:]:
        handle.close()
    assert share.threads() == 8


def test_a_fixed_thread_count_wins(share, monkeypatch):
    monkeypatch.setenv("ELMO_NUM_THREADS", "3")
    assert share.threads() == 3


def test_leaving_removes_the_processes_lock(tmp_path):
    with CoreShare(tmp_path):
        assert len(list(tmp_path.glob("*.lock"))) == 1
    assert not list(tmp_path.glob("*.lock"))


def test_a_registry_others_can_write_is_not_trusted(tmp_path, monkeypatch):
    monkeypatch.delenv("ELMO_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)))
    shared = tmp_path / "registry"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    for pid in range(3):  # what another user could plant
        handle = open(shared / f"{pid}.lock", "w")
        fcntl.flock(handle, fcntl.LOCK_EX)
    with CoreShare(shared) as share:
        assert share.threads() == 8 and not list(shared.glob(f"{os.getpid()}-*.lock"))


def test_a_registry_of_ours_that_others_can_only_read_is_used(tmp_path, monkeypatch):
    monkeypatch.delenv("ELMO_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)))
    registry = tmp_path / "registry"
    registry.mkdir()
    registry.chmod(0o755)  # as a umask of 022 leaves a folder made by an older version
    other = open(registry / "111111.lock", "w")
    fcntl.flock(other, fcntl.LOCK_EX)
    with CoreShare(registry) as share:
        assert share.running() == 2 and share.threads() == 4
    other.close()
