"""This package's own model folder: the config beside the weights, so a folder describes itself.

Layout::

    config.json   {"format": "elmo-native-1", "options": <options.json layout>,
                   "softmax": {"kind": ..., ...}, "metadata": {...}}
    weights.pt    state_dict of the BidirectionalLM (biLM and softmax), float32
    vocab.txt     the softmax (and word-input) vocabulary, one token per line

Unlike the original HDF5 format it keeps the softmax, so a model can be evaluated (perplexity) and
trained further, and it can hold word-input models.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch

from elmo.config import BiLMConfig
from elmo.errors import ModelFileError
from elmo.modules.bilm import BiLM
from elmo.modules.language_model import BidirectionalLM
from elmo.modules.softmax import build_softmax

FORMAT = "elmo-native-1"
CONFIG_FILE, WEIGHTS_FILE, VOCAB_FILE = "config.json", "weights.pt", "vocab.txt"


def is_native_folder(path: str | Path) -> bool:
    return (Path(path) / CONFIG_FILE).is_file()


def save_native(folder: str | Path, model: BidirectionalLM, vocab_tokens: list[str],
                softmax: dict[str, Any], metadata: dict[str, Any] | None = None) -> Path:
    """Write a model folder atomically (a temporary folder renamed into place)."""
    folder = Path(folder)
    temporary = folder.with_name(folder.name + ".partial")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    config = {"format": FORMAT, "options": model.bilm.config.to_options(), "softmax": softmax,
              "metadata": metadata or {}}
    (temporary / CONFIG_FILE).write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    state = {name: tensor.detach().to(torch.float32).cpu() for name, tensor in model.state_dict().items()}
    torch.save(state, temporary / WEIGHTS_FILE)
    (temporary / VOCAB_FILE).write_text("\n".join(vocab_tokens) + "\n", encoding="utf-8")
    if folder.exists():
        shutil.rmtree(folder)
    temporary.rename(folder)
    return folder


def load_native(folder: str | Path) -> tuple[BidirectionalLM, list[str], dict[str, Any]]:
    """(language model, vocabulary tokens, config dict) from a model folder, checking every file."""
    folder = Path(folder)
    config = read_native_config(folder)
    bilm = BiLM(BiLMConfig.from_options(config["options"], str(folder / CONFIG_FILE)))
    vocab_path = folder / VOCAB_FILE
    if not vocab_path.is_file():
        raise ModelFileError(f"{folder}: {VOCAB_FILE} is missing")
    tokens = vocab_path.read_text(encoding="utf-8").split("\n")[:-1]
    softmax = config["softmax"]
    head = build_softmax(softmax["kind"], bilm.config.lstm.projection_dim, len(tokens),
                         softmax.get("n_samples", 8192), tuple(softmax.get("cutoffs", ())),
                         softmax.get("div_value", 4.0))
    model = BidirectionalLM(bilm, head)
    weights_path = folder / WEIGHTS_FILE
    if not weights_path.is_file():
        raise ModelFileError(f"{folder}: {WEIGHTS_FILE} is missing")
    try:
        state = torch.load(weights_path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for damaged files
        raise ModelFileError(f"{weights_path} cannot be read ({error}); the file is corrupt") from None
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise ModelFileError(f"{weights_path} does not match {CONFIG_FILE}: {error}") from None
    return model.eval(), tokens, config


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
    for key in ("options", "softmax"):
        if key not in config:
            raise ModelFileError(f"{path}: missing '{key}'")
    return config
