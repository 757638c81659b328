"""Races on a real `provenance serve` with two gunicorn workers (two threads each): concurrent
submissions of one id store one article, deletes racing reads and queries answer consistently, and the
index never keeps an entry of an article that is not whole (tests/consistency.py)."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis as redis_lib

from service.store.keys import Keys
from tests.consistency import distinct_body, stored_articles
from tests.processes import ProvenanceServe

T = TypeVar("T")
CLIENTS = 16
JOIN_SECONDS = 120.0  # a liveness bound for a whole race on a loaded machine, not a timing


@pytest.fixture(scope="module")
def served(
    redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ProvenanceServe, Keys]]:
    """One service for the module, on the tests' Redis under a key prefix of its own."""
    prefix = f"provrace{uuid.uuid4().hex[:8]}"
    env = {"REDIS_URL": redis_url, "PROVENANCE_KEY_PREFIX": prefix}
    with ProvenanceServe(tmp_path_factory.mktemp("races"), env=env, workers=2) as serve:
        yield serve, Keys(prefix)
    with redis_lib.Redis.from_url(redis_url) as client:
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)


@pytest.fixture
def serve(served: tuple[ProvenanceServe, Keys]) -> ProvenanceServe:
    return served[0]


@pytest.fixture
def whole_articles(served: tuple[ProvenanceServe, Keys], redis_url: str) -> Callable[[], dict[str, Any]]:
    """The stored articles of the module's prefix, after checking that each is whole and nothing else
    is in the index."""

    def check() -> dict[str, Any]:
        with redis_lib.Redis.from_url(redis_url) as client:
            return stored_articles(client, served[1])

    return check


def race(count: int, action: Callable[[int], T]) -> list[T]:
    """`action(i)` for i in 0..count-1, each in its own thread, all released at once by a barrier."""
    barrier = threading.Barrier(count)
    results: dict[int, T] = {}
    errors: dict[int, BaseException] = {}

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = action(i)
        except BaseException as err:  # reported in the test's thread
            errors[i] = err

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "a client is still waiting for its answer"
    assert not errors, errors
    return [results[i] for i in range(count)]


def test_one_id_submitted_by_16_clients_at_once_is_created_once(
    serve: ProvenanceServe, whole_articles: Callable[[], dict[str, Any]]
) -> None:
    article = {"id": "race/same", "title": "Same", "body": distinct_body(1)}
    answers = race(CLIENTS, lambda _: serve.request("POST", "/v1/articles", article))
    assert sorted(status for status, _ in answers) == [200] * (CLIENTS - 1) + [201]
    assert len({(body["id"], body["received_at"], body["fingerprint"]) for _, body in answers}) == 1
    assert "race/same" in whole_articles()


def test_one_id_with_different_contents_at_once_keeps_one_and_conflicts_the_others(
    serve: ProvenanceServe, whole_articles: Callable[[], dict[str, Any]]
) -> None:
    variants = [
        {"id": "race/contested", "title": f"variant {v}", "body": distinct_body(10 + v)} for v in range(4)
    ]
    answers = race(CLIENTS, lambda i: serve.request("POST", "/v1/articles", variants[i % 4]))
    statuses = Counter(status for status, _ in answers)
    assert statuses[201] == 1 and set(statuses) <= {200, 201, 409}, statuses
    winner = next(i % 4 for i, (status, _) in enumerate(answers) if status == 201)
    for i, (status, body) in enumerate(answers):
        if i % 4 == winner:
            assert status in (200, 201) and body["title"] == f"variant {winner}"
        else:
            assert status == 409 and body["type"].endswith("/conflict")
    status, stored = serve.request("GET", "/v1/articles/race/contested")
    assert status == 200 and stored["title"] == f"variant {winner}"
    assert "race/contested" in whole_articles()


def test_deletes_racing_reads_and_queries_answer_consistently(
    serve: ProvenanceServe, whole_articles: Callable[[], dict[str, Any]]
) -> None:
    articles = [{"id": f"race/del/{n}", "body": distinct_body(100 + n)} for n in range(6)]
    for article in articles:
        assert serve.request("POST", "/v1/articles", article)[0] == 201
    deleters = 2 * len(articles)  # two clients delete each article

    def act(i: int) -> list[tuple[str, str, int, Any]]:
        if i < deleters:
            article = articles[i % len(articles)]
            status, _ = serve.request("DELETE", f"/v1/articles/{article['id']}")
            return [("delete", article["id"], status, None)]
        seen = []
        for _ in range(2):
            for article in articles:
                for kind, method, path, body in (
                    ("get", "GET", f"/v1/articles/{article['id']}", None),
                    ("stored provenance", "GET", f"/v1/articles/{article['id']}/provenance", None),
                    ("query", "POST", "/v1/provenance", {"body": article["body"]}),
                    ("listing", "GET", "/v1/articles?limit=20", None),
                ):
                    status, answer = serve.request(method, path, body)
                    seen.append((kind, article["id"], status, answer))
        return seen

    answers = [a for per_client in race(deleters + 4, act) for a in per_client]
    assert not [a[:3] for a in answers if a[2] >= 500]
    for article in articles:
        deletes = sorted(
            status for kind, aid, status, _ in answers if kind == "delete" and aid == article["id"]
        )
        assert deletes == [204, 404], (article["id"], deletes)
    for kind, article_id, status, answer in answers:
        if kind in ("get", "stored provenance"):
            assert status in (200, 404), (kind, article_id, status, answer)
            if status == 404:
                assert answer["type"].endswith("/not-found")
        elif kind == "listing":
            # Articles gone meanwhile are left out, never half there.
            assert status == 200 and all(item["text"] for item in answer["items"]), answer
        elif kind == "query":
            # Each text is unrelated to the others: it finds its own article while stored, else nothing.
            assert status == 200
            original = answer["original"]
            assert original is None or original["id"] == article_id, (article_id, answer)
    for article in articles:
        assert serve.request("GET", f"/v1/articles/{article['id']}")[0] == 404
        assert serve.request("POST", "/v1/provenance", {"body": article["body"]})[1]["original"] is None
    assert not {a["id"] for a in articles} & set(whole_articles())


def test_resubmitting_while_deleting_one_id_leaves_it_whole_or_absent(
    serve: ProvenanceServe, whole_articles: Callable[[], dict[str, Any]]
) -> None:
    article = {"id": "race/churn", "body": distinct_body(200)}

    def act(i: int) -> list[int]:
        method, body = ("POST", article) if i % 2 == 0 else ("DELETE", None)
        path = "/v1/articles" if i % 2 == 0 else "/v1/articles/race/churn"
        return [serve.request(method, path, body)[0] for _ in range(6)]

    answers = race(6, act)
    submits = {s for i, statuses in enumerate(answers) if i % 2 == 0 for s in statuses}
    deletes = {s for i, statuses in enumerate(answers) if i % 2 == 1 for s in statuses}
    assert submits <= {200, 201} and deletes <= {204, 404}, (submits, deletes)
    stored = "race/churn" in whole_articles()
    assert serve.request("GET", "/v1/articles/race/churn")[0] == (200 if stored else 404)


def test_the_index_holds_whole_articles_only_after_the_races(
    whole_articles: Callable[[], dict[str, Any]], tmp_path: Path
) -> None:
    assert {"race/same", "race/contested"} <= set(whole_articles())
