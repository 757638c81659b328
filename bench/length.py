#!/usr/bin/env python3
"""What an ingest and a query cost against the length of the text, over HTTP, on a fresh service.

    .venv/bin/python bench/length.py                      # 2,000 BBC articles indexed, texts of 1k-200k chars
    .venv/bin/python bench/length.py --index 500 --repeat 3

The service runs as users start it (bench/quality.py `on_fresh_service`), with `--index` BBC articles
stored first (so that long texts meet candidates). Then, for each length, texts of that many characters
are submitted (POST /v1/articles) and asked about (POST /v1/provenance), `--repeat` times each, and the
median and worst wall time of each request are printed:
- real: consecutive BBC articles not indexed, joined until the length is reached (a long transcript or a
  digest: many stories, each of which shares vocabulary with the index);
- copy: stored BBC articles joined (every sentence of it is in the index: the most verification work);
- synthetic: the word-bigram model of bench/synth.py (no sentence of it is in the index).
A request is expected to grow about linearly with the text and to stay about a second at 200,000
characters (the service's limit: PROVENANCE_MAX_TEXT_CHARS), on one worker of this 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from random import Random
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import ROOT, on_fresh_service

BBC = ROOT.parent / "shared" / "corpora" / "bbc-news"
LENGTHS = (1_000, 5_000, 20_000, 50_000, 100_000, 200_000)


def post(url: str, payload: dict[str, Any]) -> tuple[int, float]:
    request = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            response.read()
            return response.status, time.perf_counter() - started
    except urllib.error.HTTPError as err:
        raise SystemExit(f"{url}: {err.code} {err.read().decode()[:300]}") from None


def joined(texts: list[str], length: int, start: int) -> str:
    out, at = [], start
    while sum(len(t) + 2 for t in out) < length:
        out.append(texts[at % len(texts)])
        at += 1
    return "\n\n".join(out)[: length - 1]


def run(url: str, args: argparse.Namespace, texts: list[str]) -> int:
    indexed, rest = texts[: args.index], texts[args.index :]
    for i, body in enumerate(indexed):
        post(url + "/v1/articles", {"id": f"bbc/{i}", "body": body, "published_at": "2005-01-01T00:00:00Z"})
    from synth import Model  # the model is built only when it is needed (a few seconds)

    model, rng = Model(BBC), Random(7)
    print(f"{args.index} BBC articles indexed; wall seconds per request, median / worst of {args.repeat}")
    print(f"{'chars':>8s} {'kind':10s} {'ingest p50':>10s} {'worst':>7s} {'query p50':>10s} {'worst':>7s}")
    n = 0
    for length in LENGTHS:
        for kind in ("real", "copy", "synthetic"):
            ingest, query = [], []
            for r in range(args.repeat):
                if kind == "real":
                    body = joined(rest, length, r * 37)
                elif kind == "copy":
                    body = joined(indexed, length, r * 41)
                else:
                    body = joined([model.body(rng) for _ in range(length // 1500 + 2)], length, 0)
                n += 1
                payload = {"id": f"len/{n}", "body": body, "published_at": "2006-01-01T00:00:00Z"}
                ingest.append(post(url + "/v1/articles", payload)[1])
                query.append(post(url + "/v1/provenance", {"body": body[:-5] + " End."})[1])
            print(
                f"{length:8d} {kind:10s} {statistics.median(ingest):10.3f} {max(ingest):7.3f} "
                f"{statistics.median(query):10.3f} {max(query):7.3f}",
                flush=True,
            )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=int, default=2000, help="BBC articles stored first (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="texts of each length and kind (default 3)")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers (default 1)")
    args = parser.parse_args()
    files = sorted(BBC.glob("*/*.txt"))
    if not files:
        raise SystemExit(f"no */*.txt under {BBC}: the corpus lives in ../shared/corpora")
    texts = [path.read_text(errors="replace") for path in files]
    Random(3).shuffle(texts)
    args.limit, args.json, args.clough = 0, None, False
    return on_fresh_service(args, lambda url: run(url, args, texts))


if __name__ == "__main__":
    sys.exit(main())
