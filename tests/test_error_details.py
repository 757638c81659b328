"""Error details that help the caller fix the request: a 409 names the fields that differ and how to
replace the article, every 413 has one title and names its limit, a bad date says what is expected."""

from __future__ import annotations

import json
from http.client import HTTPConnection
from typing import Any

import pytest

from service.app import create_app
from tests.factories import HARBOUR, ORCHESTRA, make_article
from tests.live import serving

PROBLEM = "application/problem+json"
RFC3339 = (
    "an RFC 3339 date-time with a time zone (Z or an offset), like 2025-10-06T10:00:00Z or "
    "2025-10-06T12:00:00+02:00"
)


def problem_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status and {"type", "title", "detail"} <= body.keys()
    return body


# ------------------------------------------------------------ 409


@pytest.mark.parametrize(
    ("changes", "differs"),
    [
        ({"title": "Another headline"}, ["title"]),
        ({"body": ORCHESTRA}, ["body"]),
        (
            {"body": ORCHESTRA, "source": "Other Paper", "published_at": "2025-03-02T09:00:00Z"},
            ["body", "source", "published_at"],
        ),
        ({"url": None, "author": "A. Writer"}, ["url", "author"]),
        ({"published_at": None}, ["published_at"]),  # sent before, not now
        ({"published_at": "2025-03-01T10:00:00+01:00"}, []),  # the same moment: not a conflict
        ({"format": "html"}, ["format"]),  # the same body, read as HTML
        ({"body": HARBOUR.replace("\n\n", "\n\n\n")}, ["body"]),  # the same clean text, other spacing
    ],
)
def test_a_conflict_names_the_fields_that_differ_and_how_to_replace_the_article(
    client: Any, changes: dict[str, Any], differs: list[str]
) -> None:
    article = make_article(id="desk/2025/bridge")
    assert client.post("/v1/articles", json=article).status_code == 201
    response = client.post("/v1/articles", json={**article, **changes})
    if not differs:
        assert response.status_code == 200
        return
    problem = problem_of(response, 409)
    assert problem["type"].endswith("/conflict") and problem["title"] == "Conflict"
    assert problem["differs"] == differs
    verb = "differs" if len(differs) == 1 else "differ"
    assert problem["detail"] == (
        f"article 'desk/2025/bridge' exists with different content ({', '.join(differs)} {verb}); to "
        "replace it, DELETE /v1/articles/desk/2025/bridge, then submit it again"
    )


def test_an_article_submitted_without_a_date_conflicts_only_on_what_differs(client: Any) -> None:
    article = make_article(published_at=None)
    assert client.post("/v1/articles", json=article).status_code == 201
    assert client.post("/v1/articles", json=article).status_code == 200
    problem = problem_of(client.post("/v1/articles", json={**article, "title": "New"}), 409)
    assert problem["differs"] == ["title"]
    problem = problem_of(
        client.post("/v1/articles", json={**article, "published_at": "2025-01-01T00:00:00Z"}), 409
    )
    assert problem["differs"] == ["published_at"]


def test_following_the_conflicts_advice_replaces_the_article(client: Any) -> None:
    article = make_article(id="desk/replace-me")
    assert client.post("/v1/articles", json=article).status_code == 201
    changed = {**article, "title": "Corrected headline"}
    assert client.post("/v1/articles", json=changed).status_code == 409
    assert client.delete("/v1/articles/desk/replace-me").status_code == 204
    assert client.post("/v1/articles", json=changed).status_code == 201
    assert client.get("/v1/articles/desk/replace-me").get_json()["title"] == "Corrected headline"


def test_a_conflict_in_a_batch_names_the_fields_too(client: Any) -> None:
    article = make_article()
    body = client.post("/v1/articles:batch", json=[article, {**article, "author": "Someone Else"}]).get_json()
    assert [item["status"] for item in body["items"]] == [201, 409]
    assert body["items"][1]["problem"]["differs"] == ["author"]


# ------------------------------------------------------------ 413


@pytest.fixture
def small(app_config: dict[str, Any], redis: Any) -> Any:
    return create_app(
        {**app_config, "max_request_bytes": 4096, "max_batch_bytes": 16384, "max_batch_items": 3}
    ).test_client()


def test_every_413_has_one_title_and_names_its_limit(small: Any) -> None:
    large = make_article(body="The council voted on Tuesday. " * 200)
    cases = [
        (small.post("/v1/articles", json=large), "the request body is larger than the limit of 4096 bytes"),
        (
            small.post("/v1/provenance", json={"body": large["body"]}),
            "the request body is larger than the limit of 4096 bytes",
        ),
        (
            small.post("/v1/articles:batch", json=[large] * 3),
            "the request body is larger than the limit of 16384 bytes",
        ),
        (
            small.post("/v1/articles:batch", json=[make_article() for _ in range(4)]),
            "the batch holds 4 articles, more than the limit of 3",
        ),
    ]
    for response, detail in cases:
        problem = problem_of(response, 413)
        assert (problem["title"], problem["detail"]) == ("Content Too Large", detail)
    in_batch = small.post("/v1/articles:batch", json=[large]).get_json()["items"][0]
    assert in_batch["status"] == 413
    assert (in_batch["problem"]["title"], in_batch["problem"]["detail"]) == (
        "Content Too Large",
        "the article is larger than the limit of 4096 bytes (as compact JSON)",
    )


def test_a_413_without_a_content_length_names_the_limit_too(app_config: dict[str, Any], redis: Any) -> None:
    """A chunked body (no Content-Length), over a real HTTP server: cut at the limit as it is read."""
    app = create_app({**app_config, "max_request_bytes": 4096})
    payload = json.dumps(make_article(body="The council voted on Tuesday. " * 200)).encode()
    with serving(app) as url:
        connection = HTTPConnection(url.removeprefix("http://"), timeout=30)
        try:
            connection.request(
                "POST",
                "/v1/articles",
                body=iter([payload[:3000], payload[3000:]]),
                headers={"Content-Type": "application/json"},
                encode_chunked=True,
            )
            response = connection.getresponse()
            status, body = response.status, json.loads(response.read())
        finally:
            connection.close()
    assert status == 413
    assert (body["title"], body["detail"]) == (
        "Content Too Large",
        "the request body is larger than the limit of 4096 bytes",
    )


# ------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-10-06T10:00:00", f"has no time zone: must be {RFC3339}"),
        ("2025-10-06", f"has no time zone: must be {RFC3339}"),
        ("06/10/2025 10:00", f"must be {RFC3339}"),
        (1759744800, f"must be {RFC3339}"),
    ],
)
def test_a_bad_date_says_that_rfc_3339_with_a_time_zone_is_expected(
    client: Any, value: Any, message: str
) -> None:
    for path, body in (
        ("/v1/articles", make_article(published_at=value)),
        ("/v1/provenance", {"body": HARBOUR, "published_at": value}),
    ):
        problem = problem_of(client.post(path, json=body), 422)
        assert problem["errors"] == {"published_at": [message]}
