"""Atomic writes and locks (elmo.files)."""
import pytest

from elmo.errors import BusyError
from elmo.files import atomic_path, exclusive_lock, settings_differences


def test_a_folder_is_replaced_whole_and_a_failed_write_leaves_the_old_one(tmp_path):
    target = tmp_path / "index"
    with atomic_path(target, folder=True) as partial:
        (partial / "a").write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target, folder=True) as partial:
        (partial / "b").write_text("new")
        raise RuntimeError("interrupted")
    assert [p.name for p in target.iterdir()] == ["a"] and len(list(tmp_path.iterdir())) == 1
    with atomic_path(target, folder=True) as partial:
        (partial / "b").write_text("new")
    assert [p.name for p in target.iterdir()] == ["b"] and len(list(tmp_path.iterdir())) == 1


def test_a_held_lock_refuses_a_second_holder_and_is_released_after(tmp_path):
    with exclusive_lock(tmp_path / "out.lock", "first run"):
        with pytest.raises(BusyError, match="held by first run"):
            with exclusive_lock(tmp_path / "out.lock", "second run"):
                pass
    with exclusive_lock(tmp_path / "out.lock", "third run"):
        pass


def test_settings_differences_name_each_nested_key_and_skip_those_that_may_change():
    saved = {"training": {"seed": 1, "max_steps": 5}, "data": {"vocab": "a"}}
    now = {"training": {"seed": 2, "max_steps": 9}, "data": {"vocab": "a"}}
    assert settings_differences(saved, now, frozenset({"training.max_steps"})) == [
        "training.seed was 1, now 2"]


def test_leftovers_of_killed_writers_are_removed_and_nothing_else(tmp_path):
    from elmo.files import remove_leftovers
    for name in ("out.partial-123.hdf5", "out.partial-9.hdf5", "out.hdf5.lock", "other.partial-1.hdf5"):
        (tmp_path / name).write_text("x")
    (tmp_path / "index.partial-77").mkdir()
    assert remove_leftovers(tmp_path / "out.hdf5") == 2
    assert remove_leftovers(tmp_path / "index") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.partial-1.hdf5", "out.hdf5.lock"]
