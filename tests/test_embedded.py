"""The embedded Redis and `provenance serve` on it, as a newcomer runs them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import redis as redis_lib

from service.store.embedded import EmbeddedRedis


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_embedded_redis_runs_with_aof_and_stops(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "data")
    url = server.start()
    client = redis_lib.Redis.from_url(url)
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    client.set("k", "v")
    server.stop()
    assert server.process is not None and server.process.poll() is not None
    assert (tmp_path / "data" / "appendonly.aof").exists()


def test_embedded_redis_keeps_data_across_restarts(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path) as url:
        redis_lib.Redis.from_url(url).set("kept", "yes")
    with EmbeddedRedis(tmp_path) as url:
        assert redis_lib.Redis.from_url(url).get("kept") == b"yes"


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def test_provenance_serve_runs_on_the_embedded_redis_and_stops_it(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["PROVENANCE_DATA_DIR"] = str(tmp_path / "data")
    env["PROVENANCE_ACCESS_LOG"] = ""
    command = [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--workers", "1"]
    log: list[str] = []
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # The master listens before it forks the worker, so once a worker boots a request just queues.
        assert server.stdout is not None
        for line in server.stdout:
            log.append(line.decode())
            if "Booting worker" in log[-1]:
                break
        assert server.poll() is None, "".join(log)
        assert get_json(f"http://127.0.0.1:{port}/readyz") == {"status": "ready"}
        payload = json.dumps(
            {"id": "t/1", "body": "A short article about nothing in particular, for a test."}
        )
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/articles",
            data=payload.encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 201
    finally:
        server.send_signal(signal.SIGTERM)
        output = "".join(log) + server.communicate(timeout=30)[0].decode()
    assert "embedded Redis stopped" in output
    assert (tmp_path / "data" / "appendonly.aof").stat().st_size > 0
