"""Tiny training configs written as TOML files, as a user would write them."""
from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES

TRAIN_DATA = FIXTURES / "bilm_tf_train" / "data.txt"
TRAIN_VOCAB = FIXTURES / "bilm_tf_train" / "vocab.txt"

MODEL = """
[model.char_cnn]
activation = "relu"
embedding = {dim = 4}
filters = [[1, 8], [2, 8]]
n_highway = 1
[model.lstm]
dim = 16
projection_dim = 8
n_layers = 2
cell_clip = 5
proj_clip = 5
use_skip_connections = true
"""


def write_config(folder: Path, *, train: str | list[str] = str(TRAIN_DATA), vocab: Path = TRAIN_VOCAB,
                 model: str = MODEL, data: str = "", softmax: str = 'type = "sampled"\nn_samples = 16',
                 training: str = "max_steps = 4", name: str = "config.toml") -> Path:
    """A config file in ``folder`` training into ``folder/run``."""
    shards = [train] if isinstance(train, str) else train
    for default in ("checkpoint_every = 2", "log_every = 1"):
        if default.split(" =")[0] not in training:
            training += "\n" + default
    text = f"""{model}
[data]
train = {[str(s) for s in shards]!r}
vocab = "{vocab}"
batch_size = 4
unroll_steps = 10
{data}

[softmax]
{softmax}

[training]
output_dir = "run"
{training}
""".replace("'", '"')
    path = folder / name
    path.write_text(text)
    return path
