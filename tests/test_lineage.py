"""Lineage kept at ingest: roots, derivatives, backfills that arrive out of order, deletions."""

from __future__ import annotations

from typing import Any

from tests.factories import HARBOUR, ORCHESTRA, make_article


def lineage(client: Any, article_id: str) -> dict[str, Any]:
    return client.get(f"/v1/articles/{article_id}").get_json()["lineage"]


def derivatives(client: Any, article_id: str) -> list[str]:
    return [d["id"] for d in client.get(f"/v1/articles/{article_id}/provenance").get_json()["derivatives"]]


def test_a_copy_is_recorded_under_its_original(client: Any) -> None:
    client.post("/v1/articles", json=make_article(id="wire", published_at="2025-01-01T00:00:00Z"))
    client.post("/v1/articles", json=make_article(id="copy", published_at="2025-01-02T00:00:00Z"))
    assert lineage(client, "copy")["original"] == "wire"
    assert derivatives(client, "wire") == ["copy"]
    assert derivatives(client, "copy") == []


def test_an_original_that_arrives_after_its_copy_becomes_the_copys_original(client: Any) -> None:
    client.post("/v1/articles", json=make_article(id="copy", published_at="2025-01-02T00:00:00Z"))
    assert lineage(client, "copy")["original"] is None
    answer = client.post("/v1/articles", json=make_article(id="wire", published_at="2025-01-01T00:00:00Z"))
    assert answer.get_json()["provenance"]["original"] is None  # nothing earlier than the original itself
    assert lineage(client, "copy") == {"original": "wire", "verdict": "duplicate", "score": 1.0}
    assert derivatives(client, "wire") == ["copy"]


def test_a_backfilled_root_takes_over_the_derivatives_of_its_copy(client: Any) -> None:
    client.post("/v1/articles", json=make_article(id="b", published_at="2025-01-02T00:00:00Z"))
    client.post("/v1/articles", json=make_article(id="c", published_at="2025-01-03T00:00:00Z"))
    assert lineage(client, "c")["original"] == "b"
    client.post("/v1/articles", json=make_article(id="a", published_at="2025-01-01T00:00:00Z"))
    assert lineage(client, "b")["original"] == "a"
    assert lineage(client, "c")["original"] == "a"
    assert derivatives(client, "a") == ["b", "c"]
    assert derivatives(client, "b") == []


def test_deleting_an_original_hands_its_derivatives_to_the_next_earliest(client: Any) -> None:
    for i, day in enumerate(("01", "02", "03")):
        client.post("/v1/articles", json=make_article(id=f"v{i}", published_at=f"2025-01-{day}T00:00:00Z"))
    assert derivatives(client, "v0") == ["v1", "v2"]
    assert client.delete("/v1/articles/v0").status_code == 204
    assert lineage(client, "v1")["original"] is None
    assert lineage(client, "v2")["original"] == "v1"
    assert derivatives(client, "v1") == ["v2"]


def test_deleting_a_derivative_removes_it_from_its_originals_list(client: Any) -> None:
    client.post("/v1/articles", json=make_article(id="wire", published_at="2025-01-01T00:00:00Z"))
    client.post("/v1/articles", json=make_article(id="copy", published_at="2025-01-02T00:00:00Z"))
    client.delete("/v1/articles/copy")
    assert derivatives(client, "wire") == []


def test_unrelated_articles_have_no_lineage(client: Any) -> None:
    client.post("/v1/articles", json=make_article(id="harbour", published_at="2025-01-01T00:00:00Z"))
    client.post(
        "/v1/articles", json=make_article(id="orchestra", body=ORCHESTRA, published_at="2025-01-02T00:00:00Z")
    )
    assert lineage(client, "orchestra") == {"original": None, "verdict": "none", "score": None}
    assert derivatives(client, "harbour") == []


def test_stored_provenance_lists_derivatives_with_their_relation(client: Any) -> None:
    paras = HARBOUR.split("\n\n")
    client.post("/v1/articles", json=make_article(id="wire", published_at="2025-01-01T00:00:00Z"))
    client.post(
        "/v1/articles",
        json=make_article(id="excerpt", body="\n\n".join(paras[:3]), published_at="2025-01-02T00:00:00Z"),
    )
    body = client.get("/v1/articles/wire/provenance").get_json()
    assert [(d["id"], d["relation"]) for d in body["derivatives"]] == [("excerpt", "near_duplicate")]


def test_a_late_original_revises_every_copy_not_only_the_best_ranked(client: Any, app: Any) -> None:
    limits = app.extensions["provenance"].config.limits
    copies = 40
    assert limits.max_verified < copies and limits.max_anchor_postings < copies
    for i in range(copies):
        published = f"2025-02-01T00:{i:02d}:00Z"
        client.post("/v1/articles", json=make_article(id=f"copy/{i:02d}", published_at=published))
    client.post("/v1/articles", json=make_article(id="wire", published_at="2025-01-01T00:00:00Z"))
    assert len(derivatives(client, "wire")) == copies
