"""A small client for ``elmo serve`` (standard library HTTP, numpy arrays out)::

    client = elmo.Client("http://127.0.0.1:8000")
    vectors = client.embed([["苹果", "公司", "发布", "了", "新", "手机"]])  # [(L + 1, 6, D)]
    tokens, vectors = client.embed_text(["他抖了一个包袱。"])             # the server tokenizes

Busy answers (503) are retried after their Retry-After, up to ``retries`` times.
"""
from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence

import numpy as np

from elmo.errors import ElmoError


class ServerError(ElmoError):
    """The server refused a request or could not be reached; ``status`` is the HTTP status
    (None when no answer came)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Client:
    """Talks to one server at ``url`` (``http://host:port``), with an optional bearer token."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 60.0,
                 retries: int = 5) -> None:
        self.url, self.token, self.timeout, self.retries = url.rstrip("/"), token, timeout, retries

    def embed(self, sentences: Sequence[Sequence[str]], output: str | Sequence[float] = "all",
              dtype: str = "float32") -> list[np.ndarray]:
        """Vectors of pre-tokenized sentences: (L + 1, n, D) each for ``output="all"``, (n, D) for
        ``"top"``, ``"average"`` or a list of L + 1 layer weights."""
        answer = self._embed({"sentences": [list(s) for s in sentences]}, output, dtype)
        return [_array(result, dtype) for result in answer["results"]]

    def embed_text(self, texts: Sequence[str], output: str | Sequence[float] = "all",
                   dtype: str = "float32") -> tuple[list[list[str]], list[np.ndarray]]:
        """Raw texts, tokenized by the server as its model was trained: (tokens, vectors)."""
        answer = self._embed({"texts": list(texts)}, output, dtype)
        return ([result["tokens"] for result in answer["results"]],
                [_array(result, dtype) for result in answer["results"]])

    def neighbours(self, sentence: str | Sequence[str], word: str, k: int = 10) -> dict:
        """Nearest contextual neighbours of ``word`` in ``sentence`` (a server with an index)."""
        return self._request("POST", "/v1/neighbours", {"sentence": sentence, "word": word, "k": k})

    def models(self) -> list[dict]:
        return self._request("GET", "/v1/models")["models"]

    def ready(self) -> bool:
        try:
            return self._request("GET", "/readyz")["status"] == "ready"
        except ServerError:
            return False

    def _embed(self, body: dict, output, dtype: str) -> dict:
        body.update(output=output if isinstance(output, str) else list(output), dtype=dtype,
                    encoding="base64")
        return self._request("POST", "/v1/embed", body)

    def _request(self, method: str, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        attempt = 0
        while True:
            request = urllib.request.Request(self.url + path, data, headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as error:
                if error.code == 503 and attempt < self.retries:
                    attempt += 1
                    time.sleep(_retry_after(error.headers.get("Retry-After")))
                    continue
                raise ServerError(f"{method} {path}: {error.code} {_message(error)}",
                                  error.code) from None
            except (urllib.error.URLError, OSError) as error:
                raise ServerError(f"cannot reach {self.url}: {getattr(error, 'reason', error)}") \
                    from None


def _array(result: dict, dtype: str) -> np.ndarray:
    raw = base64.b64decode(result["vectors"])
    return np.frombuffer(raw, np.dtype(dtype).newbyteorder("<")).astype(dtype).reshape(
        result["shape"])


def _retry_after(value: str | None) -> float:
    try:
        return min(max(float(value), 0.05), 30.0)
    except (TypeError, ValueError):
        return 1.0


def _message(error: urllib.error.HTTPError) -> str:
    try:
        return json.loads(error.read())["error"]
    except (ValueError, KeyError, OSError):
        return error.reason
