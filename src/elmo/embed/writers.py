"""Embedding files: the HDF5 and .npz outputs, and the resumable store of finished blocks.

The output layout is the one of the original ``dump_bilm_embeddings`` and of AllenNLP's ``elmo``
command: one float32 array per input line, named ``str(line_index)`` (0-based) or, with sentence keys,
the sentence text itself, of shape

- ``"all"``: (L + 1, n_tokens, dim), every layer;
- ``"top"``: (n_tokens, dim), the last layer;
- ``"average"``: (n_tokens, dim), the mean of the L + 1 layers.

Without sentence keys the file also holds ``sentence_to_index``: a one-element string array whose
item is a JSON object mapping each sentence text to ``str(index)`` (the last index for a repeated
sentence). The .npz file has the same keys (``np.load(path)[key]``).

The tokens each array's vectors belong to (what the tokenizer made of the line, cut like the vectors
when a long line is truncated) are recorded beside them, one token per vector along the token axis:

- HDF5: the attribute ``tokens`` of each dataset, a JSON list of strings
  (``json.loads(file["3"].attrs["tokens"])``). An attribute keeps the file's keys as they were, and
  a JSON text, unlike an array attribute, has no size limit.
- .npz: one more entry, ``tokens``, a one-element string array whose item is a JSON object mapping
  each vector key (``str(index)``, or the sentence with sentence keys) to its token list
  (``json.loads(np.load(path)["tokens"][0])["3"]``).

While a file is embedded, finished blocks of lines wait in ``<output>.partial/`` (see
:mod:`elmo.embed.blocks`); :func:`write_output` writes them into the output at the end.
"""
from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import h5py
import numpy as np

from elmo.errors import InputError
from elmo.files import atomic_path

LAYER_MODES = ("all", "top", "average")
FORMATS = ("hdf5", "npz")
SENTENCE_TO_INDEX = "sentence_to_index"
TOKENS = "tokens"  # the HDF5 attribute of each dataset, and the .npz entry, that record the tokens


def select_layers(vectors: np.ndarray, layers: str) -> np.ndarray:
    """The part of one sentence's (L + 1, n_tokens, dim) vectors that ``layers`` keeps, float32."""
    if layers == "all":
        return vectors.astype(np.float32, copy=False)
    if layers == "top":
        return np.ascontiguousarray(vectors[-1], dtype=np.float32)  # (n_tokens, dim)
    if layers == "average":
        return vectors.mean(axis=0, dtype=np.float64).astype(np.float32)  # (n_tokens, dim)
    raise InputError(f"layers must be one of {', '.join(LAYER_MODES)}, found {layers!r}")


def output_format_for(path: str | Path, output_format: str | None = None) -> str:
    """``output_format`` if given, else "npz" for a ``.npz`` file name and "hdf5" otherwise."""
    if output_format is None:
        return "npz" if Path(path).suffix.lower() == ".npz" else "hdf5"
    if output_format not in FORMATS:
        raise InputError(f"output format must be one of {', '.join(FORMATS)}, found {output_format!r}")
    return output_format


class NpzWriter:
    """Writes a .npz file one array at a time, so only the array being written is in memory.

    Entries are stored uncompressed with zip64 headers, so the file and its arrays may pass 4 GiB;
    ``np.load`` reads the result like any ``np.savez`` file. Tokens given to :meth:`write` are kept
    and written by :meth:`finish` as the ``tokens`` entry (a JSON object: key -> token list).
    """

    def __init__(self, path: str | Path) -> None:
        self._file = open(path, "wb")
        self._zip = zipfile.ZipFile(self._file, "w", zipfile.ZIP_STORED, allowZip64=True)
        self._tokens: dict[str, list[str]] = {}

    def write(self, key: str, array: np.ndarray, tokens: Sequence[str] | None = None) -> None:
        with self._zip.open(f"{key}.npy", "w", force_zip64=True) as entry:
            np.lib.format.write_array(entry, np.asanyarray(array), allow_pickle=False)
        if tokens is not None:
            self._tokens[key] = list(tokens)

    def write_text(self, key: str, text: str) -> None:
        """A one-element string array, read back as ``str(npz[key][0])``."""
        self.write(key, np.array([text]))

    def finish(self) -> None:
        """Write the ``tokens`` entry, if tokens were given (call once, after the last array)."""
        if self._tokens:
            self.write_text(TOKENS, json.dumps(self._tokens, ensure_ascii=False))

    def close(self) -> None:
        self._zip.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()

    def __enter__(self) -> NpzWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class Hdf5Writer:
    """Writes one float32 dataset per key into an HDF5 file; its tokens, if given, go into the
    dataset's ``tokens`` attribute as a JSON list."""

    def __init__(self, path: str | Path) -> None:
        self._file = h5py.File(path, "w")

    def write(self, key: str, array: np.ndarray, tokens: Sequence[str] | None = None) -> None:
        dataset = self._file.create_dataset(key, data=array, dtype="float32")
        if tokens is not None:
            dataset.attrs[TOKENS] = json.dumps(list(tokens), ensure_ascii=False)

    def write_text(self, key: str, text: str) -> None:
        """A one-element variable-length string dataset, read back as ``file[key][0]``."""
        dataset = self._file.create_dataset(key, (1,), dtype=h5py.string_dtype())
        dataset[0] = text

    def finish(self) -> None:
        """Nothing left to write: the tokens are already in the attributes."""

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Hdf5Writer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def open_writer(path: str | Path, output_format: str) -> NpzWriter | Hdf5Writer:
    return NpzWriter(path) if output_format_for(path, output_format) == "npz" else Hdf5Writer(path)


def write_output(entries: Iterable[tuple[int, str, list[str], np.ndarray]],
                 output_path: str | Path, output_format: str, kept_in: Path, *,
                 use_sentence_keys: bool = False, forget_sentences: bool = False) -> None:
    """Write each line's (index, sentence text, tokens, vectors), in line order, into the output.

    The file is written under a temporary name beside it and renamed at the end. With
    ``use_sentence_keys`` a repeated sentence is written once (its first line) and empty lines,
    which have no text to be keyed by, are left out. Each array's tokens are recorded beside it (see
    the module's description). ``kept_in``, where the embedded blocks wait, is named in errors.
    """
    sentence_to_index: dict[str, str] = {}
    written: set[str] = set()
    with atomic_path(output_path) as temporary, open_writer(temporary, output_format) as writer:
        for index, sentence, tokens, vectors in entries:
            if not use_sentence_keys:
                writer.write(str(index), vectors, tokens)
                if not forget_sentences:
                    sentence_to_index[sentence] = str(index)
            elif sentence and sentence not in written:
                written.add(sentence)
                _write_sentence_key(writer, sentence, vectors, tokens, index, kept_in)
        if not use_sentence_keys and not forget_sentences:
            writer.write_text(SENTENCE_TO_INDEX, json.dumps(sentence_to_index, ensure_ascii=False))
        writer.finish()


def _write_sentence_key(writer: NpzWriter | Hdf5Writer, sentence: str, vectors: np.ndarray,
                        tokens: list[str], index: int, folder: Path) -> None:
    if isinstance(writer, Hdf5Writer) and "/" in sentence:
        raise InputError(
            f"line {index + 1}: the sentence {sentence[:60]!r} holds '/', which HDF5 reads as a "
            f"group path; run again with the same OUTPUT and --format npz, or without sentence "
            f"keys: the embedded blocks kept in {folder} are reused")
    if isinstance(writer, NpzWriter) and sentence == TOKENS:
        raise InputError(
            f"line {index + 1}: the sentence {sentence!r} is the name of the .npz entry that records "
            f"the tokens; run again with the same OUTPUT and --format hdf5, or without sentence "
            f"keys: the embedded blocks kept in {folder} are reused")
    try:
        writer.write(sentence, vectors, tokens)
    except (ValueError, KeyError, TypeError) as error:  # h5py: not a usable dataset name
        raise InputError(
            f"line {index + 1}: the sentence {sentence[:60]!r} cannot be an HDF5 dataset name "
            f"({error}); run again with the same OUTPUT and --format npz, or without sentence keys: "
            f"the embedded blocks kept in {folder} are reused") from None
