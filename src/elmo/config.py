"""Typed model configuration, read from and written to the original ``options.json`` layout.

The original layout is a nested dict such as::

    {"char_cnn": {"activation": "relu", "embedding": {"dim": 16},
                  "filters": [[1, 32], [2, 32], ...], "max_characters_per_token": 50,
                  "n_characters": 262, "n_highway": 2},
     "lstm": {"cell_clip": 3, "dim": 4096, "n_layers": 2, "proj_clip": 3,
              "projection_dim": 512, "use_skip_connections": true},
     ... training keys such as "dropout", "batch_size", "unroll_steps" ...}

It is validated once, here, into frozen dataclasses; modules receive plain typed values.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elmo.config_files import reject_unknown
from elmo.errors import ConfigError

# Top-level keys the original training code writes; kept verbatim but not needed to build the network.
TRAINING_KEYS = (
    "bidirectional", "dropout", "all_clip_norm_val", "n_epochs", "n_train_tokens", "batch_size",
    "n_tokens_vocab", "unroll_steps", "n_negative_samples_batch", "share_embedding_softmax",
    "sample_softmax", "word_emb_file",
)
ACTIVATIONS = ("relu", "tanh")
CHARACTER_SETS = ("bytes", "codepoints")
FIRST_CODEPOINT_ID = 7  # code-point models: ids 1-6 are the special symbols (modules/char_ids.py)
SOFTMAXES = ("full", "sampled", "adaptive")


@dataclass(frozen=True)
class CharCNNConfig:
    """Character CNN token encoder: character embedding, max-pooled filters, highway layers.

    ``characters`` is ``"bytes"`` (the original: a token's UTF-8 bytes, 262 ids) or
    ``"codepoints"`` (Unicode characters from the model's own character vocabulary, as
    ELMoForManyLangs; ``n_characters`` is then the vocabulary size plus the special ids).
    """

    filters: tuple[tuple[int, int], ...]  # (width, number of filters) per convolution
    n_highway: int
    embedding_dim: int
    n_characters: int = 262
    max_characters_per_token: int = 50
    activation: str = "relu"
    characters: str = "bytes"

    @property
    def n_filters(self) -> int:
        """Filters of all widths: the width of each token's CNN output."""
        return sum(count for _, count in self.filters)

    @property
    def max_width(self) -> int:
        return max(width for width, _ in self.filters)


@dataclass(frozen=True)
class LSTMConfig:
    """Stacked LSTMs with projection and clipping, one stack per direction."""

    dim: int  # memory cells per layer
    projection_dim: int  # width of the projected recurrent state and of every layer's output
    n_layers: int
    cell_clip: float | None = None
    proj_clip: float | None = None
    use_skip_connections: bool = False


@dataclass(frozen=True)
class WordEmbeddingConfig:
    """Word-level input: a vector per vocabulary id, alone or fused with the character CNN.

    Not part of the original options layout (stored under ``"word_embedding"``); ids of the
    sentence markers are kept so the model can add them itself.
    """

    vocab_size: int
    dim: int
    bos_id: int
    eos_id: int
    unk_id: int | None = None  # the id of unknown words; None: the vocabulary's <UNK>
    max_characters: int | None = None  # words are cut to this many code points minus two before
    #                                    the lookup (ELMoForManyLangs); None: whole words


@dataclass(frozen=True)
class SoftmaxConfig:
    """The language model's output layer over the vocabulary (see :mod:`elmo.modules.softmax`).

    The ``[softmax]`` table of a training config and the ``softmax`` entry of a model folder's
    ``config.json``.
    """

    type: str = "sampled"  # "full", "sampled" or "adaptive"
    n_samples: int = 8192  # sampled: log-uniform draws per step
    cutoffs: tuple[int, ...] = ()  # adaptive: cluster boundaries (default: 2%, 10%, 40% of V)
    div_value: float = 4.0  # adaptive: each cluster is this much narrower than the previous

    def __post_init__(self) -> None:
        if self.type not in SOFTMAXES:
            raise ConfigError(f"softmax type must be one of {SOFTMAXES}, found {self.type!r}")
        if self.n_samples <= 0:
            raise ConfigError(f"softmax n_samples must be positive, found {self.n_samples}")


@dataclass(frozen=True)
class BiLMConfig:
    """Everything needed to build a biLM; ``extra`` keeps the original's training keys verbatim.

    The token encoder is the character CNN (``char_cnn``), a word embedding (``word_embedding``,
    whose width must then equal ``lstm.projection_dim``), or both: the word vector concatenated with
    the CNN's output before the highway layers and the projection.
    """

    char_cnn: CharCNNConfig | None
    lstm: LSTMConfig
    extra: dict[str, Any] = field(default_factory=dict)
    word_embedding: WordEmbeddingConfig | None = None

    @property
    def token_encoder(self) -> str:
        """``"char"``, ``"word"`` or ``"both"``."""
        if self.word_embedding is None:
            return "char"
        return "both" if self.char_cnn is not None else "word"

    @property
    def max_characters(self) -> int:
        return self.char_cnn.max_characters_per_token if self.char_cnn is not None else 50

    @property
    def output_dim(self) -> int:
        """Width of every one of the 2L+1 representations after concatenating directions."""
        return 2 * self.lstm.projection_dim

    @property
    def n_representations(self) -> int:
        """Layer 0 plus one per LSTM layer (each holding both directions): L + 1."""
        return self.lstm.n_layers + 1

    @classmethod
    def from_options(cls, options: dict[str, Any], source: str = "options") -> BiLMConfig:
        """Validate an original-layout options dict; errors name ``source`` and the bad key."""
        if not isinstance(options, dict):
            raise ConfigError(f"{source}: expected a JSON object, found {type(options).__name__}")
        reject_unknown(options, ("char_cnn", "lstm", "word_embedding") + TRAINING_KEYS, source)
        if "char_cnn" not in options and "word_embedding" not in options:
            raise ConfigError(f"{source}: missing 'char_cnn' (or 'word_embedding' for word input)")
        if "lstm" not in options:
            raise ConfigError(f"{source}: missing 'lstm'")
        extra = {key: value for key, value in options.items()
                 if key not in ("char_cnn", "lstm", "word_embedding")}
        if extra.get("bidirectional", True) is not True:
            raise ConfigError(f"{source}: 'bidirectional' is false; only bidirectional LMs are supported")
        char_cnn = _char_cnn(options["char_cnn"], f"{source}: char_cnn") if "char_cnn" in options else None
        lstm = _lstm(options["lstm"], f"{source}: lstm")
        word = None
        if "word_embedding" in options:
            word = _word_embedding(options["word_embedding"], f"{source}: word_embedding")
            if char_cnn is None and word.dim != lstm.projection_dim:
                raise ConfigError(f"{source}: a word-only model needs word_embedding.dim equal to "
                                  f"lstm.projection_dim ({lstm.projection_dim}), found {word.dim}")
        return cls(char_cnn, lstm, extra, word)

    def to_options(self) -> dict[str, Any]:
        """The original options.json layout (with n_characters=262, as released models have it)."""
        cnn, lstm, word = self.char_cnn, self.lstm, self.word_embedding
        options: dict[str, Any] = dict(self.extra)
        if cnn is not None:
            options["char_cnn"] = {
                "activation": cnn.activation, "embedding": {"dim": cnn.embedding_dim},
                "filters": [list(f) for f in cnn.filters],
                "max_characters_per_token": cnn.max_characters_per_token,
                "n_characters": cnn.n_characters, "n_highway": cnn.n_highway,
                **({"characters": cnn.characters} if cnn.characters != "bytes" else {}),
            }
        if word is not None:
            options["word_embedding"] = {"vocab_size": word.vocab_size, "dim": word.dim,
                                         "bos_id": word.bos_id, "eos_id": word.eos_id,
                                         **{key: value for key, value in (("unk_id", word.unk_id),
                                            ("max_characters", word.max_characters))
                                            if value is not None}}
        return {
            **options,
            "lstm": {
                "cell_clip": lstm.cell_clip, "dim": lstm.dim, "n_layers": lstm.n_layers,
                "proj_clip": lstm.proj_clip, "projection_dim": lstm.projection_dim,
                "use_skip_connections": lstm.use_skip_connections,
            },
        }


def read_options(path: str | Path) -> BiLMConfig:
    """Read and validate an ``options.json`` file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"options file not found: {path}")
    try:
        options = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"options file {path} is not valid JSON: {error}") from None
    return BiLMConfig.from_options(options, source=str(path))


def _require(section: dict, key: str, kind: type | tuple[type, ...], source: str):
    if key not in section:
        raise ConfigError(f"{source}: missing '{key}'")
    value = section[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{source}: '{key}' must be {names}, found {value!r}")
    return value


def _positive(value: int, key: str, source: str) -> int:
    if value <= 0:
        raise ConfigError(f"{source}: '{key}' must be positive, found {value}")
    return value


def _char_cnn(section: Any, source: str) -> CharCNNConfig:
    if not isinstance(section, dict):
        raise ConfigError(f"{source}: expected an object")
    reject_unknown(section, ("activation", "characters", "embedding", "filters",
                              "max_characters_per_token", "n_characters", "n_highway"), source)
    characters = section.get("characters", "bytes")
    if characters not in CHARACTER_SETS:
        raise ConfigError(f"{source}: 'characters' must be one of {CHARACTER_SETS}, found {characters!r}")
    embedding = _require(section, "embedding", dict, source)
    reject_unknown(embedding, ("dim",), f"{source}: embedding")
    embedding_dim = _positive(_require(embedding, "dim", int, f"{source}: embedding"), "dim", source)
    raw_filters = _require(section, "filters", list, source)
    if not raw_filters or not all(
            isinstance(f, (list, tuple)) and len(f) == 2 and all(type(v) is int and v > 0 for v in f)
            for f in raw_filters):
        raise ConfigError(f"{source}: 'filters' must be a non-empty list of [width, count] pairs "
                          f"of positive integers, found {raw_filters!r}")
    filters = tuple((int(w), int(n)) for w, n in raw_filters)
    n_characters = section.get("n_characters", 262)
    if characters == "codepoints":
        if type(n_characters) is not int or n_characters <= FIRST_CODEPOINT_ID:
            raise ConfigError(f"{source}: 'n_characters' must be an integer above "
                              f"{FIRST_CODEPOINT_ID} for code-point characters, found {n_characters!r}")
    elif n_characters == 261:
        raise ConfigError(f"{source}: 'n_characters' is 261, the value used during training; released "
                          "models use 262 (ids are shifted by one so that 0 marks padding): set it to 262")
    elif n_characters != 262:
        raise ConfigError(f"{source}: 'n_characters' must be 262, found {n_characters!r}")
    max_chars = _positive(section.get("max_characters_per_token", 50), "max_characters_per_token",
                          source)
    if max_chars < 3 or max_chars < max(w for w, _ in filters):
        raise ConfigError(f"{source}: 'max_characters_per_token' ({max_chars}) must be at least 3 and "
                          "at least the widest filter")
    activation = section.get("activation", "relu")
    if activation not in ACTIVATIONS:
        raise ConfigError(f"{source}: 'activation' must be one of {ACTIVATIONS}, found {activation!r}")
    n_highway = _require(section, "n_highway", int, source)
    if n_highway < 0:
        raise ConfigError(f"{source}: 'n_highway' must be >= 0, found {n_highway}")
    return CharCNNConfig(filters, n_highway, embedding_dim, n_characters, max_chars, activation,
                         characters)


def _word_embedding(section: Any, source: str) -> WordEmbeddingConfig:
    if not isinstance(section, dict):
        raise ConfigError(f"{source}: expected an object")
    reject_unknown(section, ("vocab_size", "dim", "bos_id", "eos_id", "unk_id", "max_characters"),
                   source)
    ids = ("bos_id", "eos_id", "unk_id") if "unk_id" in section else ("bos_id", "eos_id")
    values = {key: _require(section, key, int, source) for key in ("vocab_size", "dim", *ids)}
    if "max_characters" in section:
        values["max_characters"] = _positive(_require(section, "max_characters", int, source),
                                             "max_characters", source)
    _positive(values["vocab_size"], "vocab_size", source)
    _positive(values["dim"], "dim", source)
    for key in ids:
        if not 0 <= values[key] < values["vocab_size"]:
            raise ConfigError(f"{source}: '{key}' must be a vocabulary id, found {values[key]}")
    return WordEmbeddingConfig(**values)


def _clip(section: dict, key: str, source: str) -> float | None:
    value = section.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"{source}: '{key}' must be a positive number or null, found {value!r}")
    return float(value)


def _lstm(section: Any, source: str) -> LSTMConfig:
    if not isinstance(section, dict):
        raise ConfigError(f"{source}: expected an object")
    reject_unknown(section, ("cell_clip", "dim", "n_layers", "proj_clip", "projection_dim",
                              "use_skip_connections"), source)
    skip = section.get("use_skip_connections", False)
    if not isinstance(skip, bool):
        raise ConfigError(f"{source}: 'use_skip_connections' must be true or false, found {skip!r}")
    return LSTMConfig(
        dim=_positive(_require(section, "dim", int, source), "dim", source),
        projection_dim=_positive(_require(section, "projection_dim", int, source),
                                 "projection_dim", source),
        n_layers=_positive(_require(section, "n_layers", int, source), "n_layers", source),
        cell_clip=_clip(section, "cell_clip", source),
        proj_clip=_clip(section, "proj_clip", source),
        use_skip_connections=skip,
    )
