"""The embedding server over real HTTP on loopback: answers, batching, limits, faults, access."""
import http.client
import json
import socket
import threading
import time

import numpy as np
import pytest
from click.testing import CliRunner
from serving import Running

import elmo
from elmo.cli.main import main
from elmo.serve.app import ServerSettings, create_app
from elmo.serve.client import Client, ServerError
from elmo.serve.requests import Limits

SENTENCES = [["The", "cat", "sat"], ["A", "play", "at", "the", "theatre", "."], [], ["x"]]


@pytest.fixture(scope="module")
def model():
    return elmo.load("bilm-tf-tiny")


def serve(model, **settings):
    return Running(create_app(model, ServerSettings(**settings)))


def slow(model, seconds: float, calls: list):
    """``model.embed`` that takes ``seconds`` and records the sentences of each call."""
    embed = model.embed

    def slowed(sentences, batch_size=None):
        calls.append(len(sentences))
        time.sleep(seconds)
        return embed(sentences)
    return slowed


def test_vectors_equal_embed_for_every_output_dtype_and_encoding(model):
    expected = model.embed(SENTENCES)
    with serve(model) as server:
        client = Client(server.url)
        for got, want in zip(client.embed(SENTENCES), expected):
            assert got.dtype == np.float32 and np.array_equal(got, want)
        top = client.embed(SENTENCES[:2], output="top", dtype="float16")
        assert top[1].dtype == np.float16 and np.array_equal(top[1], expected[1][-1].astype(np.float16))
        mixed = client.embed(SENTENCES[:2], output=[0.5, 0.25, 0.25])
        np.testing.assert_allclose(mixed[1], np.tensordot([0.5, 0.25, 0.25], expected[1], axes=1),
                                   rtol=1e-6, atol=1e-6)
        status, _, answer = server.post("/v1/embed", json.dumps(
            {"sentences": SENTENCES[:2], "output": "average", "encoding": "json"}).encode())
        assert status == 200 and answer["results"][1]["shape"] == [6, 32]
        np.testing.assert_allclose(answer["results"][1]["vectors"], expected[1].mean(0), atol=1e-6)
        tokens, vectors = client.embed_text(["The cat sat"])
        assert tokens == [["The", "cat", "sat"]]
        assert np.array_equal(vectors[0], model.embed([["The", "cat", "sat"]])[0])
        assert client.models()[0]["layers"] == 3 and client.ready()


def test_concurrent_requests_are_merged_into_batches_with_the_same_vectors(model):
    requests = [[["word", str(i)] * (1 + i % 5)] for i in range(24)]
    expected = [model.embed(r)[0] for r in requests]
    results = [None] * len(requests)
    with serve(model, max_wait_s=0.05) as server:
        client = Client(server.url)

        def run(i):
            results[i] = client.embed(requests[i])[0]
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        connection = http.client.HTTPConnection("127.0.0.1", server.port)
        connection.request("GET", "/metrics")
        text = connection.getresponse().read().decode()
    for got, want in zip(results, expected):
        np.testing.assert_allclose(got, want, atol=1e-5)  # batch-composition tolerance
    batches = float(next(line.split()[1] for line in text.splitlines()
                         if line.startswith("elmo_batch_sentences_count")))
    assert batches < len(requests)  # some requests shared a batch
    assert 'elmo_requests_total{route="embed",status="200"} 24.0' in text


@pytest.mark.parametrize(("body", "status", "message"), [
    (b"{bad", 400, "malformed JSON"),
    (b"\xff\xfe", 400, "not valid UTF-8"),
    (b"[1, 2]", 400, "must be a JSON object"),
    (b'{"texts": "one string"}', 400, "'texts' must be a list of strings"),
    (b'{"sentences": [["a"]], "texts": ["a"]}', 400, "exactly one of"),
    (b'{"sentences": [["a b"]]}', 400, "holds whitespace"),
    (b'{"sentences": [["a"]], "dtype": "int8"}', 400, "'dtype' must be one of"),
    (b'{"sentences": [["a"]], "output": [1, 2]}', 400, "a list of 3 layer weights"),
    (b'{"sentences": [["a"]], "colour": 1}', 400, "unknown field(s) colour"),
    (json.dumps({"sentences": [["a"]] * 3}).encode(), 413, "3 sentences in one request"),
    (json.dumps({"sentences": [["a"] * 5]}).encode(), 413, "has 5 tokens"),
    (json.dumps({"sentences": [["a" * 9]]}).encode(), 413, "a token of 9 characters"),
    (b" " * 2000, 413, "the body has 2,000 bytes"),
])
def test_bad_requests_get_a_json_error_naming_the_problem(model, body, status, message):
    limits = Limits(max_body_bytes=1000, max_sentences=2, max_sentence_tokens=4,
                    max_token_characters=8)
    with serve(model, limits=limits) as server:
        got, _, answer = server.post("/v1/embed", body)
    assert got == status and message in answer["error"]


def test_a_full_queue_answers_503_with_retry_after_and_the_client_retries(model):
    calls: list = []
    model_slow = elmo.load("bilm-tf-tiny")
    model_slow.embed = slow(model_slow, 0.4, calls)
    with serve(model_slow, queue_size=1, max_wait_s=0, retry_after_s=1) as server:
        body = json.dumps({"sentences": [["a"]]}).encode()
        answers = [None] * 3

        def post(i):
            answers[i] = server.post("/v1/embed", body)
        threads = [threading.Thread(target=post, args=(i,)) for i in range(3)]
        for thread in threads:
            thread.start()
            time.sleep(0.1)  # the first runs, the second waits, the third finds the queue full
        for thread in threads:
            thread.join()
        statuses = sorted(answer[0] for answer in answers)
        assert statuses == [200, 200, 503]
        busy = next(answer for answer in answers if answer[0] == 503)
        assert busy[1]["retry-after"] == "1" and "busy" in busy[2]["error"]
        results = [None] * 3
        threads = [threading.Thread(target=lambda i=i: results.__setitem__(
            i, Client(server.url, retries=5).embed([["a"]]))) for i in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(result is not None for result in results)  # the 503s were retried


def test_a_client_that_disconnects_frees_its_work(model):
    calls: list = []
    model_slow = elmo.load("bilm-tf-tiny")
    model_slow.embed = slow(model_slow, 0.5, calls)
    with serve(model_slow, max_wait_s=0) as server:
        first = threading.Thread(target=server.post, args=(
            "/v1/embed", json.dumps({"sentences": [["a"]]}).encode()))
        first.start()
        time.sleep(0.1)  # the first request is running; the next one waits behind it
        body = json.dumps({"sentences": [["b"]] * 7}).encode()
        with socket.create_connection(("127.0.0.1", server.port)) as raw:
            raw.sendall(b"POST /v1/embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            time.sleep(0.1)
        first.join()
        time.sleep(0.6)
    assert calls == [1]  # the 7 sentences of the client that left were never embedded


def test_a_slow_body_times_out_with_408(model):
    with serve(model, limits=Limits(body_timeout_s=0.3)) as server:
        with socket.create_connection(("127.0.0.1", server.port)) as raw:
            raw.sendall(b"POST /v1/embed HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"sen")
            raw.settimeout(5)
            answer = http.client.HTTPResponse(raw)
            answer.begin()
            assert answer.status == 408
            assert "did not arrive within 0.3 s" in json.loads(answer.read())["error"]


def test_a_token_guards_the_api_but_not_health(model):
    with serve(model, token="s3cret") as server:
        status, _, answer = server.post("/v1/embed", b'{"sentences": [["a"]]}')
        assert status == 401 and "bearer token" in answer["error"]
        with pytest.raises(ServerError, match="401"):
            Client(server.url, token="wrong").models()
        assert Client(server.url, token="s3cret").embed([["a"]])[0].shape == (3, 1, 32)
        connection = http.client.HTTPConnection("127.0.0.1", server.port)
        connection.request("GET", "/healthz")
        assert connection.getresponse().status == 200


def test_cors_is_off_unless_origins_are_given(model):
    for origins, allowed in (((), None), (("http://example.org",), "http://example.org")):
        with serve(model, cors_origins=origins) as server:
            connection = http.client.HTTPConnection("127.0.0.1", server.port)
            connection.request("GET", "/v1/models", headers={"Origin": "http://example.org"})
            response = connection.getresponse()
            assert response.getheader("access-control-allow-origin") == allowed


def test_in_flight_requests_finish_when_the_server_stops_and_new_ones_are_refused(model):
    calls: list = []
    model_slow = elmo.load("bilm-tf-tiny")
    model_slow.embed = slow(model_slow, 0.5, calls)
    running = serve(model_slow)
    with running as server:
        answer = []
        worker = threading.Thread(target=lambda: answer.append(
            server.post("/v1/embed", b'{"sentences": [["a"]]}')))
        worker.start()
        time.sleep(0.15)
    worker.join()  # leaving the block stopped the server while the request was running
    assert answer[0][0] == 200
    with pytest.raises(ServerError, match="cannot reach"):
        Client(server.url, timeout=2).models()


def test_the_explorer_page_and_its_files_are_served_locally(model):
    with serve(model) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port)
        connection.request("GET", "/")
        page = connection.getresponse().read().decode()
        assert "polysemy explorer" in page
        assert 'src="http' not in page and 'href="http' not in page  # nothing from elsewhere
        for name in ("explorer.js", "explorer.css"):
            connection.request("GET", f"/explorer/{name}")
            assert connection.getresponse().status == 200
            connection.close()


def test_serving_beyond_loopback_needs_a_token():
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "give --token" in result.output


def test_neighbours_come_from_the_index_the_server_was_started_with(model, tmp_path):
    from elmo.analysis.neighbors import NeighbourIndex, build_index

    corpus = [["I", "play", "chess"], ["a", "play", "by", "Shakespeare"], ["we", "play", "cards"]]
    build_index(model, corpus, tmp_path / "index", layer=2, progress=False)
    index = NeighbourIndex(tmp_path / "index", model)
    expected = index.query(["they", "play", "chess"], "play", k=2)
    with Running(create_app(model, ServerSettings(), index)) as server:
        found = Client(server.url).neighbours(["they", "play", "chess"], "play", k=2)
        assert Client(server.url).models()[0]["index"] is True
        status, _, answer = server.post("/v1/neighbours", b'{"sentence": "nope", "word": "nope"}')
    assert [hit["tokens"] for hit in found["occurrences"]] == [
        list(hit.tokens) for hit in expected.occurrences]
    assert [w["word"] for w in found["words"]] == [word for word, _ in expected.words]
    assert status == 400 and "does not occur in the index" in answer["error"]


def test_without_an_index_neighbours_are_a_404_saying_how_to_get_one(model):
    with serve(model) as server:
        status, _, answer = server.post("/v1/neighbours", b'{"sentence": "a", "word": "a"}')
    assert status == 404 and "--index" in answer["error"]
