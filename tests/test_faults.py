"""Redis away or hung: every endpoint answers 503 problem+json with Retry-After, fast, and the same app
answers again once Redis is back. Each test runs its own redis-server (tests/processes.py).

Nothing here measures time: a request made from a thread must have returned within JOIN_SECONDS
(a liveness check; PROVENANCE_REDIS_TIMEOUT is set far below it), whatever the machine's load."""

from __future__ import annotations

import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib

from service.store.keys import Keys
from tests.cluster import LocalCluster
from tests.factories import ORCHESTRA, make_article
from tests.processes import Apps, PrivateRedis, wait_for

JOIN_SECONDS = 5.0
REDIS_TIMEOUT = 0.5  # PROVENANCE_REDIS_TIMEOUT for these apps


@pytest.fixture
def store(tmp_path: Path) -> Iterator[PrivateRedis]:
    # AOF with fsync on every write, so what was stored before a kill is there after the restart.
    with PrivateRedis(tmp_path / "redis", "--appendonly", "yes", "--appendfsync", "always") as server:
        yield server


@pytest.fixture
def apps() -> Iterator[Apps]:
    built = Apps()
    yield built
    built.close()


@pytest.fixture
def app(store: PrivateRedis, apps: Apps) -> Any:
    return apps.build({"redis_url": store.url, "key_prefix": "faults", "redis_socket_timeout": REDIS_TIMEOUT})


def requests_on(article_id: str) -> dict[str, tuple[str, str, Any]]:
    """One request per endpoint that needs Redis (method, path, JSON body)."""
    return {
        "submit": ("post", "/v1/articles", make_article()),
        "get": ("get", f"/v1/articles/{article_id}", None),
        "listing": ("get", "/v1/articles?limit=5", None),
        "stored provenance": ("get", f"/v1/articles/{article_id}/provenance", None),
        "delete": ("delete", f"/v1/articles/{article_id}", None),
        "provenance query": ("post", "/v1/provenance", {"body": ORCHESTRA}),
        "batch": ("post", "/v1/articles:batch", [make_article(), make_article(body=ORCHESTRA)]),
        "readyz": ("get", "/readyz", None),
    }


def send_all(app: Any, requests: dict[str, tuple[str, str, Any]]) -> dict[str, Any]:
    """Every request at once, each from its own thread with its own test client; each must have
    returned within JOIN_SECONDS of the start."""
    responses: dict[str, Any] = {}
    failures: dict[str, BaseException] = {}

    def send(name: str, method: str, path: str, body: Any) -> None:
        try:
            responses[name] = getattr(app.test_client(), method)(path, json=body)
        except BaseException as err:  # reported below, in the test's thread
            failures[name] = err

    threads = {
        name: threading.Thread(target=send, args=(name, *request), daemon=True)
        for name, request in requests.items()
    }
    for thread in threads.values():
        thread.start()
    deadline = time.monotonic() + JOIN_SECONDS
    for thread in threads.values():
        thread.join(max(0.0, deadline - time.monotonic()))  # each within JOIN_SECONDS of the start
    hung = [name for name, thread in threads.items() if thread.is_alive()]
    assert not hung, f"no answer within {JOIN_SECONDS} s: {hung}"
    assert not failures, failures
    return responses


def assert_alive_without_redis(app: Any) -> None:
    """Liveness, the metrics (how an outage is seen) and the API document never wait for Redis."""
    independent = {
        "healthz": ("get", "/healthz", None),
        "metrics": ("get", "/metrics", None),
        "openapi": ("get", "/openapi.yaml", None),
    }
    for name, response in send_all(app, independent).items():
        assert response.status_code == 200, (name, response.status_code)


def assert_unavailable(responses: dict[str, Any]) -> None:
    for name, response in responses.items():
        assert response.status_code == 503, (name, response.status_code, response.get_data(as_text=True))
        assert response.mimetype == "application/problem+json", name
        assert int(response.headers["Retry-After"]) > 0, name
        problem = response.get_json()
        assert problem["status"] == 503 and problem["type"].endswith("/store-unavailable"), (name, problem)


def assert_serves_again(app: Any, article_id: str) -> None:
    """The same app object, never rebuilt, answers every endpoint once Redis answers."""
    client = app.test_client()
    wait_for("/readyz to answer 200", lambda: client.get("/readyz").status_code == 200)
    assert client.post("/v1/articles", json=make_article(body=ORCHESTRA)).status_code == 201
    assert client.get(f"/v1/articles/{article_id}").status_code == 200
    assert client.get(f"/v1/articles/{article_id}/provenance").status_code == 200
    assert client.post("/v1/provenance", json={"body": ORCHESTRA}).status_code == 200
    batch = client.post("/v1/articles:batch", json=[make_article(title="another")])
    assert batch.status_code == 200 and batch.get_json()["created"] == 1
    assert client.delete(f"/v1/articles/{article_id}").status_code == 204


def stored_article(app: Any) -> str:
    response = app.test_client().post("/v1/articles", json=make_article())
    assert response.status_code == 201
    return str(response.get_json()["id"])


def test_every_endpoint_answers_503_while_redis_is_down_then_recovers(app: Any, store: PrivateRedis) -> None:
    article_id = stored_article(app)
    store.kill()
    assert_unavailable(send_all(app, requests_on(article_id)))
    assert_alive_without_redis(app)
    store.start()  # same port, same directory: the append-only file is read back
    assert_serves_again(app, article_id)


def test_every_endpoint_answers_503_while_redis_hangs_then_recovers(app: Any, store: PrivateRedis) -> None:
    article_id = stored_article(app)
    store.pause()
    try:
        assert_unavailable(send_all(app, requests_on(article_id)))
        assert_alive_without_redis(app)
    finally:
        store.resume()
    assert_serves_again(app, article_id)


def test_a_full_redis_refuses_writes_with_503_and_still_answers_reads(
    store: PrivateRedis, apps: Apps
) -> None:
    """Redis at maxmemory (noeviction) refuses writes: a submission is a 503 (it was a 500), reads go on.
    With the rate limiter on (`limited`), every /v1 request writes its count to Redis, so a full Redis
    refuses reads too: 503 as well, never 500."""
    settings = {"redis_url": store.url, "key_prefix": "faults", "redis_socket_timeout": REDIS_TIMEOUT}
    limited, unlimited = apps.build(settings), apps.build({**settings, "rate_limit": "off"})
    article_id = stored_article(unlimited)
    with store.client() as admin:
        admin.config_set("maxmemory-policy", "noeviction")
        admin.config_set("maxmemory", 1)  # over the limit from now on: every write is refused (OOM)
        refused = send_all(unlimited, {"submit": requests_on(article_id)["submit"]})
        refused_limited = send_all(
            limited, {k: v for k, v in requests_on(article_id).items() if k != "readyz"}
        )
        client = unlimited.test_client()
        # Reads go on, a provenance query included (its fingerprint cache is not written, that is all).
        assert client.get(f"/v1/articles/{article_id}").status_code == 200
        assert client.get(f"/v1/articles/{article_id}/provenance").status_code == 200
        assert client.post("/v1/provenance", json={"body": ORCHESTRA}).status_code == 200
        assert client.get("/readyz").status_code == 200
        admin.config_set("maxmemory", 0)
    assert_unavailable(refused)
    assert_unavailable(refused_limited)
    assert_serves_again(unlimited, article_id)
    assert_serves_again(limited, stored_article(limited))


def test_a_redis_that_cannot_persist_refuses_writes_with_503(tmp_path: Path, apps: Apps) -> None:
    """MISCONF: Redis stops accepting writes when it cannot write to its disk (here: a snapshot fails
    because its directory is gone; a full disk does the same), so nothing is acknowledged that it could
    not keep."""
    directory = tmp_path / "doomed"
    with PrivateRedis(directory, "--save", "3600 1") as store:
        settings = {"redis_url": store.url, "key_prefix": "faults", "redis_socket_timeout": REDIS_TIMEOUT}
        app = apps.build({**settings, "rate_limit": "off"})  # it writes on reads too (see above)
        article_id = stored_article(app)
        shutil.rmtree(directory)
        with store.client() as admin:
            admin.bgsave()
            wait_for(
                "the snapshot to fail", lambda: admin.info("persistence")["rdb_last_bgsave_status"] == "err"
            )
            assert_unavailable(send_all(app, {"submit": requests_on(article_id)["submit"]}))
            assert app.test_client().get(f"/v1/articles/{article_id}").status_code == 200
            admin.config_set("save", "")  # the operator's way out; the service needs nothing
        assert_serves_again(app, article_id)


def test_a_hung_master_or_a_dead_redis_cluster_answers_503_and_a_resumed_one_serves(
    tmp_path: Path, apps: Apps
) -> None:
    """redis+cluster://: the master holding the articles hung, then every node dead, is a 503 like a
    single Redis (redis-py's cluster client retried 10 times by default, and its RedisClusterException
    was a 500). A cluster with every node hung is slower to give up: each request then also asks every
    node for the layout, one timeout each. The rate limiter is off here: its own cluster client
    (flask-limiter's storage) still retries 10 times."""
    cluster = LocalCluster(tmp_path / "cluster").start()
    try:
        settings = {"redis_url": cluster.url, "key_prefix": "faults", "redis_socket_timeout": REDIS_TIMEOUT}
        app = apps.build({**settings, "rate_limit": "off"})
        article_id = stored_article(app)
        with redis_lib.RedisCluster.from_url(cluster.url.replace("+cluster", "")) as client:
            holder = client.get_node_from_key(Keys("faults").tagged(0)).port  # every key of partition 0
        master = cluster.processes[cluster.ports.index(holder)]
        master.send_signal(signal.SIGSTOP)
        try:
            requests = requests_on(article_id)
            readyz = requests.pop("readyz")  # PING goes to any node: ready or not, but never hung
            assert_unavailable(send_all(app, requests))
            assert send_all(app, {"readyz": readyz})["readyz"].status_code in (200, 503)
        finally:
            master.send_signal(signal.SIGCONT)
        assert_serves_again(app, article_id)
        for process in cluster.processes:
            process.kill()
            process.wait()
        assert_unavailable(send_all(app, requests_on(article_id)))
    finally:
        cluster.stop()
