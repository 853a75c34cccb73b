"""Running a saved task model on raw text: tagging (``word/TAG``) and classification.

Tagging streams: lines are read in blocks of :data:`BLOCK_TOKENS` tokens, each line is cut after
sentence-ending punctuation and into pieces of at most :data:`MAX_PIECE` tokens (tagged
separately, joined again in the output), and pieces of similar length are batched together. The
memory used is bounded by the block, whatever the input's size or its lines' lengths.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import torch

from elmo.data.tokenizers import get_tokenizer
from elmo.embed.embedder import Embedder
from elmo.errors import InputError
from elmo.tasks.data import ENTITY_TYPES
from elmo.tasks.features import check_bilm
from elmo.tasks.inputs import read_words
from elmo.tasks.metrics import Span, entity_spans, word_spans
from elmo.tasks.saved import DEFAULT_TAGGER, TaskModel, load_task_model

MAX_PIECE = 200  # tokens per piece a long line is cut into
BLOCK_TOKENS = 16384  # tokens read and tagged at a time
SENTENCE_ENDS = frozenset("。！？；!?;")


def pieces(tokens: Sequence[str], max_length: int = MAX_PIECE) -> list[Sequence[str]]:
    """A line's tokens cut after sentence-ending punctuation and into at most ``max_length``."""
    cut, start = [], 0
    for i, token in enumerate(tokens):
        if token in SENTENCE_ENDS or i + 1 - start == max_length:
            cut.append(tokens[start: i + 1])
            start = i + 1
    if start < len(tokens):
        cut.append(tokens[start:])
    return cut


class Predictor:
    """A saved task model (a folder, or a bundled one's name) with its biLM (computed live, not
    cached), ready for raw lines.

    ``dictionary``: a file of words, one per line, added to the lexicon of a model that reads one
    (as a user dictionary: names and terms the tagger should take for words).

    Raises:
        InputError: a dictionary for a model without a lexicon, or one that cannot be read.
    """

    def __init__(self, folder: str | Path, batch_size: int = 32,
                 dictionary: str | Path | None = None) -> None:
        self.task: TaskModel = load_task_model(folder)
        if dictionary is not None:
            encoder = self.task.encoder
            if encoder.lexicon is None:
                raise InputError(f"{folder} reads no lexicon, so a dictionary cannot help it")
            encoder.lexicon = encoder.lexicon.extended(read_words(dictionary, "dictionary"))
        self.embedder = Embedder.from_pretrained(self.task.bilm_name) if self.task.bilm_name else None
        if self.embedder is not None:
            check_bilm(self.embedder, self.task.bilm_key, folder)
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

    def tag_lines(self, lines: Iterable[str], entities: bool = False) -> Iterator[str]:
        """Raw lines -> ``word/TAG word/TAG`` lines (an empty line stays empty), streamed.

        ``entities`` (segmentation + POS models): person, place and organisation names (words
        tagged nr / ns / nt, neighbours of one type joined) are printed as ``name/PER|LOC|ORG``.
        """
        if self.is_classifier:
            raise InputError("this is a classification model: use `elmo classify`")
        if entities and self.task.config.data.format != "seg-pos":
            raise InputError("entities come from a segmentation + POS model (nr / ns / nt words)")
        for tokens, tags in self._tag_blocks(lines):
            yield " ".join(f"{text}/{kind}" for text, kind in
                           _items(tokens, tags, self.task.config.data.format, entities))

    def words(self, text: str, entities: bool = False) -> list[tuple[str, str]]:
        """One text -> its ``(word, tag)`` pairs (see :meth:`tag_lines`); line breaks are spaces."""
        tokens, tags = next(self._tag_blocks([" ".join(text.splitlines())]))
        return _items(tokens, tags, self.task.config.data.format, entities)

    def _tag_blocks(self, lines: Iterable[str]) -> Iterator[tuple[list[str], list[str]]]:
        """(tokens, tags) of each line, in order, tagging a block of lines at a time."""
        block: list[list[str]] = []
        size = 0  # tokens in the block
        for line in lines:
            block.append(self.tokenize(line))
            size += len(block[-1])
            if size >= BLOCK_TOKENS:
                yield from self._tag_block(block)
                block, size = [], 0
        if block:
            yield from self._tag_block(block)

    def _tag_block(self, block: list[list[str]]) -> list[tuple[list[str], list[str]]]:
        cut = [(line, piece) for line, tokens in enumerate(block) for piece in pieces(tokens)]
        order = sorted(range(len(cut)), key=lambda i: len(cut[i][1]))  # similar lengths batch well
        tagged = self.predict([cut[i][1] for i in order])
        tags_of: list[list[str]] = [[] for _ in cut]
        for i, tags in zip(order, tagged):
            tags_of[i] = tags
        line_tags: list[list[str]] = [[] for _ in block]
        for (line, _), tags in zip(cut, tags_of):
            line_tags[line] += tags
        return list(zip(block, line_tags))

    def classify_lines(self, lines: Sequence[str], first_line: int = 1) -> list[str]:
        """Raw lines -> one label each; empty lines are an error naming the line."""
        if not self.is_classifier:
            raise InputError("this is a tagging model: use `elmo tag`")
        sentences = [self.tokenize(line) for line in lines]
        for number, tokens in enumerate(sentences, first_line):
            if not tokens:
                raise InputError(f"line {number} is empty: nothing to classify")
        sentences = [tokens[: self.task.config.data.max_tokens] for tokens in sentences]
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


@functools.lru_cache(maxsize=4)
def _loaded(model: str, dictionary: str | None) -> Predictor:
    return Predictor(model, dictionary=dictionary)


def tag(text: str, entities: bool = False, model: str = DEFAULT_TAGGER,
        dictionary: str | Path | None = None) -> list[tuple[str, str]]:
    """Segment and tag one text with a trained tagger (the bundled Chinese lexical analyser by
    default; loaded once): ``elmo.tag("江泽民主席发表新年讲话。")`` -> ``[("江泽民", "nr"), ...]``.
    ``entities``: names as ``PER`` / ``LOC`` / ``ORG`` items (see :meth:`Predictor.tag_lines`);
    ``dictionary``: a file of words added to the tagger's lexicon (see :class:`Predictor`)."""
    return _loaded(str(model), None if dictionary is None else str(dictionary)).words(text, entities)


def _items(tokens: Sequence[str], tags: Sequence[str], data_format: str,
           entities: bool = False) -> list[tuple[str, str]]:
    """Tokens and their tags as ``(text, tag)`` items: words of a segmentation + POS model (with
    ``entities``, named-entity words joined into ``PER`` / ``LOC`` / ``ORG`` items), entities of
    an entity model (runs of other characters marked ``O``), or the tokens of a word tagger."""
    if data_format == "word-tags":
        return list(zip(tokens, tags))
    if data_format == "seg-pos":
        spans = word_spans(tags)
        if entities:
            spans = _entity_words(spans)
        return [("".join(tokens[s:e]), kind) for s, e, kind in spans]
    found = {start: (end, kind) for start, end, kind in entity_spans(tags)}
    items, i = [], 0
    while i < len(tokens):
        end, kind = found.get(i, (i, "O"))
        while kind == "O" and end < len(tokens) and end not in found:
            end += 1
        items.append(("".join(tokens[i:end]), kind))
        i = end
    return items


def _entity_words(spans: list[Span]) -> list[Span]:
    """Word spans with neighbouring words of one entity type (nr / ns / nt) joined as PER / LOC / ORG."""
    joined: list[Span] = []
    for start, end, kind in spans:
        entity = ENTITY_TYPES.get(kind)
        if entity is not None and joined and joined[-1][2] == entity and joined[-1][1] == start:
            joined[-1] = (joined[-1][0], end, entity)
        else:
            joined.append((start, end, entity or kind))
    return joined
