"""Logs: one JSON object per line (or plain text) on stderr, each line of a request carrying its id.

`logging_config()` is the `logging.config.dictConfig` of the service: gunicorn_conf.py hands it to
gunicorn (`logconfig_dict`), so gunicorn's own error log, the app's loggers and the access log of
`provenance.access` (one line per request, written by service/api/observability.py) share one format.

This module imports nothing of the app (only `flask.g`): gunicorn's master loads it to configure logging,
before PROMETHEUS_MULTIPROC_DIR is set, so it must not pull in prometheus_client.

The JSON formatter is written here rather than taken from python-json-logger: the fields are fixed
(time, level, logger, message, request_id, pid, the record's `extra`, an exception's traceback), it is
twenty lines over `json.dumps`, and python-json-logger has moved its module path between major versions
(`jsonlogger` -> `json`), which a dotted path in a logging config would have to follow.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from flask import g, has_app_context

FORMATS = ("json", "text")
ACCESS_LOGGER = "provenance.access"
# Attributes every LogRecord has: anything else on a record came from `extra=` and is logged as a field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id", "taskName"}


class RequestIdFilter(logging.Filter):
    """Stamps records logged while a request is handled with its id (set by service/api/observability.py).

    Attach it to handlers, not loggers: a logger's filters do not see records its children propagate."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_app_context():
            request_id = g.get("request_id")
            if request_id:
                record.request_id = request_id
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ms), level, logger, message, request_id, pid, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "pid": record.process,
        }
        entry.update((k, v) for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_"))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time level [pid] logger [request id] message`, for people reading a terminal."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s [%(process)d] %(name)s [%(request_id)s] %(message)s",
            defaults={"request_id": "-"},
        )


def logging_config(fmt: str = "json", level: str = "info", access_log: bool = True) -> dict[str, Any]:
    """The dictConfig for a process: every logger (gunicorn's included) to stderr in `fmt`.

    gunicorn's own access log is silenced: the app writes one line per request to `provenance.access`,
    with the request id gunicorn does not know. `access_log=False` silences that one too."""
    if fmt not in FORMATS:
        raise ValueError(f"PROVENANCE_LOG_FORMAT must be one of {', '.join(FORMATS)}, got {fmt!r}")
    level = level.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ValueError(
            f"PROVENANCE_LOG_LEVEL must be debug, info, warning, error or critical, got {level!r}"
        )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": f"{__name__}.RequestIdFilter"}},
        "formatters": {
            "json": {"()": f"{__name__}.JsonFormatter"},
            "text": {"()": f"{__name__}.TextFormatter"},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": fmt,
                "filters": ["request_id"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
            # NOTSET: the root's level, so scrapes of /metrics (DEBUG) show at PROVENANCE_LOG_LEVEL=debug.
            ACCESS_LOGGER: {
                "level": "NOTSET" if access_log else "WARNING",
                "handlers": [],
                "propagate": True,
            },
        },
    }
