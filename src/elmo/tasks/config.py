"""``elmo task train`` configuration: a TOML file validated into typed sections.

Example (only ``[data] format``, the data location and ``[training] output_dir`` are required)::

    [data]
    format = "seg-pos"          # seg-pos | ner | word-tags | labels (see elmo.tasks.data)
    corpus = "pd1998"           # a fetched corpus; or train = "...", dev = "...", test = "..."
    max_train = 3000            # first N training sentences (optional)

    [elmo]
    model = "zh-char-small"     # leave out for a model without ELMo
    mix = "learned"             # learned | average | top

    [embeddings]
    dim = 64
    init = "random"             # or "word2vec", trained on word2vec_corpus (a character task
                                # reads its characters, whatever its segmentation)

    [features]                  # character tasks only
    bigram_dim = 32             # character-bigram vectors
    bigram_init = "random"      # or "word2vec", trained on the characters of word2vec_corpus
    lexicon = "train"           # mark where training-split words start / end at each character
    lexicon_folds = 10          # training sentences read the words of the other 9 folds
    lexicon_extra = "{cache}/zh-dictionary/words.txt"   # and a dictionary's words (optional)

    [model]
    encoder = "bilstm"          # tagging: bilstm; classification: textcnn | textrnn | textrcnn

    [training]
    output_dir = "runs/pd1998-elmo"
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elmo.config_files import parse_section, read_toml, reject_unknown
from elmo.corpora.cache import cache_root
from elmo.errors import ConfigError
from elmo.heads.classifiers import ENCODERS
from elmo.modules.scalar_mix import MIX_MODES
from elmo.tasks.data import FORMATS

EMBEDDING_INITS = ("random", "word2vec")
TASK_RECIPES = Path(__file__).resolve().parent / "recipes"  # packaged task configs, by name


@dataclass(frozen=True)
class TaskDataConfig:
    format: str
    corpus: str | None = None  # a fetched corpus: its train / dev / test splits
    train: str | None = None  # or explicit files (relative to the config file)
    dev: str | None = None
    test: str | None = None
    max_train: int | None = None  # keep the first N training examples
    train_fraction: float = 1.0  # then a random fraction of them (seeded by data_seed)
    data_seed: int = 0
    max_dev: int | None = None
    max_tokens: int | None = None  # classification: read the first N tokens of each text (long
    #                                documents: their title and lead), in training and prediction

    @property
    def is_classification(self) -> bool:
        return self.format == "labels"


@dataclass(frozen=True)
class ElmoConfig:
    model: str | None = None  # a biLM name or folder; None or "": no ELMo
    mix: str = "learned"
    at_output: bool = False  # a second mix concatenated with the encoder's output
    dropout: float = 0.5
    l2: float = 0.001  # coefficient of ||s||^2
    batch_size: int = 64  # sentences per biLM pass when computing features


@dataclass(frozen=True)
class EmbeddingConfig:
    dim: int = 64
    init: str = "random"
    min_count: int = 1  # training tokens seen fewer times are unknown
    word2vec_corpus: tuple[str, ...] = ()  # globs of whitespace-tokenized text; "{cache}" is the
    #                                        corpus cache ($ELMO_CACHE or ~/.cache/elmo)
    word2vec_epochs: int = 5
    word2vec_window: int = 5
    freeze: bool = False
    dropout: float = 0.5


@dataclass(frozen=True)
class FeaturesConfig:
    """Extra inputs of character tasks (seg-pos, ner); see :mod:`elmo.tasks.inputs`."""

    bigram_dim: int = 0  # character-bigram vectors per direction (0: none)
    bigram_min_count: int = 1  # training bigrams seen fewer times are unknown
    bigram_init: str = "random"  # or "word2vec": skip-gram vectors of the character bigrams of
    #                              [embeddings] word2vec_corpus; its bigrams seen
    #                              bigram_word2vec_min_count times join the vocabulary, so a
    #                              bigram new to the training split is not unknown
    bigram_word2vec_min_count: int = 5
    bigram_freeze: bool = False  # keep the bigram vectors fixed (with word2vec: new bigrams
    #                              stay in the space the model learned from)
    bigram_trained_dim: int = 0  # with frozen bigram vectors, a second, trained table of this
    #                              width for the training split's bigrams (others unknown there)
    lexicon: str = ""  # words whose starts / ends are marked: "train" (the training split's
    #                    words) or a file of words, one per line (relative to the config); "": none
    max_word_length: int = 4
    lexicon_folds: int = 0  # with lexicon = "train": training sentences read the words of the
    #                         other folds only (see elmo.tasks.inputs); 0: the whole lexicon
    lexicon_extra: str = ""  # a file of more words, one per line, in the lexicon of every
    #                          sentence (every fold too): e.g. a dictionary's headwords,
    #                          "{cache}/zh-dictionary/words.txt" ({cache}: the corpus cache)


@dataclass(frozen=True)
class ModelConfig:
    encoder: str = "bilstm"
    hidden: int = 128
    layers: int = 1
    crf: bool = True  # tagging only
    dropout: float = 0.5


@dataclass(frozen=True)
class TaskTrainingConfig:
    output_dir: str
    epochs: int = 10
    patience: int = 3  # epochs without a better dev score before stopping
    batch_size: int = 32
    lr: float = 0.001
    clip_norm: float = 5.0
    seed: int = 0
    max_minutes: float | None = None


@dataclass(frozen=True)
class TaskConfig:
    data: TaskDataConfig
    elmo: ElmoConfig = field(default_factory=ElmoConfig)
    embeddings: EmbeddingConfig = field(default_factory=EmbeddingConfig)
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    training: TaskTrainingConfig = field(default_factory=lambda: TaskTrainingConfig("runs/task"))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


SECTIONS = {"data": TaskDataConfig, "elmo": ElmoConfig, "embeddings": EmbeddingConfig,
            "features": FeaturesConfig, "model": ModelConfig, "training": TaskTrainingConfig}
CHAR_FORMATS = ("seg-pos", "ner")  # one token per character


def read_task_config(path: str | Path, overrides: dict[str, Any] | None = None) -> TaskConfig:
    """Read and validate a TOML task config. Relative data paths are taken from the file's folder,
    a relative ``output_dir`` from the current directory (so packaged recipes write where you are).

    ``overrides`` maps "section.key" to a value (e.g. ``{"training.seed": 2}``).
    """
    path = Path(path)
    raw = read_toml(path, overrides)
    return parse_task_config(raw, str(path), path.parent)


def parse_task_config(raw: dict[str, Any], source: str = "config", base: Path = Path(".")) -> TaskConfig:
    reject_unknown(raw, tuple(SECTIONS), source)
    for required in ("data", "training"):
        if required not in raw:
            raise ConfigError(f"{source}: missing section [{required}]")
    sections = {name: parse_section(cls, raw.get(name, {}), f"{source}: [{name}]")
                for name, cls in SECTIONS.items()}
    resolve = lambda p: p if p is None or Path(p).is_absolute() else str(base / p)
    data = sections["data"]
    sections["data"] = dataclasses.replace(data, train=resolve(data.train), dev=resolve(data.dev),
                                           test=resolve(data.test))
    embeddings = sections["embeddings"]
    corpus = (p.replace("{cache}", str(cache_root())) for p in embeddings.word2vec_corpus)
    sections["embeddings"] = dataclasses.replace(
        embeddings, word2vec_corpus=tuple(resolve(str(Path(p).expanduser())) for p in corpus))
    features = sections["features"]
    if features.lexicon not in ("", "train"):
        features = dataclasses.replace(features, lexicon=resolve(features.lexicon))
    if features.lexicon_extra:
        extra = features.lexicon_extra.replace("{cache}", str(cache_root()))
        features = dataclasses.replace(features, lexicon_extra=resolve(str(Path(extra).expanduser())))
    sections["features"] = features
    elmo = sections["elmo"]
    if not elmo.model:  # "" (e.g. --set elmo.model='') means no ELMo, as leaving it out does
        sections["elmo"] = elmo = dataclasses.replace(elmo, model=None)
    elif (base / elmo.model).exists():
        sections["elmo"] = dataclasses.replace(elmo, model=str(base / elmo.model))
    config = TaskConfig(**sections)
    _check(config, source)
    return config


def _check(config: TaskConfig, source: str) -> None:
    data, encoder = config.data, config.model.encoder
    encoders = ENCODERS if data.is_classification else ("bilstm",)
    checks = [
        (data.format in FORMATS, f"[data] format must be one of {FORMATS}"),
        ((data.corpus is None) != (data.train is None),
         "[data] give either corpus (a fetched corpus name) or train (a file), not both"),
        (data.corpus is not None or data.dev is not None, "[data] with train = ..., give dev = ... too"),
        (0.0 < data.train_fraction <= 1.0, "[data] train_fraction must be in (0, 1]"),
        (data.max_tokens is None or (data.is_classification and data.max_tokens >= 1),
         "[data] max_tokens (>= 1) is for classification (format = 'labels'): tagging labels every token"),
        (config.elmo.mix in MIX_MODES, f"[elmo] mix must be one of {MIX_MODES}"),
        (config.embeddings.init in EMBEDDING_INITS, f"[embeddings] init must be one of {EMBEDDING_INITS}"),
        (config.embeddings.init != "word2vec" or config.embeddings.word2vec_corpus,
         "[embeddings] init = 'word2vec' needs word2vec_corpus (globs of text files)"),
        (config.features.bigram_init in EMBEDDING_INITS,
         f"[features] bigram_init must be one of {EMBEDDING_INITS}"),
        (config.features.bigram_init != "word2vec" or (config.embeddings.word2vec_corpus
                                                       and config.features.bigram_dim),
         "[features] bigram_init = 'word2vec' needs bigram_dim and [embeddings] word2vec_corpus"),
        (encoder in encoders, f"[model] encoder must be one of {encoders} for format {data.format!r}"),
        (all(v > 0 for v in (config.embeddings.dim, config.model.hidden, config.model.layers,
                             config.training.epochs, config.training.patience,
                             config.training.batch_size, config.elmo.batch_size)),
         "sizes, epochs and patience must be positive"),
        (config.training.lr > 0, "[training] lr must be positive"),
        (data.format in CHAR_FORMATS or not (config.features.bigram_dim or config.features.lexicon),
         f"[features] bigrams and lexicon are for character formats {CHAR_FORMATS}"),
        (config.features.bigram_dim >= 0 and config.features.bigram_trained_dim >= 0
         and config.features.bigram_min_count >= 1
         and config.features.bigram_word2vec_min_count >= 1
         and config.features.max_word_length >= 2 and config.features.lexicon_folds >= 0,
         "[features] bigram_dim and bigram_trained_dim >= 0, bigram_min_count and "
         "bigram_word2vec_min_count >= 1, "
         "max_word_length >= 2, lexicon_folds >= 0"),
        (config.features.lexicon_folds < 2 or config.features.lexicon == "train",
         "[features] lexicon_folds is for lexicon = 'train' (the training split's words)"),
        (not config.features.bigram_trained_dim or (config.features.bigram_freeze
                                                     and config.features.bigram_init == "word2vec"),
         "[features] bigram_trained_dim is a second table beside frozen word2vec ones: set "
         "bigram_init = 'word2vec' and bigram_freeze = true"),
        (config.features.bigram_dim or not (config.features.bigram_freeze
                                            or config.features.bigram_trained_dim),
         "[features] bigram_freeze and bigram_trained_dim are for bigram vectors: set bigram_dim"),
        (not config.features.lexicon_extra or config.features.lexicon,
         "[features] lexicon_extra adds words to a lexicon: give lexicon too"),
        (all(0.0 <= p < 1.0 for p in (config.elmo.dropout, config.embeddings.dropout,
                                      config.model.dropout)), "dropouts must be in [0, 1)"),
    ]
    for ok, message in checks:
        if not ok:
            raise ConfigError(f"{source}: {message}")
