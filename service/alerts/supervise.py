"""The delivery worker beside gunicorn: `provenance serve` starts one `provenance worker` process from the
master (service/gunicorn_conf.py), restarts it if it exits, and stops it with the master.

The worker is a process of its own, not a thread of the master (which forks the HTTP workers) nor a
gunicorn worker (whose requests would compete with deliveries). On Linux it is told to stop when the
master dies, even by SIGKILL, as the embedded Redis is (service/store/embedded.py).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time

from service.store.embedded import _dies_with_parent

log = logging.getLogger("gunicorn.error")
RESTART_AFTER = (1.0, 60.0)  # seconds before a restart: doubling from the first to the second


class Supervised:
    """`python -m service.cli worker` with the master's environment, kept running until `stop()`."""

    def __init__(self, env: dict[str, str] | None = None):
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker now, from the calling thread (gunicorn's master, before it forks the HTTP
        workers: a worker forked while Popen waits for the exec would hold Popen's pipe open, and Popen
        would wait for that worker to exit), and a thread that restarts it if it exits."""
        self.process = self._spawn()
        self._thread = threading.Thread(target=self._keep_running, name="delivery-worker", daemon=True)
        self._thread.start()

    def _spawn(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "worker"],
            env=self.env,
            stdin=subprocess.DEVNULL,
            preexec_fn=_dies_with_parent(),  # prctl only, before exec
        )
        log.info("delivery worker started (pid %d)", process.pid)
        return process

    def _keep_running(self) -> None:
        """Start the worker, and again whenever it exits before `stop()`, waiting longer after each quick
        exit. Polls: gunicorn's master reaps every child (waitpid(-1)), so a wait here could miss it."""
        wait = RESTART_AFTER[0]
        while not self._stopping.is_set():
            started = time.monotonic()
            assert self.process is not None
            while self.process.poll() is None and not self._stopping.wait(0.5):
                pass
            if self._stopping.is_set():
                return
            log.warning("delivery worker (pid %d) exited; restarting in %.0f s", self.process.pid, wait)
            wait = RESTART_AFTER[0] if time.monotonic() - started > RESTART_AFTER[1] else wait
            if self._stopping.wait(wait):
                return
            wait = min(wait * 2, RESTART_AFTER[1])
            self.process = self._spawn()

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, and the deliveries in flight finish (each bounded by the webhook timeout); SIGKILL after
        `timeout`."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        except ChildProcessError:
            pass  # reaped by gunicorn's master
