"""Scoring a saved task model on labelled data (its own dev / test split, or another file)."""
from __future__ import annotations

from pathlib import Path

from elmo.embed.embedder import Embedder
from elmo.errors import ModelFileError
from elmo.tasks.batches import TaskData
from elmo.tasks.data import read_examples
from elmo.tasks.features import check_bilm, layer_store
from elmo.tasks.saved import load_task_model
from elmo.tasks.trainer import evaluate, split_file


def evaluate_saved(folder: str | Path, split: str = "test", data_file: str | Path | None = None,
                   progress: bool = True) -> dict[str, float]:
    """All scores of the model in ``folder`` on ``data_file``, or on its config's ``split``."""
    task = load_task_model(folder)
    path = Path(data_file) if data_file is not None else split_file(task.config, split)
    if path is None:
        raise ModelFileError(f"{folder}: its config names no {split} file; give one with --data")
    examples = read_examples(path, task.config.data.format, max_tokens=task.config.data.max_tokens)
    store = None
    if task.bilm_name:
        embedder = Embedder.from_pretrained(task.bilm_name)
        check_bilm(embedder, task.bilm_key, folder)
        store = layer_store(embedder, [e.tokens for e in examples], progress=progress,
                            batch_size=task.config.elmo.batch_size)
    data = TaskData(examples, task.encoder, task.labels, task.config.data.is_classification, store)
    return evaluate(task, data)
