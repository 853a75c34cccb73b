"""Batches for biLM pretraining: both directions' inputs and next-token targets.

A sentence ``w1 .. wn`` is read forward as ``<S> w1 .. wn </S>`` and backward as
``</S> wn .. w1 <S>``; in each direction every token but the last is an input whose target is the
token after it, so a sentence gives n + 1 predictions per direction.

Two ways to lay sentences out in a batch:

- :class:`WindowBatcher`, the original bilm-tf packing. Each row is an endless stream of sentences
  cut into windows of ``unroll_steps`` tokens; a row's next window continues where the last one
  stopped, so the trainer carries the LSTM states across windows and back-propagation is truncated
  at window edges. There is no padding, and contexts run across sentence boundaries (the model
  sees the previous sentences, as in the original training).
- :class:`SentenceBatcher`: one sentence per row, from a fresh state, as the embeddings are used
  at inference time. Rows are padded to the longest sentence of the batch, which costs compute.

Both read the shards in groups, one per training process: group ``g`` of ``n_groups`` reads only
``shards[g::n_groups]`` with its own :class:`~elmo.data.shards.ShardStream`, and a batcher of
several groups stacks their rows group by group. A single process with ``groups=(0, 1)`` therefore
produces exactly the rows of two processes with ``groups=(0,)`` and ``groups=(1,)`` side by side.
Both save and restore their exact position with ``state_dict`` / ``load_state_dict``.
:func:`evaluation_batches` reads held-out text once, in order, predicting every token exactly once.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from elmo.data.chars import (
    BOS_TOKEN,
    EOS_TOKEN,
    MAX_CHARACTERS,
    CodepointVocabulary,
    token_to_char_ids,
)
from elmo.data.shards import ShardStream, derive_seed, iter_sentences
from elmo.data.vocab import Vocabulary
from elmo.errors import InputError
from elmo.files import settings_differences


@dataclass
class LMBatch:
    """One batch of both directions; index 0 of the first axis is forward, 1 is backward.

    Attributes:
        char_ids: (2, B, T, C) int16, character ids of the input tokens (C the model's characters
            per token); 0 rows at padding.
        word_ids: (2, B, T) int64, vocabulary ids of the input tokens (``unk_id`` if unknown).
        targets: (2, B, T) int64, vocabulary id of the token each position predicts.
        mask: (2, B, T) bool, True at real positions; word_ids and targets are 0 elsewhere.
    """

    char_ids: np.ndarray
    word_ids: np.ndarray
    targets: np.ndarray
    mask: np.ndarray

    @classmethod
    def zeros(cls, rows: int, steps: int, max_characters: int) -> LMBatch:
        """An all-padding batch of shape (2, rows, steps)."""
        return cls(np.zeros((2, rows, steps, max_characters), np.int16),
                   np.zeros((2, rows, steps), np.int64), np.zeros((2, rows, steps), np.int64),
                   np.zeros((2, rows, steps), bool))

    @property
    def n_tokens(self) -> int:
        """Predicted tokens per direction: the real positions of the forward half."""
        return int(self.mask[0].sum())


class _Sentence:
    """A sentence's forward stream ``<S> w1 .. wn </S>`` as ids (L,) and character ids (L, C)."""

    def __init__(self, tokens: list[str], vocab: Vocabulary, max_characters: int,
                 characters: CodepointVocabulary | None = None) -> None:
        self.tokens = tokens
        stream = [BOS_TOKEN, *tokens, EOS_TOKEN]
        self.ids = self.input_ids = vocab.encode(stream)  # targets; inputs, the same here
        if characters is None:
            self.chars = np.stack([token_to_char_ids(t, max_characters) for t in stream])
        else:  # a code-point model reads a token's first code points only (its word too)
            cut = [CodepointVocabulary.cut(t, max_characters) for t in tokens]
            self.input_ids = vocab.encode([BOS_TOKEN, *cut, EOS_TOKEN])
            self.chars = np.stack([characters.token_ids(t, max_characters)
                                   for t in ["<bos>", *cut, "<eos>"]])
        self.chars = self.chars.astype(np.int16)

    def write(self, batch: LMBatch, row: int, column: int, start: int, count: int) -> None:
        """Put stream positions start .. start + count (inputs, and targets one further) of both
        directions into ``batch[:, row, column:column + count]``."""
        end, stop = start + count, column + count
        for direction, (inputs, ids, chars) in enumerate((
                (self.input_ids, self.ids, self.chars),
                (self.input_ids[::-1], self.ids[::-1], self.chars[::-1]))):
            batch.char_ids[direction, row, column:stop] = chars[start:end]
            batch.word_ids[direction, row, column:stop] = inputs[start:end]
            batch.targets[direction, row, column:stop] = ids[start + 1:end + 1]
            batch.mask[direction, row, column:stop] = True


class _Row:
    """A window row's place in its sentences: the current one and how many of its stream positions
    have been inputs. The reversed stream has the same length, so one position serves both
    directions."""

    def __init__(self) -> None:
        self.sentence: _Sentence | None = None
        self.position = 0

    def remaining(self) -> int:
        return 0 if self.sentence is None else len(self.sentence.ids) - 1 - self.position

    def fill(self, batch: LMBatch, row: int, next_sentence: Callable[[], _Sentence | None]) -> None:
        """Fill the row's window from where the last one stopped, taking new sentences as needed;
        if ``next_sentence`` runs out (None) the rest of the window stays padding."""
        column, steps = 0, batch.mask.shape[2]
        while column < steps:
            if self.remaining() == 0:
                sentence = next_sentence()
                if sentence is None:
                    return
                self.sentence, self.position = sentence, 0
            count = min(self.remaining(), steps - column)
            self.sentence.write(batch, row, column, self.position, count)
            self.position += count
            column += count

    def state(self) -> list:
        return [None if self.sentence is None else self.sentence.tokens, self.position]

    def restore(self, state: list, sentence: Callable[[list[str]], _Sentence]) -> None:
        tokens, self.position = state
        self.sentence = None if tokens is None else sentence(list(tokens))


class _GroupedBatcher:
    """What both batchers share: one ShardStream per group and the state_dict bookkeeping."""

    kind = ""

    def __init__(self, shards: Sequence[str | Path], vocab: Vocabulary, rows_per_group: int,
                 seed: int, shuffle: bool, groups: Sequence[int], n_groups: int,
                 max_characters: int, characters: CodepointVocabulary | None, settings: dict) -> None:
        shards = list(shards)
        groups = [int(group) for group in groups]
        if rows_per_group < 1:
            raise InputError(f"rows per group must be positive, found {rows_per_group}")
        for name, value in {"n_groups": n_groups, "max_characters": max_characters, **settings}.items():
            if value < 1:
                raise InputError(f"{name} must be positive, found {value}")
        valid = [group for group in dict.fromkeys(groups) if 0 <= group < n_groups]
        if not groups or valid != groups:
            raise InputError(f"groups must be distinct numbers in 0 .. {n_groups - 1}, "
                             f"found {groups}")
        if len(shards) < n_groups:
            raise InputError(f"need at least {n_groups} shards for {n_groups} processes, found "
                             f"{len(shards)}; split the corpus into more files")
        self.vocab, self.rows_per_group, self.groups = vocab, rows_per_group, groups
        self.max_characters, self.characters = max_characters, characters
        self._sentence = functools.partial(_Sentence, vocab=vocab, max_characters=max_characters,
                                           characters=characters)
        self.streams = [ShardStream(shards[group::n_groups], derive_seed(seed, group), shuffle)
                        for group in groups]
        self._settings = {"kind": self.kind, "rows_per_group": rows_per_group, "groups": groups,
                          "n_groups": n_groups, "max_characters": max_characters, **settings}

    @property
    def epoch(self) -> int:
        """The furthest pass of any group's stream, counted from 0."""
        return max(stream.epoch for stream in self.streams)

    @property
    def sentences_read(self) -> int:
        """Sentences taken from the streams so far, all groups together."""
        return sum(stream.sentences_read for stream in self.streams)

    def __iter__(self) -> _GroupedBatcher:
        return self

    def state_dict(self) -> dict:
        """The exact position of every stream and row, JSON-serializable."""
        return {**self._settings, "streams": [stream.state_dict() for stream in self.streams],
                "rows": self._row_states()}

    def load_state_dict(self, state: dict) -> None:
        """Continue from a state saved by a batcher with the same settings."""
        changes = settings_differences({key: state.get(key) for key in self._settings}, self._settings)
        if changes:
            raise InputError(f"the saved batcher state has other settings: {'; '.join(changes)}")
        for stream, stream_state in zip(self.streams, state["streams"]):
            stream.load_state_dict(stream_state)
        self._restore_rows(state["rows"])

    def _row_states(self) -> list:
        raise NotImplementedError

    def _restore_rows(self, states: list) -> None:
        raise NotImplementedError


class WindowBatcher(_GroupedBatcher):
    """Endless batches of full windows, as the original bilm-tf trainer packed them.

    Each of the ``len(groups) * rows_per_group`` rows reads its group's sentences, forward stream
    ``<S> w1 .. wn </S>``, into windows of ``unroll_steps`` positions. A sentence's ``</S>`` is only a
    target; the next sentence starts with its own ``<S>`` as input; a new sentence is taken from
    the group's stream (rows in order) when a window needs one. The backward direction of a row
    reads the same sentences, each reversed, by the same rule. Every mask is all True.

    Args:
        shards: the corpus files (see :func:`~elmo.data.shards.expand_shards`).
        vocab: maps tokens to word ids and targets.
        rows_per_group: rows read from each group's stream.
        unroll_steps: window length T.
        seed: with the group number, seeds each group's stream.
        shuffle: shuffle shards and sentences in each pass (False: file order).
        groups: the groups (processes) whose rows this batcher makes, in batch order.
        n_groups: how many groups the shards are dealt into.
        max_characters: characters per token of the model's input (``max_characters_per_token``).
        characters: a code-point model's character vocabulary; None: UTF-8 bytes.
    Yields:
        LMBatch of shape (2, len(groups) * rows_per_group, unroll_steps).
    """

    kind = "window"

    def __init__(self, shards: Sequence[str | Path], vocab: Vocabulary, rows_per_group: int,
                 unroll_steps: int, seed: int = 0, shuffle: bool = True,
                 groups: Sequence[int] = (0,), n_groups: int = 1,
                 max_characters: int = MAX_CHARACTERS, characters: CodepointVocabulary | None = None,
                 ) -> None:
        self.unroll_steps = unroll_steps
        super().__init__(shards, vocab, rows_per_group, seed, shuffle, groups, n_groups,
                         max_characters, characters, {"unroll_steps": unroll_steps})
        self._rows = [_Row() for _ in range(len(self.groups) * rows_per_group)]

    def __next__(self) -> LMBatch:
        batch = LMBatch.zeros(len(self._rows), self.unroll_steps, self.max_characters)
        for index, row in enumerate(self._rows):
            stream = self.streams[index // self.rows_per_group]
            row.fill(batch, index, lambda: self._sentence(next(stream)))
        return batch

    def _row_states(self) -> list:
        return [row.state() for row in self._rows]

    def _restore_rows(self, states: list) -> None:
        for row, state in zip(self._rows, states, strict=True):
            row.restore(state, self._sentence)


class SentenceBatcher(_GroupedBatcher):
    """Endless batches of whole sentences, one per row, padded to the longest.

    A sentence longer than ``max_length`` tokens is cut into pieces of ``max_length`` tokens (the
    last one shorter), each read as a sentence of its own. Forward row: inputs ``<S> w1 .. wn``,
    targets ``w1 .. wn </S>``; backward row: inputs ``</S> wn .. w1``, targets ``wn .. w1 <S>``;
    positions after n + 1 are padding. Groups, seed and shuffle as in :class:`WindowBatcher`, with
    ``batch_size`` rows per group.

    Yields:
        LMBatch of shape (2, len(groups) * batch_size, T), T the longest n + 1 of the batch.
    """

    kind = "sentence"

    def __init__(self, shards: Sequence[str | Path], vocab: Vocabulary, batch_size: int,
                 seed: int = 0, shuffle: bool = True, max_length: int = 100,
                 groups: Sequence[int] = (0,), n_groups: int = 1,
                 max_characters: int = MAX_CHARACTERS, characters: CodepointVocabulary | None = None,
                 ) -> None:
        super().__init__(shards, vocab, batch_size, seed, shuffle, groups, n_groups,
                         max_characters, characters, {"max_length": max_length})
        self.max_length = max_length
        self._pending: list[list[list[str]]] = [[] for _ in self.groups]  # pieces still to read

    def __next__(self) -> LMBatch:
        pieces = [self._next_piece(group) for group in range(len(self.groups))
                  for _ in range(self.rows_per_group)]
        batch = LMBatch.zeros(len(pieces), max(len(piece) for piece in pieces) + 1,
                              self.max_characters)
        for row, piece in enumerate(pieces):
            self._sentence(piece).write(batch, row, 0, 0, len(piece) + 1)
        return batch

    def _next_piece(self, group: int) -> list[str]:
        pending = self._pending[group]
        if not pending:
            sentence = next(self.streams[group])
            pending.extend(sentence[start:start + self.max_length]
                           for start in range(0, len(sentence), self.max_length))
        return pending.pop(0)

    def _row_states(self) -> list:
        return [list(pieces) for pieces in self._pending]

    def _restore_rows(self, states: list) -> None:
        if len(states) != len(self._pending):
            raise InputError("the saved batcher state has another number of groups")
        self._pending = [[list(piece) for piece in pieces] for pieces in states]


def evaluation_batches(shards: Sequence[str | Path], vocab: Vocabulary, batch_size: int,
                       unroll_steps: int, max_characters: int = MAX_CHARACTERS,
                       characters: CodepointVocabulary | None = None) -> Iterator[LMBatch]:
    """One ordered pass over held-out text, packed into windows as by :class:`WindowBatcher`.

    All rows share one stream of the sentences in file order. When the text runs out, the rest of
    each row is padding (mask False) and batches continue until every row is finished, so every
    token is predicted exactly once per direction: the masks of all batches sum to
    (tokens + sentences) per direction. Carry the states across windows as in training.

    Yields:
        LMBatch of shape (2, batch_size, unroll_steps).
    """
    if batch_size < 1 or unroll_steps < 1:
        raise InputError(f"batch_size and unroll_steps must be positive, found {batch_size} and "
                         f"{unroll_steps}")
    sentence = functools.partial(_Sentence, vocab=vocab, max_characters=max_characters,
                                 characters=characters)
    return _evaluation_batches(iter_sentences(shards), batch_size, unroll_steps, max_characters,
                               sentence)


def _evaluation_batches(sentences: Iterator[list[str]], batch_size: int, unroll_steps: int,
                        max_characters: int, sentence: Callable[[list[str]], _Sentence],
                        ) -> Iterator[LMBatch]:
    def next_sentence() -> _Sentence | None:
        tokens = next(sentences, None)
        return None if tokens is None else sentence(tokens)

    rows = [_Row() for _ in range(batch_size)]
    while True:
        batch = LMBatch.zeros(batch_size, unroll_steps, max_characters)
        for index, row in enumerate(rows):
            row.fill(batch, index, next_sentence)
        if not batch.mask.any():
            return
        yield batch
