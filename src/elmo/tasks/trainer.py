"""The task recipe: read data, (compute or reuse) ELMo features, train with early stopping on dev,
keep checkpoints, save the best model and its dev / test scores.

``<output_dir>/checkpoint.pt`` (model, optimizer, epoch, best dev score, random states) is
written after every epoch, so running the same config again resumes; ``<output_dir>/model/`` is
the best model so far (a :class:`~elmo.tasks.saved.TaskModel` folder); ``<output_dir>/results.json``
the final scores.
"""
from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from elmo.corpora import corpus_path
from elmo.embed.embedder import Embedder
from elmo.errors import ConfigError
from elmo.files import (
    atomic_path,
    exclusive_lock,
    lock_beside,
    settings_differences,
    write_text,
)
from elmo.tasks.batches import TaskData
from elmo.tasks.build import MAIN_METRIC, build_task_model, score
from elmo.tasks.config import CHAR_FORMATS, TaskConfig, parse_task_config
from elmo.tasks.data import Example, read_examples
from elmo.tasks.features import layer_store, model_key
from elmo.tasks.inputs import (
    InputEncoder,
    Lexicon,
    extra_words,
    fold_lexicons,
    lexicon_words,
    sentence_bigrams,
)
from elmo.tasks.saved import TaskModel
from elmo.tasks.vocab import TokenVocab, label_list
from elmo.tasks.word2vec import word2vec_vectors
from elmo.threads import CoreShare

# Settings a resumed run may change: its stopping rules (epochs may be extended) and its folder.
RESUMABLE = frozenset({"training.epochs", "training.patience", "training.max_minutes",
                       "training.output_dir"})


class TaskOptimizer:
    """Adam for the dense parameters and SparseAdam for the embedding tables, whose gradients
    are sparse: a step updates only the rows of the batch's tokens and bigrams, instead of whole
    tables of up to millions of numbers (most of the step time with character bigrams).
    Gradient clipping applies to the dense parameters."""

    def __init__(self, model: torch.nn.Module, lr: float, clip_norm: float) -> None:
        sparse = model.input.sparse_parameters()
        sparse_ids = {id(p) for p in sparse}
        self.dense = [p for p in model.parameters() if p.requires_grad and id(p) not in sparse_ids]
        self.clip_norm = clip_norm
        self.optimizers = [torch.optim.Adam(self.dense, lr=lr)]
        if sparse:
            self.optimizers.append(torch.optim.SparseAdam(sparse, lr=lr))

    def step(self, loss: torch.Tensor) -> None:
        """Backpropagate ``loss``, clip, update."""
        for optimizer in self.optimizers:
            optimizer.zero_grad()
        loss.backward()
        if self.clip_norm:
            torch.nn.utils.clip_grad_norm_(self.dense, self.clip_norm)
        for optimizer in self.optimizers:
            optimizer.step()

    def state_dict(self) -> list[dict]:
        return [optimizer.state_dict() for optimizer in self.optimizers]

    def load_state_dict(self, states: list[dict]) -> None:
        for optimizer, state in zip(self.optimizers, states, strict=True):
            optimizer.load_state_dict(state)


@dataclass
class Prepared:
    task: TaskModel  # the untrained model with its vocabulary and labels
    train: TaskData
    dev: TaskData
    test: TaskData | None


def split_file(config: TaskConfig, split: str) -> Path | None:
    data = config.data
    if data.corpus is not None:
        return corpus_path(data.corpus, split, format="labelled" if data.is_classification else "tagged")
    path = getattr(data, split)
    return None if path is None else Path(path)


def training_rows(n: int, fraction: float, seed: int) -> list[int]:
    """The kept training examples: all, or a seeded random ``fraction`` of them (at least one)."""
    if fraction >= 1.0:
        return list(range(n))
    return sorted(random.Random(seed).sample(range(n), max(1, round(fraction * n))))


def prepare(config: TaskConfig, cache: str | Path | None = None, progress: bool = True) -> Prepared:
    """Everything training needs, from the config alone."""
    data = config.data
    train_all = read_examples(split_file(config, "train"), data.format, data.max_train, data.max_tokens)
    rows = training_rows(len(train_all), data.train_fraction, data.data_seed)
    train = [train_all[i] for i in rows]
    dev = read_examples(split_file(config, "dev"), data.format, data.max_dev, data.max_tokens)
    test_file = split_file(config, "test")
    test = read_examples(test_file, data.format, max_tokens=data.max_tokens) if test_file is not None else None
    embedder = Embedder.from_pretrained(config.elmo.model) if config.elmo.model else None
    embeddings, features, seed = config.embeddings, config.features, config.training.seed
    # word2vec vectors are a resource every seed of a task shares (trained once, with gensim's seed 0)
    pretrained_words: dict[str, np.ndarray] = {}
    if embeddings.init == "word2vec":
        pretrained_words = word2vec_vectors(embeddings.word2vec_corpus, embeddings.dim,
                                            embeddings.word2vec_epochs, embeddings.word2vec_window,
                                            cache=cache, progress=progress,
                                            unit="chars" if data.format in CHAR_FORMATS else "tokens")
    pretrained_bigrams: dict[str, np.ndarray] = {}
    if features.bigram_init == "word2vec":
        pretrained_bigrams = word2vec_vectors(embeddings.word2vec_corpus, features.bigram_dim,
                                              embeddings.word2vec_epochs, embeddings.word2vec_window,
                                              features.bigram_word2vec_min_count, cache=cache,
                                              unit="bigrams", progress=progress)
    vocab = TokenVocab.from_sentences((e.tokens for e in train), embeddings.min_count,
                                      extra=pretrained_words)
    bigrams = (TokenVocab.from_sentences((sentence_bigrams(e.tokens) for e in train),
                                         features.bigram_min_count, extra=pretrained_bigrams)
               if features.bigram_dim else None)
    train_words = {w for e in train for w in e.words}
    extra = extra_words(features)  # in the lexicon of every sentence, folds included
    encoder = InputEncoder.configured(features, vocab, bigrams, lexicon_words(features, train_words, extra))
    labels = label_list(e.labels for e in train)
    shape = (embedder.n_representations, embedder.output_dim) if embedder else (0, 0)
    pretrained = vocab.vectors_from(pretrained_words, embeddings.dim, seed) if pretrained_words else None
    pretrained_bigram_table = (bigrams.vectors_from(pretrained_bigrams, features.bigram_dim, seed)
                               if pretrained_bigrams else None)
    torch.manual_seed(seed)
    model = build_task_model(config, encoder, labels, *shape, pretrained=pretrained,
                             pretrained_bigrams=pretrained_bigram_table)
    tokenizer = "chars" if data.format in CHAR_FORMATS else (embedder.tokenizer if embedder else "whitespace")
    task = TaskModel(config, model, encoder, labels, tokenizer, config.elmo.model,
                     model_key(embedder) if embedder else None, shape, train_words=train_words)

    def task_data(examples: Sequence[Example], store_rows: Sequence[int] | None = None,
                  store_examples: Sequence[Example] | None = None,
                  lexicons: Sequence[Lexicon] | None = None) -> TaskData:
        store = None
        if embedder is not None:
            store = layer_store(embedder, [e.tokens for e in (store_examples or examples)], cache, progress,
                                config.elmo.batch_size, task.bilm_key)
        return TaskData(examples, encoder, labels, data.is_classification, store, store_rows, lexicons)

    train_lexicons = fold_lexicons([e.words for e in train], features.lexicon_folds,
                                   features.max_word_length, extra) \
        if features.lexicon == "train" and features.lexicon_folds > 1 else None
    return Prepared(task, task_data(train, rows, train_all, train_lexicons), task_data(dev),
                    task_data(test) if test is not None else None)


def predict(task: TaskModel, data: TaskData, batch_size: int = 64) -> list[tuple[str, ...]]:
    """Predicted labels of every example (tags per token, or a one-item class tuple)."""
    task.model.eval()
    device = next(task.model.parameters()).device
    predicted: list[tuple[str, ...] | None] = [None] * len(data)
    with torch.no_grad():
        for batch in data.batches(batch_size):
            for row, ids in zip(batch.rows, task.model.predict(batch.inputs.to(device))):
                predicted[row] = (task.labels[ids],) if isinstance(ids, int) else \
                    tuple(task.labels[i] for i in ids)
    return predicted


def evaluate(task: TaskModel, data: TaskData) -> dict[str, float]:
    return score(task.config.data.format, data.examples, predict(task, data), task.train_words)


def train_task(config: TaskConfig, cache: str | Path | None = None, progress: bool = True) -> dict:
    """Train (or resume) the config's task model; returns the results written to results.json."""
    output = Path(config.training.output_dir)
    with exclusive_lock(lock_beside(output), "elmo task train"), CoreShare():
        return _train_task(config, output, cache, progress)


def _train_task(config: TaskConfig, output: Path, cache: str | Path | None, progress: bool) -> dict:
    prepared = prepare(config, cache, progress)
    task, t = prepared.task, config.training
    metric = MAIN_METRIC[config.data.format]
    model = task.model.to("cuda" if torch.cuda.is_available() else "cpu")
    optimizer = TaskOptimizer(model, t.lr, t.clip_norm)
    rng = random.Random(t.seed)
    state = {"epoch": 0, "best": -1.0, "best_epoch": 0, "bad_epochs": 0, "seconds": 0.0, "history": []}
    checkpoint_file = output / "checkpoint.pt"
    if checkpoint_file.is_file():
        saved = torch.load(checkpoint_file, weights_only=False, map_location="cpu")
        # parsed again, so that settings added since the run began compare as their defaults
        was = parse_task_config(saved["config"], str(checkpoint_file)).to_dict()
        changes = settings_differences(was, config.to_dict(), RESUMABLE)
        if changes:
            raise ConfigError(f"{output} holds a run with another config ({'; '.join(changes)}): "
                              f"use a new output_dir, or delete {checkpoint_file} to start again")
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        state, rng = saved["state"], saved["rng"]
        torch.set_rng_state(saved["torch_rng"])  # the CPU generator: dropout on a GPU differs
    while (state["epoch"] < t.epochs and state["bad_epochs"] < t.patience
           and (t.max_minutes is None or state["seconds"] < 60 * t.max_minutes)):
        started = time.monotonic()
        loss = _epoch(task, prepared.train, optimizer, rng, state["epoch"] + 1, progress)
        dev_scores = evaluate(task, prepared.dev)
        state["epoch"] += 1
        state["seconds"] += time.monotonic() - started
        state["history"].append({"epoch": state["epoch"], "loss": loss, f"dev_{metric}": dev_scores[metric]})
        if dev_scores[metric] > state["best"]:
            state.update(best=dev_scores[metric], best_epoch=state["epoch"], bad_epochs=0)
            task.save(output / "model")
        else:
            state["bad_epochs"] += 1
        tqdm.write(f"epoch {state['epoch']}: loss {loss:.4f}  dev {metric} {dev_scores[metric]:.2f}"
                   f"  (best {state['best']:.2f} at epoch {state['best_epoch']})", file=sys.stderr)
        with atomic_path(checkpoint_file) as temporary:
            torch.save({"config": config.to_dict(), "model": model.state_dict(),
                        "optimizer": optimizer.state_dict(), "state": state, "rng": rng,
                        "torch_rng": torch.get_rng_state()}, temporary)
    model.load_state_dict(torch.load(output / "model" / "weights.pt", weights_only=True,
                                     map_location="cpu"))
    stopped = "patience" if state["bad_epochs"] >= t.patience else \
        "epochs" if state["epoch"] >= t.epochs else "max_minutes"
    results = {"dev": evaluate(task, prepared.dev), "best_epoch": state["best_epoch"],
               "epochs": state["epoch"], "stopped": stopped, "train_seconds": round(state["seconds"], 1),
               "train_examples": len(prepared.train), "history": state["history"]}
    if prepared.test is not None:
        results["test"] = evaluate(task, prepared.test)
    if model.input.elmo is not None:
        results["layer_weights"] = model.input.elmo.layer_weights
    task.scores = {split: results[split] for split in ("dev", "test") if split in results}
    task.save(output / "model")
    write_text(output / "results.json", json.dumps(results, indent=1))
    return results


def _epoch(task: TaskModel, data: TaskData, optimizer: TaskOptimizer, rng: random.Random,
           epoch: int, progress: bool) -> float:
    """One pass over the training data; returns the mean loss."""
    model, t = task.model, task.config.training
    device = next(model.parameters()).device
    model.train()
    total, count = 0.0, 0
    bar = tqdm(data.batches(t.batch_size, shuffle=True, rng=rng), total=-(-len(data) // t.batch_size),
               desc=f"epoch {epoch}", disable=not progress, leave=False)
    for batch in bar:
        loss = model.loss(batch.inputs.to(device), batch.targets.to(device))
        penalty = task.config.elmo.l2 * model.input.l2_penalty()
        optimizer.step(loss + penalty)
        total, count = total + loss.item(), count + 1
        bar.set_postfix(loss=f"{total / count:.4f}")
    return total / max(count, 1)
