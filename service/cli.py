"""The `provenance` command."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from gunicorn.app.base import BaseApplication


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
    options: dict[str, Any] = {"bind": f"{args.host}:{args.port}"}
    if args.workers is not None:
        options["workers"] = args.workers
    _Server(options).run()
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="provenance", description="Where did this article come from?")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser(
        "serve", help="run the HTTP service (gunicorn); an embedded Redis without REDIS_URL"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
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
    from service.client.commands import add_commands

    add_commands(parser, commands)  # submit, check, import, export: over HTTP, through service.client
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
