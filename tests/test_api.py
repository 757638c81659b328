"""Every endpoint of API.md, and every error path, over the Flask test client and a real Redis."""

from __future__ import annotations

from typing import Any

import pytest

from service.app import create_app
from tests.factories import HARBOUR, ORCHESTRA, make_article

NO_SIGNALS = {"lookalike_letters": 0, "invisible_characters": 0, "encoding_repairs": 0, "disguised": False}
# The provenance of a text that derives from nothing indexed.
NOTHING = {"verdict": "none", "original": None, "score": 0.0, "matches": [], "signals": NO_SIGNALS}


def problem_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert {"type", "title", "status", "detail"} <= body.keys() and body["status"] == status
    return body


def test_submitting_an_article_answers_201_with_location_fingerprint_and_provenance(client: Any) -> None:
    article = make_article(id="bbc/business/001")
    response = client.post("/v1/articles", json=article)
    assert response.status_code == 201
    assert response.headers["Location"] == "/v1/articles/bbc/business/001"
    body = response.get_json()
    assert body["id"] == "bbc/business/001"
    assert len(body["fingerprint"]) == 16 and int(body["fingerprint"], 16) >= 0
    assert body["published_at"] == "2025-03-01T09:00:00Z"
    assert body["provenance"] == {
        "verdict": "none",
        "original": None,
        "score": 0.0,
        "matches": [],
        "signals": NO_SIGNALS,
    }


def test_an_article_without_id_gets_one(client: Any) -> None:
    article = make_article()
    del article["id"]
    response = client.post("/v1/articles", json=article)
    assert response.status_code == 201
    assert client.get(response.headers["Location"]).status_code == 200


def test_an_article_without_published_at_is_dated_on_receipt(client: Any) -> None:
    article = make_article()
    del article["published_at"]
    body = client.post("/v1/articles", json=article).get_json()
    assert body["published_at"] == body["received_at"]


def test_resubmitting_same_id_and_content_is_idempotent(client: Any) -> None:
    article = make_article()
    first = client.post("/v1/articles", json=article)
    second = client.post("/v1/articles", json=article)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.get_json()["fingerprint"] == first.get_json()["fingerprint"]
    assert second.get_json()["received_at"] == first.get_json()["received_at"]


def test_resubmitting_same_id_with_other_content_is_409(client: Any) -> None:
    article = make_article()
    client.post("/v1/articles", json=article)
    problem_of(client.post("/v1/articles", json={**article, "body": ORCHESTRA}), 409)


def test_the_later_copy_names_the_earlier_article_on_ingest(client: Any) -> None:
    client.post("/v1/articles", json=make_article(id="wire/1", published_at="2025-03-01T09:00:00Z"))
    answer = client.post("/v1/articles", json=make_article(id="farm/1", published_at="2025-03-01T12:00:00Z"))
    provenance = answer.get_json()["provenance"]
    assert provenance["original"]["id"] == "wire/1"
    assert provenance["verdict"] == "duplicate"
    assert client.get("/v1/articles/farm/1").get_json()["lineage"] == {
        "original": "wire/1",
        "verdict": "duplicate",
        "score": provenance["score"],
    }


def test_get_returns_metadata_and_fingerprint(client: Any) -> None:
    article = make_article(id="a:b~c.d_e-f", author="R. Porter")
    fingerprint = client.post("/v1/articles", json=article).get_json()["fingerprint"]
    body = client.get("/v1/articles/a:b~c.d_e-f").get_json()
    assert body["fingerprint"] == fingerprint
    assert (body["title"], body["source"], body["author"], body["url"]) == (
        article["title"],
        article["source"],
        "R. Porter",
        article["url"],
    )
    assert body["text_length"] > 100


def test_get_includes_the_text_as_indexed_only_when_asked(client: Any) -> None:
    page = "<html><body>" + "".join(f"<p>{p}</p>" for p in HARBOUR.split("\n\n")) + "</body></html>"
    client.post("/v1/articles", json=make_article(id="with-text", body=page, format="html"))
    assert "text" not in client.get("/v1/articles/with-text").get_json()
    body = client.get("/v1/articles/with-text?include=text").get_json()
    assert "harbour bridge" in body["text"] and "<p>" not in body["text"]
    assert len(body["text"]) == body["text_length"]


@pytest.mark.parametrize("query", ["include=title", "include=text&include=text", "include="])
def test_get_with_another_include_is_422_naming_it(client: Any, query: str) -> None:
    client.post("/v1/articles", json=make_article(id="with-text"))
    problem = problem_of(client.get(f"/v1/articles/with-text?{query}"), 422)
    assert "include" in problem["errors"]


def test_ids_with_slashes_may_be_percent_encoded(client: Any) -> None:
    client.post("/v1/articles", json=make_article(id="bbc/tech/007"))
    assert client.get("/v1/articles/bbc%2Ftech%2F007").status_code == 200
    assert client.get("/v1/articles/bbc%2Ftech%2F007/provenance").status_code == 200


def test_get_unknown_id_is_404(client: Any) -> None:
    problem_of(client.get("/v1/articles/no/such/article"), 404)
    problem_of(client.get("/v1/articles/no/such/article/provenance"), 404)


def test_delete_answers_204_then_404(client: Any) -> None:
    client.post("/v1/articles", json=make_article(id="to/delete"))
    response = client.delete("/v1/articles/to/delete")
    assert response.status_code == 204 and response.data == b""
    assert "Content-Type" not in response.headers
    problem_of(client.get("/v1/articles/to/delete"), 404)
    problem_of(client.delete("/v1/articles/to/delete"), 404)


def test_a_deleted_article_is_no_longer_named(client: Any) -> None:
    client.post("/v1/articles", json=make_article(id="gone/1"))
    client.delete("/v1/articles/gone/1")
    assert client.post("/v1/provenance", json={"body": HARBOUR}).get_json()["original"] is None


def test_stored_provenance_is_against_earlier_articles(client: Any) -> None:
    client.post("/v1/articles", json=make_article(id="early", published_at="2025-01-01T00:00:00Z"))
    client.post("/v1/articles", json=make_article(id="late", published_at="2025-02-01T00:00:00Z"))
    assert client.get("/v1/articles/early/provenance").get_json()["original"] is None
    late = client.get("/v1/articles/late/provenance").get_json()
    assert late["id"] == "late" and late["original"]["id"] == "early"


def test_provenance_query_names_the_original_with_score_and_evidence(client: Any) -> None:
    client.post("/v1/articles", json=make_article(id="wire/harbour"))
    client.post(
        "/v1/articles", json=make_article(id="wire/orchestra", body=ORCHESTRA, title="Orchestra tour")
    )
    answer = client.post("/v1/provenance", json={"body": HARBOUR, "limit": 5}).get_json()
    assert answer["verdict"] == "duplicate"
    assert answer["original"]["id"] == "wire/harbour" and answer["score"] == answer["original"]["score"] > 0.9
    assert [m["id"] for m in answer["matches"]] == ["wire/harbour"]
    passages = answer["matches"][0]["evidence"]["passages"]
    assert passages and all(p["kind"] == "verbatim" for p in passages)
    first = passages[0]
    assert HARBOUR[first["query_start"] : first["query_end"]].startswith("The city council voted")


def test_a_query_caches_its_fingerprints_for_the_cache_ttl_and_is_answered_the_same_from_them(
    client: Any, redis: Any, key_prefix: str
) -> None:
    client.post("/v1/articles", json=make_article(id="wire/harbour"))
    first = client.post("/v1/provenance", json={"body": HARBOUR}).get_json()
    cached = list(redis.scan_iter(match=f"{key_prefix}:*:fpc:*"))
    assert len(cached) == 1 and 0 < redis.ttl(cached[0]) <= 3600  # PROVENANCE_FINGERPRINT_CACHE_TTL
    assert client.post("/v1/provenance", json={"body": HARBOUR}).get_json() == first
    assert first["original"]["id"] == "wire/harbour"


def test_provenance_of_unrelated_text_is_none(client: Any) -> None:
    client.post("/v1/articles", json=make_article())
    answer = client.post("/v1/provenance", json={"body": ORCHESTRA}).get_json()
    assert answer == NOTHING


def test_provenance_ignores_articles_published_after_the_query(client: Any) -> None:
    client.post("/v1/articles", json=make_article(published_at="2025-06-01T00:00:00Z"))
    before = client.post("/v1/provenance", json={"body": HARBOUR, "published_at": "2025-05-31T23:59:59Z"})
    assert before.get_json()["original"] is None
    at = client.post("/v1/provenance", json={"body": HARBOUR, "published_at": "2025-06-01T00:00:00+00:00"})
    assert at.get_json()["original"] is not None


def test_healthz_and_readyz_answer_200(client: Any) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").get_json() == {"status": "ready"}


def test_readyz_is_503_when_redis_does_not_answer(app_config: dict[str, Any]) -> None:
    app = create_app({**app_config, "redis_url": "redis://127.0.0.1:1/0", "redis_socket_timeout": 0.5})
    response = app.test_client().get("/readyz")
    problem_of(response, 503)
    assert response.headers["Retry-After"]


def test_requests_fail_fast_with_503_when_redis_is_away(app_config: dict[str, Any]) -> None:
    app = create_app({**app_config, "redis_url": "redis://127.0.0.1:1/0", "redis_socket_timeout": 0.5})
    response = app.test_client().post("/v1/provenance", json={"body": HARBOUR})
    assert "Retry-After" in response.headers
    problem_of(response, 503)


def test_openapi_document_is_served(client: Any) -> None:
    response = client.get("/openapi.yaml")
    assert response.status_code == 200 and response.mimetype == "application/yaml"
    assert b"openapi:" in response.data


# ------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   \n\t "}, "body"),
        ({"body": None}, "body"),
        ({"body": 42}, "body"),
        ({"id": ""}, "id"),
        ({"id": "has space"}, "id"),
        ({"id": "x" * 201}, "id"),
        ({"id": "a//b"}, "id"),
        ({"id": "a/../b"}, "id"),
        ({"id": "a/provenance"}, "id"),
        ({"format": "pdf"}, "format"),
        ({"published_at": "yesterday"}, "published_at"),
        ({"published_at": "2025-13-01T00:00:00Z"}, "published_at"),
        ({"url": "ftp://example.org/x"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"title": ["not", "a", "string"]}, "title"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_invalid_article_fields_are_422_naming_the_field(
    client: Any, change: dict[str, Any], field: str
) -> None:
    body = problem_of(client.post("/v1/articles", json={**make_article(), **change}), 422)
    assert field in body["errors"]


def test_missing_body_is_422(client: Any) -> None:
    article = make_article()
    del article["body"]
    assert "body" in problem_of(client.post("/v1/articles", json=article), 422)["errors"]


def test_html_with_no_text_is_422(client: Any) -> None:
    html = "<html><body><script>x()</script><nav> </nav></body></html>"
    body = problem_of(client.post("/v1/articles", json=make_article(body=html, format="html")), 422)
    assert "body" in body["errors"]


def test_an_invalid_submission_stores_nothing(client: Any, redis: Any, key_prefix: str) -> None:
    client.post("/v1/articles", json=make_article(id="bad", format="pdf"))
    client.post("/v1/articles", json=make_article(id="bad2", body="   "))
    assert not list(redis.scan_iter(match=f"{key_prefix}:*"))


@pytest.mark.parametrize("limit", [0, 51, "10", 2.5, None])
def test_query_limit_out_of_range_is_422(client: Any, limit: Any) -> None:
    assert (
        "limit"
        in problem_of(client.post("/v1/provenance", json={"body": HARBOUR, "limit": limit}), 422)["errors"]
    )


def test_malformed_json_is_400(client: Any) -> None:
    problem_of(client.post("/v1/articles", data="{not json", content_type="application/json"), 400)


@pytest.mark.parametrize("payload", ['["body"]', "null", "42", '"text"'])
def test_json_that_is_not_an_object_is_422(client: Any, payload: str) -> None:
    problem_of(client.post("/v1/provenance", data=payload, content_type="application/json"), 422)


def test_deeply_nested_json_is_a_clean_4xx(client: Any) -> None:
    response = client.post(
        "/v1/articles", data="[" * 100_000 + "]" * 100_000, content_type="application/json"
    )
    assert response.status_code in (400, 413, 422)
    assert response.mimetype == "application/problem+json"


def test_wrong_content_type_is_415(client: Any) -> None:
    problem_of(
        client.post("/v1/articles", data="body=text", content_type="application/x-www-form-urlencoded"), 415
    )


def test_a_body_over_the_configured_limit_is_413(app_config: dict[str, Any]) -> None:
    app = create_app({**app_config, "max_request_bytes": 2048})
    response = app.test_client().post("/v1/articles", json=make_article(body="word " * 1000))
    problem_of(response, 413)


def test_text_over_the_length_limit_is_422(app_config: dict[str, Any]) -> None:
    app = create_app({**app_config, "max_text_chars": 500})
    response = app.test_client().post("/v1/provenance", json={"body": "word " * 200})
    assert "body" in problem_of(response, 422)["errors"]


def test_the_text_limit_applies_to_the_text_not_the_html_around_it(app_config: dict[str, Any]) -> None:
    app = create_app({**app_config, "max_text_chars": 1500})
    page = (
        "<html><head><script>"
        + "x" * 5000
        + "</script></head><body><article><p>"
        + HARBOUR.replace("\n\n", "</p><p>")
        + "</p></article></body></html>"
    )
    response = app.test_client().post("/v1/provenance", json={"body": page, "format": "html"})
    assert response.status_code == 200


def test_unknown_route_and_wrong_method_are_problems(client: Any) -> None:
    problem_of(client.get("/v2/nothing"), 404)
    response = client.put("/v1/provenance", json={})
    problem_of(response, 405)
    assert "POST" in response.headers["Allow"]
