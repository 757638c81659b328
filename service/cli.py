"""The `provenance` command."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):  # type: ignore[misc]
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="provenance", description="Where did this article come from?")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("serve", help="run the HTTP service (gunicorn); an embedded Redis without REDIS_URL")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    p.set_defaults(func=serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
