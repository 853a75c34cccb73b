"""Load and fault figures for `elmo serve`, on loopback, bounded in time.

Starts `elmo serve` as a user would (a subprocess on a free port) and measures:

* throughput (sentences/s) with 1, 8 and 64 concurrent clients, each sending one sentence per
  request, against one request at a time over a fresh connection; p50 and p99 latency; errors;
  the largest difference between the server's vectors and `model.embed` of each sentence alone
  (the batch-composition tolerance, benchmarks/batch_invariance.py);
* the server's resident memory over a soak of --soak-minutes under 8 clients;
* faults: a burst of 4 x queue-size clients (503s with Retry-After, then retried), clients that
  disconnect mid-request, a 100 MB body, a slow body; after each, /readyz must still answer.

Usage: python benchmarks/serve_load.py [--model en-small] [--sentences 400] [--soak-minutes 10]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

import elmo
from elmo.serve.client import Client

TEXT = Path(__file__).parent / "data"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(model: str, port: int, *options: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "elmo.cli.main", "serve", "--model", model,
                                "--port", str(port), *options], stderr=subprocess.PIPE, text=True)
    client = Client(f"http://127.0.0.1:{port}", timeout=5)
    deadline = time.monotonic() + 120
    while not client.ready():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server did not start: {process.stderr.read()}")
        time.sleep(0.2)
    return process


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def post(port: int, body: bytes, connection: http.client.HTTPConnection | None = None):
    """(status, answer, seconds) of one embed request."""
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request("POST", "/v1/embed", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    answer = json.loads(response.read())
    if own:
        connection.close()
    return response.status, answer, time.perf_counter() - started


def body_of(sentence: list[str]) -> bytes:
    return json.dumps({"sentences": [sentence], "encoding": "base64"}).encode()


def decode(answer: dict) -> np.ndarray:
    import base64

    result = answer["results"][0]
    return np.frombuffer(base64.b64decode(result["vectors"]), "<f4").reshape(result["shape"])


def run_clients(port: int, sentences: list[list[str]], clients: int, reference: list[np.ndarray],
                seconds: float | None = None) -> dict:
    """Each client sends one sentence per request on a kept-alive connection, in turn."""
    latencies: list[float] = []
    errors, worst, sent = [0], [0.0], [0]
    lock = threading.Lock()
    stop_at = None if seconds is None else time.monotonic() + seconds

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        index = offset
        while (index < len(sentences)) if stop_at is None else (time.monotonic() < stop_at):
            position = index % len(sentences)
            status, answer, took = post(port, body_of(sentences[position]), connection)
            with lock:
                sent[0] += 1
                if status != 200:
                    errors[0] += 1
                else:
                    latencies.append(took)
                    worst[0] = max(worst[0], float(np.abs(decode(answer) - reference[position]).max()))
            index += clients
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {"sentences/s": sent[0] / wall, "p50 ms": 1000 * statistics.median(latencies),
            "p99 ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))], "errors": errors[0],
            "max |diff|": worst[0], "requests": sent[0]}


def faults(port: int, queue_size: int, sentence: list[str]) -> list[str]:
    lines = []
    client = Client(f"http://127.0.0.1:{port}", timeout=60)
    # a burst larger than the queue
    statuses: list[int] = []
    burst = [threading.Thread(target=lambda: statuses.append(post(port, body_of(sentence * 8))[0]))
             for _ in range(4 * queue_size)]
    for thread in burst:
        thread.start()
    for thread in burst:
        thread.join()
    busy = statuses.count(503)
    retried = [None] * 8
    threads = [threading.Thread(target=lambda i=i: retried.__setitem__(
        i, Client(f"http://127.0.0.1:{port}", retries=20).embed([sentence]))) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines.append(f"burst of {len(statuses)} requests (queue {queue_size}): {statuses.count(200)} "
                 f"answered, {busy} told 503 + Retry-After, "
                 f"{len(statuses) - busy - statuses.count(200)} other; 8 clients retrying: "
                 f"{sum(r is not None for r in retried)} served; ready: {client.ready()}")
    # clients that leave mid-request
    body = body_of(sentence * 50)
    for _ in range(20):
        with socket.create_connection(("127.0.0.1", port)) as raw:
            raw.sendall(b"POST /v1/embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    time.sleep(1)
    status = post(port, body_of(sentence))[0]
    lines.append(f"20 clients disconnected mid-request: next request {status}, ready: {client.ready()}")
    # a 100 MB body
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as raw:
        raw.sendall(b"POST /v1/embed HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
        try:
            chunk = b" " * 1_000_000
            for _ in range(100):
                raw.sendall(chunk)
        except OSError:
            pass  # the server answered and closed while we were still sending
        raw.settimeout(30)
        head = raw.recv(200).decode(errors="replace").split("\r\n")[0]
    lines.append(f"100 MB body: '{head}' after {time.perf_counter() - started:.2f}s, "
                 f"ready: {client.ready()}")
    # a slow body
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as raw:
        raw.sendall(b"POST /v1/embed HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
        raw.settimeout(60)
        head = raw.recv(200).decode(errors="replace").split("\r\n")[0]
    lines.append(f"slow body (1 of 1,000 bytes sent): '{head}' after "
                 f"{time.perf_counter() - started:.1f}s, ready: {client.ready()}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="en-small")
    parser.add_argument("--corpus", default="brown", help="a fetched corpus's dev split, or a file")
    parser.add_argument("--sentences", type=int, default=400)
    parser.add_argument("--soak-minutes", type=float, default=10.0)
    parser.add_argument("--queue-size", type=int, default=64)
    args = parser.parse_args()
    from elmo import corpora

    path = Path(args.corpus) if Path(args.corpus).is_file() else corpora.corpus_path(args.corpus, "dev")
    with open(path, encoding="utf-8") as lines:
        sentences = [line.split()[:60] for line, _ in zip(lines, range(args.sentences)) if line.split()]
    model = elmo.load(args.model)
    reference = [model.embed([s])[0] for s in sentences]
    port = free_port()
    server = start_server(args.model, port, "--queue-size", str(args.queue_size),
                          "--body-timeout", "5")
    try:
        print(f"{args.model}, {len(sentences)} sentences of {path.name} "
              f"({sum(map(len, sentences)) / len(sentences):.1f} tokens each), one per request, "
              f"{os.cpu_count()} cores")
        print(f"{'clients':<26} {'sentences/s':>12} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
              f"{'max |diff|':>11}")
        started = time.perf_counter()
        latencies = []
        for sentence in sentences:  # one request at a time, a new connection each
            latencies.append(post(port, body_of(sentence))[2])
        latencies.sort()
        print(f"{'1, a connection each':<26} {len(sentences) / (time.perf_counter() - started):12.1f} "
              f"{1000 * statistics.median(latencies):8.1f} "
              f"{1000 * latencies[int(0.99 * (len(latencies) - 1))]:8.1f}")
        for clients in (1, 8, 64):
            row = run_clients(port, sentences, clients, reference)
            print(f"{clients:<26} {row['sentences/s']:12.1f} {row['p50 ms']:8.1f} "
                  f"{row['p99 ms']:8.1f} {row['errors']:7d} {row['max |diff|']:11.2e}")
        before = rss_mb(server.pid)
        samples = [before]
        soak_end = time.monotonic() + 60 * args.soak_minutes
        while time.monotonic() < soak_end:
            row = run_clients(port, sentences, 8, reference,
                              seconds=min(30.0, soak_end - time.monotonic()))
            samples.append(rss_mb(server.pid))
        print(f"soak {args.soak_minutes:g} min, 8 clients: resident memory {before:.0f} MB at "
              f"the start, {samples[-1]:.0f} MB at the end, {max(samples):.0f} MB at most "
              f"(last window: {row['errors']} errors, max |diff| {row['max |diff|']:.2e})")
        for line in faults(port, args.queue_size, sentences[0]):
            print(line)
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
