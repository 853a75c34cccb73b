"""The downstream report's bookkeeping (benchmarks/downstream_report.py): which runs are finished,
and figures redrawn only from complete rows. No training: results.json files are written by hand."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "downstream_report", Path(__file__).resolve().parent.parent / "benchmarks" / "downstream_report.py")
report = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(report)


@pytest.fixture
def runs(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(report, "RUNS", tmp_path / "runs")
    return tmp_path / "runs"


def write_run(runs: Path, name: str, seed: int = 0, **fields) -> Path:
    folder = runs / name / f"seed{seed}"
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps(fields))
    return folder


def test_a_run_is_finished_when_it_stopped_early_or_made_the_epochs_its_row_asks(runs):
    assert not report.finished(runs / "row" / "seed0", 8)  # never started
    made_8 = write_run(runs, "row", 0, epochs=8, stopped="epochs")
    assert report.finished(made_8, 8) and report.finished(made_8, None)
    assert not report.finished(made_8, 12)  # the row now asks for more: it resumes
    stopped = write_run(runs, "row", 1, epochs=5, stopped="patience")
    assert report.finished(stopped, 12)  # more epochs would not change a run that stopped itself


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
