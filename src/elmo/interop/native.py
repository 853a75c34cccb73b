"""This package's own model folder: the original format plus what it lacks, in one place.

Layout::

    options.json   the model's options (original layout)     } together, readable by any tool
    weights.hdf5   the biLM's weights (original layout)      } that reads the original format
    extra.pt       the softmax's weights (float16 or float32)
    vocab.txt      the softmax (and word-input) vocabulary, one token per line
    config.json    {"format": "elmo-native-2", "softmax": {"kind": ...}, "metadata": {...}}

The biLM's weights are stored once, so the folder is also an export to the original format; it
keeps the softmax, so a model can be evaluated (perplexity) and trained further; ``metadata``
records how it was made, including the tokenizer its training text went through.
Word-input models add a ``word_embedding`` dataset, which only this package reads.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch

from elmo.config import read_options
from elmo.errors import ModelFileError
from elmo.interop.bilm_tf import load_weights, save_weights
from elmo.modules.bilm import BiLM
from elmo.modules.language_model import BidirectionalLM
from elmo.modules.softmax import build_softmax

FORMAT = "elmo-native-2"
CONFIG_FILE, OPTIONS_FILE, WEIGHTS_FILE = "config.json", "options.json", "weights.hdf5"
EXTRA_FILE, VOCAB_FILE = "extra.pt", "vocab.txt"


def is_native_folder(path: str | Path) -> bool:
    return (Path(path) / CONFIG_FILE).is_file()


def save_native(folder: str | Path, model: BidirectionalLM, vocab_tokens: list[str],
                softmax: dict[str, Any], metadata: dict[str, Any] | None = None,
                half_precision_softmax: bool = False) -> Path:
    """Write a model folder atomically (a temporary folder renamed into place)."""
    folder = Path(folder)
    temporary = folder.with_name(folder.name + ".partial")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    config = {"format": FORMAT, "softmax": softmax, "metadata": metadata or {}}
    _write_json(temporary / CONFIG_FILE, config)
    _write_json(temporary / OPTIONS_FILE, model.bilm.config.to_options())
    save_weights(model.bilm, temporary / WEIGHTS_FILE)
    dtype = torch.float16 if half_precision_softmax else torch.float32
    torch.save({name: tensor.detach().to(dtype).cpu()
                for name, tensor in model.softmax.state_dict().items()}, temporary / EXTRA_FILE)
    (temporary / VOCAB_FILE).write_text("\n".join(vocab_tokens) + "\n", encoding="utf-8")
    if folder.exists():
        shutil.rmtree(folder)
    temporary.rename(folder)
    return folder


def load_native(folder: str | Path) -> tuple[BidirectionalLM, list[str], dict[str, Any]]:
    """(language model, vocabulary tokens, config dict) from a model folder, checking every file."""
    folder = Path(folder)
    config = read_native_config(folder)
    bilm = BiLM(read_options(folder / OPTIONS_FILE))
    load_weights(bilm, folder / WEIGHTS_FILE)
    vocab_path = folder / VOCAB_FILE
    if not vocab_path.is_file():
        raise ModelFileError(f"{folder}: {VOCAB_FILE} is missing")
    tokens = vocab_path.read_text(encoding="utf-8").split("\n")[:-1]
    softmax = config["softmax"]
    head = build_softmax(softmax["kind"], bilm.config.lstm.projection_dim, len(tokens),
                         softmax.get("n_samples", 8192), tuple(softmax.get("cutoffs", ())),
                         softmax.get("div_value", 4.0))
    extra_path = folder / EXTRA_FILE
    if not extra_path.is_file():
        raise ModelFileError(f"{folder}: {EXTRA_FILE} is missing")
    try:
        state = torch.load(extra_path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for damaged files
        raise ModelFileError(f"{extra_path} cannot be read ({error}); the file is corrupt") from None
    try:
        head.load_state_dict({name: tensor.float() for name, tensor in state.items()})
    except RuntimeError as error:
        raise ModelFileError(f"{extra_path} does not match {CONFIG_FILE} and {VOCAB_FILE}: "
                             f"{error}") from None
    return BidirectionalLM(bilm, head).eval(), tokens, config


def read_native_config(folder: Path) -> dict[str, Any]:
    path = folder / CONFIG_FILE
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path} cannot be read as JSON ({error})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a model folder of this package (format "
                             f"{config.get('format') if isinstance(config, dict) else None!r}, "
                             f"expected {FORMAT!r})")
    if "softmax" not in config:
        raise ModelFileError(f"{path}: missing 'softmax'")
    return config


def _write_json(path: Path, value: dict[str, Any]) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
