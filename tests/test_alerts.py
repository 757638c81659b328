"""Copy alerts end to end: watches made through the API, articles ingested through it, a real delivery
worker (`provenance worker`, a subprocess) over the test's Redis, and a real receiving HTTP server that
verifies each delivery's Standard Webhooks signature.

The receiver is on 127.0.0.1, so the worker runs with PROVENANCE_WEBHOOK_ALLOW_PRIVATE on, except in the
test that shows such an address refused. Retries are made fast with a small backoff base
(PROVENANCE_WEBHOOK_RETRY_BASE), never with sleeps; every wait polls with a deadline."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
from standardwebhooks import Webhook

from service.app import create_app
from service.config import AlertSettings
from service.store.keys import Keys
from tests.factories import HARBOUR, ORCHESTRA, make_article, with_boilerplate
from tests.processes import ROOT, wait_for
from tests.regression_texts import HOSPITAL, HOSPITAL_REWRITE

WIRE_DAY, COPY_DAY = "2026-04-14T07:00:00Z", "2026-04-14T10:30:00Z"


# ------------------------------------------------------------ a receiver and a worker


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def event_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 recording every POST; it answers the scripted statuses first, then 200.
    With `hold()`, the next request waits (unanswered) until `release()`."""

    received: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    held: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def hold(self) -> None:
        self.held = threading.Event()

    def release(self) -> None:
        if self.held is not None:
            self.held.set()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server names it
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    held, receiver.held = receiver.held, None
                receiver.arrived.set()
                if held is not None:
                    held.wait(timeout=30)
                with contextlib.suppress(OSError):  # the worker may be gone (killed)
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        wait_for(f"{count} deliveries to the receiver", lambda: len(self.received) >= count, timeout=timeout)
        return list(self.received)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), receiver.handler())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_port}/hooks/provenance?token=t1"
    try:
        yield receiver
    finally:
        receiver.release()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


FAST = {
    "PROVENANCE_WEBHOOK_ALLOW_PRIVATE": "true",
    "PROVENANCE_WEBHOOK_TIMEOUT": "2",
    "PROVENANCE_WEBHOOK_CONNECT_TIMEOUT": "1",
    "PROVENANCE_WEBHOOK_RETRY_BASE": "0.05",
    "PROVENANCE_WEBHOOK_CLAIM_AFTER": "3",
}


class WorkerProcess:
    """`provenance worker` over the test's Redis and key prefix, in a process of its own."""

    def __init__(self, redis_url: str, key_prefix: str, log: Path, **env: str):
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PROVENANCE_")}
        self.env.update(REDIS_URL=redis_url, PROVENANCE_KEY_PREFIX=key_prefix, PROVENANCE_LOG_FORMAT="text")
        self.env.update(FAST)
        self.env.update(env)
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "service.cli", "worker"],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def ready(self) -> WorkerProcess:
        """Wait until it reads the streams (its consumer groups exist, its loop runs)."""
        wait_for("the worker to start", lambda: "delivery worker" in self.log.read_text(errors="replace"))
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        assert self.process.returncode == 0, self.log.read_text(errors="replace")[-3000:]


@pytest.fixture
def start_worker(redis_url: str, key_prefix: str, tmp_path: Path) -> Iterator[Any]:
    started: list[WorkerProcess] = []

    def start(**env: str) -> WorkerProcess:
        worker = WorkerProcess(redis_url, key_prefix, tmp_path / f"worker{len(started)}.log", **env).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def app(app_config: dict[str, Any], redis: redis_lib.Redis) -> Any:
    """The app, allowing the receiver's loopback URL."""
    return create_app({**app_config, "alerts": AlertSettings(allow_private=True)})


def watch(client: Any, url: str, **what: Any) -> dict[str, Any]:
    answer = client.post("/v1/watches", json={"url": url, **what})
    assert answer.status_code == 201, answer.get_json()
    return dict(answer.get_json())


def submit(client: Any, **fields: Any) -> dict[str, Any]:
    answer = client.post("/v1/articles", json=make_article(**fields))
    assert answer.status_code == 201, answer.get_json()
    return dict(answer.get_json())


def verified(delivery: Received, secret: str) -> dict[str, Any]:
    """The payload, once its signature checks out with the watch's secret (as a receiver checks it)."""
    assert delivery.headers["content-type"] == "application/json"
    return dict(Webhook(secret).verify(delivery.body, delivery.headers))


def delivery_log(client: Any, watch_id: str) -> list[dict[str, Any]]:
    answer = client.get(f"/v1/watches/{watch_id}/deliveries")
    assert answer.status_code == 200
    return list(answer.get_json()["items"])


def logged(client: Any, watch_id: str, status: str) -> list[dict[str, Any]]:
    """Polls the delivery log until an entry has `status`; the log."""
    return wait_for(
        f"a {status} delivery in the log",
        lambda: (
            (items := delivery_log(client, watch_id)) and any(d["status"] == status for d in items) and items
        ),
    )


def queued(redis: redis_lib.Redis, key_prefix: str) -> int:
    """Events in the (single) partition's stream: what ingests queued and no worker has finished."""
    return int(redis.xlen(Keys(key_prefix).events(0)))


# ------------------------------------------------------------ events arrive, signed


def test_a_copy_of_a_watched_source_is_delivered_signed_with_its_evidence(
    client: Any, receiver: Receiver, start_worker: Any
) -> None:
    hooked = watch(client, receiver.url, sources=["Harbour Herald"])
    submit(client, id="harbour-herald/bridge", source="Harbour Herald", published_at=WIRE_DAY)
    copy = submit(
        client,
        id="coast-wire/bridge",
        source="Coast Wire",
        body=with_boilerplate(HARBOUR),
        published_at=COPY_DAY,
    )
    assert copy["provenance"]["original"]["id"] == "harbour-herald/bridge"
    start_worker()

    (delivery,) = receiver.wait_for(1)
    event = verified(delivery, hooked["secret"])
    assert event["type"] == "derivative.detected"
    data = event["data"]
    assert data["watch_id"] == hooked["id"]
    assert data["trigger"] == "ingest"
    assert data["article"]["id"] == "coast-wire/bridge"
    assert data["article"]["source"] == "Coast Wire"
    assert data["article"]["published_at"] == COPY_DAY
    assert data["original"]["id"] == "harbour-herald/bridge"
    assert data["relation"] == copy["provenance"]["verdict"]
    assert data["score"] == copy["provenance"]["score"]
    passages = data["evidence"]["passages"]
    assert passages and all(p["article_text"] and p["original_text"] for p in passages)
    assert any(p["article_text"] in HARBOUR for p in passages)
    assert delivery.event_id.startswith("evt_")
    assert delivery.headers["host"] == receiver.url.split("/")[2]  # sent to the checked address, named

    (entry,) = logged(client, hooked["id"], "delivered")
    assert (entry["event_id"], entry["attempts"], entry["last_status"]) == (delivery.event_id, 1, 200)
    assert entry["article_id"] == "coast-wire/bridge" and entry["original_id"] == "harbour-herald/bridge"


def test_a_rewrite_of_a_watched_article_is_delivered_as_a_rewrite(
    client: Any, receiver: Receiver, start_worker: Any
) -> None:
    hooked = watch(client, receiver.url, ids=["northbrook-news/strike"], relations=["rewrite"])
    submit(
        client, id="northbrook-news/strike", source="Northbrook News", body=HOSPITAL, published_at=WIRE_DAY
    )
    rewrite = submit(
        client, id="aggregator/strike", source="Aggregator", body=HOSPITAL_REWRITE, published_at=COPY_DAY
    )
    assert rewrite["provenance"]["verdict"] == "rewrite"
    start_worker()

    event = verified(receiver.wait_for(1)[0], hooked["secret"])
    assert event["data"]["relation"] == "rewrite"
    assert event["data"]["article"]["id"] == "aggregator/strike"
    assert event["data"]["original"]["id"] == "northbrook-news/strike"
    assert any(p["kind"] == "reworded" for p in event["data"]["evidence"]["passages"])


def test_a_backfilled_watched_original_is_told_of_the_copies_stored_before_it(
    client: Any, receiver: Receiver, start_worker: Any, redis: redis_lib.Redis, key_prefix: str
) -> None:
    hooked = watch(client, receiver.url, id_prefixes=["harbour-herald/"])
    submit(client, id="coast-wire/bridge", source="Coast Wire", published_at=COPY_DAY)
    assert queued(redis, key_prefix) == 0  # nothing watched is named yet
    original = submit(client, id="harbour-herald/2026/bridge", source="Harbour Herald", published_at=WIRE_DAY)
    assert original["provenance"]["original"] is None  # the backfill is the earliest
    assert client.get("/v1/articles/coast-wire/bridge").get_json()["lineage"]["original"] == original["id"]
    start_worker()

    event = verified(receiver.wait_for(1)[0], hooked["secret"])
    assert event["data"]["trigger"] == "backfill"
    assert event["data"]["article"]["id"] == "coast-wire/bridge"
    assert event["data"]["original"]["id"] == "harbour-herald/2026/bridge"
    assert event["data"]["relation"] == "duplicate"


def test_a_batch_ingested_copy_is_delivered(client: Any, receiver: Receiver, start_worker: Any) -> None:
    hooked = watch(client, receiver.url, ids=["harbour-herald/bridge"])
    batch = [
        make_article(id="harbour-herald/bridge", published_at=WIRE_DAY),
        make_article(id="orchestra", body=ORCHESTRA, published_at=WIRE_DAY),
        make_article(id="metro/bridge", body=with_boilerplate(HARBOUR), published_at=COPY_DAY),
    ]
    answer = client.post("/v1/articles:batch", json=batch)
    assert answer.get_json()["created"] == 3
    start_worker()

    (delivery,) = receiver.wait_for(1)
    assert verified(delivery, hooked["secret"])["data"]["article"]["id"] == "metro/bridge"


def test_events_for_unwatched_articles_are_not_sent(
    client: Any, receiver: Receiver, start_worker: Any, redis: redis_lib.Redis, key_prefix: str
) -> None:
    hooked = watch(client, receiver.url, sources=["Harbour Herald"], ids=["orchestra/tour"])
    submit(client, id="gazette/bridge", source="Test Gazette", published_at=WIRE_DAY)
    submit(client, id="metro/bridge", source="Metro", body=with_boilerplate(HARBOUR), published_at=COPY_DAY)
    submit(client, id="orchestra/tour", source="Arts Desk", body=ORCHESTRA, published_at=WIRE_DAY)
    assert queued(redis, key_prefix) == 0  # the copy names only an unwatched article; the watched one none
    start_worker()
    # Then one watched copy: the only delivery, after the unwatched ones would have come.
    submit(
        client, id="wire/tour", source="Wire", body=ORCHESTRA + "\n\nMore to follow.", published_at=COPY_DAY
    )
    (delivery,) = receiver.wait_for(1)
    assert verified(delivery, hooked["secret"])["data"]["original"]["id"] == "orchestra/tour"
    logged(client, hooked["id"], "delivered")
    assert len(receiver.received) == 1


# ------------------------------------------------------------ at least once


def test_a_receiver_answering_500_gets_the_event_again_with_the_same_id(
    client: Any, receiver: Receiver, start_worker: Any
) -> None:
    receiver.answers = [500]
    hooked = watch(client, receiver.url, sources=["Harbour Herald"])
    submit(client, id="hh/bridge", source="Harbour Herald", published_at=WIRE_DAY)
    submit(client, id="copy/bridge", source="Copy", body=with_boilerplate(HARBOUR), published_at=COPY_DAY)
    start_worker()

    first, second = receiver.wait_for(2)
    assert first.event_id == second.event_id
    assert first.body == second.body
    assert verified(first, hooked["secret"]) == verified(second, hooked["secret"])
    (entry,) = logged(client, hooked["id"], "delivered")
    assert (entry["attempts"], entry["last_status"], entry["last_error"]) == (2, 200, None)
    watched = client.get(f"/v1/watches/{hooked['id']}").get_json()
    assert (watched["status"], watched["failing_since"]) == ("active", None)  # a success clears it


def test_a_worker_killed_mid_delivery_loses_no_event(
    client: Any, receiver: Receiver, start_worker: Any, redis: redis_lib.Redis, key_prefix: str
) -> None:
    hooked = watch(client, receiver.url, sources=["Harbour Herald"])
    submit(client, id="hh/bridge", source="Harbour Herald", published_at=WIRE_DAY)
    submit(client, id="copy/bridge", source="Copy", body=with_boilerplate(HARBOUR), published_at=COPY_DAY)
    receiver.hold()  # the first delivery gets no answer: the worker is in the middle of it
    doomed = start_worker()
    wait_for("the first delivery to arrive", receiver.arrived.is_set)
    doomed.kill()  # kill -9, mid-delivery
    receiver.release()
    assert queued(redis, key_prefix) == 1  # still in the stream, pending for the dead worker

    start_worker()  # takes the event over once it has been pending PROVENANCE_WEBHOOK_CLAIM_AFTER
    first, second = receiver.wait_for(2)
    assert first.event_id == second.event_id
    verified(second, hooked["secret"])
    (entry,) = logged(client, hooked["id"], "delivered")
    assert entry["event_id"] == first.event_id
    wait_for("the stream to be empty", lambda: queued(redis, key_prefix) == 0)


def test_a_worker_killed_during_a_retry_loses_no_event(
    client: Any, receiver: Receiver, start_worker: Any, redis: redis_lib.Redis, key_prefix: str
) -> None:
    receiver.answers = [503]
    hooked = watch(client, receiver.url, sources=["Harbour Herald"])
    submit(client, id="hh/bridge", source="Harbour Herald", published_at=WIRE_DAY)
    submit(client, id="copy/bridge", source="Copy", body=with_boilerplate(HARBOUR), published_at=COPY_DAY)
    doomed = start_worker(PROVENANCE_WEBHOOK_RETRY_BASE="1")
    receiver.wait_for(1)
    receiver.hold()  # the retry (from the schedule, leased) gets no answer
    wait_for("the retry to arrive", lambda: len(receiver.received) >= 2)
    doomed.kill()
    receiver.release()

    start_worker()  # the lease runs out after PROVENANCE_WEBHOOK_CLAIM_AFTER, and the event is due again
    deliveries = receiver.wait_for(3)
    assert len({d.event_id for d in deliveries}) == 1
    (entry,) = logged(client, hooked["id"], "delivered")
    assert entry["last_status"] == 200
    assert redis.zcard(Keys(key_prefix).retries(0)) == 0


def test_a_watch_that_keeps_failing_is_disabled_and_says_so(
    client: Any, receiver: Receiver, start_worker: Any, redis: redis_lib.Redis, key_prefix: str
) -> None:
    receiver.answers = [500] * 1000
    hooked = watch(client, receiver.url, sources=["Harbour Herald"])
    start_worker(PROVENANCE_WEBHOOK_RETRY_FOR="1.5", PROVENANCE_WEBHOOK_RETRY_MAX="0.1").ready()
    submit(client, id="hh/bridge", source="Harbour Herald", published_at=WIRE_DAY)
    submit(client, id="copy/bridge", source="Copy", body=with_boilerplate(HARBOUR), published_at=COPY_DAY)

    (entry,) = logged(client, hooked["id"], "failed")
    assert entry["attempts"] >= 2 and entry["last_status"] == 500 and entry["last_error"] == "HTTP 500"
    watched = client.get(f"/v1/watches/{hooked['id']}").get_json()
    assert watched["status"] == "disabled"
    assert watched["disabled_at"] is not None
    assert "HTTP 500" in watched["disabled_reason"]
    # A disabled watch is no longer matched: the next copy queues nothing.
    submit(
        client,
        id="copy2/bridge",
        source="Copy 2",
        body=with_boilerplate(HARBOUR) + "\n\nEnd.",
        published_at=COPY_DAY,
    )
    assert queued(redis, key_prefix) == 0


# ------------------------------------------------------------ safety


def test_a_private_address_is_refused_at_creation_unless_allowed(
    app_config: dict[str, Any], redis: redis_lib.Redis
) -> None:
    client = create_app(app_config).test_client()  # PROVENANCE_WEBHOOK_ALLOW_PRIVATE off
    for url in (
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "https://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://192.168.0.10/hook",
    ):
        answer = client.post("/v1/watches", json={"url": url, "sources": ["Harbour Herald"]})
        assert answer.status_code == 422, url
        assert "private addresses are not allowed" in answer.get_json()["errors"]["url"][0], url
    allowed = create_app({**app_config, "alerts": AlertSettings(allow_private=True)}).test_client()
    answer = allowed.post("/v1/watches", json={"url": "http://127.0.0.1:8080/hook", "sources": ["H"]})
    assert answer.status_code == 201


def test_a_private_address_is_refused_at_delivery_unless_allowed(
    client: Any, receiver: Receiver, start_worker: Any
) -> None:
    hooked = watch(client, receiver.url, sources=["Harbour Herald"])  # the app allows it; the worker not
    submit(client, id="hh/bridge", source="Harbour Herald", published_at=WIRE_DAY)
    submit(client, id="copy/bridge", source="Copy", body=with_boilerplate(HARBOUR), published_at=COPY_DAY)
    start_worker(PROVENANCE_WEBHOOK_ALLOW_PRIVATE="false")

    (entry,) = logged(client, hooked["id"], "retrying")
    assert entry["last_error"].startswith("refused: ")
    assert "127.0.0.1 is a loopback address" in entry["last_error"]
    assert entry["last_status"] is None
    assert receiver.received == []  # no request was sent


def test_a_receiver_that_never_answers_costs_one_timeout(
    client: Any, receiver: Receiver, start_worker: Any
) -> None:
    hooked = watch(client, receiver.url, sources=["Harbour Herald"])
    submit(client, id="hh/bridge", source="Harbour Herald", published_at=WIRE_DAY)
    submit(client, id="copy/bridge", source="Copy", body=with_boilerplate(HARBOUR), published_at=COPY_DAY)
    receiver.hold()
    start_worker(PROVENANCE_WEBHOOK_RETRY_BASE="60")

    (entry,) = logged(client, hooked["id"], "retrying")
    assert entry["last_error"] == "no answer within 2 s"
    assert entry["next_attempt_at"] is not None


# ------------------------------------------------------------ observability


def test_metrics_count_deliveries_by_outcome_and_the_queue(
    client: Any, receiver: Receiver, start_worker: Any
) -> None:
    receiver.answers = [500]
    watch(client, receiver.url, sources=["Harbour Herald"])
    submit(client, id="hh/bridge", source="Harbour Herald", published_at=WIRE_DAY)
    submit(client, id="copy/bridge", source="Copy", body=with_boilerplate(HARBOUR), published_at=COPY_DAY)
    before = client.get("/metrics").get_data(as_text=True)
    assert 'provenance_webhook_queue_depth{state="new"} 1.0' in before
    assert 'provenance_webhook_deliveries_total{outcome="delivered"} 0.0' in before
    start_worker()
    receiver.wait_for(2)

    def counted() -> bool:
        text = client.get("/metrics").get_data(as_text=True)
        return (
            'provenance_webhook_deliveries_total{outcome="delivered"} 1.0' in text
            and 'provenance_webhook_deliveries_total{outcome="retried"} 1.0' in text
            and 'provenance_webhook_queue_depth{state="new"} 0.0' in text
            and 'provenance_webhook_queue_depth{state="retrying"} 0.0' in text
        )

    wait_for("the metrics to count both attempts", counted)


def test_the_payload_is_json_as_documented(client: Any, receiver: Receiver, start_worker: Any) -> None:
    hooked = watch(client, receiver.url, ids=["hh/bridge"])
    submit(client, id="hh/bridge", source="Harbour Herald", title="Bridge to close", published_at=WIRE_DAY)
    submit(client, id="copy/bridge", source="Copy", body=with_boilerplate(HARBOUR), published_at=COPY_DAY)
    start_worker()
    event = json.loads(receiver.wait_for(1)[0].body)
    assert set(event) == {"type", "timestamp", "data"}
    assert set(event["data"]) == {
        *("watch_id", "trigger", "article", "original", "relation", "score", "via", "evidence"),
    }
    assert set(event["data"]["original"]) == {"id", "title", "source", "url", "published_at"}
    assert event["data"]["original"]["title"] == "Bridge to close"
    assert set(event["data"]["evidence"]) == {"passages", "passages_total", "quotes"}
    verified(receiver.received[0], hooked["secret"])
