"""gunicorn settings for Provenance (`gunicorn -c python:service.gunicorn_conf 'service.app:create_app()'`).

Every value can be overridden by the environment variable named beside it. Without REDIS_URL the master
starts an embedded redis-server (AOF on) under PROVENANCE_DATA_DIR before forking workers, hands its URL
to them, and stops it on exit.

Logs: every process logs to stderr in one format, JSON lines by default (service/api/logs.py), gunicorn's own
error log included. The app writes the access log (one line per request, with its request id), so
gunicorn's access log is off.

Copy alerts: the master starts one delivery worker (`provenance worker`, service/alerts/supervise.py) once
Redis is known, restarts it if it exits and stops it on exit; PROVENANCE_SERVE_WORKER=off leaves the
delivery to workers run apart (`provenance worker`).

Metrics: the master makes a fresh PROMETHEUS_MULTIPROC_DIR before forking workers (unless it is set; then
its old files are removed), so /metrics sums every worker's values; it is removed on exit.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from service.api.logs import logging_config
from service.config import BadSetting, env_number

# A malformed value of any of these is a BadSetting, raised on import: `provenance serve` imports this
# module before gunicorn starts, so it exits with one line naming the setting (service/cli.py).
bind = os.environ.get("PROVENANCE_BIND", "127.0.0.1:8080")
# Detection is CPU-bound Python; one process per core, and a second thread each to overlap Redis waits.
workers = env_number("PROVENANCE_WORKERS", os.cpu_count() or 2, minimum=1)
worker_class = os.environ.get("PROVENANCE_WORKER_CLASS", "gthread")  # `provenance serve` checks it loads
threads = env_number("PROVENANCE_THREADS", 2, minimum=1)
keepalive = env_number("PROVENANCE_KEEPALIVE", 5, minimum=0)
timeout = env_number("PROVENANCE_WORKER_TIMEOUT", 30, minimum=1)
graceful_timeout = 20
accesslog = None  # the app's own access log (provenance.access) carries the request id
errorlog = "-"
loglevel = os.environ.get("PROVENANCE_LOG_LEVEL", "info")
# PROVENANCE_LOG_FORMAT: json (default) or text. PROVENANCE_ACCESS_LOG empty or off: no access log.
_access_log = os.environ.get("PROVENANCE_ACCESS_LOG", "on").strip().lower() not in ("", "0", "off", "no")
try:
    logconfig_dict = logging_config(os.environ.get("PROVENANCE_LOG_FORMAT", "json"), loglevel, _access_log)
except ValueError as err:  # its message starts with the setting's name
    name, _, why = str(err).partition(" ")
    raise BadSetting(name, why) from None
# Large request lines are never legitimate here (ids are at most 200 characters).
limit_request_line = 4096
# The master stems and weighs this many of the most common English words before forking (0: none), so
# that every worker starts with them in its per-word memo, shared copy-on-write (~0.6 s, ~6 MB).
warm_words = env_number("PROVENANCE_WARM_WORDS", 30_000, minimum=0)

_embedded: Any = None
_metrics_dir: str | None = None
_delivery: Any = None


def on_starting(server: Any) -> None:
    """In the master, before it listens or forks: settings checked (a bad one: one line, exit 2), the
    metrics directory, the word memo, the embedded Redis without REDIS_URL, then one line saying what
    runs (`what_runs`)."""
    global _embedded
    from service.config import BadSetting, Config

    try:
        config = Config.from_env()
    except BadSetting as err:  # `provenance serve` checked already; plain gunicorn has this check only
        server.log.error("provenance: bad setting %s: %s", err.name, err.why)
        sys.exit(2)
    _prepare_metrics_dir()
    server.log.info("metrics of the workers in %s", os.environ["PROMETHEUS_MULTIPROC_DIR"])
    _warm_words(server)
    if not config.redis_url:
        from service.store.embedded import EmbeddedRedis

        _embedded = EmbeddedRedis(config.data_dir)
        os.environ["REDIS_URL"] = _embedded.start()
        server.log.info(
            "embedded Redis (AOF on) at %s, data in %s", os.environ["REDIS_URL"], _embedded.data_dir
        )
        config = Config.from_env()
    line, fine = what_runs(config, embedded=_embedded is not None)
    (server.log.info if fine else server.log.warning)("%s", line)
    _start_delivery(server, config)


def _start_delivery(server: Any, config: Any) -> None:
    """The delivery worker of copy alerts, beside the HTTP workers (unless PROVENANCE_SERVE_WORKER=off)."""
    global _delivery
    from service.alerts.supervise import Supervised

    if not config.alerts.serve_worker:
        server.log.info("no delivery worker: PROVENANCE_SERVE_WORKER is off (run `provenance worker`)")
        return
    _delivery = Supervised()
    _delivery.start()


def on_exit(server: Any) -> None:
    if _delivery is not None:
        _delivery.stop()  # before the embedded Redis: its last outcomes are written there
    if _embedded is not None:
        _embedded.stop()
        logging.getLogger("gunicorn.error").info("embedded Redis stopped")
    if _metrics_dir is not None:
        shutil.rmtree(_metrics_dir, ignore_errors=True)


def what_runs(config: Any, embedded: bool = False) -> tuple[str, bool]:
    """One line for the operator: the Redis (its URL without a password), its persistence and its
    zset-max-listpack-entries, access, the rate limit and the trusted proxies, and which detection kernels
    run (compiled, or the pure-Python reference: service/detect/kernels.py); and whether all is as the
    service needs it (else the line is a warning)."""
    from service.api.access import describe_access
    from service.detect import kernels

    redis_part, fine = describe_redis(config.redis_url, config.redis_socket_timeout, embedded)
    return f"provenance: {redis_part}, {describe_access(config)}, kernels {kernels.IMPLEMENTATION}", fine


# zset-max-listpack-entries the index needs: a passage bucket of a 1M-article partition holds ~550
# entries, and past the limit a bucket becomes a skiplist at about six times the memory (docs/scaling.md).
LISTPACK_NEEDED = 4096
LISTPACK_SETTINGS = ("zset-max-listpack-entries", "zset-max-ziplist-entries")  # Redis 7, and 6.2's name


def describe_redis(url: str, timeout: float, embedded: bool = False) -> tuple[str, bool]:
    """`redis <url> (<persistence>), listpack <verdict>`, and whether it is fine. Asked of the server
    itself (of the node named, on a cluster); a listpack limit below LISTPACK_NEEDED is raised with
    CONFIG SET when the server allows it. An unreachable Redis is said, not fatal: the service starts
    unready, as it always has."""
    import redis

    cluster = url.startswith(("redis+cluster://", "rediss+cluster://"))
    shown = redacted_url(url)
    notes = ["embedded"] if embedded else ["the cluster node named"] if cluster else []
    client = redis.Redis.from_url(
        url.replace("+cluster", "", 1), socket_timeout=timeout, socket_connect_timeout=timeout
    )
    try:
        persistence = _persistence(client)
        listpack, fine = _listpack(client)
    except (redis.ConnectionError, redis.TimeoutError) as err:
        return (
            f"redis {shown} unreachable now ({err.__class__.__name__}): /readyz answers 503 until it is",
            False,
        )
    except redis.RedisError as err:  # e.g. an ACL that refuses INFO as well as CONFIG: say so, start anyway
        return f"redis {shown} (its settings not known: {err})", False
    finally:
        client.close()
    return f"redis {shown} ({', '.join([*notes, persistence])}), {listpack}", fine


def redacted_url(url: str) -> str:
    """The URL with its password (in the user part or a `password=` parameter) as ***."""
    head, question, query = url.partition("?")
    scheme, slashes, rest = head.partition("://")
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        userinfo, host = authority.rsplit("@", 1)
        user, colon, _ = userinfo.partition(":")
        # redis://secret@host is read as a user name by some clients and as a password by others: hide it.
        authority = f"{user}:***@{host}" if colon else f"***@{host}"
    parameters = [
        f"{name}=***" if name.lower() == "password" else f"{name}{equals}{value}"
        for name, equals, value in (part.partition("=") for part in query.split("&"))
    ]
    return f"{scheme}{slashes}{authority}{slash}{path}{question}{'&'.join(parameters) if question else ''}"


def _persistence(client: Any) -> str:
    """`aof everysec`, `aof off, rdb snapshots 3600 1`, or `no persistence`; from INFO when CONFIG is
    refused (managed Redis services often rename it)."""
    import redis

    try:
        found = {
            **client.config_get("appendonly"),
            **client.config_get("appendfsync"),
            **client.config_get("save"),
        }
    except redis.ResponseError:
        aof = client.info("persistence").get("aof_enabled")
        return "aof on" if aof else "aof off (CONFIG GET refused: snapshots not known)"
    if found.get("appendonly") == "yes":
        return f"aof {found.get('appendfsync')}"
    if found.get("save"):
        return f"aof off, rdb snapshots {found['save']}: a crash loses what came after the last one"
    return "no persistence: aof off, no rdb snapshots; a restart empties the index"


def _listpack(client: Any) -> tuple[str, bool]:
    import redis

    try:
        name, value = next(
            ((name, int(found[name])) for name in LISTPACK_SETTINGS if (found := client.config_get(name))),
            ("", 0),
        )
    except redis.ResponseError:
        return "listpack limit unknown (CONFIG GET refused): " + _listpack_cost(), False
    if not name:
        return "listpack limit unknown (CONFIG GET answers neither name): " + _listpack_cost(), False
    if value >= LISTPACK_NEEDED:
        return f"listpack {value} ok", True
    try:
        client.config_set(name, LISTPACK_NEEDED)
    except redis.ResponseError:
        return f"listpack {value} below {LISTPACK_NEEDED} and CONFIG SET refused: " + _listpack_cost(
            value
        ), False
    return (
        f"listpack {value} raised to {LISTPACK_NEEDED} by CONFIG SET (until that Redis restarts: put "
        f"zset-max-listpack-entries {LISTPACK_NEEDED} in its configuration)"
    ), True


# A passage bucket holds about this many entries per million articles of its partition (docs/scaling.md).
BUCKET_ENTRIES_PER_MILLION = 550


def _listpack_cost(value: int | None = None) -> str:
    if not value:
        return (
            "index buckets over the limit become skiplists at about six times the memory (docs/scaling.md); "
            f"set zset-max-listpack-entries {LISTPACK_NEEDED}"
        )
    most = value * 1_000_000 // BUCKET_ENTRIES_PER_MILLION // 10_000 * 10_000
    return (
        f"index buckets over {value} entries become skiplists at about six times the memory "
        f"(docs/scaling.md): keep partitions under ~{most:,} articles, or set zset-max-listpack-entries "
        f"{LISTPACK_NEEDED}"
    )


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
