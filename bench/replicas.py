#!/usr/bin/env python3
"""Two service instances on one Redis: the service keeps no state of its own, so replicas add throughput.

    python bench/replicas.py --n 4000            # one instance of 2 workers, then two of 1 worker each

Each layout ingests the same N synthetic articles (bench/synth.py) with 4 concurrent clients spread over
its instances, then asks for the provenance of edited copies of some of them *through the other
instance* than the one that stored them. It prints articles/s and whether every copy was traced to the
right original. All traffic stays on 127.0.0.1; the Redis is a private redis-server (no persistence).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth
from quality import free_port, start_serve, stop_serve, wait_ready
from scale import PrivateRedis, default_redis_server

ROOT = Path(__file__).resolve().parents[1]


def post(url: str, path: str, payload: dict) -> dict:
    request = urllib.request.Request(
        url + path,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def start_service(redis_url: str, workers: int, prefix: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "REDIS_URL": redis_url, "PROVENANCE_KEY_PREFIX": prefix, "PROVENANCE_ACCESS_LOG": ""}
    env["PROVENANCE_RATE_LIMIT"] = "off"  # one client, thousands of requests a minute
    log = open(os.environ.get("REPLICAS_LOG", os.devnull), "ab")  # noqa: SIM115 - kept for the process
    process = start_serve(port, workers, env, log)
    url = f"http://127.0.0.1:{port}"
    wait_ready(url, process)
    return process, url


def run_layout(name: str, urls: list[str], articles: list[dict], probes: list[tuple[int, dict]]) -> dict:
    t0 = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda ia: post(urls[ia[0] % len(urls)], "/v1/articles", ia[1]), enumerate(articles)))
    ingest_s = time.perf_counter() - t0
    right = 0
    for k, query in probes:  # through the instance that did NOT store article k
        answer = post(urls[(k + 1) % len(urls)], "/v1/provenance", {"body": query["body"]})
        right += (answer.get("original") or {}).get("id") == query["expect"]
    return {
        "layout": name,
        "articles": len(articles),
        "ingest_per_s": round(len(articles) / ingest_s, 1),
        "copies_traced": f"{right}/{len(probes)}",
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--probes", type=int, default=100)
    args = parser.parse_args()
    model = synth.Model()
    articles = [model.article(1, k) for k in range(1, args.n + 1)]
    step = max(1, args.n // args.probes)
    probes = [
        (k - 1, {"body": model.edited(1, articles[k - 1], k), "expect": articles[k - 1]["id"]})
        for k in range(1, args.n + 1, step)
    ]
    results = []
    with PrivateRedis(default_redis_server()) as private_redis:
        redis_url = private_redis.url
        for name, layout in (("1 instance x 2 workers", [2]), ("2 instances x 1 worker", [1, 1])):
            prefix = f"replicas{len(results)}"
            services = [start_service(redis_url, workers, prefix) for workers in layout]
            try:
                results.append(run_layout(name, [url for _, url in services], articles, probes))
            finally:
                for process, _ in services:
                    stop_serve(process)
    print(f"python bench/replicas.py --n {args.n} --probes {args.probes}")
    for r in results:
        print(
            f"{r['layout']:24s} {r['ingest_per_s']:7.1f} articles/s   copies traced through the other "
            f"instance: {r['copies_traced']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
