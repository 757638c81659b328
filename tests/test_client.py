"""service.client.client against a real server in a thread (werkzeug, over the test's real Redis)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import redis as redis_lib

from service.app import create_app
from service.client.client import Article, BatchItem, Client, ProblemError, Provenance, Unreachable
from service.store import export as export_module
from tests.factories import HARBOUR, ORCHESTRA, make_article, with_boilerplate
from tests.live import Scripted, serving


class Sleeps(list[float]):
    """The client's sleep, recording how long it was asked to wait (without waiting)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def api(scripted_url: str, sleeps: Sleeps) -> Iterator[Client]:
    with Client(scripted_url, timeout=30, backoff=0.01, max_wait=0.2, sleep=sleeps) as client:
        yield client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_submit_get_provenance_check_and_delete_give_typed_results(api: Client) -> None:
    first = api.submit(
        HARBOUR,
        id="herald/bridge",
        title="Bridge to close",
        source="Herald",
        published_at="2025-03-01T09:00:00Z",
    )
    assert first.created and first.article.id == "herald/bridge"
    assert first.provenance.verdict == "none" and first.provenance.original is None
    assert first.article.published_at == datetime(2025, 3, 1, 9, tzinfo=UTC)

    copy = api.submit(
        with_boilerplate(HARBOUR), id="wire/bridge", published_at=datetime(2025, 3, 2, 9, tzinfo=UTC)
    )
    assert copy.provenance.original is not None and copy.provenance.original.id == "herald/bridge"
    assert copy.article.lineage.original == "herald/bridge"
    evidence = copy.provenance.evidence
    assert evidence is not None and evidence.passages and evidence.passages[0].kind == "verbatim"

    article = api.get("wire/bridge")
    assert isinstance(article, Article) and article.fingerprint == copy.article.fingerprint
    stored = api.provenance("herald/bridge")
    assert stored.id == "herald/bridge" and [d.id for d in stored.derivatives] == ["wire/bridge"]

    checked = api.check(HARBOUR, published_at="2025-12-31T00:00:00Z", limit=3)
    assert isinstance(checked, Provenance) and checked.original and checked.original.id == "herald/bridge"
    assert checked.raw["verdict"] == checked.verdict

    api.delete("wire/bridge")
    with pytest.raises(ProblemError) as missing:
        api.get("wire/bridge")
    assert missing.value.status == 404 and missing.value.title == "Not Found"


def test_resubmitting_with_an_id_is_idempotent_and_other_content_is_a_typed_conflict(api: Client) -> None:
    assert api.submit(ORCHESTRA, id="tour/1", title="Tour").created
    again = api.submit(ORCHESTRA, id="tour/1", title="Tour")
    assert not again.created and again.article.id == "tour/1"
    with pytest.raises(ProblemError) as conflict:
        api.submit(ORCHESTRA, id="tour/1", title="Another title")
    err = conflict.value
    assert (err.status, err.title, err.type) == (
        409,
        "Conflict",
        "https://provenance.example/problems/conflict",
    )
    assert "tour/1" in err.detail


def test_invalid_input_raises_a_problem_with_the_errors_per_field(api: Client) -> None:
    with pytest.raises(ProblemError) as invalid:
        api.submit("   ", id="bad id", format="pdf")
    assert invalid.value.status == 422
    assert set(invalid.value.errors) == {"body", "id", "format"}


def test_batch_answers_typed_items_in_order(api: Client) -> None:
    taken = make_article(id="batch/taken")
    api.batch([taken])
    result = api.batch([make_article(id="batch/new"), taken, {**taken, "title": "Other"}, {"body": " "}])
    assert [i.status for i in result.items] == [201, 200, 409, 422]
    assert (result.created, result.existing, result.failed) == (1, 1, 2)
    new, _, conflict, empty = result.items
    assert isinstance(new, BatchItem) and new.ok and new.article and new.article.id == "batch/new"
    assert not conflict.ok and conflict.problem and conflict.problem.status == 409
    assert empty.id is None and empty.problem and "body" in empty.problem.errors


def test_export_follows_cursors_across_partitions_and_skips_deleted_articles(
    app_config: dict[str, Any], redis: redis_lib.Redis
) -> None:
    app = create_app({**app_config, "partitions": 3})
    with serving(app) as url, Client(url) as api:
        ids = [f"many/{n:02d}" for n in range(12)]
        api.batch([make_article(id=i, body=f"Story {i}. " + ORCHESTRA) for i in ids])
        for gone in ids[3:6]:
            api.delete(gone)
        first = api.list_articles(limit=4)
        assert len(first.items) == 4 and first.next_cursor
        exported = list(api.export(page_size=2))
    assert sorted(a.id for a in exported) == sorted(set(ids) - set(ids[3:6]))
    assert all(a.text and a.text.startswith("Story many/") for a in exported)
    assert exported[0].as_submission()["body"] == exported[0].text


def test_503_is_retried_with_backoff_then_succeeds(api: Client, scripted: Scripted, sleeps: Sleeps) -> None:
    scripted.fail_next((503, {}), (503, {}))
    assert api.submit(HARBOUR, id="retried/1").created
    assert scripted.seen == [("POST", "/v1/articles")] * 3
    assert len(sleeps) == 2 and all(0 <= s <= 0.2 for s in sleeps)


def test_429_honours_retry_after_even_for_a_submit_without_id(
    scripted_url: str, scripted: Scripted, sleeps: Sleeps
) -> None:
    scripted.fail_next((429, {"Retry-After": "1"}))
    with Client(scripted_url, max_wait=5, sleep=sleeps) as api:
        assert api.submit(ORCHESTRA).created
    assert sleeps == [1.0]
    assert len(scripted.seen) == 2


def test_retry_after_is_capped(api: Client, scripted: Scripted, sleeps: Sleeps) -> None:
    scripted.fail_next(
        (429, {"Retry-After": "3600"}), (503, {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})
    )
    api.submit(ORCHESTRA, id="capped/1")
    assert sleeps == [0.2, 0.2]


def test_503_is_not_retried_for_a_submit_without_id(api: Client, scripted: Scripted) -> None:
    scripted.fail_next((503, {"X-Request-ID": "req-123"}))
    with pytest.raises(ProblemError) as failed:
        api.submit(ORCHESTRA)
    assert failed.value.status == 503 and failed.value.request_id == "req-123"
    assert failed.value.detail == "an answer scripted by the test"
    assert len(scripted.seen) == 1


def test_gives_up_after_the_retries_with_the_last_problem(api: Client, scripted: Scripted) -> None:
    scripted.fail_next(*[(503, {"Retry-After": "0"})] * 4)
    with pytest.raises(ProblemError) as failed:
        api.get("anything")
    assert failed.value.status == 503
    assert len(scripted.seen) == 4  # the first attempt and 3 retries


def test_a_real_unreachable_redis_answers_503_which_reads_are_retried_on(app_config: dict[str, Any]) -> None:
    app = Scripted(create_app({**app_config, "redis_url": f"redis://127.0.0.1:{free_port()}/0"}))
    sleeps = Sleeps()
    with serving(app) as url, Client(url, retries=2, max_wait=0.05, sleep=sleeps) as api:
        with pytest.raises(ProblemError) as failed:
            api.get("some/article")
        assert api.health() and not api.ready()
    assert failed.value.status == 503 and failed.value.title == "Service Unavailable"
    assert sleeps == [0.05, 0.05]  # Retry-After: 2, capped
    assert app.seen.count(("GET", "/v1/articles/some/article")) == 3


def test_connection_refused_raises_unreachable_after_retries() -> None:
    sleeps = Sleeps()
    with Client(f"http://127.0.0.1:{free_port()}", retries=2, backoff=0.01, sleep=sleeps) as api:
        with pytest.raises(Unreachable):
            api.submit(HARBOUR)  # never sent, so retried even without an id
        assert not api.health()
    assert len(sleeps) == 2


def test_health_and_ready(api: Client) -> None:
    assert api.health() and api.ready()


def test_api_key_is_sent_as_a_bearer_token(app: Any) -> None:
    seen: list[str | None] = []

    def recording(environ: dict[str, Any], start_response: Any) -> Any:
        seen.append(environ.get("HTTP_AUTHORIZATION"))
        return app(environ, start_response)

    with serving(recording) as url, Client(url, api_key="k-123") as api:
        api.health()
    assert seen == ["Bearer k-123"]


def test_a_page_may_come_back_empty_past_deleted_articles_and_export_still_gets_everything(
    api: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_module, "SCAN_BUDGET", 2)  # a page reads at most 2 article numbers
    api.batch([make_article(id=f"gap/{n}", body=f"Note {n}. " + ORCHESTRA) for n in range(7)])
    for n in range(1, 5):
        api.delete(f"gap/{n}")
    first = api.list_articles(limit=3)
    second = api.list_articles(first.next_cursor, limit=3)
    assert [a.id for a in first.items] == ["gap/0"] and second.items == [] and second.next_cursor
    assert [a.id for a in api.export(page_size=3)] == ["gap/0", "gap/5", "gap/6"]
    with pytest.raises(ProblemError) as bad:
        api.list_articles("not-a-cursor")
    assert bad.value.status == 422 and "cursor" in bad.value.errors
