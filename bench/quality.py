#!/usr/bin/env python3
"""Start Provenance on a fresh embedded Redis and print the quality benchmark's table.

    python bench/quality.py                      # BBC benchmark (../shared/bench/evaluate.py), full corpus
    python bench/quality.py --clough             # also Clough & Stevenson (evaluate_clough.py)
    python bench/quality.py --limit 300          # a quick run: 300 corpus articles plus the cases' originals
    python bench/quality.py --json /tmp/r.json   # the whole report (every miss) as JSON
    python bench/quality.py --suites             # then every external suite of ../shared/bench/suites
    python bench/quality.py --only-suites --suite-json /tmp/s   # the suites alone, each report as JSON
    python bench/quality.py --only-suites --leave-out 0.3       # a third of the originals left out

Each external suite (evaluate_suite.py) runs on a service of its own, fresh, so that one suite's articles
never answer another's queries.

The service runs exactly as users start it (`provenance serve --workers 2`) on a free port, with its data
in a temporary directory that is removed afterwards; the benchmark talks to it over HTTP only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED_BENCH = ROOT.parent / "shared" / "bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_serve(port: int, workers: int, env: dict[str, str], out: Any) -> subprocess.Popen[bytes]:
    """`provenance serve` of this checkout on 127.0.0.1:port, as users run it, its output to `out`."""
    return subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def stop_serve(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM (gunicorn stops its workers and the embedded Redis), then SIGKILL after a minute."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wait_ready(
    url: str, server: subprocess.Popen[bytes], timeout: float = 60, log_path: Path | None = None
) -> None:
    """Until /readyz answers 200; the end of the server's log, if given, explains an early exit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:] if log_path else ""
            raise SystemExit(f"provenance serve exited before it was ready\n{tail}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("provenance serve was not ready in time")


def run(args: argparse.Namespace) -> int:
    if not (SHARED_BENCH / "evaluate.py").exists():
        raise SystemExit(f"{SHARED_BENCH / 'evaluate.py'} is absent: the benchmark lives in ../shared")
    status = 0 if args.only_suites else run_bbc(args)
    if status == 0 and (args.suites or args.only_suites):
        for suite in sorted((SHARED_BENCH / "suites").glob("*.jsonl")):
            copied: Path | None = None
            if args.leave_out:
                suite = copied = leave_out(suite, args.leave_out)
            try:
                command = [sys.executable, str(SHARED_BENCH / "evaluate_suite.py"), str(suite)]
                if args.suite_json:
                    args.suite_json.mkdir(parents=True, exist_ok=True)
                    command += ["--json", str(args.suite_json / f"{suite.stem}.json")]
                status = status or on_fresh_service(
                    args, lambda url, c=command: subprocess.call([*c, "--base-url", url])
                )
            finally:
                if copied is not None:  # leave_out's temporary directory, once its suite has run
                    shutil.rmtree(copied.parent, ignore_errors=True)
    return status


def leave_out(suite: Path, share: float) -> Path:
    """A copy of the suite without the originals of `share` of its queries (chosen by a seeded draw), whose
    answer must then be no original: texts derived from nothing indexed, written as the suite's are."""
    import json
    import random

    lines = [json.loads(line) for line in suite.read_text().splitlines() if line.strip()]
    expected = sorted({q["expect"] for q in lines if q["type"] == "query" and q["expect"]})
    gone = set(random.Random(19).sample(expected, int(len(expected) * share)))
    out = []
    for line in lines:
        if line["type"] == "article" and line["id"] in gone:
            continue
        if line["type"] == "query" and line["expect"] in gone:
            line = {**line, "kind": line["kind"] + "_left_out", "expect": None, "verdicts": ["none"]}
        out.append(line)
    path = Path(tempfile.mkdtemp(prefix="provenance-suite-")) / f"{suite.stem}-left-out.jsonl"
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in out))
    return path


def run_bbc(args: argparse.Namespace) -> int:
    def bbc(url: str) -> int:
        command = [sys.executable, str(SHARED_BENCH / "evaluate.py"), "--base-url", url]
        if args.limit:
            command += ["--limit", str(args.limit)]
        if args.json:
            command += ["--json", str(args.json)]
        status = subprocess.call(command)
        if args.clough and status == 0:
            status = subprocess.call(
                [sys.executable, str(SHARED_BENCH / "evaluate_clough.py"), "--base-url", url]
            )
        return status

    return on_fresh_service(args, bbc)


def on_fresh_service(args: argparse.Namespace, work: Any) -> int:
    """`work(url)` against a service started for it on a fresh embedded Redis, removed afterwards."""
    data = Path(tempfile.mkdtemp(prefix="provenance-bench-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    # One client sends thousands of requests a minute: the per-key rate limit would answer 429.
    env["PROVENANCE_RATE_LIMIT"] = "off"
    env.update(PROVENANCE_DATA_DIR=str(data / "redis"), PROVENANCE_ACCESS_LOG="")
    log = (data / "serve.log").open("wb")
    server = start_serve(port, args.workers, env, log)
    try:
        wait_ready(url, server)
        return int(work(url))
    finally:
        stop_serve(server)
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=0, help="index only the first N corpus articles")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--clough", action="store_true", help="also run evaluate_clough.py")
    parser.add_argument("--json", type=Path, help="write the BBC report here")
    parser.add_argument("--suites", action="store_true", help="also every suite of ../shared/bench/suites")
    parser.add_argument("--only-suites", action="store_true", help="the external suites, not the BBC")
    parser.add_argument("--suite-json", type=Path, help="a directory: each suite's report as NAME.json")
    parser.add_argument(
        "--leave-out",
        type=float,
        default=0.0,
        help="drop the originals of this share of each suite's queries, which must then get none",
    )
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
