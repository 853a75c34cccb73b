"""Embedding a text file, one sentence per line, into an HDF5 or .npz file: resumable, in bounded memory.

The input is streamed in blocks of ``block_size`` lines. Each block is tokenized, embedded with one
``Embedder.embed`` call (which batches sentences of similar lengths and keeps their order) and
kept in ``<output>.partial/``; an interrupted run started again with the same settings skips the
finished blocks. At the end the blocks are merged, in line order, into the output file (see
:mod:`elmo.embed.writers` for its layout), which records each line's tokens beside its vectors.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from elmo.data.tokenizers import get_tokenizer
from elmo.embed.blocks import (
    BlockRun,
    BlockStore,
    block_ranges,
    block_run,
    from_json_array,
    json_array,
    partial_folder,
)
from elmo.embed.embedder import Embedder
from elmo.embed.writers import (
    LAYER_MODES,
    output_format_for,
    select_layers,
    write_output,
)
from elmo.errors import InputError
from elmo.text_input import checked_encoding, decoded_line


@dataclass(frozen=True)
class EmbedSummary:
    """What a run of :func:`embed_file` did; counts are over the whole file, resumed blocks included."""

    lines: int
    tokens: int
    empty_lines: int
    long_lines: int  # lines over max_sentence_length, split or truncated by the model's policy
    resumed_lines: int  # lines of blocks finished by an earlier, interrupted run
    seconds: float
    output_path: Path
    output_format: str
    rank: int = 0  # this process's rank in a distributed run (0 wrote the output)


def embed_file(embedder: Embedder, input_path: str | Path, output_path: str | Path, *,
               layers: str = "all", tokenizer: str = "whitespace", block_size: int = 1000,
               use_sentence_keys: bool = False, forget_sentences: bool = False,
               output_format: str | None = None, overwrite: bool = False, restart: bool = False,
               progress: bool = True, encoding: str = "utf-8", model_id: str | None = None,
               distributed: bool = False) -> EmbedSummary:
    """Embed every line of ``input_path`` and write the vectors to ``output_path``.

    Each line, stripped of surrounding whitespace, is one sentence, tokenized by ``tokenizer``
    (``"whitespace"``, ``"chars"``, ``"jieba"`` or ``"moses"``). An empty line gets an entry with
    zero tokens, shape (L + 1, 0, dim) for ``layers="all"``, so keys stay aligned with line numbers.
    A line longer than ``embedder.max_sentence_length`` follows ``embedder.long_sentences``: split into pieces
    embedded independently (the default), truncated, or an error naming the line. The tokens of
    each line, one per vector, are written beside its vectors (see :mod:`elmo.embed.writers`).

    Args:
        embedder: the loaded model.
        layers: ``"all"``, ``"top"`` or ``"average"`` (see :mod:`elmo.embed.writers`).
        block_size: lines embedded and kept together; a resumed run redoes at most one block.
        use_sentence_keys: key the vectors by sentence text, not line index; a repeated sentence is
            written once and empty lines are left out.
        forget_sentences: leave out the ``sentence_to_index`` entry.
        output_format: ``"hdf5"`` or ``"npz"``; by default from the output suffix (``.npz`` or not).
        overwrite: replace an existing output file instead of refusing.
        restart: drop the finished blocks of an earlier run instead of resuming it.
        progress: show a progress bar on stderr.
        encoding: the input's text encoding; it must be ASCII-compatible (UTF-8, Latin-1, GB18030...).
        model_id: names the model in the resume settings; defaults to ``embedder.name``.
        distributed: this process is one rank of a ``torchrun`` job (the environment says which):
            it embeds its share of the blocks and rank 0 writes the output.
    While it runs, ``<output>.lock`` keeps any other run from writing the same output.

    Raises:
        BusyError: another run is writing the same output.
        InputError: a missing input, an existing output, undecodable text (naming the line), a line
            too long under the ``"error"`` policy, or an earlier run's blocks with other settings.
    """
    started = time.perf_counter()
    input_path, output_path = Path(input_path), Path(output_path)
    output_format = output_format_for(output_path, output_format)
    check_paths(input_path, output_path, overwrite)
    encoding = checked_encoding(encoding)
    if layers not in LAYER_MODES:
        raise InputError(f"layers must be one of {', '.join(LAYER_MODES)}, found {layers!r}")
    if block_size < 1:
        raise InputError(f"block_size must be positive, found {block_size}")
    tokenize = get_tokenizer(tokenizer)
    stat = input_path.stat()
    settings = {
        "input": str(input_path.resolve()), "input_size": stat.st_size,
        "input_mtime_ns": stat.st_mtime_ns, "encoding": encoding, "tokenizer": tokenizer,
        "model": model_id or embedder.name, "max_sentence_length": embedder.max_sentence_length,
        "long_sentences": embedder.long_sentences, "layers": layers, "block_size": block_size,
    }

    def output_still_free() -> None:  # another run may have finished it meanwhile
        check_paths(input_path, output_path, overwrite)

    with block_run(output_path, settings, "elmo embed", restart=restart, distributed=distributed,
                   check=output_still_free) as run:
        ranges = block_ranges(count_lines(input_path), block_size)
        resumed = run.finished_lines(ranges)
        _embed_blocks(embedder, input_path, ranges, run, tokenize, layers, encoding,
                      progress and run.context.is_main)
        run.context.barrier()  # every rank's blocks are kept
        totals = sum((_block_stats(run.store, *block) for block in ranges), np.zeros(3, np.int64))
        if run.context.is_main:
            entries = (entry for block in ranges for entry in _block_entries(run.store, *block))
            write_output(entries, output_path, output_format, run.store.folder,
                         use_sentence_keys=use_sentence_keys, forget_sentences=forget_sentences)
        run.context.barrier()  # no rank reads the blocks any more
        if run.context.is_main:
            run.store.remove()
    tokens, empty, long = (int(count) for count in totals)
    return EmbedSummary(ranges[-1][1] if ranges else 0, tokens, empty, long, resumed,
                        time.perf_counter() - started, output_path, output_format,
                        run.context.rank)


def _embed_blocks(embedder: Embedder, input_path: Path, ranges: list[tuple[int, int]],
                  run: BlockRun, tokenize: Callable[[str], list[str]], layers: str, encoding: str,
                  progress: bool) -> None:
    """Embed and keep every block of this process (every ``world_size``-th, from its rank) not yet
    in the store. Each block keeps its lines' vectors under ``str(line_index)``, plus
    ``_sentences`` (the line texts), ``_tokens`` (each line's tokens, one per vector; both JSON)
    and ``_stats`` (tokens, empty lines, long lines)."""
    new_tokens, embed_started = 0, time.perf_counter()
    bar = tqdm(total=ranges[-1][1] if ranges else 0, unit="sent", disable=not progress,
               dynamic_ncols=True)
    with bar:
        for start, stop, raw_lines in run.lines(input_path, ranges, bar):
            texts = [decoded_line(raw, index, str(input_path), encoding)
                     for index, raw in enumerate(raw_lines, start)]
            sentences = [tokenize(text) for text in texts]
            stats = _line_stats(sentences, start, embedder, input_path)
            if embedder.token_cache is not None:  # a block's vectors depend on the block alone, so a
                embedder.token_cache.clear()      # resumed run writes what a clean run writes, bit for bit
            arrays = [select_layers(v, layers) for v in embedder.embed(sentences)]
            # the tokens whose vectors are kept: all of them, or the first ones of a truncated line
            tokens = [sentence[: array.shape[-2]] for sentence, array in zip(sentences, arrays)]
            run.store.write(start, stop, {
                **{str(index): array for index, array in enumerate(arrays, start)},
                "_sentences": json_array(texts), "_tokens": json_array(tokens),
                "_stats": stats})
            new_tokens += int(stats[0])
            rate = new_tokens / max(time.perf_counter() - embed_started, 1e-9)
            bar.set_postfix_str(f"{rate:,.0f} tokens/s")


def _block_stats(store: BlockStore, start: int, stop: int) -> np.ndarray:
    """(tokens, empty lines, long lines) of a finished block."""
    with store.read(start, stop) as block:
        return block["_stats"]


def _block_entries(store: BlockStore, start: int, stop: int,
                   ) -> Iterator[tuple[int, str, list[str], np.ndarray]]:
    """(line index, sentence text, tokens, vectors) of each line of a finished block, in order."""
    with store.read(start, stop) as block:
        sentences, tokens = from_json_array(block["_sentences"]), from_json_array(block["_tokens"])
        for index, (sentence, line_tokens) in enumerate(zip(sentences, tokens), start):
            yield index, sentence, line_tokens, block[str(index)]


def count_lines(path: str | Path) -> int:
    """Lines in a file, as iterating over it in binary mode yields them, in one cheap pass."""
    count, last = 0, b"\n"
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")  # a last line without a newline


def check_paths(input_path: Path, output_path: Path, overwrite: bool) -> None:
    """Raise InputError unless the input is a file and the output can be written (or replaced)."""
    if not input_path.exists():
        raise InputError(f"input file not found: {input_path}")
    if not input_path.is_file():
        raise InputError(f"input is not a file: {input_path}")
    if output_path.exists() and output_path.resolve() == input_path.resolve():
        raise InputError(f"the output file is the input file: {output_path}")
    if output_path.exists() and not overwrite:
        leftover = partial_folder(output_path)
        note = (f"; {leftover} is left from the run that finished it and can be deleted"
                if leftover.exists() else "")
        raise InputError(f"output file exists: {output_path} (pass --overwrite to replace it){note}")
    if output_path.is_dir():
        raise InputError(f"output is a folder: {output_path}")
    if not output_path.absolute().parent.is_dir():
        raise InputError(f"output folder does not exist: {output_path.absolute().parent}")


def _line_stats(sentences: list[list[str]], start: int, embedder: Embedder, path: Path) -> np.ndarray:
    """(tokens, empty lines, long lines) of a block; a long line is an error under that policy."""
    limit = embedder.max_sentence_length
    for index, sentence in enumerate(sentences, start):
        if len(sentence) > limit and embedder.long_sentences == "error":
            raise InputError(f"{path}: line {index + 1} has {len(sentence)} tokens, more than the "
                             f"maximum sentence length {limit}; raise it, or split or truncate long "
                             f"sentences (--long-sentences)")
    return np.array([sum(map(len, sentences)), sum(not s for s in sentences),
                     sum(len(s) > limit for s in sentences)], np.int64)
