"""Dynamic batching: concurrent requests merged into model batches by one worker.

Requests wait in a bounded queue. The collector takes the oldest request, then keeps taking
requests until the batch holds ``max_batch`` sentences or ``max_wait_s`` has passed since the
first, and hands the batch to a single worker thread, which owns the model; the event loop
never runs the model. A request whose client has gone (its future cancelled) is dropped before
its batch runs. Each sentence's vectors are the embedder's (stateless: no state is carried
between batches); they equal ``model.embed`` on the same batch exactly, and on the request
alone up to the batch-composition tolerance (see benchmarks/batch_invariance.py).
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np


class QueueFull(Exception):
    """The queue holds ``queue_size`` requests already."""


@dataclass
class _Job:
    sentences: list[list[str]]
    future: asyncio.Future
    queued_at: float = field(default_factory=time.monotonic)


class DynamicBatcher:
    """Merges the sentences of concurrent requests into batches of at most ``max_batch``.

    Args:
        embed: the model call, sentences -> one (L + 1, n_tokens, D) array each; run only in
            the worker thread.
        on_batch: called (in the event loop) with each batch's sentence count and seconds.
    """

    def __init__(self, embed: Callable[[list[list[str]]], list[np.ndarray]], max_batch: int = 64,
                 max_wait_s: float = 0.005, queue_size: int = 64,
                 on_batch: Callable[[int, float], None] = lambda size, seconds: None) -> None:
        if max_batch < 1 or queue_size < 1 or max_wait_s < 0:
            raise ValueError("max_batch and queue_size must be positive, max_wait_s not negative")
        self._embed, self._on_batch = embed, on_batch
        self.max_batch, self.max_wait_s, self.queue_size = max_batch, max_wait_s, queue_size
        self._queue: asyncio.Queue[_Job] | None = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="elmo-model")
        self._collector: asyncio.Task | None = None
        self._held: _Job | None = None  # taken from the queue but too big for the last batch

    @property
    def queued(self) -> int:
        """Requests waiting (not yet in a running batch)."""
        return (self._queue.qsize() if self._queue else 0) + (self._held is not None)

    def start(self) -> None:
        """Start collecting (inside the running event loop)."""
        self._queue = asyncio.Queue(self.queue_size)
        self._collector = asyncio.get_running_loop().create_task(self._collect())

    async def stop(self) -> None:
        """Finish the queued requests, then stop the collector and the worker."""
        if self._queue is not None:
            await self._queue.join()
        if self._collector is not None:
            self._collector.cancel()
            await asyncio.gather(self._collector, return_exceptions=True)
        self._worker.shutdown(wait=True)

    async def embed(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """The vectors of ``sentences``, computed in some batch.

        Raises:
            QueueFull: the queue is full (the caller answers 503).
        """
        if self._queue is None:
            raise RuntimeError("the batcher is not started")
        job = _Job([list(s) for s in sentences], asyncio.get_running_loop().create_future())
        try:
            self._queue.put_nowait(job)
        except asyncio.QueueFull:
            raise QueueFull(f"{self.queue_size} requests are queued") from None
        return await job.future

    async def call(self, function: Callable, *args):
        """``function(*args)`` in the worker thread, after the batch running now (for other uses
        of the model, such as index queries)."""
        return await asyncio.get_running_loop().run_in_executor(self._worker, function, *args)

    async def _collect(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            first = self._held or await self._queue.get()
            self._held = None
            jobs, size = [first], len(first.sentences)
            deadline = loop.time() + self.max_wait_s
            while size < self.max_batch:
                try:
                    job = await asyncio.wait_for(self._queue.get(), max(0.0, deadline - loop.time()))
                except asyncio.TimeoutError:
                    break
                if size + len(job.sentences) > self.max_batch:
                    self._held = job  # starts the next batch
                    break
                jobs.append(job)
                size += len(job.sentences)
            await self._run(jobs)

    async def _run(self, jobs: list[_Job]) -> None:
        live = [job for job in jobs if not job.future.done()]  # cancelled: the client left
        try:
            if not live:
                return
            sentences = [sentence for job in live for sentence in job.sentences]
            started = time.monotonic()
            try:
                vectors = await asyncio.get_running_loop().run_in_executor(
                    self._worker, self._embed, sentences)
            except Exception as error:  # noqa: BLE001 - handed to every waiting request
                for job in live:
                    if not job.future.done():
                        job.future.set_exception(error)
                return
            self._on_batch(len(sentences), time.monotonic() - started)
            start = 0
            for job in live:
                if not job.future.done():
                    job.future.set_result(vectors[start: start + len(job.sentences)])
                start += len(job.sentences)
        finally:
            for _ in jobs:
                self._queue.task_done()
