"""The server's Prometheus metrics (one registry per app, served at ``/metrics``)."""
from __future__ import annotations

from collections.abc import Callable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST


class ServerMetrics:
    """Requests by route and status, sentences and tokens embedded, batch sizes, batch and
    request latency, and the queue length (read when scraped)."""

    def __init__(self, queue_length: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("elmo_requests", "HTTP requests by route and status",
                                ["route", "status"], registry=self.registry)
        self.sentences = Counter("elmo_sentences", "sentences embedded", registry=self.registry)
        self.tokens = Counter("elmo_tokens", "tokens embedded", registry=self.registry)
        self.batch_size = Histogram("elmo_batch_sentences", "sentences per model batch",
                                    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
                                    registry=self.registry)
        self.batch_seconds = Histogram("elmo_batch_seconds", "model time per batch",
                                       registry=self.registry)
        self.latency = Histogram("elmo_request_seconds", "embed request latency, queue included",
                                 registry=self.registry)
        queue = Gauge("elmo_queue_requests", "requests waiting for a batch", registry=self.registry)
        queue.set_function(queue_length)

    def batch(self, size: int, seconds: float) -> None:
        self.batch_size.observe(size)
        self.batch_seconds.observe(seconds)

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)
