"""Instructions a request costs the service's Python, counted by callgrind: a measure the machine's load does
not move, for comparing two commits on a shared 2-core VM whose seconds drift by a third within the hour.

    .venv/bin/python bench/instructions.py prepare --redis-url redis://127.0.0.1:6379/9 --stored 2000
    .venv/bin/python bench/instructions.py count --redis-url redis://127.0.0.1:6379/9 --scratch 10 11 \\
        --kind ingest --n 100 [--root /tmp/base]

`prepare` stores synthetic articles 1..stored (bench/synth.py) in a Redis database through the service's
batch endpoint, in-process. `count` runs the service of `--root` (a checkout; this one by default) under
`valgrind --tool=callgrind` twice at once, each on its own copy of that database (`--scratch`: two database
numbers of the same server, emptied before and after): both build the app and send 150 queries of articles
stored+1..stored+150 to warm the per-word memos; one then sends `--n` requests of `--kind` (`ingest`:
POST /v1/articles of articles stored+201.., `query`: POST /v1/provenance of their bodies, `batch`: the
same articles to POST /v1/articles:batch in fifties, `text`: clean text, fingerprints and word signature
only, no HTTP). The difference of the two totals over `--n` is what one request costs; Redis's own work
is in another process and not counted. Two counts of one commit differ by up to ~0.6 M a request
(set orders follow each process's hash seed): compare commits by several millions, not by the last digit.
It needs valgrind (on every machine here) and takes about five minutes for 100 ingests.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import redis

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import paired  # noqa: E402  (bench/ is not a package)
import synth  # noqa: E402

WARM = 150
KINDS = ("ingest", "query", "batch", "text")


def prepare(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(BENCH.parent))
    from service.app import create_app

    redis.Redis.from_url(args.redis_url).flushdb()
    client = create_app({"redis_url": args.redis_url, "rate_limit": "off"}).test_client()
    batch: list[dict[str, str]] = []
    for article in synth.articles(synth.Model(), args.stored):
        batch.append(article)
        if len(batch) == 100 or article["id"] == synth.article_id(args.stored):
            response = client.post("/v1/articles:batch", json=batch)
            if response.status_code != 200:
                raise SystemExit(
                    f"batch answered {response.status_code}: {response.get_data(as_text=True)[:300]}"
                )
            batch = []
    print(f"stored articles 1..{args.stored} in {args.redis_url}")
    return 0


def inner(args: argparse.Namespace) -> int:
    """The measured process: a copy of the database, the warm-up, then `n` requests (0: the baseline)."""
    sys.path.insert(0, str(Path(args.root).resolve()))
    from service.app import create_app
    from service.detect.align import Profile, signature
    from service.detect.fingerprint import Fingerprints
    from service.detect.text import Text, clean_text

    scratch = redis.Redis.from_url(args.scratch_url)
    scratch.flushdb()
    try:
        paired.clone(args.redis_url, args.scratch_url)
        texts = list(synth.articles(synth.Model(), WARM + 50 + args.n, start=args.stored + 1))
        client = create_app({"redis_url": args.scratch_url, "rate_limit": "off"}).test_client()
        for article in texts[:WARM]:
            _expect(client.post("/v1/provenance", json={"body": article["body"]}), 200)
        todo = texts[WARM + 50 :][: args.n]
        if args.kind == "ingest":
            for article in todo:
                _expect(client.post("/v1/articles", json=article), 201)
        elif args.kind == "query":
            for article in todo:
                _expect(client.post("/v1/provenance", json={"body": article["body"]}), 200)
        elif args.kind == "batch":
            for i in range(0, len(todo), 50):
                _expect(client.post("/v1/articles:batch", json=todo[i : i + 50]), 200)
        else:
            for article in todo:
                text = Text(clean_text(article["body"]))
                Fingerprints.of(text)
                signature(Profile(text))
    finally:
        scratch.flushdb()
    return 0


def _expect(response: Any, status: int) -> None:
    if response.status_code != status:
        raise SystemExit(
            f"expected {status}, got {response.status_code}: {response.get_data(as_text=True)[:300]}"
        )


def count(args: argparse.Namespace) -> int:
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    if len(set(args.scratch)) != 2 or args.redis_url.rstrip("/").endswith(
        tuple(f"/{d}" for d in args.scratch)
    ):
        raise SystemExit("--scratch takes two database numbers, neither the one of --redis-url")
    base = args.redis_url.rsplit("/", 1)[0] if re.search(r"/\d+$", args.redis_url) else args.redis_url
    runs = [(n, f"{base}/{db}") for n, db in zip((0, args.n), args.scratch, strict=True)]
    with ThreadPoolExecutor(2) as pool:
        totals = dict(pool.map(lambda run: (run[0], _callgrind(args, *run)), runs))
    per = (totals[args.n] - totals[0]) / args.n
    commit = _commit(Path(args.root))
    print(
        f"{args.kind}: {per / 1e6:.2f} M instructions a request ({args.n} requests, {args.stored} stored, "
        f"root {args.root} at {commit}; totals {totals[0]:,} and {totals[args.n]:,})"
    )
    return 0


def _callgrind(args: argparse.Namespace, n: int, scratch_url: str) -> int:
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "inner", "--root", args.root, "--redis-url", args.redis_url,
        "--scratch-url", scratch_url, "--kind", args.kind, "--n", str(n), "--stored", str(args.stored),
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "PROVENANCE_ACCESS_LOG": ""}
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or not found:
        raise SystemExit(f"the run of {n} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def _commit(root: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "describe", "--always", "--dirty"], capture_output=True, text=True
    )
    return done.stdout.strip() or "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="store synthetic articles 1..--stored in a Redis database")
    p.add_argument("--redis-url", required=True)
    p.add_argument("--stored", type=int, default=2000)
    c = sub.add_parser("count", help="instructions a request costs, from two callgrind runs")
    c.add_argument("--redis-url", required=True, help="the database `prepare` filled (copied, never written)")
    c.add_argument(
        "--scratch", type=int, nargs=2, required=True, metavar="DB", help="two database numbers to copy it to"
    )
    c.add_argument("--stored", type=int, default=2000, help="what `prepare` stored (default 2000)")
    c.add_argument("--kind", choices=KINDS, default="ingest")
    c.add_argument("--n", type=int, default=100, help="requests measured (default 100)")
    c.add_argument("--root", default=str(BENCH.parent), help="the checkout whose service is measured")
    i = sub.add_parser("inner")  # the process callgrind runs
    for name in ("--root", "--redis-url", "--scratch-url"):
        i.add_argument(name, required=True)
    i.add_argument("--kind", choices=KINDS, required=True)
    i.add_argument("--n", type=int, required=True)
    i.add_argument("--stored", type=int, required=True)
    args = parser.parse_args(argv)
    return {"prepare": prepare, "count": count, "inner": inner}[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
