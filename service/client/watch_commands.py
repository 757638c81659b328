"""`provenance watch add|list|rm|deliveries`: copy alerts managed over HTTP, through Client
(docs/webhooks.md). Exit codes as the other client commands' (service/client/commands.py)."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from service.client.client import Client
from service.client.commands import DEFAULT_URL, EXIT_OK, run

RELATIONS = ("duplicate", "near_duplicate", "rewrite", "partial")


def add_watch_commands(commands: Any) -> None:
    """Add `watch` and its subcommands to the `provenance` parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url",
        default=os.environ.get("PROVENANCE_URL") or DEFAULT_URL,
        help=f"the service's base URL (default: $PROVENANCE_URL or {DEFAULT_URL})",
    )
    common.add_argument(
        "--api-key",
        default=os.environ.get("PROVENANCE_API_KEY") or None,
        help="a write key, sent as 'Authorization: Bearer KEY' (default: $PROVENANCE_API_KEY)",
    )
    common.add_argument("--json", action="store_true", help="print the service's answer as JSON")
    common.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    common.add_argument("--retries", type=int, default=3, help="retries of a failed request (default 3)")

    watch = commands.add_parser("watch", help="copy alerts: watch articles, be told by webhook of copies")
    sub = watch.add_subparsers(dest="watch_command", required=True)

    p = sub.add_parser("add", parents=[common], help="watch articles; prints the watch's id and its secret")
    p.add_argument("webhook", help="the https URL to deliver events to")
    p.add_argument("--source", action="append", default=[], help="watch this source's articles (repeatable)")
    p.add_argument("--id", action="append", default=[], dest="ids", help="watch this article (repeatable)")
    p.add_argument(
        "--id-prefix", action="append", default=[], dest="id_prefixes", help="watch ids starting so"
    )
    p.add_argument(
        "--relation",
        action="append",
        choices=RELATIONS,
        dest="relations",
        help="only these relations (repeatable; default: all four)",
    )
    p.set_defaults(func=lambda args: run(add, args))

    p = sub.add_parser("list", parents=[common], help="list the watches")
    p.set_defaults(func=lambda args: run(list_, args))

    p = sub.add_parser("rm", parents=[common], help="remove a watch and its delivery log")
    p.add_argument("id", help="the watch's id")
    p.set_defaults(func=lambda args: run(remove, args))

    p = sub.add_parser("deliveries", parents=[common], help="a watch's latest deliveries")
    p.add_argument("id", help="the watch's id")
    p.add_argument("--limit", type=int, default=20, help="how many (1-1000, default 20)")
    p.set_defaults(func=lambda args: run(deliveries, args))


def add(client: Client, args: argparse.Namespace) -> int:
    watch = client.create_watch(
        args.webhook,
        sources=args.source,
        ids=args.ids,
        id_prefixes=args.id_prefixes,
        relations=args.relations,
    )
    if args.json:
        print(json.dumps(watch, ensure_ascii=False))
    else:
        print(f"watch {watch['id']} -> {watch['url']}")
        print(f"secret: {watch['secret']}  (shown once: keep it to verify signatures)")
    return EXIT_OK


def list_(client: Client, args: argparse.Namespace) -> int:
    watches = client.watches()
    if args.json:
        print(json.dumps({"items": watches}, ensure_ascii=False))
        return EXIT_OK
    for w in watches:
        what = [*(f"source={s}" for s in w["sources"]), *(f"id={i}" for i in w["ids"])]
        what += [f"prefix={p}" for p in w["id_prefixes"]]
        state = w["status"] + (f" ({w['disabled_reason']})" if w.get("disabled_reason") else "")
        print(f"{w['id']}  {state}  {w['url']}  {' '.join(what)}")
    if not watches:
        print("no watches")
    return EXIT_OK


def remove(client: Client, args: argparse.Namespace) -> int:
    client.delete_watch(args.id)
    if args.json:
        print(json.dumps({"deleted": args.id}))
    else:
        print(f"removed watch {args.id}")
    return EXIT_OK


def deliveries(client: Client, args: argparse.Namespace) -> int:
    answer = client.deliveries(args.id, args.limit)
    if args.json:
        print(json.dumps(answer, ensure_ascii=False))
        return EXIT_OK
    for d in answer["items"]:
        error = f"  {d['last_error']}" if d.get("last_error") else ""
        print(f"{d['event_id']}  {d['status']:<9} {d['attempts']} attempts  {d['article_id']}{error}")
    if not answer["items"]:
        print("no deliveries yet")
    return EXIT_OK
