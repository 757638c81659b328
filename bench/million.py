#!/usr/bin/env python3
"""Query cost as the index grows to a million articles: the index built fast, then queried over HTTP.

Ingesting a million articles over HTTP at the rates of bench/scale.py (100-200 articles/s on 2 cores) takes
2-3 hours, and the question here is not ingest but whether a query's cost grows with the index. So this
benchmark builds the index in-process, with the service's own code (`ProvenanceService.article_of`, then
`Index.add`: the same record, entries and atomic script as `POST /v1/articles`) but without tracing each
article's provenance first. For bench/synth.py articles that changes nothing stored: they share no passage
(`synth.py check`), so every one would be stored with no original, as this loader stores them.

At each checkpoint (say 100k and 1M articles) it measures, on a private redis-server (no persistence,
`zset-max-listpack-entries 4096` as docs/scaling.md advises):
- Redis bytes per article (INFO used_memory before the first article and at the checkpoint);
- `provenance serve` started on that Redis, queried over HTTP with bench/synth.py's query texts (half
  edited copies of indexed articles, half fresh articles): once by one client at a time (latency with the
  service otherwise idle, the figure to set beside the peer's in-process p50) and once by --clients
  concurrent clients (latency under load, and queries/s).

    python bench/synth.py articles --n 1000000 --out /tmp/syn-1m.ndjson     # ~17 min, 2.3 GB
    python bench/million.py --articles /tmp/syn-1m.ndjson --checkpoints 100000,1000000 --json /tmp/m.json

The loader runs --jobs processes (default: one per core); the service is stopped while it loads.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale
import synth
from quality import free_port, start_serve, stop_serve, wait_ready

PREFIX = "prov"
CHUNK = 200  # lines a loader process takes at a time

# ------------------------------------------------------------ the loader (in worker processes)

_SERVICE: Any = None


def _init_loader(redis_url: str) -> None:
    global _SERVICE
    from service.config import Config
    from service.core import ProvenanceService

    config = Config.from_env()
    _SERVICE = ProvenanceService(redis.Redis.from_url(redis_url), config)


def _store(lines: list[str]) -> int:
    """Store articles as POST /v1/articles does, less the provenance answer. Returns how many were new."""
    from service.core import content_hash_of
    from service.detect.align import Profile
    from service.detect.fingerprint import Fingerprints

    created = 0
    for line in lines:
        data = json.loads(line)
        data["format"] = "text"
        data["published_at"] = datetime.fromisoformat(data["published_at"].replace("Z", "+00:00"))
        text = _SERVICE.prepare(data["body"], "text")
        fingerprints, profile = Fingerprints.of(text), Profile(text)
        article = _SERVICE.article_of(
            data, data["id"], text, fingerprints, profile, None, datetime.now(UTC), content_hash_of(data)
        )
        created += _SERVICE.index.add(article)[0]
    return created


def load(redis_url: str, lines: Iterator[str], count: int, jobs: int) -> dict[str, Any]:
    """Store the next `count` articles of `lines` with `jobs` processes."""
    wanted = itertools.islice(lines, count)
    taken = iter(lambda: list(itertools.islice(wanted, CHUNK)), [])
    started, stored, last = time.monotonic(), 0, time.monotonic()
    with multiprocessing.get_context("fork").Pool(jobs, _init_loader, (redis_url,)) as pool:
        for created in pool.imap_unordered(_store, taken):
            stored += created
            if time.monotonic() - last > 60:
                last = time.monotonic()
                scale.log(f"loaded {stored}/{count}, {stored / (last - started):.0f} articles/s")
    seconds = time.monotonic() - started
    return {"articles": stored, "seconds": round(seconds, 1), "articles_per_s": stored / seconds}


# ------------------------------------------------------------ a checkpoint: memory, then queries over HTTP


def measure(args: argparse.Namespace, redis_url: str, n: int, baseline: int | None) -> dict[str, Any]:
    client = redis.Redis.from_url(redis_url)
    used = scale.used_memory(client)
    out: dict[str, Any] = {
        "articles": n,
        "used_memory": used,
        "bytes_per_article": (used - baseline) / n if baseline is not None else None,
        "dbsize": client.dbsize(),
    }
    client.close()
    queries = synth.Model().queries(args.seed, n, args.queries)
    data = Path(tempfile.mkdtemp(prefix="million-"))
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.update(
        REDIS_URL=redis_url,
        PROVENANCE_KEY_PREFIX=PREFIX,
        PROVENANCE_RATE_LIMIT="off",
        PROVENANCE_ACCESS_LOG="",
        PROVENANCE_DATA_DIR=str(data),
    )
    port = free_port()
    log_path = data / "serve.log"
    with log_path.open("wb") as log_file:
        server = start_serve(port, args.workers, env, log_file)
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_ready(base_url, server, timeout=120, log_path=log_path)
            # Warm each worker's word caches on texts that are not measured.
            scale.service_queries(_phase(args, 8), synth.Model().queries(args.seed + 1, n, 64), base_url)
            for clients in (1, args.clients):
                # The service caches a text's fingerprints (a CMS checks a draft several times): each
                # phase sends the same texts, so each starts on an empty cache, as a first sight of them.
                _forget_fingerprints(redis_url)
                scale.log(f"{n} articles: {len(queries)} queries, {clients} client(s)")
                out[f"queries_{clients}_clients"] = scale.service_queries(
                    _phase(args, clients), queries, base_url
                )
        finally:
            stop_serve(server)
    return out


def _forget_fingerprints(redis_url: str) -> None:
    """Empty the service's fingerprint cache (service/store/keys.py `fingerprint_cache`)."""
    from service.store.keys import Keys

    client = redis.Redis.from_url(redis_url)
    scale.delete_matching(client, f"{Keys(PREFIX).root}:fpc:*")
    client.close()


def stored_articles(client: redis.Redis) -> int:
    from service.store.index import Index
    from service.store.keys import Keys

    return Index(client, Keys(PREFIX, 1)).count()


def _phase(args: argparse.Namespace, clients: int) -> argparse.Namespace:
    return argparse.Namespace(clients=clients, max_seconds=args.max_seconds)


def report_table(checkpoints: list[dict[str, Any]]) -> str:
    def ms(q: dict[str, Any], group: str, p: str) -> str:
        value = q[group].get(p)
        return f"{value:.1f}" if value is not None else "-"

    rows = [
        "| articles | bytes/article | clients | query p50 ms | p95 | p99 | match p50 | fresh p50 "
        "| queries/s | named right | fresh none |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in checkpoints:
        for key in sorted(k for k in c if k.startswith("queries_")):
            q = c[key]
            per_article = f"{c['bytes_per_article']:,.0f}" if c["bytes_per_article"] else "-"
            rows.append(
                f"| {c['articles']:,} | {per_article} | {key.split('_')[1]} "
                f"| {ms(q, 'all', 'p50_ms')} | {ms(q, 'all', 'p95_ms')} | {ms(q, 'all', 'p99_ms')} "
                f"| {ms(q, 'match', 'p50_ms')} | {ms(q, 'fresh', 'p50_ms')} | {q['queries_per_s']:.0f} "
                f"| {q['match_named_right']:.3f} | {q['fresh_found_nothing']:.3f} |"
            )
    return "\n".join(rows)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=Path, help="NDJSON of bench/synth.py (default: made as needed)")
    parser.add_argument("--checkpoints", default="100000,1000000", help="index sizes to measure at")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="loader processes")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of the measured service")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients of the loaded phase")
    parser.add_argument("--queries", type=int, default=1000, help="query texts per phase, half matching")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-seconds", type=float, default=1800, help="per query phase")
    parser.add_argument("--redis-server", type=Path, default=scale.default_redis_server())
    parser.add_argument(
        "--redis-url",
        help="an otherwise idle Redis to load (empty) or measure (--measure-only), instead of a private one "
        "that ends with the run; give it zset-max-listpack-entries 4096",
    )
    parser.add_argument(
        "--resume",
        type=int,
        metavar="BASELINE_BYTES",
        help="with --redis-url: go on loading where an earlier run stopped (the articles stored there are "
        "skipped in the file); bytes per article are counted from BASELINE_BYTES, the used_memory of an "
        "empty server",
    )
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="with --redis-url: measure queries on the articles loaded there by an earlier run (the one "
        "--checkpoints size), with the code of this checkout",
    )
    parser.add_argument("--json", type=Path, help="write the whole report here")
    args = parser.parse_args(argv)
    args.sizes = sorted({int(x) for x in args.checkpoints.split(",")})
    if not args.sizes or args.sizes[0] < 1:
        parser.error("--checkpoints: positive article counts")
    if args.resume is not None and not args.redis_url:
        parser.error("--resume needs --redis-url")
    if args.measure_only and (not args.redis_url or len(args.sizes) != 1):
        parser.error("--measure-only needs --redis-url and one --checkpoints size")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ["PROVENANCE_KEY_PREFIX"] = PREFIX
    if args.articles:
        lines: Iterator[str] = args.articles.open(encoding="utf-8")
    else:
        lines = (
            line for chunk in synth.ndjson_chunks(args.sizes[-1], args.seed) for line in chunk.splitlines()
        )
    report: dict[str, Any] = {
        "command": " ".join(["python", *sys.argv]) if argv is None else " ".join(argv),
        "git": scale.git_state(),
        "cpus": os.cpu_count(),
        "loads": [],
        "checkpoints": [],
    }
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        if args.redis_url:
            redis_url = args.redis_url
        else:
            settings = scale.SERVICE_REDIS_SETTINGS
            redis_url = stack.enter_context(scale.PrivateRedis(args.redis_server, settings)).url
        client = redis.Redis.from_url(redis_url)
        report["redis"] = scale.redis_facts(client)
        if args.measure_only:
            report["checkpoints"].append(measure(args, redis_url, args.sizes[0], None))
            client.close()
        else:
            done = stored_articles(client)
            if done and args.resume is None:
                raise SystemExit(f"{redis_url} is not empty: give an empty Redis, --resume or --measure-only")
            baseline = scale.used_memory(client) if args.resume is None else args.resume
            client.close()
            lines = itertools.islice(lines, done, None)
            for size in (s for s in args.sizes if s >= done):
                scale.log(f"loading articles {done + 1}..{size} with {args.jobs} processes")
                loaded = load(redis_url, lines, size - done, args.jobs)
                report["loads"].append({"from": done, "to": size, **loaded})
                done += loaded["articles"]
                report["checkpoints"].append(measure(args, redis_url, done, baseline))
                scale.log("\n" + report_table(report["checkpoints"]))
                if args.json:
                    args.json.write_text(json.dumps(report, indent=2) + "\n")
    report["seconds"] = round(time.monotonic() - started, 1)
    print(report_table(report["checkpoints"]))
    for item in report["loads"]:
        print(f"loaded {item['from']}..{item['to']}: {item['articles_per_s']:.0f} articles/s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
