"""Shared fixtures: the bundled tiny model and the reference embeddings computed by the original code."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import elmo

FIXTURES = Path(__file__).parent / "fixtures"
TINY = "bilm-tf-tiny"  # the bundled test model whose reference embeddings are in fixtures/
REFERENCE = FIXTURES / "bilm_tf"


@pytest.fixture(scope="session")
def tiny_model_dir() -> Path:
    return elmo.interop.model_folder.BUNDLED_DIR / TINY


@pytest.fixture(scope="session")
def reference_sentences() -> list[list[str]]:
    """Three lists of ten whitespace-tokenized sentences."""
    return json.loads((REFERENCE / "lm_embeddings_sentences.json").read_text())


@pytest.fixture()
def tiny_bilm():
    return elmo.ModelFolder.load(TINY).bilm


def torchrun_elmo(*args) -> None:
    """``elmo ARGS`` on two processes launched by torchrun (gloo), one thread each."""
    completed = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         "-m", "elmo.cli.main", *map(str, args)],
        capture_output=True, text=True, env={**os.environ, "ELMO_NUM_THREADS": "1"}, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
