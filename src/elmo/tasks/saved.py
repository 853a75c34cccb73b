"""A trained task model as a self-describing folder, saved and loaded like the biLM.

``<folder>/task.json``: the config, the token vocabulary, the labels, the biLM it reads (name or
path, fingerprint of its weights), the tokenizer for raw text, and the scores measured at training
time; ``<folder>/weights.pt``: the task model's state dict (the biLM is not copied);
``<folder>/train_words.txt`` (segmentation tasks): the training words, for unseen-word recall;
``<folder>/lexicon.txt`` (with lexicon features): the lexicon's words.

Trained task models shipped with the package live in ``elmo/tasks/models/<name>/`` (weights in
float16) and are loaded by name; :data:`DEFAULT_TAGGER` is the one ``elmo tag`` uses.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from elmo.errors import ModelFileError
from elmo.files import atomic_path, write_text
from elmo.tasks.build import build_task_model
from elmo.tasks.config import TaskConfig, parse_task_config
from elmo.tasks.inputs import InputEncoder
from elmo.tasks.vocab import TokenVocab

TASK_FILE, WEIGHTS_FILE, WORDS_FILE = "task.json", "weights.pt", "train_words.txt"
INT8_SCALE = ".int8_scale"  # beside an embedding table stored as int8: its rows' scales
LEXICON_FILE = "lexicon.txt"
BUNDLED_TASKS = Path(__file__).resolve().parent / "models"
DEFAULT_TAGGER = "zh-lexical"  # Chinese segmentation + POS (and entities from nr / ns / nt)


@dataclass
class TaskModel:
    """Everything needed to run a trained task model on new text."""

    config: TaskConfig
    model: nn.Module
    encoder: InputEncoder  # token vocabulary, and for character tasks bigrams and lexicon
    labels: list[str]
    tokenizer: str  # how raw text is split into the tokens the model reads
    bilm_name: str | None = None  # the biLM name or folder (None: no ELMo)
    bilm_key: str | None = None  # fingerprint of its weights
    elmo_shape: tuple[int, int] = (0, 0)  # (L + 1, D)
    scores: dict = field(default_factory=dict)
    train_words: set[str] = field(default_factory=set)

    def save(self, folder: str | Path, dtype: torch.dtype | None = None,
             int8_tables: bool = False) -> Path:
        """Write the folder; ``dtype`` (e.g. torch.float16) stores the floating-point weights in
        that type, ``int8_tables`` the embedding tables as int8 rows with a scale each (absmax:
        an error of at most 1/254 of a row's largest value); all are read back as float32."""
        bigrams = self.encoder.bigrams
        description = {"format": "elmo-task-1", "config": self.config.to_dict(),
                       "tokens": self.encoder.vocab.tokens, "labels": self.labels,
                       "bigrams": bigrams.tokens if bigrams is not None else None,
                       "bigrams_counted": bigrams.counted if bigrams is not None else None,
                       "tokenizer": self.tokenizer,
                       "bilm": self.bilm_name, "bilm_key": self.bilm_key, "elmo_shape": list(self.elmo_shape),
                       "scores": self.scores}
        with atomic_path(folder, folder=True) as temporary:
            tables = {f"{name}.weight" for name, module in self.model.named_modules()
                      if isinstance(module, nn.Embedding)} if int8_tables else set()
            state = {}
            for name, value in self.model.state_dict().items():
                if name in tables:
                    scale = value.abs().amax(dim=1, keepdim=True).clamp_min(1e-12) / 127
                    state[name], state[name + INT8_SCALE] = torch.round(value / scale).to(torch.int8), scale
                else:
                    state[name] = value.to(dtype) if dtype is not None and value.is_floating_point() else value
            torch.save(state, temporary / WEIGHTS_FILE)
            write_text(temporary / TASK_FILE, json.dumps(description, ensure_ascii=False, indent=1))
            if self.train_words:
                write_text(temporary / WORDS_FILE, "\n".join(sorted(self.train_words)))
            if self.encoder.lexicon is not None:
                write_text(temporary / LEXICON_FILE, "\n".join(sorted(self.encoder.lexicon.words)))
        return Path(folder)


def bundled_task_models() -> list[str]:
    """Names of the trained task models shipped inside the package."""
    return sorted(p.name for p in BUNDLED_TASKS.iterdir() if (p / TASK_FILE).is_file()) \
        if BUNDLED_TASKS.is_dir() else []


def locate_task_model(name_or_path: str | Path) -> Path:
    """The folder of a bundled task model's name, or the given folder."""
    if str(name_or_path) in bundled_task_models():
        return BUNDLED_TASKS / str(name_or_path)
    return Path(name_or_path)


def load_task_model(name_or_path: str | Path) -> TaskModel:
    """Read a folder written by :meth:`TaskModel.save`, or a bundled task model by name."""
    folder = locate_task_model(name_or_path)
    if not (folder / TASK_FILE).is_file() or not (folder / WEIGHTS_FILE).is_file():
        bundled = ", ".join(bundled_task_models()) or "none"
        raise ModelFileError(f"{folder}: not a trained task model (expected {TASK_FILE} and "
                             f"{WEIGHTS_FILE}; train one with `elmo task train CONFIG`, or name a "
                             f"bundled one: {bundled})")
    try:
        description = json.loads((folder / TASK_FILE).read_text(encoding="utf-8"))
        raw = description["config"]
        config = parse_task_config(raw, str(folder / TASK_FILE), folder)
        labels, bigrams = description["labels"], description.get("bigrams")
        lexicon = folder / LEXICON_FILE
        encoder = InputEncoder.configured(
            config.features, TokenVocab(description["tokens"][2:]),
            TokenVocab(bigrams[2:], description.get("bigrams_counted")) if bigrams else None,
            lexicon.read_text(encoding="utf-8").split("\n") if lexicon.is_file() else [])
        layers, dim = description["elmo_shape"]
        model = build_task_model(config, encoder, labels, layers, dim)
        state = torch.load(folder / WEIGHTS_FILE, map_location="cpu", weights_only=True)
        for scale in [name for name in state if name.endswith(INT8_SCALE)]:  # int8 tables
            table = scale[: -len(INT8_SCALE)]
            state[table] = state[table].float() * state.pop(scale).float()
        model.load_state_dict(state)
    except (KeyError, ValueError, TypeError, RuntimeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{folder}: unreadable task model ({error})") from None
    words_file = folder / WORDS_FILE
    words = set(words_file.read_text(encoding="utf-8").split("\n")) if words_file.is_file() else set()
    return TaskModel(config, model.eval(), encoder, labels, description["tokenizer"], description["bilm"],
                     description["bilm_key"], (layers, dim), description.get("scores", {}), words)
