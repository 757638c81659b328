"""An acknowledged article (201) survives kill -9 of Redis and of `provenance serve`, and a kill in the
middle of a batch leaves every article of it whole or absent, never half-written.

The private redis-server here runs with `--appendfsync always`: Redis then writes and fsyncs the
append-only file before it replies, so no acknowledged write has any window in which a crash could lose
it. With `everysec` (what the embedded Redis runs, see docs/operations.md "Durability and faults") a write
reaches the file before the reply too, but its fsync may come up to about a second later: a kill of the
process loses nothing, a crash of the machine may lose that last second. Only the process kill is tested here.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib

from service.store.keys import Keys
from tests.consistency import distinct_body, stored_articles
from tests.processes import Apps, PrivateRedis, ProvenanceServe, running, wait_for

AOF_ALWAYS = ("--appendonly", "yes", "--appendfsync", "always")
PREFIX = "durable"
KEYS = Keys(PREFIX, 1)


@pytest.fixture
def apps() -> Iterator[Apps]:
    built = Apps()
    yield built
    built.close()


def app_on(store: PrivateRedis, apps: Apps) -> Any:
    return apps.build({"redis_url": store.url, "key_prefix": PREFIX, "redis_socket_timeout": 1.0})


def stored_count(store: PrivateRedis) -> int:
    with store.client() as client:
        return int(client.get(KEYS.count(0)) or 0)


def test_kill_9_of_redis_loses_no_acknowledged_article(tmp_path: Path, apps: Apps) -> None:
    store = PrivateRedis(tmp_path / "redis", *AOF_ALWAYS).start()
    try:
        app = app_on(store, apps)
        acknowledged: list[str] = []
        last: list[int] = []

        def submit_until_refused() -> None:
            client = app.test_client()
            for n in range(10_000):
                response = client.post("/v1/articles", json={"id": f"d/{n}", "body": distinct_body(n)})
                last[:] = [response.status_code]
                if response.status_code != 201:
                    return
                acknowledged.append(f"d/{n}")

        writer = threading.Thread(target=submit_until_refused, daemon=True)
        writer.start()
        wait_for("a dozen articles stored", lambda: stored_count(store) >= 12)
        store.kill()  # while the writer is submitting
        writer.join(5)
        assert not writer.is_alive() and last == [503]
        store.start()  # same port, same directory: Redis reads its append-only file back

        client = app.test_client()
        for article_id in acknowledged:
            response = client.get(f"/v1/articles/{article_id}")
            assert response.status_code == 200, article_id
        with store.client() as redis:
            stored = stored_articles(redis, KEYS)
        # The article in flight at the kill may or may not have been stored; no other.
        assert set(acknowledged) <= set(stored) <= {*acknowledged, f"d/{len(acknowledged)}"}
    finally:
        store.stop()


def test_kill_9_of_provenance_serve_and_its_redis_loses_no_acknowledged_article(tmp_path: Path) -> None:
    serve = ProvenanceServe(tmp_path, workers=2)
    serve.start()
    try:
        acknowledged = []
        for n in range(16):
            status, body = serve.request("POST", "/v1/articles", {"id": f"s/{n}", "body": distinct_body(n)})
            assert status == 201, body
            acknowledged.append(body["id"])
        embedded = _embedded(tmp_path)
        # appendfsync everysec: each write goes to the AOF before its reply, unless a slow fsync made Redis
        # postpone it (then it sits in Redis's AOF buffer, and a kill would lose it). Wait until the buffer
        # is empty and no fsync is pending, i.e. everything acknowledged is in the file.
        wait_for("the embedded Redis to have written its AOF buffer", lambda: _aof_written(embedded))
        embedded.close()
        serve.kill_all()  # gunicorn master, workers and the embedded redis-server, all with SIGKILL

        serve.start()  # the same data directory
        assert_stored(serve, acknowledged, tmp_path)

        # kill -9 of the master alone: its redis-server must not outlive it (it would hold the data
        # directory's AOF beside the next one's); the kernel tells it to shut down cleanly.
        for n in range(16, 20):
            status, body = serve.request("POST", "/v1/articles", {"id": f"s/{n}", "body": distinct_body(n)})
            assert status == 201, body
            acknowledged.append(body["id"])
        with _embedded(tmp_path) as embedded:
            redis_pid = int(embedded.info("server")["process_id"])
        assert serve.process is not None
        os.kill(serve.process.pid, signal.SIGKILL)
        serve.process.wait(timeout=10)
        wait_for("the orphaned redis-server to exit", lambda: not running(redis_pid))
        serve.kill_all()  # the orphaned workers
        serve.start()
        assert_stored(serve, acknowledged, tmp_path)
    finally:
        serve.stop()


def _embedded(tmp_path: Path) -> redis_lib.Redis:
    return redis_lib.Redis(unix_socket_path=str(tmp_path / "data" / "redis.sock"), socket_timeout=5)


def assert_stored(serve: ProvenanceServe, acknowledged: list[str], tmp_path: Path) -> None:
    for article_id in acknowledged:
        status, body = serve.request("GET", f"/v1/articles/{article_id}")
        assert status == 200, (article_id, body)
    with _embedded(tmp_path) as redis:
        assert set(stored_articles(redis, Keys())) == set(acknowledged)


def _aof_written(client: redis_lib.Redis) -> bool:
    info = client.info("persistence")
    return bool(
        info["aof_enabled"] == 1
        and info["aof_last_write_status"] == "ok"
        and info["aof_buffer_length"] == 0
        and info["aof_pending_bio_fsync"] == 0
    )


def test_a_kill_in_the_middle_of_a_batch_leaves_each_article_whole_or_absent(
    tmp_path: Path, apps: Apps
) -> None:
    store = PrivateRedis(tmp_path / "redis", *AOF_ALWAYS).start()
    try:
        app = app_on(store, apps)
        batch = [{"id": f"b/{n:03d}", "body": distinct_body(1000 + n)} for n in range(150)]
        answer: list[Any] = []
        sender = threading.Thread(
            target=lambda: answer.append(app.test_client().post("/v1/articles:batch", json=batch)),
            daemon=True,
        )
        sender.start()
        wait_for("the first articles of the batch to be stored", lambda: stored_count(store) >= 5)
        store.kill()
        sender.join(5)
        assert not sender.is_alive() and answer[0].status_code == 503
        store.start()

        with store.client() as redis:
            stored = stored_articles(redis, KEYS)  # whole articles only (see tests/consistency.py)
        client = app.test_client()
        present = [item["id"] for item in batch if item["id"] in stored]
        assert 5 <= len(present) < len(batch)
        assert present == [item["id"] for item in batch[: len(present)]], "stored in order"
        for item in batch:
            response = client.get(f"/v1/articles/{item['id']}")
            if item["id"] in stored:
                assert response.status_code == 200
                found = client.post("/v1/provenance", json={"body": item["body"]}).get_json()
                assert found["original"]["id"] == item["id"] and found["verdict"] == "duplicate"
            else:
                assert response.status_code == 404
    finally:
        store.stop()


def test_a_redis_back_without_its_last_writes_never_gives_two_articles_one_number(
    tmp_path: Path, apps: Apps
) -> None:
    """A Redis that comes back without its last writes (no AOF here; in life a failover to a replica
    that lagged, or a machine crash inside the fsync window) sets the article counter back, while the
    processes that hold numbers taken before go on: no article may overwrite another's record."""
    store = PrivateRedis(tmp_path / "redis", "--appendonly", "no").start()
    try:
        settings = {"redis_url": store.url, "key_prefix": PREFIX, "rate_limit": "off"}
        first, second = apps.build(settings), apps.build(settings)  # two workers, each with its own client

        def submit(app: Any, n: int) -> None:
            response = app.test_client().post("/v1/articles", json={"id": f"n/{n}", "body": distinct_body(n)})
            assert response.status_code == 201

        submit(first, 1)
        store.kill()
        store.start()  # empty: the counter starts again from zero
        for n in (2, 3):
            submit(second, n)
        for n in (4, 5):
            submit(first, n)
        with store.client() as redis:
            stored = stored_articles(redis, KEYS)  # one number per id, one id per record
        assert sorted(stored) == ["n/2", "n/3", "n/4", "n/5"]
        client = second.test_client()
        for article_id in stored:
            assert client.get(f"/v1/articles/{article_id}").get_json()["id"] == article_id
    finally:
        store.stop()
