"""The word vocabulary of biLM pretraining: the tokens whose next-token probabilities the softmax gives.

The file format is the original one: one token per line, in id order, with the sentence markers
``<S>``, ``</S>`` and the unknown-word token ``<UNK>`` among them (by convention the first three). A
line may also carry a count after the token (``the 51234``); only the token is read.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from elmo.data.chars import BOS_TOKEN, EOS_TOKEN
from elmo.data.shards import iter_lines
from elmo.errors import InputError
from elmo.files import write_text

UNK_TOKEN = "<UNK>"
SPECIAL_TOKENS = (BOS_TOKEN, EOS_TOKEN, UNK_TOKEN)


class Vocabulary:
    """Tokens in id order, with lookups both ways; unknown tokens map to the ``<UNK>`` id.

    Args:
        tokens: the tokens, token ``i`` having id ``i``. They must include the specials, contain
            no duplicate, and be non-empty strings without line breaks (a vocabulary file's
            tokens, read by :meth:`load`, contain no whitespace at all).
        specials: the begin- and end-of-sentence tokens and the one unknown tokens map to
            (ELMoForManyLangs' are ``<bos>``, ``<eos>``, ``<oov>``).
        source: where the tokens come from (a file), to name line numbers in error messages.
    Raises:
        InputError: naming the offending token and its id (or line), or the missing specials.
    """

    def __init__(self, tokens: Sequence[str], *, specials: tuple[str, str, str] = SPECIAL_TOKENS,
                 source: str | Path | None = None) -> None:
        self.tokens: list[str] = list(tokens)
        self._ids: dict[str, int] = {}
        for index, token in enumerate(self.tokens):
            where = f"{source}: line {index + 1}" if source is not None else f"token id {index}"
            if not isinstance(token, str) or not token or len(token.splitlines()) != 1:
                raise InputError(f"{where}: {token!r} is not a token (tokens are non-empty and "
                                 f"contain no line break)")
            if token in self._ids:
                first = self._ids[token] + 1 if source is not None else self._ids[token]
                raise InputError(f"{where}: duplicate token {token!r} (first at "
                                 f"{'line' if source is not None else 'id'} {first})")
            self._ids[token] = index
        missing = [token for token in specials if token not in self._ids]
        if missing:
            raise InputError(f"{source or 'the vocabulary'} lacks the special token(s) "
                             f"{', '.join(missing)}; a biLM vocabulary must contain "
                             f"{', '.join(specials)}")
        self.bos_id, self.eos_id, self.unk_id = (self._ids[token] for token in specials)

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: object) -> bool:
        return token in self._ids

    def id_of(self, token: str) -> int:
        """The id of ``token``, or ``unk_id`` if it is not in the vocabulary."""
        return self._ids.get(token, self.unk_id)

    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        """Ids of a token list: int64 array of shape (len(tokens),), unknown tokens as ``unk_id``."""
        get, unk = self._ids.get, self.unk_id
        return np.fromiter((get(token, unk) for token in tokens), dtype=np.int64, count=len(tokens))

    @classmethod
    def load(cls, path: str | Path) -> Vocabulary:
        """Read a vocabulary file: one token per line, optionally followed by whitespace and a count.

        Raises:
            InputError: a missing file, a blank line, a line that is not ``token [count]``, or
                an invalid vocabulary (see the class); each names the file and line.
        """
        path = Path(path)
        if not path.is_file():
            raise InputError(f"vocabulary file not found: {path}")
        tokens = []
        for number, line in enumerate(iter_lines(path), 1):
            fields = line.split()
            if not fields:
                raise InputError(f"{path}: line {number} is blank; a vocabulary file has one token "
                                 f"per line")
            if len(fields) > 2 or (len(fields) == 2 and not fields[1].isdigit()):
                raise InputError(f"{path}: line {number} is {line!r}, not a token optionally "
                                 f"followed by its count")
            tokens.append(fields[0])
        return cls(tokens, source=path)

    def save(self, path: str | Path) -> None:
        """Write one token per line, in id order, replacing ``path`` atomically.

        Raises:
            InputError: a token holds whitespace, which the file format cannot hold.
        """
        spaced = next((token for token in self.tokens if any(c.isspace() for c in token)), None)
        if spaced is not None:
            raise InputError(f"the token {spaced!r} holds whitespace, which a vocabulary file "
                             "cannot hold")
        write_text(path, "".join(token + "\n" for token in self.tokens))


def count_tokens(paths: Iterable[str | Path], progress: bool = True) -> Counter:
    """How often each whitespace token occurs in the files, read line by line (``<S>`` included)."""
    counts: Counter = Counter()
    with tqdm(unit=" lines", unit_scale=True, disable=not progress, dynamic_ncols=True) as bar:
        for path in paths:
            bar.set_description(Path(path).name)
            pending = 0
            for line in iter_lines(Path(path)):
                counts.update(line.split())
                pending += 1
                if pending == 10_000:
                    bar.update(pending)
                    pending = 0
            bar.update(pending)
    return counts


def build_vocabulary(counts: Mapping[str, int], min_count: int = 1,
                     max_size: int | None = None) -> Vocabulary:
    """The vocabulary of a corpus from its token counts.

    ``<S>``, ``</S>``, ``<UNK>`` come first (ids 0, 1, 2), then the tokens seen at least
    ``min_count`` times, most frequent first, ties in string order; ``max_size`` caps the total,
    specials included. Specials in ``counts`` are not repeated.

    Raises:
        InputError: ``min_count < 1``, ``max_size < 4``, or no token besides the specials.
    """
    if min_count < 1:
        raise InputError(f"min_count must be at least 1, found {min_count}")
    if max_size is not None and max_size < len(SPECIAL_TOKENS) + 1:
        raise InputError(f"max_size must be at least {len(SPECIAL_TOKENS) + 1} (the special tokens "
                         f"and one word), found {max_size}")
    words = sorted(((token, count) for token, count in counts.items()
                    if token not in SPECIAL_TOKENS), key=lambda item: (-item[1], item[0]))
    if not words:
        raise InputError("the corpus is empty: it has no token besides the special tokens")
    kept = [token for token, count in words if count >= min_count]
    if not kept:
        raise InputError(f"min_count {min_count} is too high: the most frequent token occurs "
                         f"{words[0][1]} times")
    if max_size is not None:
        kept = kept[:max_size - len(SPECIAL_TOKENS)]
    return Vocabulary([*SPECIAL_TOKENS, *kept])


def character_vocabulary(counts: Mapping[str, int], min_count: int = 1,
                         max_size: int | None = None) -> list[str]:
    """The characters of a code-point model from a corpus's token counts: those seen at least
    ``min_count`` times, most frequent first, ties in code-point order, at most ``max_size``.
    Others are the unknown character at run time."""
    characters: Counter = Counter()
    for token, count in counts.items():
        if token not in SPECIAL_TOKENS:
            for char in token:
                characters[char] += count
    kept = [char for char, count in sorted(characters.items(), key=lambda item: (-item[1], item[0]))
            if count >= min_count and len(char.splitlines()) == 1]
    if not kept:
        raise InputError(f"no character occurs {min_count} times or more")
    return kept[:max_size] if max_size else kept
