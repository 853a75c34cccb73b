"""Running a saved task model on raw text: tagging (``word/TAG``) and classification."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from elmo.data.tokenizers import get_tokenizer
from elmo.embed.embedder import Embedder
from elmo.errors import InputError, ModelFileError
from elmo.tasks.features import model_key
from elmo.tasks.metrics import entity_spans, word_spans
from elmo.tasks.saved import TaskModel, load_task_model


class Predictor:
    """A saved task model with its biLM (computed live, not cached), ready for raw lines."""

    def __init__(self, folder: str | Path, batch_size: int = 32) -> None:
        self.task: TaskModel = load_task_model(folder)
        self.embedder = Embedder.from_pretrained(self.task.bilm_name) if self.task.bilm_name else None
        if self.embedder is not None and model_key(self.embedder) != self.task.bilm_key:
            raise ModelFileError(f"{folder}: the biLM {self.task.bilm_name!r} found now is not the one the "
                                 f"task model was trained with (its weights differ)")
        self.tokenize = get_tokenizer(self.task.tokenizer)
        self.batch_size = batch_size

    @property
    def is_classifier(self) -> bool:
        return self.task.config.data.is_classification

    def predict(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """Labels per token (tagger) or a one-item list with the class (classifier)."""
        results: list[list[str]] = []
        for start in range(0, len(sentences), self.batch_size):
            results += self._predict_batch(sentences[start: start + self.batch_size])
        return results

    def tag_lines(self, lines: Sequence[str]) -> list[str]:
        """Raw lines -> ``word/TAG word/TAG`` lines (an empty line stays empty)."""
        if self.is_classifier:
            raise InputError("this is a classification model: use `elmo classify`")
        sentences = [self.tokenize(line) for line in lines]
        return [_tagged_text(tokens, tags, self.task.config.data.format)
                for tokens, tags in zip(sentences, self.predict(sentences))]

    def classify_lines(self, lines: Sequence[str], first_line: int = 1) -> list[str]:
        """Raw lines -> one label each; empty lines are an error naming the line."""
        if not self.is_classifier:
            raise InputError("this is a tagging model: use `elmo tag`")
        sentences = [self.tokenize(line) for line in lines]
        for number, tokens in enumerate(sentences, first_line):
            if not tokens:
                raise InputError(f"line {number} is empty: nothing to classify")
        return [labels[0] for labels in self.predict(sentences)]

    def _predict_batch(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        keep = [i for i, s in enumerate(sentences) if s]
        out: list[list[str]] = [[] for _ in sentences]
        if not keep:
            return out
        kept = [list(sentences[i]) for i in keep]
        length = max(map(len, kept))
        layers = None
        if self.embedder is not None:
            vectors = self.embedder.embed(kept)
            array = np.zeros((vectors[0].shape[0], len(kept), length, vectors[0].shape[2]), np.float32)
            for row, v in enumerate(vectors):
                array[:, row, : v.shape[1]] = v
            layers = torch.from_numpy(array)
        with torch.no_grad():
            predicted = self.task.model.predict(self.task.encoder.encode(kept, layers))
        for i, ids in zip(keep, predicted):
            out[i] = [self.task.labels[ids]] if isinstance(ids, int) else [self.task.labels[j] for j in ids]
        return out


def _tagged_text(tokens: Sequence[str], tags: Sequence[str], data_format: str) -> str:
    """Tokens and their tags as ``word/TAG`` items (characters joined into words / entities)."""
    if data_format == "word-tags":
        return " ".join(f"{t}/{tag}" for t, tag in zip(tokens, tags))
    if data_format == "seg-pos":
        return " ".join(f"{''.join(tokens[s:e])}/{kind}" for s, e, kind in word_spans(tags))
    entities = {start: (end, kind) for start, end, kind in entity_spans(tags)}
    items, i = [], 0
    while i < len(tokens):  # entities as word/TYPE, other characters in runs marked /O
        if i in entities:
            end, kind = entities[i]
            items.append(f"{''.join(tokens[i:end])}/{kind}")
            i = end
        else:
            end = i
            while end < len(tokens) and end not in entities:
                end += 1
            items.append(f"{''.join(tokens[i:end])}/O")
            i = end
    return " ".join(items)
