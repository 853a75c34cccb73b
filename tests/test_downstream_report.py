"""The downstream report's bookkeeping (benchmarks/downstream_report.py): which runs are finished,
their records kept when the run folders are gone, and figures redrawn only from complete rows. No
training: results.json files are written by hand."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "downstream_report", Path(__file__).resolve().parent.parent / "benchmarks" / "downstream_report.py")
report = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(report)


@pytest.fixture
def runs(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(report, "RUNS", tmp_path / "runs")
    monkeypatch.setattr(report, "RECORDS", tmp_path / "records")
    return tmp_path / "runs"


def write_run(runs: Path, name: str, seed: int = 0, **fields) -> Path:
    """A finished run folder and its record; returns the record."""
    folder = runs / name / f"seed{seed}"
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps(fields))
    report.record_finished_runs()
    return report.record_path(name, seed)


def test_a_run_is_finished_when_it_stopped_early_or_made_the_epochs_its_row_asks(runs):
    assert not report.finished(report.record_path("row", 0), 8)  # never started
    made_8 = write_run(runs, "row", 0, epochs=8, stopped="epochs")
    assert report.finished(made_8, 8) and report.finished(made_8, None)
    assert not report.finished(made_8, 12)  # the row now asks for more: it resumes
    stopped = write_run(runs, "row", 1, epochs=5, stopped="patience")
    assert report.finished(stopped, 12)  # more epochs would not change a run that stopped itself
    recovered = report.record_path("row", 2)
    recovered.write_text(json.dumps({"test": {"pos_f1": 90.0}, "recovered": "scores from a report"}))
    assert report.finished(recovered, 12)  # no run folder, no epochs known: nothing to resume


def test_records_outlive_the_run_folders_and_a_recorded_run_is_not_trained_again(runs, monkeypatch):
    write_run(runs, "row", 0, epochs=8, stopped="epochs", test={"pos_f1": 91.5})
    write_run(runs, "row", 1, epochs=8, stopped="epochs", test={"pos_f1": 92.5})
    shutil.rmtree(runs)  # a new machine: the run folders are gone, the records are in git
    assert report.metric_mean("row", "pos_f1") == 92.0
    monkeypatch.setattr(report.subprocess, "call", lambda *a, **k: pytest.fail("trained again"))
    report.train("row", "pd1998-tagger", {"training.epochs": 8}, 1, threads=1)
    assert not (runs / "row").exists()


def test_a_resumed_run_updates_its_record(runs):
    record = write_run(runs, "row", 0, epochs=8, stopped="epochs", test={"pos_f1": 91.0})
    result = runs / "row" / "seed0" / "results.json"
    result.write_text(json.dumps({"epochs": 12, "stopped": "epochs", "test": {"pos_f1": 93.0}}))
    os.utime(result, (record.stat().st_mtime + 10,) * 2)
    report.record_finished_runs()
    assert report.results("row")[0]["test"]["pos_f1"] == 93.0


def test_figures_are_left_alone_while_a_row_they_need_has_no_runs(runs, tmp_path, capsys):
    images = tmp_path / "images"
    for name, _ in report.LAYER_PANELS[1:]:  # the first panel's row has no run
        write_run(runs, name, test={}, layer_weights=[[0.2, 0.3, 0.5]])
    report.plot(images)
    assert "downstream_layer_weights.png not redrawn: no runs of pd-elmo" in capsys.readouterr().out
    assert not (images / "downstream_layer_weights.png").exists()
    assert not (images / "downstream_low_resource.png").exists()


def test_figures_are_drawn_when_every_row_has_runs(runs, tmp_path):
    for name, _ in report.LAYER_PANELS:
        write_run(runs, name, test={"pos_f1": 80.0}, layer_weights=[[0.2, 0.3, 0.5]])
    for _, elmo_row, random_row in report.CURVE:
        for name in (elmo_row, random_row):
            if not (runs / name).exists():
                write_run(runs, name, test={"pos_f1": 70.0})
    report.plot(tmp_path / "images")
    assert (tmp_path / "images" / "downstream_layer_weights.png").stat().st_size > 0
    assert (tmp_path / "images" / "downstream_low_resource.png").stat().st_size > 0
