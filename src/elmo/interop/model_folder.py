"""Model folders: finding a model by name or path, and reading and writing its files.

A model folder is either the original bilm-tf layout (``options.json`` plus one HDF5 weight file)
or this package's own layout, which is that plus what the original lacks::

    options.json   the model's options (original layout)     } together, readable by any tool
    weights.hdf5   the biLM's weights (original layout)      } that reads the original format
    extra.pt       the softmax's weights (float16 or float32), for models trained here
    vocab.txt      the softmax (and word-input) vocabulary, one token per line
    chars.json     the character vocabulary of a code-point model (a JSON list)
    config.json    {"format": "elmo-native-3", "softmax": {...}, "softmax_float16": ...,
                    "weights_float16": true and "rounding": {...} (only for float16 weights),
                    "tokenizer": ..., "training": {...}, "sha256": {file name: SHA-256 of each
                    file above}}
    MODEL_CARD.md, training_log.csv, NOTICE   documents kept with the model, where there are any

The biLM's weights are stored once, so a native folder is also an export to the original format.
Loading a native folder verifies every file against its recorded SHA-256, so a damaged file is an
error rather than silently different vectors.
:class:`ModelFolder` holds a folder's contents in memory; ``ModelFolder.load(path).save(other)``
writes a folder that loads to the same model, with the same documents and softmax precision (an
original-format folder's weight file is written as ``weights.hdf5``).
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from elmo.config import SoftmaxConfig, read_options
from elmo.config_files import parse_section
from elmo.errors import ConfigError, ModelFileError
from elmo.files import atomic_path, file_sha256, weights_fingerprint, write_text
from elmo.interop.bilm_tf import load_weights, save_weights
from elmo.modules.bilm import BiLM
from elmo.modules.softmax import build_softmax

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_MODEL = "en-small"
FORMAT = "elmo-native-3"
CONFIG_FILE, OPTIONS_FILE, WEIGHTS_FILE = "config.json", "options.json", "weights.hdf5"
EXTRA_FILE, VOCAB_FILE, CHARS_FILE = "extra.pt", "vocab.txt", "chars.json"
CHECKED_FILES = (OPTIONS_FILE, WEIGHTS_FILE, EXTRA_FILE, VOCAB_FILE, CHARS_FILE)
WEIGHT_FILE_NAMES = (WEIGHTS_FILE, "lm_weights.hdf5")
DOCUMENTS = ("MODEL_CARD.md", "training_log.csv", "NOTICE")


@dataclass(frozen=True)
class HeldoutPerplexity:
    """Exact perplexity on a corpus's held-out split, per direction and averaged."""

    corpus: str
    split: str
    forward_ppl: float
    backward_ppl: float
    average_ppl: float
    tokens: int  # predictions per direction


@dataclass(frozen=True)
class TrainingRecord:
    """How a model was trained: the ``training`` entry of ``config.json``."""

    steps: int
    tokens_seen: int  # corpus tokens read (each by both directions)
    train_seconds: int
    train: tuple[str, ...]  # the training files' names
    world_size: int = 1  # processes
    device: str = "cpu"
    device_name: str | None = None
    threads: int | None = None  # per process
    heldout: HeldoutPerplexity | None = None


@dataclass(frozen=True)
class Rounding:
    """Weights rounded to float16 from float32 ones: the fingerprints
    (:func:`elmo.files.weights_fingerprint`) of both, so task models trained on the float32
    weights still run on the float16 ones (:func:`elmo.tasks.features.check_bilm`)."""

    float32: str
    float16: str


@dataclass
class ModelFolder:
    """A model's network and everything its folder says about it.

    Args:
        bilm: the network (token encoder and both LSTM stacks).
        softmax: the language model's output layer, or None (original-format models lack it).
        softmax_config: how ``softmax`` is built (None with it).
        vocabulary: the softmax and word-input vocabulary, or None (original format).
        characters: a code-point model's character vocabulary (see ``CodepointVocabulary``).
        softmax_float16: store the softmax in float16 (half the size).
        tokenizer: what tokenized the training text (see :mod:`elmo.data.tokenizers`).
        training: how the model was trained, for models trained here.
        weights_float16: store the biLM's weights in float16 (half the size; read back as float32).
        rounding: for float16 weights rounded from float32 ones here, the fingerprints of both.
        documents: text files kept with the model, by name (see ``DOCUMENTS``).
    """

    bilm: BiLM
    softmax: nn.Module | None = None
    softmax_config: SoftmaxConfig | None = None
    vocabulary: list[str] | None = None
    characters: list[str] | None = None
    softmax_float16: bool = False
    tokenizer: str = "whitespace"
    training: TrainingRecord | None = None
    weights_float16: bool = False
    rounding: Rounding | None = None
    documents: dict[str, str] = field(default_factory=dict)

    @property
    def is_native(self) -> bool:
        """True when the model needs this package's layout: it has a softmax, or reads words or
        code points (the original layout holds a byte-character biLM alone)."""
        return any(part is not None for part in (self.softmax, self.vocabulary, self.characters))

    def store_float16(self) -> None:
        """Round the biLM's weights to float16, and store them and the softmax in float16 when
        saved; :attr:`rounding` records the fingerprints before and after the rounding."""
        if not self.weights_float16:
            before = weights_fingerprint(self.bilm)
            with torch.no_grad():
                for parameter in self.bilm.parameters():
                    parameter.copy_(parameter.half().float())
            self.rounding = Rounding(before, weights_fingerprint(self.bilm))
        self.weights_float16 = self.softmax_float16 = True

    def save(self, folder: str | Path) -> Path:
        """Write the folder atomically, in the native layout if :attr:`is_native`, else the original."""
        cnn = self.bilm.config.char_cnn
        if not self.is_native and (cnn is None or cnn.characters != "bytes"
                                   or self.bilm.config.token_encoder != "char"):
            raise ModelFileError("the original format holds byte-character models only; this model "
                                 f"reads {self.bilm.config.token_encoder!r} input"
                                 f"{' of code points' if cnn and cnn.characters != 'bytes' else ''}")
        check_replaceable(folder)
        with atomic_path(folder, folder=True) as temporary:
            write_text(temporary / OPTIONS_FILE, _json(self.bilm.config.to_options()))
            save_weights(self.bilm, temporary / WEIGHTS_FILE, self.weights_float16)
            for name, text in self.documents.items():
                write_text(temporary / name, text)
            if self.is_native:
                self._save_native(temporary)
        return Path(folder)

    def _save_native(self, temporary: Path) -> None:
        if self.softmax is not None:
            dtype = torch.float16 if self.softmax_float16 else torch.float32
            torch.save({name: tensor.detach().to("cpu", dtype)
                        for name, tensor in self.softmax.state_dict().items()}, temporary / EXTRA_FILE)
        if self.vocabulary is not None:
            write_text(temporary / VOCAB_FILE, "".join(f"{token}\n" for token in self.vocabulary))
        if self.characters is not None:
            write_text(temporary / CHARS_FILE, json.dumps(self.characters, ensure_ascii=False))
        config = {"format": FORMAT,
                  "softmax": self.softmax_config and dataclasses.asdict(self.softmax_config),
                  "softmax_float16": self.softmax_float16,
                  **({"weights_float16": True, "rounding": self.rounding and dataclasses.asdict(self.rounding)}
                     if self.weights_float16 else {}),  # absent otherwise: older versions read the folder
                  "tokenizer": self.tokenizer,
                  "training": self.training and dataclasses.asdict(self.training),
                  "sha256": {name: file_sha256(temporary / name) for name in CHECKED_FILES
                             if (temporary / name).is_file()}}
        write_text(temporary / CONFIG_FILE, _json(config))

    @classmethod
    def load(cls, name_or_path: str | Path | None = None, options_file: str | Path | None = None,
             weight_file: str | Path | None = None) -> ModelFolder:
        """A bundled model by name (``DEFAULT_MODEL`` if None), a folder, a weight file with
        ``options.json`` beside it, or explicit original-format files; every file is checked."""
        if options_file is not None or weight_file is not None:
            if options_file is None or weight_file is None:
                raise ModelFileError("give both an options file and a weight file, or a model name "
                                     "or folder")
            return cls(_read_bilm(options_file, weight_file))
        path = locate(DEFAULT_MODEL if name_or_path is None else name_or_path)
        from elmo.interop import elmoformanylangs  # it builds on this module
        if elmoformanylangs.is_elmoformanylangs_folder(path):
            return elmoformanylangs.read_elmoformanylangs(path)
        if is_native_folder(path):
            return _load_native(path)
        options, weights = _original_files(path)
        return cls(_read_bilm(options, weights), documents=_documents(options.parent))


def check_replaceable(folder: str | Path) -> None:
    """Refuse to write a model over a folder that holds anything but a model."""
    folder = Path(folder)
    if folder.exists() and not (folder / OPTIONS_FILE).is_file() and not (folder / "encoder.pkl").is_file() \
            and (not folder.is_dir() or any(folder.iterdir())):
        raise ModelFileError(f"{folder} exists and is not a model folder: choose a new folder")


def bundled_models() -> list[str]:
    """Names of the models shipped inside the package."""
    return sorted(p.name for p in BUNDLED_DIR.iterdir()
                  if (p / OPTIONS_FILE).is_file() or is_native_folder(p))


def locate(name_or_path: str | Path) -> Path:
    """The folder or weight file of a bundled model name or a path."""
    if str(name_or_path) in bundled_models():
        return BUNDLED_DIR / str(name_or_path)
    path = Path(name_or_path)
    if path.exists():
        return path
    raise ModelFileError(f"no model named or found at '{name_or_path}'; give a model folder, a weight "
                         f"file, or one of the bundled models: {', '.join(bundled_models())}")


def is_native_folder(path: str | Path) -> bool:
    return (Path(path) / CONFIG_FILE).is_file()


def model_name(name_or_path: str | Path | None, weight_file: str | Path | None = None) -> str:
    """A short name for messages: the bundled name, the folder's name or the weight file's stem."""
    if weight_file is not None:
        return Path(weight_file).stem
    return Path(str(DEFAULT_MODEL if name_or_path is None else name_or_path)).name


def _original_files(path: Path) -> tuple[Path, Path]:
    """(options.json, weight file) of an original-format folder or weight file."""
    if path.is_file():
        return path.parent / OPTIONS_FILE, path
    weights = [path / name for name in WEIGHT_FILE_NAMES if (path / name).is_file()]
    weights = weights or sorted(path.glob("*.hdf5"))
    if len(weights) != 1:
        found = ", ".join(w.name for w in weights) or "none"
        raise ModelFileError(f"{path}: expected one weight file ({' or '.join(WEIGHT_FILE_NAMES)}), "
                             f"found {found}")
    return path / OPTIONS_FILE, weights[0]


def _read_bilm(options_file: str | Path, weight_file: str | Path) -> BiLM:
    options_file = Path(options_file)
    if not options_file.is_file():
        raise ModelFileError(f"options file not found: {options_file} (it must sit beside the "
                             "weights)")
    bilm = BiLM(read_options(options_file))
    load_weights(bilm, weight_file)
    return bilm.eval()


@dataclass(frozen=True)
class _FolderConfig:
    """``config.json`` of a native folder."""

    format: str
    sha256: dict[str, str]
    softmax: SoftmaxConfig | None = None
    softmax_float16: bool = False
    weights_float16: bool = False
    rounding: Rounding | None = None
    tokenizer: str = "whitespace"
    training: TrainingRecord | None = None


def _load_native(folder: Path) -> ModelFolder:
    config = _read_config(folder)
    for name, expected in config.sha256.items():
        path = folder / name
        if path.is_file() and file_sha256(path) != expected:
            raise ModelFileError(f"{path} is damaged: its SHA-256 differs from the one recorded in "
                                 f"{CONFIG_FILE}; copy the model folder again")
    bilm = _read_bilm(folder / OPTIONS_FILE, folder / WEIGHTS_FILE)
    vocab_path, chars_path = folder / VOCAB_FILE, folder / CHARS_FILE
    needs_vocabulary = config.softmax is not None or bilm.config.word_embedding is not None
    if needs_vocabulary and not vocab_path.is_file():
        raise ModelFileError(f"{folder}: {VOCAB_FILE} is missing")
    vocabulary = vocab_path.read_text(encoding="utf-8").split("\n")[:-1] if needs_vocabulary else None
    characters = None
    if bilm.config.char_cnn is not None and bilm.config.char_cnn.characters == "codepoints":
        if not chars_path.is_file():
            raise ModelFileError(f"{folder}: {CHARS_FILE} is missing (the model reads code points)")
        characters = json.loads(chars_path.read_text(encoding="utf-8"))
    head = None if config.softmax is None else _load_softmax(folder, config.softmax, bilm, vocabulary)
    return ModelFolder(bilm, head, config.softmax, vocabulary, characters,
                       softmax_float16=config.softmax_float16, tokenizer=config.tokenizer,
                       training=config.training, weights_float16=config.weights_float16,
                       rounding=config.rounding, documents=_documents(folder))


def _load_softmax(folder: Path, softmax: SoftmaxConfig, bilm: BiLM, vocabulary: list[str]) -> nn.Module:
    head = build_softmax(softmax, bilm.config.lstm.projection_dim, len(vocabulary))
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
    return head.eval()


def _read_config(folder: Path) -> _FolderConfig:
    path = folder / CONFIG_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path} cannot be read as JSON ({error})") from None
    found = raw.get("format") if isinstance(raw, dict) else None
    if found != FORMAT:
        raise ModelFileError(f"{path}: not a model folder of this package (format {found!r}, "
                             f"expected {FORMAT!r})")
    try:
        return parse_section(_FolderConfig, raw, str(path))
    except ConfigError as error:
        raise ModelFileError(str(error)) from None


def _documents(folder: Path) -> dict[str, str]:
    return {name: (folder / name).read_text(encoding="utf-8") for name in DOCUMENTS
            if (folder / name).is_file()}


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
