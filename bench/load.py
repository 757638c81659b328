#!/usr/bin/env python3
"""A bounded mixed load on loopback: C clients ingest articles and ask for provenance for S seconds, then
every acknowledged article is read back.

    python bench/load.py                                  # 60 s on a fresh `provenance serve` (2 workers)
    python bench/load.py --seconds 20 --clients 4         # shorter, fewer clients
    python bench/load.py --base-url http://127.0.0.1:8080 # a running service (its data gets the articles)

Without --base-url it starts `provenance serve --workers W` on a free port of 127.0.0.1 with its embedded
Redis in a temporary directory (removed afterwards), the rate limit off (every client shares one
address) and the access log off. Each client is a thread with one keep-alive connection (http.client);
each of its requests is an ingest (`POST /v1/articles`, share --ingest, default 0.7) or a query
(`POST /v1/provenance` of an acknowledged article with one paragraph cut). Texts: the BBC corpus
(../shared/corpora/bbc-news) in a seeded order, then synthetic articles of bench/synth.py (a bigram
model of the same corpus); without the corpus, texts of made-up words. Ids are `load/<run>/<n>`, new on
every run.

It prints throughput (requests/s by kind), latency p50/p95/p99 by kind, status counts, then reads every
acknowledged id back (`GET /v1/articles/{id}`, same clients). Exit status 1 when any request answered
5xx, failed at the connection, or an acknowledged article is not found: nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shlex
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth
from quality import free_port, start_serve, stop_serve, wait_ready

ROOT = Path(__file__).resolve().parents[1]


class Articles:
    """New articles, thread-safe: the corpus's files in a seeded order, then synthetic ones."""

    def __init__(self, seed: int, run: str):
        self.lock = threading.Lock()
        self.run, self.seed, self.n = run, seed, 0
        self.files = sorted(synth.BBC.glob("*/*.txt"))
        random.Random(seed).shuffle(self.files)
        self.model = synth.Model() if self.files else None  # ~4 s to train; done before the load starts
        self.source = "BBC corpus, then synth.py" if self.files else "made-up words (no BBC corpus)"

    def next(self) -> dict[str, str]:
        with self.lock:
            self.n += 1
            n = self.n
        article_id = f"load/{self.run}/{n}"
        if n <= len(self.files):
            title, *lines = synth._read(self.files[n - 1]).splitlines()
            body = "\n\n".join(line.strip() for line in lines if line.strip())
            return {"id": article_id, "title": title.strip(), "body": body}
        if self.model is not None:
            made = self.model.article(self.seed, n - len(self.files))
            return {"id": article_id, "title": made["title"], "body": made["body"]}
        return {"id": article_id, "title": f"Article {n}", "body": made_up_text(self.seed * 1_000_003 + n)}


def made_up_text(k: int) -> str:
    rng = random.Random(k)
    syllables = "ba ke li mo nu ra se ti vo da fe gi ho ju la me ni po ru sa te vi wo".split()
    paragraphs = []
    for _ in range(rng.randint(4, 7)):
        sentences = []
        for _ in range(rng.randint(2, 4)):
            words = ["".join(rng.choices(syllables, k=rng.randint(1, 4))) for _ in range(rng.randint(10, 24))]
            sentences.append(" ".join(words).capitalize() + ".")
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def query_text(body: str, rng: random.Random) -> str:
    """The article with one paragraph cut, as another site might run it."""
    paragraphs = body.split("\n\n")
    if len(paragraphs) > 2:
        del paragraphs[rng.randrange(1, len(paragraphs))]
    return "\n\n".join(paragraphs)


class Client:
    """One keep-alive connection; a request that fails on a reused connection (closed by the server while
    idle) is sent once more on a new one. Ingest and reads are idempotent, so the retry is safe."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.connection: HTTPConnection | None = None

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        for attempt in (1, 2):
            reused = self.connection is not None
            if self.connection is None:
                self.connection = HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.connection.request(method, path, body=payload, headers=headers)
                response = self.connection.getresponse()
                raw = response.read()
            except (OSError, HTTPException):
                self.close()
                if reused and attempt == 1:
                    continue
                return 0, None  # a connection failure: counted as status 0
            try:
                return response.status, json.loads(raw) if raw else None
            except ValueError:
                return response.status, None
        return 0, None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class Load:
    """The shared record: latencies and statuses by kind, and the acknowledged articles."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)
        self.acknowledged: list[tuple[str, str]] = []  # (id, body)
        self.found = Counter[str]()

    def record(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1


def drive(
    client: Client, load: Load, articles: Articles, args: argparse.Namespace, rng: random.Random
) -> None:
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        with load.lock:
            target = rng.choice(load.acknowledged) if load.acknowledged else None
        if target is None or rng.random() < args.ingest:
            article = articles.next()
            started = time.perf_counter()
            status, _ = client.request("POST", "/v1/articles", article)
            load.record("ingest", status, time.perf_counter() - started)
            if status in (200, 201):
                with load.lock:
                    load.acknowledged.append((article["id"], article["body"]))
        else:
            started = time.perf_counter()
            status, answer = client.request("POST", "/v1/provenance", {"body": query_text(target[1], rng)})
            load.record("query", status, time.perf_counter() - started)
            if status == 200:
                original = (answer.get("original") or {}).get("id")
                with load.lock:
                    load.found["own original" if original == target[0] else "other or none"] += 1
    client.close()


def verify(clients: list[Client], load: Load) -> list[str]:
    """GET every acknowledged id; the ids not found (or not answered 200)."""
    ids = iter([article_id for article_id, _ in load.acknowledged])
    lock = threading.Lock()
    lost: list[str] = []

    def run(client: Client) -> None:
        while True:
            with lock:
                article_id = next(ids, None)
            if article_id is None:
                break
            started = time.perf_counter()
            status, body = client.request("GET", "/v1/articles/" + quote(article_id, safe="/"))
            load.record("verify", status, time.perf_counter() - started)
            if status != 200 or (body or {}).get("id") != article_id:
                with lock:
                    lost.append(article_id)
        client.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return lost


def percentiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) == 1:
        return values[0], values[0], values[0]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def report(
    load: Load, elapsed: float, lost: list[str], args: argparse.Namespace, source: str
) -> dict[str, Any]:
    kinds = {}
    for kind in ("ingest", "query", "verify"):
        values = load.latencies.get(kind, [])
        if not values:
            continue
        p50, p95, p99 = percentiles(values)
        seconds = elapsed if kind != "verify" else None
        kinds[kind] = {
            "requests": len(values),
            "per_second": round(len(values) / seconds, 1) if seconds else None,
            "p50_ms": round(p50 * 1000, 1),
            "p95_ms": round(p95 * 1000, 1),
            "p99_ms": round(p99 * 1000, 1),
            "statuses": dict(sorted(load.statuses[kind].items())),
        }
    failures = sum(
        n for c in load.statuses.values() for status, n in c.items() if status >= 500 or status == 0
    )
    return {
        "seconds": round(elapsed, 1),
        "clients": args.clients,
        "ingest_share": args.ingest,
        "texts": source,
        "kinds": kinds,
        "queries_finding_their_article": dict(load.found),
        "acknowledged": len(load.acknowledged),
        "lost": len(lost),
        "lost_ids": lost[:20],
        "server_errors_or_failed_connections": failures,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
    }


def print_report(result: dict[str, Any], command: str) -> None:
    print(f"$ {command}")
    print(
        f"{result['seconds']} s, {result['clients']} clients, ingest share {result['ingest_share']}, "
        f"texts: {result['texts']}"
    )
    print(f"{'kind':<8} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses")
    for kind, k in result["kinds"].items():
        rate = f"{k['per_second']:.1f}" if k["per_second"] is not None else "-"
        statuses = ", ".join(f"{s}: {n}" for s, n in k["statuses"].items())
        print(
            f"{kind:<8} {k['requests']:>8} {rate:>7} {k['p50_ms']:>8.1f} {k['p95_ms']:>8.1f} "
            f"{k['p99_ms']:>8.1f}  {statuses}"
        )
    print(f"queries finding the article they were cut from: {result['queries_finding_their_article']}")
    print(
        f"acknowledged articles: {result['acknowledged']}, lost: {result['lost']}; 5xx or failed "
        f"connections: {result['server_errors_or_failed_connections']}"
    )
    load = ", ".join(f"{v:.2f}" for v in result["load_average"])
    print(f"load average at the end: {load} on {result['cpus']} CPUs (a shared machine slows every figure)")


@contextlib.contextmanager
def served(args: argparse.Namespace) -> Iterator[str]:
    """The base URL to load: --base-url, or a `provenance serve` started here on a fresh embedded Redis."""
    if args.base_url:
        yield args.base_url.rstrip("/")
        return
    data = Path(tempfile.mkdtemp(prefix="load-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(PROVENANCE_DATA_DIR=str(data / "redis"), PROVENANCE_ACCESS_LOG="", PROVENANCE_RATE_LIMIT="off")
    log_path = data / "serve.log"
    with log_path.open("wb") as log:
        server = start_serve(port, args.workers, env, log)
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_ready(base_url, server, timeout=90, log_path=log_path)
        yield base_url
    finally:
        stop_serve(server)
        if args.keep_log:
            shutil.copy(log_path, args.keep_log)
        shutil.rmtree(data, ignore_errors=True)


def run(args: argparse.Namespace) -> int:
    command = shlex.join([Path(sys.executable).name, *sys.argv])
    run_id = uuid.uuid4().hex[:8]
    articles = Articles(args.seed, run_id)
    with served(args) as base_url:
        address = urlsplit(base_url)
        host, port = address.hostname or "127.0.0.1", address.port or 80
        load = Load()
        clients = [Client(host, port) for _ in range(args.clients)]
        threads = [
            threading.Thread(
                target=drive, args=(c, load, articles, args, random.Random(args.seed * 1000 + i))
            )
            for i, c in enumerate(clients)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        lost = verify(clients, load)
    result = report(load, elapsed, lost, args, articles.source)
    print_report(result, command)
    if args.json:
        args.json.write_text(json.dumps({"command": command, **result}, indent=2))
    return 1 if result["lost"] or result["server_errors_or_failed_connections"] else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60, help="how long the mixed load runs (default 60)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--ingest", type=float, default=0.7, help="share of ingest requests (default 0.7)")
    parser.add_argument("--base-url", help="a running service instead of a fresh `provenance serve`")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers when serving (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="order of the corpus and the choices (default 1)")
    parser.add_argument("--json", type=Path, help="write the report here as JSON")
    parser.add_argument("--keep-log", type=Path, help="copy the service's log here when serving")
    args = parser.parse_args()
    if args.seconds <= 0 or args.clients < 1 or not 0 <= args.ingest <= 1:
        parser.error("--seconds must be positive, --clients at least 1, --ingest between 0 and 1")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
