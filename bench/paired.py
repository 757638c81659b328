#!/usr/bin/env python3
"""A paired comparison of two running services on identical data: each request goes to both, in an
order drawn per request, so that what the machine does meanwhile (a shared 2-core VM drifts by ±30% from one
minute to the next) weighs on both alike.

    python bench/paired.py clone --from redis://127.0.0.1:6379/9 --to redis://127.0.0.1:6379/10
    python bench/paired.py run --a http://127.0.0.1:8101 --b http://127.0.0.1:8102 --n 10000 --queries 400
    python bench/paired.py run --a ... --b ... --n 10000 --queries 0 --ingest 300   # articles n+1..n+300
    python bench/paired.py run ... --forget redis://127.0.0.1:6379/9 --forget redis://127.0.0.1:6379/10

`clone` copies every key of one Redis database into another (COPY, Redis 6.2 or later), so that two
services (say, two commits) start from the same articles; each must have its own data, or the second to
see a text would find the first one's cached fingerprints. `run` sends, from one client with one
keep-alive connection per service, the query texts of bench/synth.py (half edited copies of articles
1..n, half fresh) to POST /v1/provenance of both (which goes first is drawn per text), then, with
--ingest K, articles n+1..n+K of the same stream to POST /v1/articles of both (so both indexes grow
alike). Per kind it prints each service's p50 and p99, the ratio of the p50s (b / a) and the median of
the per-request ratios, with the share of requests where b was faster, and how many query answers were
the same byte for byte (two commits that should answer alike). Every answer must be 200 or 201; the run
stops on anything else. Nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth


class Connection:
    """One keep-alive HTTP connection to a service on 127.0.0.1."""

    def __init__(self, base_url: str):
        parts = urllib.parse.urlsplit(base_url)
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=60)
        self.answers: list[bytes] = []  # each answer's body, in the order sent

    def post(self, path: str, payload: dict[str, Any]) -> float:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        started = time.perf_counter()
        self.conn.request("POST", path, body, {"Content-Type": "application/json"})
        response = self.conn.getresponse()
        data = response.read()
        seconds = time.perf_counter() - started
        if response.status not in (200, 201):
            raise SystemExit(f"{path} answered {response.status}: {data[:300]!r}")
        self.answers.append(data)
        return seconds


def clone(source: str, target: str) -> int:
    """Copy every key of the `source` database into the `target` database of the same server."""
    src = redis.Redis.from_url(source)
    target_db = redis.Redis.from_url(target).connection_pool.connection_kwargs.get("db", 0)
    copied = 0
    pipe = src.pipeline(transaction=False)
    for key in src.scan_iter(count=5000):
        pipe.copy(key, key, destination_db=target_db, replace=True)
        if len(pipe) >= 5000:
            copied += sum(pipe.execute())
    copied += sum(pipe.execute())
    return copied


def paired(a: Connection, b: Connection, path: str, payloads: list[dict[str, Any]]) -> tuple[list, list]:
    """Each payload to both services, in an order drawn per item (seeded): the second request of a pair
    runs while the first one's worker finishes its own work, so a fixed order would favour one side, and
    an order that alternates item by item would favour one side on every other item (query texts
    alternate match and fresh)."""
    order = random.Random(7)
    times_a, times_b = [], []
    for payload in payloads:
        if order.random() < 0.5:
            times_a.append(a.post(path, payload))
            times_b.append(b.post(path, payload))
        else:
            times_b.append(b.post(path, payload))
            times_a.append(a.post(path, payload))
    return times_a, times_b


def row(kind: str, times_a: list[float], times_b: list[float]) -> str:
    def pct(values: list[float], p: float) -> float:
        ordered = sorted(values)
        return 1000 * ordered[min(len(ordered) - 1, int(p * (len(ordered) - 1) + 0.5))]

    ratios = [tb / ta for ta, tb in zip(times_a, times_b, strict=True)]
    faster = sum(r < 1 for r in ratios) / len(ratios)
    a50, b50 = pct(times_a, 0.5), pct(times_b, 0.5)
    return (
        f"| {kind} | {len(ratios)} | {a50:.2f} | {b50:.2f} | {pct(times_a, 0.99):.2f} "
        f"| {pct(times_b, 0.99):.2f} | {b50 / a50:.3f} | {statistics.median(ratios):.3f} | {faster:.0%} |"
    )


def forget_fingerprints(url: str) -> int:
    """Empty a service's fingerprint cache (keys `*:fpc:*`), so that a repeated run computes again."""
    client = redis.Redis.from_url(url)
    deleted = 0
    for key in client.scan_iter(match="*:fpc:*", count=5000):
        deleted += client.delete(key)
    return deleted


def run(args: argparse.Namespace) -> int:
    for url in args.forget:
        forget_fingerprints(url)
    model = synth.Model(args.corpus)
    a, b = Connection(args.a), Connection(args.b)
    warm = [{"body": model.fresh(args.seed + 1, k)["body"]} for k in range(1, args.warm_up + 1)]
    paired(a, b, "/v1/provenance", warm)
    rows = ["| kind | n | a p50 ms | b p50 ms | a p99 | b p99 | b/a p50 | median b/a | b faster |"]
    rows.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    same = None
    if args.queries:
        queries = model.queries(args.seed, args.n, args.queries)
        payloads = [{"body": q["body"], "title": q["title"]} for q in queries]
        a.answers.clear()
        b.answers.clear()
        times_a, times_b = paired(a, b, "/v1/provenance", payloads)
        same = sum(x == y for x, y in zip(a.answers, b.answers, strict=True))
        for kind in ("match", "fresh"):
            picked = [i for i, q in enumerate(queries) if q["kind"] == kind]
            rows.append(row(f"query {kind}", [times_a[i] for i in picked], [times_b[i] for i in picked]))
        rows.append(row("query all", times_a, times_b))
    if args.ingest:
        start = args.n + 1
        articles = [model.article(args.seed, k) for k in range(start, start + args.ingest)]
        rows.append(row("ingest", *paired(a, b, "/v1/articles", articles)))
    print(f"a = {args.a}, b = {args.b}; {' '.join(sys.argv)}")
    print("\n".join(rows))
    if same is not None:
        print(f"query answers identical, byte for byte: {same}/{args.queries}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("clone", help="copy one Redis database into another")
    c.add_argument("--from", dest="source", required=True)
    c.add_argument("--to", dest="target", required=True)
    r = sub.add_parser("run", help="the paired requests")
    r.add_argument("--a", required=True, help="base URL of service a")
    r.add_argument("--b", required=True, help="base URL of service b")
    r.add_argument("--n", type=int, required=True, help="articles 1..n are indexed in both")
    r.add_argument("--queries", type=int, default=400, help="query texts, half matching (default 400)")
    r.add_argument("--ingest", type=int, default=0, help="articles n+1.. to ingest into both (default 0)")
    r.add_argument("--warm-up", type=int, default=30, help="fresh texts sent first, not counted")
    r.add_argument("--seed", type=int, default=1)
    r.add_argument(
        "--forget",
        action="append",
        default=[],
        metavar="REDIS_URL",
        help="empty this service database's fingerprint cache first (repeat for both): a repeated run "
        "would otherwise find the fingerprints of its texts cached",
    )
    r.add_argument("--corpus", type=Path, default=synth.BBC)
    args = parser.parse_args(argv)
    if args.command == "clone":
        print(f"copied {clone(args.source, args.target)} keys")
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
