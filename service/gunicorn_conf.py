"""gunicorn settings for Provenance (`gunicorn -c python:service.gunicorn_conf 'service.app:create_app()'`).

Every value can be overridden by the environment variable named beside it. Without REDIS_URL the master
starts an embedded redis-server (AOF on) under PROVENANCE_DATA_DIR before forking workers, hands its URL
to them, and stops it on exit.

Logs: every process logs to stderr in one format, JSON lines by default (service/api/logs.py), gunicorn's own
error log included. The app writes the access log (one line per request, with its request id), so
gunicorn's access log is off.

Metrics: the master makes a fresh PROMETHEUS_MULTIPROC_DIR before forking workers (unless it is set; then
its old files are removed), so /metrics sums every worker's values; it is removed on exit.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from service.api.logs import logging_config

bind = os.environ.get("PROVENANCE_BIND", "127.0.0.1:8080")
# Detection is CPU-bound Python; one process per core, and a second thread each to overlap Redis waits.
workers = int(os.environ.get("PROVENANCE_WORKERS", os.cpu_count() or 2))
worker_class = os.environ.get("PROVENANCE_WORKER_CLASS", "gthread")
threads = int(os.environ.get("PROVENANCE_THREADS", 2))
keepalive = int(os.environ.get("PROVENANCE_KEEPALIVE", 5))
timeout = int(os.environ.get("PROVENANCE_WORKER_TIMEOUT", 30))
graceful_timeout = 20
accesslog = None  # the app's own access log (provenance.access) carries the request id
errorlog = "-"
loglevel = os.environ.get("PROVENANCE_LOG_LEVEL", "info")
# PROVENANCE_LOG_FORMAT: json (default) or text. PROVENANCE_ACCESS_LOG empty or off: no access log.
logconfig_dict = logging_config(
    os.environ.get("PROVENANCE_LOG_FORMAT", "json"),
    loglevel,
    access_log=os.environ.get("PROVENANCE_ACCESS_LOG", "on").strip().lower() not in ("", "0", "off", "no"),
)
# Large request lines are never legitimate here (ids are at most 200 characters).
limit_request_line = 4096
# The master stems and weighs this many of the most common English words before forking (0: none), so
# that every worker starts with them in its per-word memo, shared copy-on-write (~0.6 s, ~6 MB).
warm_words = int(os.environ.get("PROVENANCE_WARM_WORDS", 30_000))

_embedded: Any = None
_metrics_dir: str | None = None


def on_starting(server: Any) -> None:
    global _embedded
    _prepare_metrics_dir()
    server.log.info("metrics of the workers in %s", os.environ["PROMETHEUS_MULTIPROC_DIR"])
    _warm_words(server)
    if os.environ.get("REDIS_URL"):
        return
    from service.config import Config
    from service.store.embedded import EmbeddedRedis

    _embedded = EmbeddedRedis(Config.from_env().data_dir)
    os.environ["REDIS_URL"] = _embedded.start()
    server.log.info("embedded Redis (AOF on) at %s, data in %s", os.environ["REDIS_URL"], _embedded.data_dir)


def on_exit(server: Any) -> None:
    if _embedded is not None:
        _embedded.stop()
        logging.getLogger("gunicorn.error").info("embedded Redis stopped")
    if _metrics_dir is not None:
        shutil.rmtree(_metrics_dir, ignore_errors=True)


def _prepare_metrics_dir() -> None:
    """prometheus_client's multiprocess mode: set before the workers fork (and before anything imports
    prometheus_client, which reads it once), fresh for each run of the master."""
    global _metrics_dir
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        return
    _metrics_dir = tempfile.mkdtemp(prefix="provenance-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def _warm_words(server: Any) -> None:
    """The per-word memo of English, filled in the master before the workers fork (`warm_words`)."""
    if warm_words <= 0:
        return
    from service.detect import lexicon

    started = time.monotonic()
    lexicon.warm(warm_words)
    server.log.info(
        "%d common English words stemmed and weighed in %.1f s", warm_words, time.monotonic() - started
    )


def post_worker_init(worker: Any) -> None:
    """Load English word frequencies now (the first request would), then move everything alive to the
    garbage collector's permanent generation: the app, its libraries and those tables are never garbage,
    and a full collection walked them all (27 ms for the app alone, measured) in the middle of a request."""
    from service.detect import lexicon

    lexicon.weight("the")
    gc.freeze()


def child_exit(server: Any, worker: Any) -> None:
    """A worker's live gauges go with it (its counters stay in the sums)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


# gunicorn >= 25 opens a control socket in ~/.gunicorn by default: two instances on one host would share
# it. Operators manage this service through signals and the orchestrator instead.
control_socket_disable = True
