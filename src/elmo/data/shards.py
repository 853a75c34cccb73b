"""A training corpus split into shards (text files, one whitespace-tokenized sentence per line).

:class:`ShardStream` reads the shards endlessly, one shard in memory at a time, in an order that is
a deterministic function of the shard list and a seed, and can save and restore its position so an
interrupted training run sees exactly the sentences it would have seen. :func:`iter_sentences` reads
them once, in order, for evaluation. Blank lines are skipped; text must be UTF-8.
"""
from __future__ import annotations

import glob
import hashlib
import random
from collections.abc import Iterator, Sequence
from pathlib import Path

from elmo.errors import InputError


def expand_shards(patterns: str | Path | Sequence[str | Path]) -> list[Path]:
    """The shard files named by paths or glob patterns: resolved, sorted, without duplicates.

    Raises:
        InputError: a pattern that matches no file (naming it), or a path that is a folder.
    """
    if isinstance(patterns, (str, Path)):
        patterns = [patterns]
    shards: set[Path] = set()
    for pattern in patterns:
        path = Path(pattern)
        if path.is_dir():
            raise InputError(f"{path} is a folder; give its files, e.g. {path / '*.txt'}")
        matches = [path] if path.is_file() else [Path(m) for m in glob.glob(str(pattern),
                                                                            recursive=True)]
        files = [match.resolve() for match in matches if match.is_file()]
        if not files:
            raise InputError(f"no file matches {str(pattern)!r}")
        shards.update(files)
    if not shards:
        raise InputError("no corpus files given")
    return sorted(shards)


def iter_lines(path: Path) -> Iterator[str]:
    """The lines of a UTF-8 text file, stripped of surrounding whitespace, read one at a time.

    Raises:
        InputError: a missing file, or a line that is not valid UTF-8 ("corrupt shard line",
            naming file and line).
    """
    if not Path(path).is_file():
        raise InputError(f"corpus file not found: {path}")
    with open(path, "rb") as file:
        for number, raw in enumerate(file, 1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise InputError(f"corrupt shard line: {path}, line {number} is not valid UTF-8 "
                                 f"({error.reason} at byte {error.start + 1} of the line)") from None
            if number == 1:
                text = text.removeprefix("\ufeff")  # a byte order mark
            yield text.strip()


def read_shard(path: Path) -> list[list[str]]:
    """Every non-blank line of one shard as a list of whitespace tokens, in file order."""
    return [line.split() for line in iter_lines(path) if line]


def iter_sentences(shards: Sequence[str | Path]) -> Iterator[list[str]]:
    """One ordered pass over the shards: each non-blank line as a list of tokens, streamed."""
    return _sentences_in(_checked_shards(shards))


def _sentences_in(shards: list[Path]) -> Iterator[list[str]]:
    for shard in shards:
        for line in iter_lines(shard):
            if line:
                yield line.split()


def derive_seed(seed: int, *keys: int) -> int:
    """A 64-bit seed that is a fixed function of ``seed`` and ``keys``, the same in every process."""
    text = "/".join(str(int(part)) for part in (seed, *keys))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


class ShardStream:
    """An endless iterator over the sentences (token lists) of a list of shards.

    Each pass visits the shards in a random order, and each shard's sentences in a random order.
    The shard order of pass ``p`` is drawn from ``random.Random(derive_seed(seed, p))``, and the
    sentence order of shard ``i`` (its index in ``shards``) in pass ``p`` from
    ``random.Random(derive_seed(seed, p, i))``, so the whole sequence is a fixed function of
    (shards, seed), and a position can be restored by reading a single shard. ``shuffle=False``
    keeps file order. Only the shard being read is held in memory.

    The position, ``state_dict()``, is (pass, index in the pass's shard order, index in that
    shard's sentence order) of the next sentence.

    Raises (while iterating):
        InputError: every shard is empty, or a line is not valid UTF-8.
    """

    def __init__(self, shards: Sequence[str | Path], seed: int = 0, shuffle: bool = True) -> None:
        self.shards = _checked_shards(shards)
        self.seed, self.shuffle = int(seed), bool(shuffle)
        self._pass, self._shard, self._sentence = 0, 0, 0
        self._sentences_read = 0
        self._pass_is_whole, self._read_in_pass = True, 0  # to detect a corpus with no sentence
        self._shard_order = self._order_of_shards(0)
        self._loaded: tuple[Path, list[list[str]], list[int]] | None = None
        self._loaded_at: tuple[int, int] | None = None  # (pass, shard) of the shard held

    @property
    def epoch(self) -> int:
        """The current pass, counted from 0."""
        return self._pass

    @property
    def sentences_read(self) -> int:
        """Sentences yielded since the start (restored by ``load_state_dict``)."""
        return self._sentences_read

    @property
    def current_shard(self) -> Path | None:
        """The shard held in memory, the one the last sentence came from; None before the first."""
        return None if self._loaded is None else self._loaded[0]

    def __iter__(self) -> ShardStream:
        return self

    def __next__(self) -> list[str]:
        while True:
            if self._shard == len(self.shards):
                self._start_pass(self._pass + 1)
                continue
            sentences, order = self._load()
            if self._sentence < len(order):
                sentence = sentences[order[self._sentence]]
                self._sentence += 1
                self._sentences_read += 1
                self._read_in_pass += 1
                return sentence
            self._shard, self._sentence = self._shard + 1, 0

    def state_dict(self) -> dict:
        """The position of the next sentence, JSON-serializable."""
        return {"n_shards": len(self.shards), "seed": self.seed, "shuffle": self.shuffle,
                "pass": self._pass, "shard": self._shard, "sentence": self._sentence,
                "sentences_read": self._sentences_read}

    def load_state_dict(self, state: dict) -> None:
        """Go back to a position saved by ``state_dict`` of a stream over the same shards and seed."""
        expected = {"n_shards": len(self.shards), "seed": self.seed, "shuffle": self.shuffle}
        found = {key: state.get(key) for key in expected}
        if found != expected:
            raise InputError(f"the saved corpus position is for another stream ({found}); this one "
                             f"has {expected}")
        self._pass, self._shard = int(state["pass"]), int(state["shard"])
        self._sentence, self._sentences_read = int(state["sentence"]), int(state["sentences_read"])
        self._shard_order = self._order_of_shards(self._pass)
        self._pass_is_whole = self._shard == 0 and self._sentence == 0
        self._read_in_pass, self._loaded, self._loaded_at = 0, None, None

    def _start_pass(self, number: int) -> None:
        if self._pass_is_whole and self._read_in_pass == 0:
            raise InputError(f"no sentences in {_describe(self.shards)}: every line is blank")
        self._pass, self._shard, self._sentence = number, 0, 0
        self._shard_order = self._order_of_shards(number)
        self._pass_is_whole, self._read_in_pass = True, 0

    def _order_of_shards(self, number: int) -> list[int]:
        order = list(range(len(self.shards)))
        if self.shuffle:
            random.Random(derive_seed(self.seed, number)).shuffle(order)
        return order

    def _load(self) -> tuple[list[list[str]], list[int]]:
        """The sentences of the shard at the current position and their order in this pass."""
        if self._loaded_at != (self._pass, self._shard):
            self._loaded = None  # release the previous shard before reading the next
            index = self._shard_order[self._shard]
            sentences = read_shard(self.shards[index])
            order = list(range(len(sentences)))
            if self.shuffle:
                random.Random(derive_seed(self.seed, self._pass, index)).shuffle(order)
            self._loaded = (self.shards[index], sentences, order)
            self._loaded_at = (self._pass, self._shard)
        return self._loaded[1], self._loaded[2]


def _checked_shards(shards: Sequence[str | Path]) -> list[Path]:
    if isinstance(shards, (str, Path)):
        shards = [shards]
    paths = [Path(shard) for shard in shards]
    if not paths:
        raise InputError("no corpus files given")
    for path in paths:
        if not path.is_file():
            raise InputError(f"corpus file not found: {path}")
    return paths


def _describe(shards: list[Path]) -> str:
    return str(shards[0]) if len(shards) == 1 else f"{len(shards)} files ({shards[0]}, ...)"
