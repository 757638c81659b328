"""The `original` rule of API.md: copies, HTML copies and excerpts, earliest-published, chains, time."""

from __future__ import annotations

import html
from typing import Any

from tests.factories import HARBOUR, ORCHESTRA, make_article, with_boilerplate


def as_page(title: str, body: str) -> str:
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n"))
    return (
        f"<html><head><title>{title}</title><script>track()</script></head><body><nav><a href='/'>Home</a>"
        f"</nav><article><h1>{title}</h1>{paras}</article><aside>Most read: weather</aside>"
        "<footer>Copyright. Terms. Privacy.</footer></body></html>"
    )


def trace(client: Any, body: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/v1/provenance", json={"body": body, **extra})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_copy_with_boilerplate_and_a_new_headline_is_a_duplicate(client: Any) -> None:
    client.post("/v1/articles", json=make_article(id="wire/1"))
    answer = trace(client, with_boilerplate(HARBOUR), title="SHOCK AS BRIDGE SHUTS - Metro Wire")
    assert (answer["original"]["id"], answer["verdict"]) == ("wire/1", "duplicate")


def test_an_html_copy_is_traced_without_its_page_furniture(client: Any) -> None:
    client.post("/v1/articles", json=make_article(id="wire/1"))
    answer = trace(client, as_page("Harbour bridge to close", HARBOUR), format="html")
    assert answer["original"]["id"] == "wire/1"
    assert answer["verdict"] in ("duplicate", "near_duplicate")


def test_an_excerpt_is_a_near_duplicate_of_its_source(client: Any) -> None:
    client.post("/v1/articles", json=make_article(id="wire/1"))
    excerpt = "\n\n".join(HARBOUR.split("\n\n")[:3])
    answer = trace(client, excerpt)
    assert (answer["original"]["id"], answer["verdict"]) == ("wire/1", "near_duplicate")
    # The score is how much of the text comes from the original: all of an excerpt.
    assert answer["score"] == 1.0


def test_reusing_two_paragraphs_in_a_new_story_is_partial(client: Any) -> None:
    client.post("/v1/articles", json=make_article(id="wire/1"))
    paras = HARBOUR.split("\n\n")
    new = ORCHESTRA.split("\n\n")
    answer = trace(client, "\n\n".join([new[0], new[1], paras[1], paras[2], new[2], new[3], new[4]]))
    assert (answer["original"]["id"], answer["verdict"]) == ("wire/1", "partial")


def test_the_earliest_published_duplicate_is_the_original_whatever_the_ingest_order(client: Any) -> None:
    client.post("/v1/articles", json=make_article(id="late", published_at="2025-05-01T00:00:00Z"))
    client.post("/v1/articles", json=make_article(id="early", published_at="2025-04-01T00:00:00Z"))
    client.post("/v1/articles", json=make_article(id="middle", published_at="2025-04-15T00:00:00Z"))
    answer = trace(client, HARBOUR)
    assert answer["original"]["id"] == "early"
    assert {m["id"] for m in answer["matches"]} == {"early", "middle", "late"}


def test_a_copy_of_a_republished_copy_names_the_root(client: Any) -> None:
    """The root is reached through stored lineage even when the query does not match it directly."""
    paras = HARBOUR.split("\n\n")
    client.post("/v1/articles", json=make_article(id="root", published_at="2025-01-01T00:00:00Z"))
    # The republisher cut the last two paragraphs and added its own: still most of it is the root's.
    republished = "\n\n".join([*paras[:4], ORCHESTRA.split("\n\n")[4]])
    ingest = client.post(
        "/v1/articles", json=make_article(id="copy", body=republished, published_at="2025-02-01T00:00:00Z")
    )
    assert ingest.get_json()["provenance"]["original"]["id"] == "root"
    answer = trace(client, republished)
    assert answer["original"]["id"] == "root"


def test_nothing_published_after_the_query_time_is_named(client: Any) -> None:
    client.post("/v1/articles", json=make_article(id="root", published_at="2025-01-01T00:00:00Z"))
    client.post("/v1/articles", json=make_article(id="copy", published_at="2025-03-01T00:00:00Z"))
    answer = trace(client, HARBOUR, published_at="2025-02-01T00:00:00Z")
    assert answer["original"]["id"] == "root"
    assert [m["id"] for m in answer["matches"]] == ["root"]
    assert trace(client, HARBOUR, published_at="2024-12-31T00:00:00Z")["original"] is None


def test_whole_derivation_beats_an_earlier_partial_match(client: Any) -> None:
    paras, new = HARBOUR.split("\n\n"), ORCHESTRA.split("\n\n")
    mixed = "\n\n".join([new[0], new[1], paras[1], paras[2], new[2], new[3], new[4]])
    client.post("/v1/articles", json=make_article(id="harbour", published_at="2025-01-01T00:00:00Z"))
    client.post(
        "/v1/articles", json=make_article(id="mixed", body=mixed, published_at="2025-02-01T00:00:00Z")
    )
    answer = trace(client, mixed)
    assert (answer["original"]["id"], answer["verdict"]) == ("mixed", "duplicate")
    assert {m["id"]: m["relation"] for m in answer["matches"]} == {"mixed": "duplicate", "harbour": "partial"}


def test_limit_caps_the_matches(client: Any) -> None:
    for i in range(4):
        client.post(
            "/v1/articles", json=make_article(id=f"copy/{i}", published_at=f"2025-01-0{i + 1}T00:00:00Z")
        )
    answer = trace(client, HARBOUR, limit=2)
    assert len(answer["matches"]) == 2 and answer["original"]["id"] == "copy/0"
