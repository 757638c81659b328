"""gunicorn settings for Provenance (`gunicorn -c python:service.gunicorn_conf 'service.app:create_app()'`).

Every value can be overridden by the environment variable named beside it. Without REDIS_URL the master
starts an embedded redis-server (AOF on) under PROVENANCE_DATA_DIR before forking workers, hands its URL
to them, and stops it on exit.
"""

from __future__ import annotations

import logging
import os
from typing import Any

bind = os.environ.get("PROVENANCE_BIND", "127.0.0.1:8080")
# Detection is CPU-bound Python; one process per core, and a second thread each to overlap Redis waits.
workers = int(os.environ.get("PROVENANCE_WORKERS", os.cpu_count() or 2))
worker_class = "gthread"
threads = int(os.environ.get("PROVENANCE_THREADS", 2))
keepalive = int(os.environ.get("PROVENANCE_KEEPALIVE", 5))
timeout = int(os.environ.get("PROVENANCE_WORKER_TIMEOUT", 30))
graceful_timeout = 20
accesslog = os.environ.get("PROVENANCE_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("PROVENANCE_LOG_LEVEL", "info")
# Large request lines are never legitimate here (ids are at most 200 characters).
limit_request_line = 4096

_embedded: Any = None


def on_starting(server: Any) -> None:
    global _embedded
    if os.environ.get("REDIS_URL"):
        return
    from service.config import Config
    from service.embedded import EmbeddedRedis

    _embedded = EmbeddedRedis(Config.from_env().data_dir)
    os.environ["REDIS_URL"] = _embedded.start()
    server.log.info("embedded Redis (AOF on) at %s, data in %s", os.environ["REDIS_URL"], _embedded.data_dir)


def on_exit(server: Any) -> None:
    if _embedded is not None:
        _embedded.stop()
        logging.getLogger("gunicorn.error").info("embedded Redis stopped")


# gunicorn >= 25 opens a control socket in ~/.gunicorn by default: two instances on one host would share
# it. Operators manage this service through signals and the orchestrator instead.
control_socket_disable = True
