"""``elmo serve``: the embedding server and polysemy explorer (a thin command over
:mod:`elmo.serve`)."""
from __future__ import annotations

import ipaddress
from pathlib import Path

import click

import elmo
from elmo.errors import InputError
from elmo.interop.model_folder import DEFAULT_MODEL

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.option("--model", "model_name", metavar="NAME_OR_PATH",
              help=f"A bundled model (see `elmo models`) or a model folder.  [default: {DEFAULT_MODEL}]")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; any other than loopback needs a token.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--token", envvar="ELMO_SERVE_TOKEN",
              help="Bearer token required on /v1 and /metrics (also ELMO_SERVE_TOKEN).")
@click.option("--index", "index_folder", type=click.Path(path_type=Path),
              help="An `elmo index` folder: contextual neighbours in the explorer and /v1/neighbours.")
@click.option("--cors-origin", "cors_origins", multiple=True,
              help="An origin allowed to call the API from a browser (repeatable; none by default).")
@click.option("--max-batch", type=click.IntRange(min=1), default=64, show_default=True,
              help="Sentences per model batch.")
@click.option("--max-wait-ms", type=click.FloatRange(min=0), default=5.0, show_default=True,
              help="How long a batch waits for more requests.")
@click.option("--queue-size", type=click.IntRange(min=1), default=64, show_default=True,
              help="Requests that may wait; more are answered 503 with Retry-After.")
@click.option("--max-body-bytes", type=click.IntRange(min=1), default=1_000_000, show_default=True)
@click.option("--max-sentences", type=click.IntRange(min=1), default=256, show_default=True,
              help="Sentences per request.")
@click.option("--max-sentence-tokens", type=click.IntRange(min=1), default=400, show_default=True)
@click.option("--max-request-tokens", type=click.IntRange(min=1), default=8192, show_default=True)
@click.option("--max-token-characters", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--body-timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds a client has to send its body.")
@click.option("--shutdown-timeout", type=click.FloatRange(min=0), default=30.0, show_default=True,
              help="Seconds in-flight requests get to finish after a stop signal.")
def serve_command(model_name: str | None, host: str, port: int, token: str | None,
                  index_folder: Path | None, cors_origins: tuple[str, ...], max_batch: int,
                  max_wait_ms: float, queue_size: int, max_body_bytes: int, max_sentences: int,
                  max_sentence_tokens: int, max_request_tokens: int, max_token_characters: int,
                  body_timeout: float, shutdown_timeout: float) -> None:
    """Serve a model over HTTP: a JSON embedding API and, at /, the polysemy explorer.

    Concurrent requests are merged into model batches; every bound is checked before work is
    queued; stop with Ctrl-C or SIGTERM (requests in flight finish, new ones are refused).
    """
    import uvicorn

    from elmo.analysis.neighbors import NeighbourIndex
    from elmo.serve.app import ServerSettings, create_app
    from elmo.serve.requests import Limits

    if not is_loopback(host) and not token:
        raise InputError(f"listening on {host} lets other machines in: give --token (or "
                         "ELMO_SERVE_TOKEN), or listen on 127.0.0.1")
    model = elmo.load(model_name)
    index = NeighbourIndex(index_folder, model) if index_folder is not None else None
    settings = ServerSettings(
        Limits(max_body_bytes, max_sentences, max_sentence_tokens, max_request_tokens,
               max_token_characters, body_timeout),
        max_batch, max_wait_ms / 1000, queue_size, token=token, cors_origins=cors_origins)
    app = create_app(model, settings, index)
    click.echo(f"serving {model.name} on http://{host}:{port}/ (explorer at /, API at /v1/embed)"
               f"{' with a token' if token else ''}", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning",
                timeout_graceful_shutdown=shutdown_timeout, timeout_keep_alive=5)
