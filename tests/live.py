"""A real HTTP server in a thread for tests of the client, the CLI and the integration guide: werkzeug
serving the app (over the real Redis of the test), and a WSGI wrapper that answers scripted errors first."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wsgi import get_input_stream

Wsgi = Callable[..., Iterable[bytes]]


@contextmanager
def serving(app: Wsgi) -> Iterator[str]:
    """`with serving(app) as url:` the app on a free port of 127.0.0.1, for the duration."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


class Scripted:
    """Answers the scripted problems first (status, extra headers), then passes requests to the app;
    records every request it sees as (method, path)."""

    def __init__(self, app: Wsgi, answers: Iterable[tuple[int, dict[str, str]]] = ()):
        self.app = app
        self.answers = list(answers)
        self.seen: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def fail_next(self, *answers: tuple[int, dict[str, str]]) -> None:
        with self.lock:
            self.answers += answers

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self.lock:
            self.seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
            answer = self.answers.pop(0) if self.answers else None
        if answer is None:
            return self.app(environ, start_response)
        status, headers = answer
        get_input_stream(environ).read()  # the body, up to its Content-Length
        body = json.dumps(
            {
                "type": "https://provenance.example/problems/scripted",
                "title": "Scripted",
                "status": status,
                "detail": "an answer scripted by the test",
            }
        ).encode()
        start_response(f"{status} Scripted", [("Content-Type", "application/problem+json"), *headers.items()])
        return [body]
