"""``elmo build-model NAME``: rebuild a shipped model from an empty cache.

fetch the corpora -> build the vocabulary from their train splits -> train (resumable) -> exact
held-out perplexity -> model folder (native format, which is also an original-format export)
with a model card. The recipe ``NAME.toml`` beside this module holds every setting.
"""
from __future__ import annotations

import copy
import dataclasses
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from elmo import config_files, corpora
from elmo.config import SoftmaxConfig
from elmo.corpora.catalog import get_spec
from elmo.data.shards import expand_shards
from elmo.data.tokenizers import char_tokens
from elmo.data.vocab import build_vocabulary, count_tokens
from elmo.errors import ConfigError
from elmo.evaluate.perplexity import Perplexity, folder_perplexity
from elmo.files import atomic_path, write_text
from elmo.interop.model_folder import HeldoutPerplexity, ModelFolder
from elmo.train.config import TrainConfig, parse_train_config
from elmo.train.trainer import train

RECIPES = Path(__file__).resolve().parent


def recipe_names() -> list[str]:
    return config_files.recipe_names(RECIPES)


@dataclass(frozen=True)
class RecipeCorpora:
    """The ``[corpora]`` table of a model recipe: the fetched corpora it trains and evaluates on."""

    train: tuple[str, ...]  # corpora whose train splits are the training text
    heldout: str  # the corpus whose dev split gives the learning curve and the card's perplexity
    vocab_size: int  # the softmax vocabulary: the most frequent training tokens
    tokenizer: str  # how the corpora were tokenized; recorded with the model
    shards: int = 8  # the train splits are shuffled together into this many shards
    curve_sentences: int = 1000  # first dev sentences scored at every checkpoint
    unit: str = "words"  # or "chars": every character is a token


@dataclass(frozen=True)
class Recipe:
    """A model recipe: its corpora, and a training config lacking only its files and output."""

    name: str
    corpora: RecipeCorpora
    training: dict[str, Any]  # [model], [data], [softmax], [optimizer], [training] as written

    def train_config(self, train: list[str], vocab: str, heldout: list[str], output_dir: str,
                     overrides: dict[str, Any] | None = None) -> TrainConfig:
        """The training config with the data files and output folder filled in; ``overrides``
        maps ``"section.key"`` to a value."""
        raw = copy.deepcopy(self.training)
        raw.setdefault("data", {}).update(train=train, vocab=vocab, heldout=heldout,
                                          tokenizer=self.corpora.tokenizer)
        raw.setdefault("training", {})["output_dir"] = output_dir
        return parse_train_config(config_files.apply_overrides(raw, overrides), f"recipe {self.name}")


def read_recipe(name: str) -> Recipe:
    """A shipped recipe by name, or a recipe file (``.toml``) of the same layout."""
    path = config_files.find_config(name, RECIPES)
    raw = config_files.read_toml(path)
    if "corpora" not in raw:
        raise ConfigError(f"{path}: missing section [corpora]")
    sources = config_files.parse_section(RecipeCorpora, raw.pop("corpora"), f"{path}: [corpora]")
    return Recipe(path.stem, sources, raw)


def build_from_recipe(name: str, output: str | Path, cache: str | Path | None = None,
                overrides: dict[str, Any] | None = None, progress: bool = True) -> Path:
    """Run the recipe; the work (vocabulary, checkpoints) goes to ``<cache>/builds/<name>`` so an
    interrupted build resumes, and the finished model folder is copied to ``output``."""
    recipe = read_recipe(name)
    name, sources = recipe.name, recipe.corpora
    for corpus in [*sources.train, sources.heldout]:
        corpora.fetch(corpus, cache, progress=progress)
    work = corpora.cache_root(cache) / "builds" / name
    work.mkdir(parents=True, exist_ok=True)
    train_files = [str(corpora.corpus_path(c, "train", cache)) for c in sources.train]
    heldout = str(corpora.corpus_path(sources.heldout, "dev", cache))
    if sources.unit == "chars":  # a character-level model: one token per character
        train_files = [str(split_characters(Path(f), work / "chars" / f"{c}.txt"))
                       for c, f in zip(sources.train, train_files)]
        heldout = str(split_characters(Path(heldout), work / "chars" / f"{sources.heldout}-dev.txt"))
    vocab_path = work / "vocab.txt"
    if not vocab_path.is_file():
        counts = count_tokens(train_files, progress=progress)
        build_vocabulary(counts, max_size=sources.vocab_size).save(vocab_path)
    curve = work / "heldout-curve.txt"  # the first sentences of the dev split, scored at each
    if not curve.is_file():             # checkpoint for the learning curve in log.csv
        with open(heldout, encoding="utf-8") as lines:
            write_text(curve, "".join(line for _, line in zip(range(sources.curve_sentences), lines)))
    config = recipe.train_config(mixed_shards(train_files, work / "mixed", sources.shards),
                                 str(vocab_path), [str(curve)], str(work / "run"), overrides)
    folder = ModelFolder.load(train(config, progress=progress))
    result = folder_perplexity(folder, expand_shards(heldout), progress=progress)
    folder.training = dataclasses.replace(folder.training, heldout=HeldoutPerplexity(
        sources.heldout, "dev", round(result.forward, 2), round(result.backward, 2),
        round(result.average, 2), result.tokens))
    folder.documents["training_log.csv"] = (work / "run" / "log.csv").read_text(encoding="utf-8")
    folder.documents["MODEL_CARD.md"] = model_card(name, sources, config, folder, result, cache)
    return folder.save(output)


def split_characters(source: Path, target: Path) -> Path:
    """``source`` with every non-space character as a token (written once)."""
    if not target.is_file():
        with (atomic_path(target) as temporary, open(source, encoding="utf-8") as lines,
              open(temporary, "w", encoding="utf-8") as out):
            out.writelines(" ".join(char_tokens(line)) + "\n" for line in lines)
    return target


def mixed_shards(files: list[str], folder: Path, count: int, seed: int = 0) -> list[str]:
    """The sentences of all ``files`` shuffled together into ``count`` shards.

    The stream reads one shard at a time, so with one file per corpus a model would train corpus
    after corpus and drift toward whichever came last; mixed shards keep every stretch of training
    representative of the whole. Written once (a ``.done`` marker), in memory: corpora of a few
    million tokens.
    """
    paths = [folder / f"train-{index:02d}.txt" for index in range(count)]
    if (folder / ".done").is_file():
        return [str(p) for p in paths]
    folder.mkdir(parents=True, exist_ok=True)
    lines = [line for name in files for line in Path(name).read_text(encoding="utf-8").splitlines()
             if line.strip()]
    random.Random(seed).shuffle(lines)
    for index, path in enumerate(paths):
        write_text(path, "\n".join(lines[index::count]) + "\n")
    write_text(folder / ".done", "")
    return [str(p) for p in paths]


def _softmax_text(softmax: SoftmaxConfig) -> str:
    if softmax.type == "sampled":
        return f"sampled softmax ({softmax.n_samples} samples)"
    return f"{softmax.type} softmax"


def model_card(name: str, sources: RecipeCorpora, config: TrainConfig, model: ModelFolder,
               result: Perplexity, cache) -> str:
    """MODEL_CARD.md: data, tokenizer, sizes, training, held-out perplexity, use, licences."""
    record = model.training
    infos = {info.name: info for info in corpora.list_corpora(cache)}
    lstm, cnn = model.bilm.config.lstm, model.bilm.config.char_cnn
    rows = "\n".join(f"| {c} | {infos[c].description} | {infos[c].licence} |" for c in sources.train)
    hours = record.train_seconds / 3600
    word = model.bilm.config.word_embedding
    encoder = (("Code-point" if cnn.characters == "codepoints" else "UTF-8 byte") + " character CNN"
               + (f" with {word.dim}-wide word vectors" if word is not None else ""))
    device = (f"CPU ({record.threads} thread{'s' if record.threads != 1 else ''} per process, "
              f"{record.world_size} process(es))" if record.device == "cpu"
              else record.device_name or record.device)
    return f"""# {name}

A biLM (ELMo) trained by `elmo build-model {name}` with this package's own recipe
(`src/elmo/recipes/{name}.toml`).

## Data
Train splits of these corpora (their dev and test splits are excluded from training):

| corpus | description | licence |
|---|---|---|
{rows}

Tokenizer: `{model.tokenizer}`, recorded in `config.json` and applied automatically when
raw text is embedded (`elmo embed`, `Embedder.embed_text`). Softmax vocabulary: the
{len(model.vocabulary):,} most frequent training tokens; the character input sees every token.

## Model
{encoder} (filters {[list(f) for f in cnn.filters]}, {cnn.n_highway} highway layer), 2 x {lstm.n_layers}
LSTM layers with {lstm.dim} cells projected to {lstm.projection_dim}, skip connections,
clipping {lstm.cell_clip} / {lstm.proj_clip}. Each token gets {lstm.n_layers + 1}
representations of width {2 * lstm.projection_dim}. Stored in {_precision(model.weights_float16)} (biLM)
and {_precision(model.softmax_float16)} (softmax), read back as float32.

## Training
{record.steps:,} steps of {config.data.batch_size} x {config.data.unroll_steps}
tokens per direction ({record.tokens_seen:,} tokens), {_softmax_text(config.softmax)},
{config.optimizer.name} lr {config.optimizer.lr} ({config.optimizer.schedule}), dropout
{config.training.dropout}; {hours:.2f} hours on {device}, torch {torch.__version__}.

## Held-out perplexity
Exact (the model's full output distribution, every token and end of sentence predicted), on the dev
split of `{sources.heldout}` ({result.tokens:,} predictions per direction):

| forward | backward | average |
|---:|---:|---:|
| {result.forward:.1f} | {result.backward:.1f} | {result.average:.1f} |

## Intended use
Contextual {"character" if model.tokenizer == "chars" else "word"} vectors for {"English" if model.tokenizer == "moses" else "Chinese"} text: features for
downstream models (tagging, classification), polysemy analysis, teaching. A small model trained
on a few million tokens: far from the quality of the original ELMo trained on a billion.

## Licences
The training corpora's licence notices are in their cache folders (`elmo data list`); the model
weights are released under the project's licence.{_caveats(sources)}
"""


def _precision(float16: bool) -> str:
    return "float16" if float16 else "float32"


def _caveats(sources: RecipeCorpora) -> str:
    """The card's paragraph on opt-in training corpora (empty when there are none)."""
    specs = [get_spec(name) for name in sources.train if get_spec(name).caveat]
    return "".join(f"\n\nOpt-in corpus `{spec.name}`: {spec.caveat}. Rebuild without it by "
                   f"removing it from the recipe's `train` list." for spec in specs)
