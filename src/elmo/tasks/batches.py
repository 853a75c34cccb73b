"""Padded batches of task examples with their cached ELMo layers."""
from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from elmo.heads.token_input import TaskInputs
from elmo.tasks.data import Example
from elmo.tasks.features import LayerStore
from elmo.tasks.inputs import InputEncoder, Lexicon


@dataclass
class Batch:
    """inputs: what the model reads (ELMo layers from the store, if any); targets (B, T) tag ids
    or (B,) class ids; rows: the examples' indices."""

    inputs: TaskInputs
    targets: torch.Tensor
    rows: list[int]


class TaskData:
    """Examples of one split, their inputs, target ids and (optionally) stored ELMo layers.

    ``store_rows[i]`` is example i's sentence in ``store`` (a training subset keeps its rows);
    ``lexicons[i]`` example i's own lexicon (training folds), else the encoder's.
    """

    def __init__(self, examples: Sequence[Example], encoder: InputEncoder, labels: Sequence[str],
                 classification: bool, store: LayerStore | None = None,
                 store_rows: Sequence[int] | None = None,
                 lexicons: Sequence[Lexicon] | None = None) -> None:
        self.examples = list(examples)
        self.encoder = encoder
        label_index = {label: i for i, label in enumerate(labels)}
        self.targets = [np.array([label_index.get(t, 0) for t in e.labels], dtype=np.int64)
                        for e in self.examples]
        self.classification = classification
        self.store = store
        self.store_rows = list(range(len(self.examples))) if store_rows is None else list(store_rows)
        self.lexicons = lexicons

    def __len__(self) -> int:
        return len(self.examples)

    def batches(self, batch_size: int, shuffle: bool = False, rng: random.Random | None = None,
                ) -> Iterator[Batch]:
        """Batches of similar lengths; shuffled (sentences within pools, then batch order) if asked."""
        order = list(range(len(self)))
        if shuffle:
            rng.shuffle(order)
        pool = batch_size * 50
        chunks = []
        for start in range(0, len(order), pool):
            group = sorted(order[start: start + pool], key=lambda i: len(self.examples[i].tokens))
            chunks += [group[i: i + batch_size] for i in range(0, len(group), batch_size)]
        if shuffle:
            rng.shuffle(chunks)
        for rows in chunks:
            yield self.batch(rows)

    def batch(self, rows: Sequence[int]) -> Batch:
        tokens = [self.examples[i].tokens for i in rows]
        lexicons = [self.lexicons[i] for i in rows] if self.lexicons is not None else None
        inputs = self.encoder.encode(tokens, self._layers(rows, max(map(len, tokens))), lexicons)
        if self.classification:
            targets = torch.tensor([int(self.targets[i][0]) for i in rows])
        else:
            targets = torch.zeros(inputs.token_ids.shape, dtype=torch.long)
            for b, i in enumerate(rows):
                targets[b, : len(self.targets[i])] = torch.from_numpy(self.targets[i])
        return Batch(inputs, targets, list(rows))

    def _layers(self, rows: Sequence[int], length: int) -> torch.Tensor | None:
        if self.store is None:
            return None
        first = self.store[self.store_rows[rows[0]]]
        layers = np.zeros((first.shape[0], len(rows), length, first.shape[2]), dtype=np.float32)
        for b, i in enumerate(rows):
            vectors = self.store[self.store_rows[i]]
            layers[:, b, : vectors.shape[1]] = vectors
        return torch.from_numpy(layers)
