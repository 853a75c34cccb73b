"""Contextual nearest neighbours (the ELMo paper's Table 4): a faiss index of a corpus's token
vectors, searched with a word in a sentence.

An index folder holds:

* ``vectors.faiss``: an exact inner-product index (``IndexFlatIP``) of unit-length token vectors
  from one layer (or the mean of the layers), so scores are cosines: (n_occurrences, D);
* ``occurrences.npy``: (n_occurrences, 3) int32, the sentence, position and word type of each row;
* ``sentences.txt``: the indexed sentences, tokens separated by spaces;
* ``types.txt`` and ``types.faiss``: each word type of the indexed sentences and its unit layer-0
  vector (layer 0 is context-free, so one vector per type), for nearest *words* without context;
* ``meta.json``: the model, the layer and the counts.

Building streams the corpus in blocks: memory is one block's vectors plus the index itself
(4 * D bytes per indexed token, e.g. 1 KB with D = 256). Indexing a file keeps each finished block
(see :mod:`elmo.embed.blocks`), so an interrupted run resumes and a ``torchrun`` job shares the
blocks between its processes.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
from tqdm import tqdm

from elmo.data.tokenizers import get_tokenizer
from elmo.embed.blocks import (
    BlockStore,
    block_ranges,
    block_run,
    from_json_array,
    json_array,
)
from elmo.embed.embedder import Embedder
from elmo.embed.pipeline import count_lines
from elmo.errors import InputError
from elmo.files import (
    atomic_path,
    exclusive_lock,
    lock_beside,
    remove_leftovers,
    write_text,
)
from elmo.text_input import decoded_line
from elmo.threads import CoreShare

MEAN = "mean"
FILES = ("vectors.faiss", "occurrences.npy", "sentences.txt", "types.txt", "types.faiss",
         "meta.json")


def layer_vectors(vectors: np.ndarray, layer: int | str) -> np.ndarray:
    """One layer (an int) or the mean of all (``"mean"``) of a sentence's (L + 1, n, D) vectors:
    (n, D).

    Raises:
        InputError: a layer the model does not have.
    """
    if layer == MEAN:
        return vectors.mean(0)
    if not 0 <= int(layer) < len(vectors):
        raise InputError(f"layer {layer} does not exist: the model has layers 0 to "
                         f"{len(vectors) - 1} (or 'mean')")
    return vectors[int(layer)]


@dataclass(frozen=True)
class IndexSummary:
    sentences: int
    occurrences: int
    types: int


def build_index(model: Embedder, sentences: Iterable[Sequence[str]], folder: str | Path,
                layer: int | str = 2, words: set[str] | None = None, block_size: int = 256,
                total: int | None = None, progress: bool = True) -> IndexSummary:
    """Index every token (or only the occurrences of ``words``) of ``sentences``.

    Sentences without any of ``words`` are skipped before embedding. ``total``, the number of
    sentences if known, sizes the progress bar. (:func:`index_file` indexes a file, resumably and
    on several processes.)
    """
    with exclusive_lock(lock_beside(folder), "elmo index"), CoreShare():
        remove_leftovers(folder)
        bar = tqdm(total=total, unit="sent", disable=not progress, dynamic_ncols=True)
        with bar, atomic_path(folder, folder=True) as partial:
            blocks = (_index_block(model, block, layer, words, bar)
                      for block in _blocks(sentences, block_size, bar))
            return _write_index(blocks, partial, model, layer)


def index_file(model: Embedder, path: str | Path, folder: str | Path, *, layer: int | str = 2,
               words: set[str] | None = None, tokenizer: str = "whitespace",
               max_sentences: int | None = None, block_size: int = 1000, model_id: str | None = None,
               overwrite: bool = False, restart: bool = False, progress: bool = True,
               distributed: bool = False) -> IndexSummary | None:
    """Index the sentences of a text file (one per line, split by ``tokenizer``), like
    :func:`build_index`, in blocks of ``block_size`` lines kept in ``<folder>.partial/``: an
    interrupted run started again with the same settings skips the finished blocks, and under
    ``torchrun`` each process indexes its share of the blocks (see :mod:`elmo.embed.blocks`).
    Process 0 writes the index, the one a single process writes, and returns its summary (the
    others return None).

    Raises:
        BusyError: another run is writing the same index.
        InputError: a missing input, an existing index (without ``overwrite``), text that is not
            UTF-8, or an earlier run's blocks with other settings.
    """
    path, folder = Path(path), Path(folder)

    def output_free() -> None:
        if not path.is_file():
            raise InputError(f"input file not found: {path}")
        if folder.exists() and not overwrite:
            raise InputError(f"{folder} exists; give --overwrite to replace it")

    output_free()
    tokenize = get_tokenizer(tokenizer)
    stat = path.stat()
    settings = {"input": str(path.resolve()), "input_size": stat.st_size,
                "input_mtime_ns": stat.st_mtime_ns, "tokenizer": tokenizer,
                "model": model_id or model.name, "layer": layer,
                "words": None if words is None else sorted(words),
                "max_sentences": max_sentences, "block_size": block_size}
    n_lines = min(count_lines(path), max_sentences or sys.maxsize)
    ranges = block_ranges(n_lines, block_size)
    with block_run(folder, settings, "elmo index", restart=restart, distributed=distributed,
                   check=output_free) as run:
        bar = tqdm(total=n_lines, unit="sent", disable=not (progress and run.context.is_main),
                   dynamic_ncols=True)
        with bar:
            for start, stop, raw_lines in run.lines(path, ranges, bar):
                sentences = [tokenize(decoded_line(raw, index, str(path), "utf-8"))
                             for index, raw in enumerate(raw_lines, start)]
                run.store.write(start, stop, _index_block(model, sentences, layer, words, bar))
        run.context.barrier()  # every rank's blocks are kept
        summary = None
        if run.context.is_main:
            with atomic_path(folder, folder=True) as partial:
                summary = _write_index(_kept_blocks(run.store, ranges), partial, model, layer)
        run.context.barrier()  # no rank reads the blocks any more
        if run.context.is_main:
            run.store.remove()
    return summary


def _index_block(model: Embedder, sentences: list[list[str]], layer: int | str,
                 words: set[str] | None, bar: tqdm) -> dict[str, np.ndarray]:
    """What a block of sentences adds to an index, as named arrays:

    * ``sentences``: the kept sentences (those with a chosen word), JSON;
    * ``vectors``: (n, D) unit vectors of the indexed occurrences, from ``layer``;
    * ``occurrences``: (n, 2) int32, each one's sentence (in the block) and position;
    * ``type_words`` (JSON) and ``type_vectors`` (t, D): the word types in their order of first
      appearance in the block, with their unit layer-0 vectors.

    The token cache is emptied first, so that a block's vectors depend on the block alone.
    """
    kept = [list(s) for s in sentences if s and (words is None or not words.isdisjoint(s))]
    if model.token_cache is not None:
        model.token_cache.clear()
    dim = model.output_dim
    vectors, occurrences = [np.zeros((0, dim), np.float32)], [np.zeros((0, 2), np.int32)]
    type_words: dict[str, np.ndarray] = {}
    for number, (sentence, layers) in enumerate(zip(kept, model.embed(kept))):  # (L + 1, n, D)
        positions = [i for i, token in enumerate(sentence) if words is None or token in words]
        for i, token in enumerate(sentence):
            type_words.setdefault(token, layers[0, i])
        vectors.append(_unit(layer_vectors(layers, layer)[positions]))
        occurrences.append(np.array([(number, i) for i in positions], np.int32).reshape(-1, 2))
    bar.set_postfix(kept=f"{len(kept):,}", refresh=False)
    return {"sentences": json_array(kept), "vectors": np.concatenate(vectors),
            "occurrences": np.concatenate(occurrences), "type_words": json_array(list(type_words)),
            "type_vectors": _unit(np.array(list(type_words.values())).reshape(-1, dim))}


def _kept_blocks(store: BlockStore, ranges: list[tuple[int, int]],
                 ) -> Iterator[Mapping[str, np.ndarray]]:
    for block in ranges:
        with store.read(*block) as arrays:
            yield arrays


def _write_index(blocks: Iterable[Mapping[str, np.ndarray]], folder: Path, model: Embedder,
                 layer: int | str) -> IndexSummary:
    """Write the index files of the blocks (see :func:`_index_block`), in their order, into ``folder``."""
    dim = model.output_dim
    index, type_index = faiss.IndexFlatIP(dim), faiss.IndexFlatIP(dim)
    types: dict[str, int] = {}
    occurrences: list[np.ndarray] = [np.zeros((0, 3), np.int32)]
    kept = 0
    with open(folder / "sentences.txt", "w", encoding="utf-8") as text:
        for block in blocks:
            sentences = from_json_array(block["sentences"])
            new = []  # the block's types not seen in an earlier block
            for i, word in enumerate(from_json_array(block["type_words"])):
                if word not in types:
                    types[word] = len(types)
                    new.append(i)
            type_index.add(block["type_vectors"][new])
            index.add(block["vectors"])
            local = block["occurrences"]  # (n, 2): sentence in the block, position
            ids = [types[sentences[s][p]] for s, p in local]
            occurrences.append(np.column_stack([local[:, 0] + kept, local[:, 1], ids]).astype(np.int32))
            text.write("".join(" ".join(sentence) + "\n" for sentence in sentences))
            kept += len(sentences)
    faiss.write_index(index, str(folder / "vectors.faiss"))
    faiss.write_index(type_index, str(folder / "types.faiss"))
    np.save(folder / "occurrences.npy", np.concatenate(occurrences))
    write_text(folder / "types.txt", "".join(word + "\n" for word in types))
    summary = IndexSummary(kept, index.ntotal, len(types))
    meta = {"model": model.name, "layer": layer, "dim": dim, **summary.__dict__}
    write_text(folder / "meta.json", json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return summary


@dataclass(frozen=True)
class Neighbour:
    """An indexed occurrence: its cosine to the query, its sentence and position there."""

    score: float
    tokens: tuple[str, ...]
    position: int


@dataclass(frozen=True)
class Neighbours:
    """The answer to a query: the query's tokens and the word's position in them, the nearest
    occurrences, and the nearest word types by layer 0 as (word, cosine)."""

    tokens: tuple[str, ...]
    position: int
    occurrences: list[Neighbour]
    words: list[tuple[str, float]]


class NeighbourIndex:
    """An index folder written by :func:`build_index`, opened for queries.

    Raises:
        InputError: the folder is missing or incomplete.
    """

    def __init__(self, folder: str | Path, model: Embedder | None = None) -> None:
        folder = Path(folder)
        missing = [name for name in FILES if not (folder / name).is_file()]
        if missing:
            raise InputError(f"{folder} is not an index written by `elmo index` (missing "
                             f"{', '.join(missing)})")
        self.meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        self.model = model or Embedder.from_pretrained(self.meta["model"])
        self.index = faiss.read_index(str(folder / "vectors.faiss"))
        self.type_index = faiss.read_index(str(folder / "types.faiss"))
        self.occurrences = np.load(folder / "occurrences.npy")  # (n, 3)
        self.types = (folder / "types.txt").read_text(encoding="utf-8").splitlines()
        self.type_ids = {word: i for i, word in enumerate(self.types)}
        with open(folder / "sentences.txt", encoding="utf-8") as file:
            self.sentences = [tuple(line.split()) for line in file]

    def query(self, sentence: str | Sequence[str], word: str, k: int = 10,
              any_word: bool = False) -> Neighbours:
        """The ``k`` indexed occurrences nearest to ``word`` in ``sentence`` (raw text, split by the
        model's tokenizer, or a token list), occurrences of the same word only unless
        ``any_word``; occurrences in the query sentence itself are left out.

        Raises:
            InputError: ``word`` is not a token of the sentence, or (unless ``any_word``) does
                not occur in the index.
        """
        tokens = self._tokens(sentence)
        position = _position(tokens, word)
        vectors = self.model.embed([list(tokens)])[0]  # (L + 1, n, D)
        query = _unit(layer_vectors(vectors, self.meta["layer"])[position: position + 1])
        params = None
        if not any_word:
            ids = np.flatnonzero(self.occurrences[:, 2] == self._type_id(tokens[position]))
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(ids.astype(np.int64)))
        scores, ids = self.index.search(query, k + 10, params=params)
        hits = [Neighbour(float(score), self.sentences[s], int(p))
                for score, (s, p, _) in zip(scores[0], self.occurrences[ids[0][ids[0] >= 0]])
                if self.sentences[s] != tokens]
        return Neighbours(tokens, position, hits[:k],
                          self._similar_words(tokens[position], vectors[0, position], k))

    def _tokens(self, sentence: str | Sequence[str]) -> tuple[str, ...]:
        if isinstance(sentence, str):
            return tuple(self.model.embed_text([sentence])[0][0])
        return tuple(sentence)

    def _type_id(self, word: str) -> int:
        if word not in self.type_ids:
            raise InputError(f"'{word}' does not occur in the index (built from "
                             f"{self.meta['sentences']:,} sentences); use --any-word to search "
                             "all words")
        return self.type_ids[word]

    def _similar_words(self, word: str, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` indexed word types nearest to ``vector`` (D,) by layer 0, ``word`` left out."""
        scores, ids = self.type_index.search(_unit(vector[None]), k + 1)
        found = [(self.types[i], float(s)) for s, i in zip(scores[0], ids[0]) if i >= 0]
        return [(other, score) for other, score in found if other != word][:k]


def _position(tokens: Sequence[str], word: str) -> int:
    """The first position of ``word`` in ``tokens``: exact, else ignoring case."""
    for match in (lambda token: token == word, lambda token: token.lower() == word.lower()):
        for position, token in enumerate(tokens):
            if match(token):
                return position
    raise InputError(f"'{word}' is not a token of the sentence; its tokens are: {' '.join(tokens)}")


def _blocks(sentences: Iterable[Sequence[str]], size: int, bar: tqdm) -> Iterator[list[list[str]]]:
    block: list[list[str]] = []
    for sentence in sentences:
        block.append(list(sentence))
        bar.update()
        if len(block) == size:
            yield block
            block = []
    if block:
        yield block


def _unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as float32 for faiss: (n, D)."""
    rows = np.ascontiguousarray(rows, dtype=np.float32)
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
