"""What a client may ask the embedding server, checked before any work is queued.

A request body is a JSON object::

    {"sentences": [["I", "saw", "a", "play"], ...]}    # pre-tokenized, or
    {"texts": ["I saw a play.", ...]}                   # raw text, tokenized as the model was trained
    "output": "all" | "top" | "average" | [w0, w1, w2]  # layers, or a weighted sum of them
    "dtype": "float32" | "float16",
    "encoding": "json" | "base64"                       # nested lists, or little-endian bytes

Every bound in :class:`Limits` is checked here, so a request that passes is one the worker
will finish; a request that does not gets a :class:`RequestError` with its HTTP status and a
message naming the problem.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

OUTPUTS = ("all", "top", "average")
DTYPES = ("float32", "float16")
ENCODINGS = ("json", "base64")


class RequestError(Exception):
    """A request the server refuses: ``status`` is its HTTP status (4xx)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Limits:
    """Bounds on what one request may ask (all configurable on ``elmo serve``)."""

    max_body_bytes: int = 1_000_000
    max_sentences: int = 256  # per request
    max_sentence_tokens: int = 400
    max_request_tokens: int = 8_192
    max_token_characters: int = 100
    body_timeout_s: float = 10.0  # a body not received within this is a 408


@dataclass(frozen=True)
class EmbedRequest:
    """A checked request: tokenized sentences and how to return their vectors."""

    sentences: list[list[str]]
    output: str | tuple[float, ...]
    dtype: str
    encoding: str
    tokenized_here: bool  # the server tokenized raw texts (the tokens are returned)

    def select(self, vectors: np.ndarray) -> np.ndarray:
        """One sentence's output from its (L + 1, n_tokens, D) vectors: (L + 1, n, D) for "all",
        (n, D) otherwise, in the requested dtype."""
        if self.output == "all":
            chosen = vectors
        elif self.output == "top":
            chosen = vectors[-1]
        elif self.output == "average":
            chosen = vectors.mean(axis=0)
        else:
            chosen = np.tensordot(np.asarray(self.output, np.float32), vectors, axes=1)
        return chosen.astype(self.dtype, copy=False)


def parse_request(body: object, limits: Limits, n_layers: int,
                  tokenize: Callable[[str], list[str]]) -> EmbedRequest:
    """Check a decoded JSON body against the layout above and ``limits``.

    Args:
        n_layers: the model's L + 1, for mix weights.
        tokenize: the model's tokenizer, for raw ``texts``.

    Raises:
        RequestError: 400 for a malformed request, 413 for one over a limit.
    """
    if not isinstance(body, dict):
        raise RequestError(400, "the body must be a JSON object")
    unknown = sorted(set(body) - {"sentences", "texts", "output", "dtype", "encoding"})
    if unknown:
        raise RequestError(400, f"unknown field(s) {', '.join(unknown)}; expected sentences or "
                                "texts, and optionally output, dtype, encoding")
    if ("sentences" in body) == ("texts" in body):
        raise RequestError(400, "give exactly one of 'sentences' (lists of tokens) or 'texts' "
                                "(strings)")
    if "texts" in body:
        texts = _list_of(body["texts"], str, "texts", "strings")
        _check_count(texts, limits)
        sentences = [tokenize(text) for text in texts]
    else:
        sentences = [_list_of(sentence, str, f"sentences[{index}]", "token strings")
                     for index, sentence in enumerate(_list_of(body["sentences"], list, "sentences",
                                                                "lists of tokens"))]
        _check_count(sentences, limits)
    _check_tokens(sentences, limits)
    return EmbedRequest(sentences, _output(body.get("output", "all"), n_layers),
                        _choice(body, "dtype", DTYPES), _choice(body, "encoding", ENCODINGS),
                        "texts" in body)


def _list_of(value: object, kind: type, name: str, what: str) -> list:
    if not isinstance(value, list) or not all(isinstance(item, kind) for item in value):
        raise RequestError(400, f"'{name}' must be a list of {what}")
    return value


def _check_count(items: Sequence, limits: Limits) -> None:
    if len(items) > limits.max_sentences:
        raise RequestError(413, f"{len(items)} sentences in one request; the limit is "
                                f"{limits.max_sentences}")


def _check_tokens(sentences: list[list[str]], limits: Limits) -> None:
    total = 0
    for index, sentence in enumerate(sentences):
        if len(sentence) > limits.max_sentence_tokens:
            raise RequestError(413, f"sentence {index} has {len(sentence)} tokens; the limit is "
                                    f"{limits.max_sentence_tokens}")
        for token in sentence:
            if not token or token != token.strip() or any(ch.isspace() for ch in token):
                raise RequestError(400, f"sentence {index} has a token that is empty or holds "
                                        f"whitespace: {token[:40]!r}")
            if len(token) > limits.max_token_characters:
                raise RequestError(413, f"sentence {index} has a token of {len(token)} characters; "
                                        f"the limit is {limits.max_token_characters}")
        total += len(sentence)
    if total > limits.max_request_tokens:
        raise RequestError(413, f"{total} tokens in one request; the limit is "
                                f"{limits.max_request_tokens}")


def _output(value: object, n_layers: int) -> str | tuple[float, ...]:
    if isinstance(value, str) and value in OUTPUTS:
        return value
    if (isinstance(value, list) and len(value) == n_layers
            and all(isinstance(w, (int, float)) and not isinstance(w, bool) for w in value)):
        return tuple(float(w) for w in value)
    raise RequestError(400, f"'output' must be one of {', '.join(OUTPUTS)} or a list of "
                            f"{n_layers} layer weights")


def _choice(body: dict, name: str, choices: tuple[str, ...]) -> str:
    value = body.get(name, choices[0])
    if value not in choices:
        raise RequestError(400, f"'{name}' must be one of {', '.join(choices)}, not {value!r}")
    return value
