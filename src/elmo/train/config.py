"""``elmo train`` configuration: a TOML file validated into typed sections.

Example (every key but ``data.train``, ``data.vocab`` and ``training.output_dir`` has a default;
``[model]`` uses the original options.json layout, plus the token encoder)::

    [model]
    token_encoder = "char"    # "word", or "both" (word vector fused with the char CNN; word_dim)
    [model.char_cnn]
    activation = "relu"
    embedding = {dim = 16}
    filters = [[1, 32], [2, 32], [3, 64], [4, 128]]
    n_highway = 1
    [model.lstm]
    dim = 512
    projection_dim = 128
    n_layers = 2
    cell_clip = 3.0
    proj_clip = 3.0
    use_skip_connections = true

    [data]
    train = ["corpus/train-*.txt"]
    vocab = "vocab.txt"

    [training]
    output_dir = "runs/small"
    max_steps = 10000
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elmo.config import FIRST_CODEPOINT_ID, BiLMConfig, SoftmaxConfig
from elmo.config_files import parse_section, read_toml, reject_unknown
from elmo.data.tokenizers import TOKENIZERS
from elmo.errors import ConfigError
from elmo.interop.model_folder import bundled_models

TOKEN_ENCODERS = ("char", "word", "both")
BATCHINGS = ("windows", "sentences")
OPTIMIZERS = ("adagrad", "adam", "adamw")
SCHEDULES = ("constant", "linear", "cosine")


@dataclass(frozen=True)
class DataConfig:
    """Where the text is and how it is cut into batches."""

    train: tuple[str, ...]  # shard globs, one whitespace-tokenized sentence per line
    vocab: str  # the softmax vocabulary (original format: <S>, </S>, <UNK>, then by frequency)
    heldout: tuple[str, ...] = ()  # shards for exact perplexity at each checkpoint (optional)
    batching: str = "windows"  # "windows" (original) or "sentences"
    unroll_steps: int = 20  # window length (windows batching)
    batch_size: int = 128  # rows per process
    row_groups: int = 1  # rows split into groups, each reading its own shards; G groups on one
    #                      process compute what G processes with batch_size / G rows each compute
    max_sentence_length: int = 100  # sentences batching: longer sentences are split
    shuffle: bool = True
    tokenizer: str = "whitespace"  # what tokenized the corpus; recorded with the model so raw
    #                                text is tokenized the same way when it is embedded
    char_min_count: int = 1  # code-point models: characters seen fewer times are unknown
    char_max_size: int = 0  # code-point models: keep at most this many characters (0: all)


@dataclass(frozen=True)
class OptimizerConfig:
    name: str = "adagrad"  # the original: Adagrad, lr 0.2, initial accumulator 1.0
    lr: float = 0.2
    initial_accumulator_value: float = 1.0  # adagrad
    betas: tuple[float, float] = (0.9, 0.999)  # adam, adamw
    weight_decay: float = 0.0
    clip_norm: float = 10.0  # global gradient norm; 0 disables
    schedule: str = "constant"  # "constant", "linear" or "cosine" decay to 0 at max_steps
    warmup_steps: int = 0


@dataclass(frozen=True)
class TrainingConfig:
    output_dir: str
    max_steps: int | None = None  # one of max_steps / epochs
    epochs: float | None = None  # passes over the training tokens (counted once at start)
    max_minutes: float | None = None  # also stop (checkpoint and final model) after this much
    #                                   training time, summed over resumed runs
    checkpoint_every: int = 1000
    keep_checkpoints: int = 2
    log_every: int = 10
    seed: int = 0
    dropout: float = 0.1
    bf16: bool = False  # autocast to bfloat16 for the matrix products
    init_from: str | None = None  # a model to continue training (native folder or original files)
    softmax_float16: bool = False  # store the final model's softmax in float16 (half the size)
    weights_float16: bool = False  # and its biLM weights (read back as float32)


@dataclass(frozen=True)
class TrainConfig:
    model: dict[str, Any] | None  # original options layout plus token_encoder and word_dim; None
    #                               when continuing from init_from
    data: DataConfig
    softmax: SoftmaxConfig = field(default_factory=SoftmaxConfig)
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    training: TrainingConfig = field(default_factory=lambda: TrainingConfig(output_dir="runs"))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @property
    def reads_codepoints(self) -> bool:
        """Whether [model.char_cnn] reads code points (its characters are built from the corpus)."""
        return (self.model or {}).get("char_cnn", {}).get("characters") == "codepoints"

    def model_options(self, vocab_size: int, bos_id: int, eos_id: int,
                      n_characters: int | None = None) -> dict[str, Any]:
        """[model] in the options layout, with the word-embedding section that a word or fused
        token encoder needs and a code-point model's ``n_characters``."""
        options = dict(self.model)
        if self.reads_codepoints:
            options["char_cnn"] = {**options["char_cnn"], "n_characters": n_characters}
        encoder, word_dim = options.pop("token_encoder", "char"), options.pop("word_dim", 0)
        if encoder == "char":
            return options
        if encoder == "word" and "char_cnn" in options:
            raise ConfigError("[model] token_encoder is 'word' but [model] has a char_cnn "
                              "section: remove it, or use token_encoder 'both'")
        dim = options["lstm"]["projection_dim"] if encoder == "word" else word_dim
        options["word_embedding"] = {"vocab_size": vocab_size, "dim": dim, "bos_id": bos_id,
                                     "eos_id": eos_id}
        return options


def read_train_config(path: str | Path, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Read, validate and resolve a TOML config; relative paths are taken from the file's folder.

    ``overrides`` maps "section.key" to a value (e.g. from the command line).
    """
    path = Path(path)
    raw = read_toml(path, overrides)
    return parse_train_config(raw, str(path), base=path.parent)


def parse_train_config(raw: dict[str, Any], source: str = "config", base: Path = Path(".")) -> TrainConfig:
    reject_unknown(raw, ("model", "data", "softmax", "optimizer", "training"), source)
    if "data" not in raw:
        raise ConfigError(f"{source}: missing section [data]")
    data = parse_section(DataConfig, raw["data"], f"{source}: [data]")
    training = parse_section(TrainingConfig, raw.get("training", {}), f"{source}: [training]")
    resolve = lambda p: str(Path(p) if Path(p).is_absolute() else base / p)  # noqa: E731
    data = dataclasses.replace(data, train=tuple(map(resolve, data.train)), vocab=resolve(data.vocab),
                               heldout=tuple(map(resolve, data.heldout)))
    init_from = training.init_from
    if init_from is not None and init_from not in bundled_models():
        init_from = resolve(init_from)
    training = dataclasses.replace(training, output_dir=resolve(training.output_dir),
                                   init_from=init_from)
    config = TrainConfig(raw.get("model"), data,
                         parse_section(SoftmaxConfig, raw.get("softmax", {}), f"{source}: [softmax]"),
                         parse_section(OptimizerConfig, raw.get("optimizer", {}), f"{source}: [optimizer]"),
                         training)
    _check_values(config, source)
    return config


def _check_values(config: TrainConfig, source: str) -> None:
    checks = [
        (config.data.batching in BATCHINGS, f"[data] batching must be one of {BATCHINGS}"),
        (config.data.tokenizer in TOKENIZERS, f"[data] tokenizer must be one of {TOKENIZERS}"),
        (config.optimizer.name in OPTIMIZERS, f"[optimizer] name must be one of {OPTIMIZERS}"),
        (config.optimizer.schedule in SCHEDULES, f"[optimizer] schedule must be one of {SCHEDULES}"),
        ((config.training.max_steps is None) != (config.training.epochs is None),
         "[training] give exactly one of max_steps and epochs"),
        (config.model is not None or config.training.init_from is not None,
         "give a [model] section, or [training] init_from to continue training a model"),
        (config.model is None or config.training.init_from is None,
         "give either a [model] section or [training] init_from, not both (the model's own "
         "options are used when continuing)"),
        (0.0 <= config.training.dropout < 1.0, "[training] dropout must be in [0, 1)"),
        (all(v > 0 for v in (config.data.unroll_steps, config.data.batch_size,
                             config.data.max_sentence_length, config.softmax.n_samples,
                             config.data.row_groups,
                             config.training.checkpoint_every, config.training.log_every,
                             config.training.keep_checkpoints)),
         "sizes, counts and intervals must be positive"),
        (config.optimizer.lr > 0, "[optimizer] lr must be positive"),
        (config.data.batch_size % max(config.data.row_groups, 1) == 0,
         "[data] batch_size must be a multiple of row_groups"),
    ]
    for ok, message in checks:
        if not ok:
            raise ConfigError(f"{source}: {message}")
    if config.model is not None:
        encoder = config.model.get("token_encoder", "char")
        if encoder not in TOKEN_ENCODERS:
            raise ConfigError(f"{source}: [model] token_encoder must be one of {TOKEN_ENCODERS}, "
                              f"found {encoder!r}")
        if encoder == "both" and not (isinstance(config.model.get("word_dim"), int)
                                      and config.model["word_dim"] > 0):
            raise ConfigError(f"{source}: [model] token_encoder 'both' needs word_dim > 0")
        if not isinstance(config.model.get("lstm"), dict):
            raise ConfigError(f"{source}: [model] needs a [model.lstm] table")
        BiLMConfig.from_options(config.model_options(3, 0, 1, FIRST_CODEPOINT_ID + 1),
                                f"{source}: [model]")
