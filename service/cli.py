"""The `provenance` command."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Any

from gunicorn.app.base import BaseApplication

# `provenance serve --help`: every setting the service reads, with its default. README ("Settings") and
# docs/operations.md say more; tests/test_ops.py checks that none the code reads is missing here.
SERVE_SETTINGS = """\
settings (environment variables; a bad one stops `serve` with one line and exit status 2):
  REDIS_URL                          redis://, rediss://, unix:// or redis+cluster:// (unset: an embedded
                                     redis-server, append-only, under PROVENANCE_DATA_DIR)
  PROVENANCE_DATA_DIR                the embedded Redis's files (default: data)
  PROVENANCE_KEY_PREFIX              prefix of every Redis key (default: prov)
  PROVENANCE_PARTITIONS              partitions of the index, 1-1024; choose before indexing (default: 1)
  PROVENANCE_API_KEYS                <key>:<read|write>,... (default: unset, /v1 open to anyone)
  PROVENANCE_RATE_LIMIT              /v1 requests per API key, or per client address without keys
                                     (default: 600 per minute; off turns it off)
  PROVENANCE_TRUSTED_PROXIES         hops of proxies whose X-Forwarded-For gives the client address
                                     (default: 0, the peer is the client; 1 behind a load balancer)
  PROVENANCE_TRUSTED_PROXY_ADDRESSES peers that may be the first of those proxies, addresses or networks
                                     (default: 127.0.0.1,::1; * for any)
  PROVENANCE_HSTS                    on: Strict-Transport-Security on every answer (default: off)
  PROVENANCE_MAX_REQUEST_BYTES       largest request body, else 413 (default: 2097152)
  PROVENANCE_MAX_BATCH_BYTES         largest batch body, else 413 (default: 33554432)
  PROVENANCE_MAX_BATCH_ITEMS         most articles in a batch, else 413 (default: 500)
  PROVENANCE_MAX_TEXT_CHARS          longest clean text, else 422 (default: 200000)
  PROVENANCE_REDIS_TIMEOUT           seconds to wait for Redis, then 503 (default: 2.0)
  PROVENANCE_FINGERPRINT_CACHE_TTL   seconds a traced text's fingerprints stay cached (default: 3600)
  PROVENANCE_WORKERS                 worker processes; --workers overrides it (default: one per core)
  PROVENANCE_THREADS                 threads per worker (default: 2)
  PROVENANCE_WORKER_CLASS            gunicorn worker class (default: gthread)
  PROVENANCE_WORKER_TIMEOUT          seconds a request may take before its worker restarts (default: 30)
  PROVENANCE_KEEPALIVE               seconds an idle connection stays open (default: 5)
  PROVENANCE_WARM_WORDS              common words stemmed before the workers fork (default: 30000)
  PROVENANCE_PURE_PYTHON             on: detection's pure-Python reference, not its compiled kernels
                                     (default: off; the compiled ones run when pip could build them)
  PROVENANCE_LOG_FORMAT              json or text (default: json)
  PROVENANCE_LOG_LEVEL               debug, info, warning, error or critical (default: info)
  PROVENANCE_ACCESS_LOG              off: no access log (default: on)
  PROVENANCE_BIND                    for plain gunicorn only; serve binds --host and --port
  PROMETHEUS_MULTIPROC_DIR           where workers keep their metrics (default: a fresh temporary one)
copy alerts (webhooks; docs/webhooks.md), read by `serve` and by `provenance worker`:
  PROVENANCE_SERVE_WORKER            off: serve runs no delivery worker, run `provenance worker` (default: on)
  PROVENANCE_WEBHOOK_ALLOW_PRIVATE   on: watches may name loopback and private addresses (default: off)
  PROVENANCE_WEBHOOK_TIMEOUT         seconds for a whole delivery (default: 15)
  PROVENANCE_WEBHOOK_CONNECT_TIMEOUT seconds to connect to a receiver (default: 5)
  PROVENANCE_WEBHOOK_RETRY_BASE      seconds before the first retry, doubling after (default: 30)
  PROVENANCE_WEBHOOK_RETRY_MAX       the longest wait between two attempts (default: 14400)
  PROVENANCE_WEBHOOK_RETRY_FOR       seconds an event is retried and a watch may fail (default: 86400)
  PROVENANCE_WEBHOOK_CLAIM_AFTER     seconds before a dead worker's delivery is taken over (default: 60)
  PROVENANCE_WEBHOOK_CONCURRENCY     deliveries in flight per worker (default: 16)

At start the master logs one line saying what runs: the Redis (URL without its password), its
persistence, whether zset-max-listpack-entries is what the index needs, access, the rate limit, the
trusted proxies, and whether detection's kernels run compiled or in Python."""


class _Server(BaseApplication):
    """gunicorn, configured by service/gunicorn_conf.py and the command line, serving create_app()."""

    def __init__(self, options: dict[str, Any]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        module = importlib.import_module("service.gunicorn_conf")
        for name in dir(module):
            if name in self.cfg.settings:
                self.cfg.set(name, getattr(module, name))
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        from service.app import create_app

        return create_app()


def serve(args: argparse.Namespace) -> int:
    """Run gunicorn, once every setting is known good: a bad one is one line and exit 2 (main), before
    gunicorn starts or listens, rather than a traceback from each worker after "Listening at"."""
    from service.config import BadSetting, Config

    config = Config.from_env()
    options: dict[str, Any] = {"bind": f"{args.host}:{args.port}"}
    if args.workers is not None:
        options["workers"] = args.workers
    if config.trusted_proxies:
        # gunicorn believes X-Forwarded-Proto only from these peers: the same ones whose X-Forwarded-For
        # the app believes (service/api/access.py), so that one setting decides both.
        options["forwarded_allow_ips"] = config.trusted_proxy_addresses
    importlib.import_module("service.gunicorn_conf")  # its own settings: BadSetting on import
    server = _Server(options)
    try:
        server.cfg.worker_class  # noqa: B018 -- loads the class: a name that loads nothing fails here
    except (RuntimeError, ImportError):
        raise BadSetting(
            "PROVENANCE_WORKER_CLASS",
            f"names no gunicorn worker class that loads here: {server.cfg.worker_class_str!r}",
        ) from None
    server.run()
    return 0


def reindex(args: argparse.Namespace) -> int:
    """Re-fingerprint stored articles after an algorithm change, on REDIS_URL or the embedded Redis."""
    from contextlib import ExitStack

    from service.app import redis_client
    from service.core import ProvenanceService

    with ExitStack() as stack:
        config = _operator_config(stack)
        service = ProvenanceService(redis_client(config), config)
        seen, changed = service.reindex(every=args.all, lineage=args.lineage)
    print(f"{seen} articles, {changed} re-indexed")
    return 0


def worker(args: argparse.Namespace) -> int:
    """Deliver copy alerts (service/alerts/worker.py) from REDIS_URL until SIGTERM or SIGINT. Needs
    REDIS_URL: the embedded Redis belongs to `provenance serve`, which runs a worker of its own."""
    import logging.config

    from service.alerts import worker as delivery
    from service.api.logs import logging_config
    from service.config import Config

    config = Config.from_env()
    if not config.redis_url:
        print("provenance worker: set REDIS_URL to the service's Redis", file=sys.stderr)
        return 2
    level = os.environ.get("PROVENANCE_LOG_LEVEL", "info")
    logging.config.dictConfig(logging_config(os.environ.get("PROVENANCE_LOG_FORMAT", "json"), level))
    delivery.run(config)
    return 0


def migrate(args: argparse.Namespace) -> int:
    """Move articles stored under the previous key layout to this one (service/store/migrate.py), on REDIS_URL
    or the embedded Redis, then give each partition stored without one its publication bound
    (service/store/index.py `bound_publications`). Run it with the service stopped."""
    from contextlib import ExitStack

    from service.app import redis_client
    from service.store import migrate as layout
    from service.store.index import Index
    from service.store.keys import Keys

    with ExitStack() as stack:
        config = _operator_config(stack)
        client = redis_client(config)
        keys = Keys(config.key_prefix, config.partitions)
        if layout.pending(client, keys):
            moved = layout.migrate(client, keys, _report_progress)
            print(
                f"moved {moved.keys} keys and {moved.buckets} index buckets ({moved.entries} entries) "
                f"from {layout.PREVIOUS_VERSION} to {keys.root}; dropped {moved.dropped} cached fingerprints"
            )
        else:
            print(f"nothing to move: no articles under {keys.prefix}:{layout.PREVIOUS_VERSION}")
        bounded = Index(client, keys).bound_publications()
        print(f"publication bounds set for {bounded} of {keys.partitions} partitions")
    return 0


def _operator_config(stack: Any) -> Any:
    """The settings of an operator command: the environment's, with the embedded Redis of
    PROVENANCE_DATA_DIR (kept up by `stack`) when REDIS_URL is unset."""
    from service.config import Config

    config = Config.from_env()
    if not config.redis_url:
        config = config.with_overrides({"redis_url": stack.enter_context(_embedded_redis(config))})
    return config


def _report_progress(moved: Any) -> None:
    print(f"... {moved.keys} keys and {moved.buckets} index buckets moved", file=sys.stderr, flush=True)


def _embedded_redis(config: Any) -> Any:
    """The embedded Redis of PROVENANCE_DATA_DIR: the running one if `serve` has it up, else a new one."""
    from contextlib import contextmanager

    import redis

    from service.store.embedded import EmbeddedRedis

    @contextmanager
    def running() -> Any:
        socket = config.data_dir.resolve() / "redis.sock"
        if socket.exists():
            try:
                redis.Redis(unix_socket_path=str(socket), socket_timeout=2).ping()
                yield f"unix://{socket}"
                return
            except (redis.ConnectionError, redis.TimeoutError):
                pass
        with EmbeddedRedis(config.data_dir) as url:
            yield url

    return running()


def _positive(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {raw!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="provenance", description="Where did this article come from?")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser(
        "serve",
        help="run the HTTP service (gunicorn); an embedded Redis without REDIS_URL",
        description="Run the HTTP service (gunicorn); an embedded Redis without REDIS_URL.",
        epilog=SERVE_SETTINGS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    p.add_argument("--workers", type=_positive, default=None, help="worker processes (default: one per core)")
    p.set_defaults(func=serve)
    p = commands.add_parser("reindex", help="re-fingerprint stored articles made by an older algorithm")
    p.add_argument("--all", action="store_true", help="re-fingerprint every article, not only outdated ones")
    p.add_argument(
        "--lineage", action="store_true", help="also trace every article again and fix its lineage"
    )
    p.set_defaults(func=reindex)
    p = commands.add_parser(
        "migrate",
        help="move articles stored by an older version (key layout v3) to this one's (v4), then set the "
        "partitions' missing publication bounds",
    )
    p.set_defaults(func=migrate)
    p = commands.add_parser(
        "worker",
        help="deliver copy alerts (webhooks) from REDIS_URL; `serve` runs one of its own (docs/webhooks.md)",
    )
    p.set_defaults(func=worker)
    from service.client.commands import add_commands
    from service.client.watch_commands import add_watch_commands

    add_commands(parser, commands)  # submit, check, import, export: over HTTP, through service.client
    add_watch_commands(commands)  # watch add, list, rm: over HTTP too
    return parser


def main(argv: list[str] | None = None) -> int:
    from service.config import BadSetting

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BadSetting as err:
        print(f"provenance: bad setting {err.name}: {err.why}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
