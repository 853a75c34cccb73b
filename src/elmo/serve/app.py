"""The embedding server: an ASGI app (Starlette) around one embedder and its dynamic batcher.

Routes::

    POST /v1/embed        vectors of sentences or raw texts (see elmo.serve.requests)
    POST /v1/neighbours   nearest contextual neighbours of a word in a sentence (with an index)
    GET  /v1/models       the model served: name, layers, width, tokenizer
    GET  /healthz         the process answers
    GET  /readyz          the model is loaded and requests are accepted (503 while stopping)
    GET  /metrics         Prometheus metrics
    GET  /                the polysemy explorer (static files, no external resources)

Every error is a JSON object ``{"error": "..."}`` with a 4xx or 5xx status. With a token, every
``/v1`` route and ``/metrics`` need ``Authorization: Bearer TOKEN``.
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from elmo.analysis.neighbors import NeighbourIndex
from elmo.data.tokenizers import get_tokenizer
from elmo.embed.embedder import Embedder
from elmo.errors import InputError
from elmo.serve.batcher import DynamicBatcher, QueueFull
from elmo.serve.metrics import CONTENT_TYPE, ServerMetrics
from elmo.serve.requests import EmbedRequest, Limits, RequestError, parse_request

EXPLORER = Path(__file__).resolve().parent / "explorer"


@dataclass(frozen=True)
class ServerSettings:
    """How the server batches, bounds and guards its work."""

    limits: Limits = field(default_factory=Limits)
    max_batch: int = 64  # sentences per model batch
    max_wait_s: float = 0.005  # how long the first request of a batch waits for others
    queue_size: int = 64  # requests waiting; more are answered 503
    retry_after_s: int = 1  # the Retry-After of a 503
    token: str | None = None  # bearer token for /v1 and /metrics
    cors_origins: tuple[str, ...] = ()  # origins allowed to call from a browser (none: no CORS)


def create_app(embedder: Embedder, settings: ServerSettings = ServerSettings(),
               index: NeighbourIndex | None = None) -> Starlette:
    """The server app for ``embedder`` (and ``index`` for /v1/neighbours)."""
    state = _ServerState(embedder, settings, index)
    guard = state.guarded
    routes = [
        Route("/v1/embed", guard("embed", state.embed), methods=["POST"]),
        Route("/v1/neighbours", guard("neighbours", state.neighbours), methods=["POST"]),
        Route("/v1/models", guard("models", state.models), methods=["GET"]),
        Route("/metrics", guard("metrics", state.metrics), methods=["GET"]),
        Route("/healthz", state.healthz, methods=["GET"]),
        Route("/readyz", state.readyz, methods=["GET"]),
        Route("/", lambda request: FileResponse(EXPLORER / "index.html"), methods=["GET"]),
        Mount("/explorer", StaticFiles(directory=EXPLORER), name="explorer"),
    ]
    middleware = ([Middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                              allow_methods=["GET", "POST"],
                              allow_headers=["Authorization", "Content-Type"])]
                  if settings.cors_origins else [])
    app = Starlette(routes=routes, middleware=middleware, lifespan=state.lifespan)
    app.state.server = state
    return app


class _ServerState:
    def __init__(self, embedder: Embedder, settings: ServerSettings,
                 index: NeighbourIndex | None) -> None:
        self.embedder, self.settings, self.index = embedder, settings, index
        self.tokenize = get_tokenizer(embedder.tokenizer)
        self.batcher = DynamicBatcher(embedder.embed, settings.max_batch, settings.max_wait_s,
                                      settings.queue_size, on_batch=self._on_batch)
        self.metrics_store = ServerMetrics(lambda: self.batcher.queued)
        self.ready = False

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette):
        self.batcher.start()
        self.ready = True
        try:
            yield
        finally:  # the server stopped accepting and its requests have finished
            self.ready = False
            await self.batcher.stop()

    def _on_batch(self, size: int, seconds: float) -> None:
        self.metrics_store.batch(size, seconds)

    def guarded(self, route: str, handler: Callable[[Request], Awaitable[Response]]):
        """``handler`` behind the token check, with errors as JSON and requests counted."""
        async def endpoint(request: Request) -> Response:
            try:
                self._check_token(request)
                response = await handler(request)
            except RequestError as error:
                response = _error(error.status, str(error))
            except InputError as error:
                response = _error(400, str(error))
            except QueueFull as error:
                response = _error(503, f"the server is busy ({error}); retry later",
                                  {"Retry-After": str(self.settings.retry_after_s)})
            except Exception as error:  # noqa: BLE001 - a JSON 500 rather than a bare one
                response = _error(500, f"internal error: {type(error).__name__}: {error}")
            self.metrics_store.requests.labels(route, str(response.status_code)).inc()
            return response
        return endpoint

    def _check_token(self, request: Request) -> None:
        token = self.settings.token
        if token is None:
            return
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise RequestError(401, "missing or wrong bearer token (Authorization: Bearer TOKEN)")

    async def embed(self, request: Request) -> Response:
        started = time.monotonic()
        query = parse_request(await self._json_body(request), self.settings.limits,
                              self.embedder.n_representations, self.tokenize)
        vectors = await self._until_disconnect(request, self.batcher.embed(query.sentences))
        if vectors is None:
            return Response(status_code=499)  # the client left; nobody reads this
        self.metrics_store.sentences.inc(len(query.sentences))
        self.metrics_store.tokens.inc(sum(len(s) for s in query.sentences))
        self.metrics_store.latency.observe(time.monotonic() - started)
        return JSONResponse(_embed_answer(self.embedder, query, vectors))

    async def neighbours(self, request: Request) -> Response:
        if self.index is None:
            raise RequestError(404, "this server has no index; start it with `elmo serve "
                                    "--index FOLDER` (built by `elmo index`)")
        body = await self._json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("sentence"), (str, list)) \
                or not isinstance(body.get("word"), str):
            raise RequestError(400, "expected {\"sentence\": text or tokens, \"word\": token, "
                                    "\"k\": count}")
        k = body.get("k", 10)
        if not isinstance(k, int) or not 1 <= k <= 100:
            raise RequestError(400, "'k' must be an integer from 1 to 100")
        found = await self.batcher.call(self.index.query, body["sentence"], body["word"], k)
        return JSONResponse({
            "tokens": list(found.tokens), "position": found.position,
            "layer": self.index.meta["layer"],
            "occurrences": [{"score": round(n.score, 4), "tokens": list(n.tokens),
                             "position": n.position} for n in found.occurrences],
            "words": [{"word": word, "score": round(score, 4)} for word, score in found.words]})

    async def models(self, request: Request) -> Response:
        config = self.embedder.config
        return JSONResponse({"models": [{
            "name": self.embedder.name, "layers": self.embedder.n_representations,
            "dim": self.embedder.output_dim, "tokenizer": self.embedder.tokenizer,
            "lstm_layers": config.lstm.n_layers, "index": self.index is not None}]})

    async def metrics(self, request: Request) -> Response:
        return Response(self.metrics_store.exposition(), media_type=CONTENT_TYPE)

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(self, request: Request) -> Response:
        if not self.ready:
            return _error(503, "not ready: starting or stopping")
        return JSONResponse({"status": "ready", "model": self.embedder.name})

    async def _json_body(self, request: Request) -> object:
        limits = self.settings.limits
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limits.max_body_bytes:
            raise RequestError(413, f"the body has {int(declared):,} bytes; the limit is "
                                    f"{limits.max_body_bytes:,}")

        async def read() -> bytes:
            chunks, size = [], 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > limits.max_body_bytes:
                    raise RequestError(413, f"the body is over the limit of "
                                            f"{limits.max_body_bytes:,} bytes")
                chunks.append(chunk)
            return b"".join(chunks)

        try:
            raw = await asyncio.wait_for(read(), limits.body_timeout_s)
        except asyncio.TimeoutError:
            raise RequestError(408, f"the body did not arrive within {limits.body_timeout_s:g} s")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise RequestError(400, f"the body is not valid UTF-8 (byte {error.start})") from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise RequestError(400, f"malformed JSON: {error.msg} at line {error.lineno} "
                                    f"column {error.colno}") from None

    @staticmethod
    async def _until_disconnect(request: Request, work: Awaitable):
        """The result of ``work``, or None (and the work cancelled) if the client disconnects."""
        task = asyncio.ensure_future(work)

        async def disconnected() -> None:
            while (await request.receive())["type"] != "http.disconnect":
                pass

        watcher = asyncio.ensure_future(disconnected())
        try:
            await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            watcher.cancel()
        if not task.done():
            task.cancel()
            return None
        return task.result()


def _embed_answer(embedder: Embedder, query: EmbedRequest, vectors: list[np.ndarray]) -> dict:
    results = []
    for sentence, array in zip(query.sentences, vectors):
        chosen = query.select(array)
        result = {"shape": list(chosen.shape)}
        if query.tokenized_here:
            result["tokens"] = sentence
        result["vectors"] = (base64.b64encode(chosen.astype(chosen.dtype.newbyteorder("<"))
                                              .tobytes()).decode("ascii")
                             if query.encoding == "base64" else chosen.tolist())
        results.append(result)
    return {"model": embedder.name, "output": query.output if isinstance(query.output, str)
            else list(query.output), "dtype": query.dtype, "encoding": query.encoding,
            "results": results}


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)
