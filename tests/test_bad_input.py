"""Bad input gets a clear 4xx problem naming the field, never a 5xx or a traceback, and stores nothing;
text in any script (emoji, right-to-left, CJK, zero-width and NUL characters) is stored and read back.

Every endpoint that takes a body is covered: POST /v1/articles, POST /v1/provenance and
POST /v1/articles:batch (a JSON array and NDJSON)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.app import create_app
from tests.factories import HARBOUR, make_article

PROBLEM = "application/problem+json"
NDJSON = "application/x-ndjson"
NESTED = "[" * 10_000 + "]" * 10_000


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """No rate limit: its counters would be keys under the prefix, and these tests count keys."""
    return {**app_config, "rate_limit": "off"}


@pytest.fixture
def stored(redis: Any, key_prefix: str) -> Any:
    """The keys the service wrote under this test's prefix."""
    return lambda: sorted(redis.scan_iter(match=f"{key_prefix}:*"))


def refused(response: Any, status: int | tuple[int, ...] = 422) -> dict[str, Any]:
    """The problem document of a refused request."""
    statuses = status if isinstance(status, tuple) else (status,)
    text = response.get_data(as_text=True)
    assert response.status_code in statuses, text
    assert response.mimetype == PROBLEM
    assert "Traceback" not in text and 'File "' not in text
    body = json.loads(text)
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == response.status_code
    return body


def post_raw(client: Any, path: str, raw: str | bytes, content_type: str = "application/json") -> Any:
    return client.post(path, data=raw, content_type=content_type)


# ------------------------------------------------------------ fields of an article


FIELD_CASES = [
    # wrong types and null
    ({"body": None}, "body"),
    ({"body": 42}, "body"),
    ({"body": True}, "body"),
    ({"body": ["The council voted."]}, "body"),
    ({"body": {"text": "The council voted."}}, "body"),
    ({"title": 5}, "title"),
    ({"title": ["a", "list"]}, "title"),
    ({"source": {"name": "BBC"}}, "source"),
    ({"author": False}, "author"),
    ({"format": None}, "format"),
    ({"format": 1}, "format"),
    ({"published_at": 1_700_000_000}, "published_at"),
    ({"id": None}, "id"),
    ({"id": 7}, "id"),
    # no text
    ({"body": ""}, "body"),
    ({"body": " \n\t\r "}, "body"),
    ({"body": "\u200b\u200c\u200d\u2060\ufeff"}, "body"),
    ({"body": "\x00\x00"}, "body"),
    ({"body": "... !!! --- ???"}, "body"),
    ({"body": "\U0001f389\U0001f389\U0001f389"}, "body"),
    # HTML with no text once scripts, styles, navigation and comments are removed
    (
        {
            "format": "html",
            "body": "<html><head><script>var x = 1;</script><style>p {}</style></head></html>",
        },
        "body",
    ),
    ({"format": "html", "body": "<nav> </nav><script>track()</script><footer></footer>"}, "body"),
    ({"format": "html", "body": "<!-- nothing but a comment -->"}, "body"),
    ({"format": "html", "body": "<p>   </p><div>&nbsp;</div>"}, "body"),
    # dates
    ({"published_at": ""}, "published_at"),
    ({"published_at": "yesterday"}, "published_at"),
    ({"published_at": "2025-03-01"}, "published_at"),
    ({"published_at": "2025-03-01T09:00:00"}, "published_at"),
    ({"published_at": "2025-13-01T09:00:00Z"}, "published_at"),
    ({"published_at": "2025-02-30T09:00:00Z"}, "published_at"),
    ({"published_at": "2025-03-01T25:00:00Z"}, "published_at"),
    ({"published_at": "0001-01-01T00:00:00+01:00"}, "published_at"),
    ({"published_at": "9999-12-31T23:59:59-01:00"}, "published_at"),
    # format
    ({"format": "pdf"}, "format"),
    ({"format": "HTML"}, "format"),
    ({"format": ""}, "format"),
    # URLs: absolute http or https only, at most 2048 characters
    ({"url": "javascript:alert(1)"}, "url"),
    ({"url": "ftp://gazette.example/story"}, "url"),
    ({"url": "mailto:desk@gazette.example"}, "url"),
    ({"url": "data:text/html,<p>hi</p>"}, "url"),
    ({"url": "/news/story"}, "url"),
    ({"url": "gazette.example/news/story"}, "url"),
    ({"url": "https://gazette example/story"}, "url"),
    ({"url": "https://gazette.example/\x00"}, "url"),
    ({"url": ""}, "url"),
    ({"url": "https://gazette.example/" + "a" * 2048}, "url"),
    # ids: 1-200 of A-Za-z0-9_.~:/-, no empty, '.' or '..' segment, not ending in /provenance
    ({"id": ""}, "id"),
    ({"id": " "}, "id"),
    ({"id": "has space"}, "id"),
    ({"id": "x" * 201}, "id"),
    ({"id": "a\x00b"}, "id"),
    ({"id": "a\nb"}, "id"),
    ({"id": "ab\n"}, "id"),
    ({"id": "a\tb"}, "id"),
    ({"id": "caf\u00e9"}, "id"),
    ({"id": "a?b"}, "id"),
    ({"id": "a#b"}, "id"),
    ({"id": "a%2Fb"}, "id"),
    ({"id": "a\\b"}, "id"),
    ({"id": "/a"}, "id"),
    ({"id": "a/"}, "id"),
    ({"id": "a//b"}, "id"),
    ({"id": "./a"}, "id"),
    ({"id": "a/../b"}, "id"),
    ({"id": ".."}, "id"),
    ({"id": "a/provenance"}, "id"),
    # lengths
    ({"title": "t" * 1001}, "title"),
    ({"source": "s" * 501}, "source"),
    ({"author": "a" * 501}, "author"),
    # fields the API does not have
    ({"colour": "blue"}, "colour"),
    ({"limit": 5}, "limit"),
]


@pytest.mark.parametrize(("change", "field"), FIELD_CASES)
def test_an_invalid_article_is_422_naming_the_field_and_stores_nothing(
    client: Any, stored: Any, change: dict[str, Any], field: str
) -> None:
    article = make_article(**change)
    problem = refused(client.post("/v1/articles", json=article))
    assert field in problem["errors"], problem
    assert stored() == []
    if isinstance(article.get("id"), str):
        refused(client.get(f"/v1/articles/{article['id']}"), 404)


QUERY_CASES = [
    (change, field)
    for change, field in FIELD_CASES
    if field in ("body", "title", "format", "published_at") and "id" not in change and "url" not in change
] + [
    ({"limit": 0}, "limit"),
    ({"limit": 51}, "limit"),
    ({"limit": -1}, "limit"),
    ({"limit": 10**40}, "limit"),
    ({"limit": 2.5}, "limit"),  # 10.0 is an integer to JSON Schema, and taken (tests/test_openapi.py)
    ({"limit": "10"}, "limit"),
    ({"limit": True}, "limit"),
    ({"limit": None}, "limit"),
    ({"id": "test/1"}, "id"),
    ({"url": "https://gazette.example/"}, "url"),
]


@pytest.mark.parametrize(("change", "field"), QUERY_CASES)
def test_an_invalid_provenance_query_is_422_naming_the_field_and_stores_nothing(
    client: Any, stored: Any, change: dict[str, Any], field: str
) -> None:
    problem = refused(client.post("/v1/provenance", json={"body": HARBOUR, **change}))
    assert field in problem["errors"], problem
    assert stored() == []


# ------------------------------------------------------------ lone surrogates: JSON escapes Python keeps


SURROGATES = [
    ('{"body": "The council voted \\ud800 on Tuesday."}', "body"),
    ('{"body": "The council voted on Tuesday.", "title": "\\udfff"}', "title"),
    ('{"body": "The council voted on Tuesday.", "source": "BBC \\udc00\\ud800"}', "source"),
    ('{"body": "The council voted on Tuesday.", "author": "\\ud83c"}', "author"),
    ('{"body": "The council voted on Tuesday.", "url": "https://gazette.example/\\ud800"}', "url"),
    ('{"body": "The council voted on Tuesday.", "id": "a\\ud800"}', "id"),
    ('{"body": "<p>The council voted \\udbff on Tuesday.</p>", "format": "html"}', "body"),
]


@pytest.mark.parametrize(("raw", "field"), SURROGATES)
def test_a_lone_surrogate_is_422_naming_the_field(client: Any, stored: Any, raw: str, field: str) -> None:
    problem = refused(post_raw(client, "/v1/articles", raw))
    assert field in problem["errors"], problem
    if field not in ("url", "id", "source", "author"):
        assert field in refused(post_raw(client, "/v1/provenance", raw))["errors"]
    assert stored() == []


def test_a_problem_names_a_field_with_a_lone_surrogate_in_valid_utf8(client: Any) -> None:
    """An unknown field is named as sent: a lone surrogate in its name is answered as U+FFFD."""
    raw = '{"body": "The council voted.", "id": "a\\ud800", "col\\ud800our": 1}'
    for path, content_type in (("/v1/articles", "application/json"), ("/v1/articles:batch", NDJSON)):
        answer = post_raw(client, path, raw, content_type).get_data()
        assert b"\\ud8" not in answer.lower()
        body = json.loads(answer.decode("utf-8", "strict"))
        problem = body["items"][0]["problem"] if "items" in body else body
        assert "col\ufffdour" in problem["errors"]
        if "items" in body:
            assert body["items"][0]["id"] == "a\ufffd"


def test_a_surrogate_pair_escape_is_the_character_it_encodes(client: Any) -> None:
    raw = '{"id": "emoji/pair", "title": "Party \\ud83c\\udf89", "body": "The council voted \\ud83c\\udf89."}'
    assert post_raw(client, "/v1/articles", raw).status_code == 201
    assert client.get("/v1/articles/emoji/pair").get_json()["title"] == "Party \U0001f389"


# ------------------------------------------------------------ text in any script


SCRIPTS = {
    "emoji": "Fans cheered \U0001f389\U0001f389 as the ferry \U0001f6a2 reached the quay on its first "
    "crossing, and the harbour master waved \U0001f44b\U0001f3fd from the pier.",
    "arabic": "\u0623\u0639\u0644\u0646 \u0627\u0644\u0645\u062c\u0644\u0633 "
    "\u0627\u0644\u0628\u0644\u062f\u064a "
    "\u064a\u0648\u0645 \u0627\u0644\u062b\u0644\u0627\u062b\u0627\u0621 \u0625\u063a\u0644\u0627\u0642 "
    "\u0627\u0644\u062c\u0633\u0631 \u0627\u0644\u0642\u062f\u064a\u0645 \u0623\u0645\u0627\u0645 "
    "\u0627\u0644\u0633\u064a\u0627\u0631\u0627\u062a.",
    "hebrew": "\u05de\u05d5\u05e2\u05e6\u05ea \u05d4\u05e2\u05d9\u05e8 \u05d4\u05e6\u05d1\u05d9\u05e2\u05d4 "
    "\u05d1\u05d9\u05d5\u05dd \u05e9\u05dc\u05d9\u05e9\u05d9 \u05e2\u05dc \u05e1\u05d2\u05d9\u05e8\u05ea "
    "\u05d4\u05d2\u05e9\u05e8 \u05d4\u05d9\u05e9\u05df \u05dc\u05de\u05db\u05d5\u05e0\u05d9\u05d5\u05ea.",
    "cjk": "\u5e02\u8bae\u4f1a\u5468\u4e8c\u6295\u7968\u51b3\u5b9a\u4ece\u660e\u5e74\u6625\u5929\u8d77"
    "\u7981\u6b62\u6c7d\u8f66\u901a\u884c\u8001\u6e2f\u53e3\u5927\u6865\u3002",
    "japanese": "\u5e02\u8b70\u4f1a\u306f\u706b\u66dc\u65e5\u3001\u53e4\u3044\u6e2f\u306e\u6a4b\u3092"
    "\u8eca\u4e21\u901a\u884c\u6b62\u3081\u306b\u3059\u308b\u3053\u3068\u3092\u6c7a\u3081\u305f\u3002",
    "mixed direction": "The council (\u0627\u0644\u0645\u062c\u0644\u0633) voted \u202eon Tuesday\u202c "
    "to close the bridge \u200f\u05d4\u05d2\u05e9\u05e8\u200e to cars.",
    "zero width": "The coun\u200bcil vo\u200dted on Tues\u2060day to close the old har\ufeffbour bridge.",
    "nul": "The council\x00 voted on Tuesday to close the old harbour bridge to cars.\x00",
    "combining": "Cafe\u0301 owners on the quay\u0308 said the closure would hurt their trade.",
    "control": "The council voted\x07 on Tuesday\x1b to close the old harbour bridge to cars.",
}


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_text_in_any_script_is_stored_and_read_back(client: Any, name: str) -> None:
    text = SCRIPTS[name]
    article_id = f"scripts/{name.replace(' ', '-')}"
    article = {"id": article_id, "title": text[:80], "source": text[:40], "author": text[:20], "body": text}
    created = client.post("/v1/articles", json=article)
    assert created.status_code == 201, created.get_data(as_text=True)
    got = client.get(f"/v1/articles/{article_id}").get_json()
    assert (got["title"], got["source"], got["author"]) == (text[:80], text[:40], text[:20])
    assert got["text_length"] > 0
    assert client.post("/v1/articles", json=article).status_code == 200  # the same content again
    traced = client.post("/v1/provenance", json={"body": text, "title": text[:80]})
    assert traced.status_code == 200
    assert (traced.get_json()["original"] or {"id": article_id})["id"] == article_id
    html = client.post("/v1/provenance", json={"body": f"<p>{text}</p>", "format": "html"})
    assert html.status_code in (200, 422), html.get_data(as_text=True)


def test_text_in_any_script_is_stored_in_a_batch(client: Any) -> None:
    items = [{"id": f"batch-scripts/{n}", "body": text} for n, text in enumerate(SCRIPTS.values())]
    body = client.post("/v1/articles:batch", json=items).get_json()
    assert [item["status"] for item in body["items"]] == [201] * len(items)
    ndjson = "\n".join(json.dumps({**item, "title": "again"}) for item in items)
    again = post_raw(client, "/v1/articles:batch", ndjson, NDJSON).get_json()
    assert [item["status"] for item in again["items"]] == [409] * len(items)


# ------------------------------------------------------------ bodies that are not an article


MALFORMED = {
    "not json": "{not json",
    "truncated": '{"body": "The council',
    "trailing comma": '{"body": "The council voted.",}',
    "single quotes": "{'body': 'The council voted.'}",
    "empty": "",
    "nested arrays": NESTED,
    "nested in a field": '{"body": "The council voted.", "title": ' + NESTED + "}",
    "nested objects": '{"a":' * 10_000 + "1" + "}" * 10_000,
    "huge integer": '{"body": "The council voted.", "limit": ' + "9" * 5000 + "}",
}


@pytest.mark.parametrize("name", list(MALFORMED))
@pytest.mark.parametrize("path", ["/v1/articles", "/v1/provenance", "/v1/articles:batch"])
def test_a_body_that_is_not_json_is_400(client: Any, stored: Any, path: str, name: str) -> None:
    refused(post_raw(client, path, MALFORMED[name]), 400)
    assert stored() == []


@pytest.mark.parametrize(
    "raw", [b'{"body": "The council \xff\xfe voted."}', b"\xff\xfe{\x00", b'{"body": "\xc3\x28"}']
)
@pytest.mark.parametrize("path", ["/v1/articles", "/v1/provenance"])
def test_a_body_that_is_not_utf8_is_400(client: Any, stored: Any, path: str, raw: bytes) -> None:
    refused(post_raw(client, path, raw), 400)
    assert stored() == []


@pytest.mark.parametrize("raw", ["null", "42", '"text"', "true", '["body"]', "[]"])
@pytest.mark.parametrize("path", ["/v1/articles", "/v1/provenance"])
def test_json_that_is_not_an_object_is_422(client: Any, stored: Any, path: str, raw: str) -> None:
    assert "_schema" in refused(post_raw(client, path, raw))["errors"]
    assert stored() == []


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        None,
    ],
)
@pytest.mark.parametrize("path", ["/v1/articles", "/v1/provenance", "/v1/articles:batch"])
def test_a_body_of_another_media_type_is_415(
    client: Any, stored: Any, path: str, content_type: str | None
) -> None:
    raw = json.dumps(make_article()) if path != "/v1/articles:batch" else json.dumps([make_article()])
    response = client.post(path, data=raw, content_type=content_type)
    refused(response, 415)
    assert stored() == []


# ------------------------------------------------------------ limits


def test_a_request_over_the_byte_limit_is_413_and_stores_nothing(
    app_config: dict[str, Any], stored: Any
) -> None:
    client = create_app({**app_config, "max_request_bytes": 4096}).test_client()
    article = make_article(body="The council voted on Tuesday. " * 200)
    refused(client.post("/v1/articles", json=article), 413)
    refused(client.post("/v1/provenance", json={"body": article["body"]}), 413)
    assert stored() == []
    refused(client.get(f"/v1/articles/{article['id']}"), 404)


def test_a_text_over_the_length_limit_is_422_and_stores_nothing(
    app_config: dict[str, Any], stored: Any
) -> None:
    client = create_app({**app_config, "max_text_chars": 500}).test_client()
    article = make_article(body="The council voted on Tuesday. " * 20)
    assert "body" in refused(client.post("/v1/articles", json=article))["errors"]
    assert "body" in refused(client.post("/v1/provenance", json={"body": article["body"]}))["errors"]
    assert stored() == []


def test_a_batch_over_the_item_limit_is_413_and_stores_nothing(
    app_config: dict[str, Any], stored: Any
) -> None:
    client = create_app({**app_config, "max_batch_items": 2}).test_client()
    items = [make_article() for _ in range(3)]
    refused(client.post("/v1/articles:batch", json=items), 413)
    ndjson = "\n".join(json.dumps(item) for item in items)
    refused(post_raw(client, "/v1/articles:batch", ndjson, NDJSON), 413)
    assert stored() == []


def test_a_batch_over_the_byte_limit_is_413_and_stores_nothing(
    app_config: dict[str, Any], stored: Any
) -> None:
    client = create_app({**app_config, "max_request_bytes": 4096, "max_batch_bytes": 8192}).test_client()
    items = [make_article() for _ in range(10)]
    refused(client.post("/v1/articles:batch", json=items), 413)
    assert stored() == []


def test_an_article_over_the_request_limit_in_a_batch_is_413_alone(app_config: dict[str, Any]) -> None:
    client = create_app({**app_config, "max_request_bytes": 4096, "max_batch_bytes": 65536}).test_client()
    small, large = make_article(), make_article(body="The council voted on Tuesday. " * 200)
    body = client.post("/v1/articles:batch", json=[small, large]).get_json()
    assert [item["status"] for item in body["items"]] == [201, 413]
    assert body["items"][1]["problem"]["status"] == 413 and body["items"][1]["id"] == large["id"]
    assert client.post("/v1/articles", json=large).status_code == 413  # as POST /v1/articles answers it
    refused(client.get(f"/v1/articles/{large['id']}"), 404)


@pytest.mark.parametrize(
    "limit", ["0", "1001", "-1", "ten", "2.5", "", "1e3", "9" * 5000, "+5", " 5", "1_0", "\u0665"]
)
def test_a_listing_limit_out_of_range_is_422(client: Any, limit: str) -> None:
    assert "limit" in refused(client.get("/v1/articles", query_string={"limit": limit}))["errors"]


@pytest.mark.parametrize("cursor", ["", "not-a-cursor", "x" * 201, "\x00", "YTE6LTE6MQ"])
def test_a_listing_cursor_not_made_by_the_service_is_422(client: Any, cursor: str) -> None:
    assert "cursor" in refused(client.get("/v1/articles", query_string={"cursor": cursor}))["errors"]


# ------------------------------------------------------------ batches


BATCH_ITEM_CASES = [
    (change, field)
    for change, field in FIELD_CASES
    if "id" not in change and field not in ("colour", "limit")
]


@pytest.mark.parametrize("encoding", ["json", "ndjson"])
def test_invalid_articles_in_a_batch_are_422_each_and_stored_never(client: Any, encoding: str) -> None:
    good = make_article(id=f"batch/good-{encoding}")
    bad = [
        make_article(id=f"batch/bad-{encoding}-{n}", **change)
        for n, (change, _) in enumerate(BATCH_ITEM_CASES)
    ]
    items: list[Any] = [good, *bad, ["not", "an", "object"], "text", None, 42]
    if encoding == "json":
        response = client.post("/v1/articles:batch", json=items)
    else:
        response = post_raw(client, "/v1/articles:batch", "\n".join(json.dumps(i) for i in items), NDJSON)
    assert response.status_code == 200
    answers = response.get_json()["items"]
    assert [a["index"] for a in answers] == list(range(len(items)))
    assert answers[0]["status"] == 201
    for answer, (_, field) in zip(answers[1:], BATCH_ITEM_CASES, strict=False):
        assert answer["status"] == 422 and field in answer["problem"]["errors"], answer
    for answer in answers[1 + len(bad) :]:
        assert answer["status"] == 422 and "_schema" in answer["problem"]["errors"]
    for article in bad:
        refused(client.get(f"/v1/articles/{article['id']}"), 404)


@pytest.mark.parametrize("raw", SURROGATES, ids=[field for _, field in SURROGATES])
def test_a_lone_surrogate_in_a_batch_is_422_for_that_article(client: Any, raw: tuple[str, str]) -> None:
    line, field = raw
    for body, content_type in ((f"[{line}]", "application/json"), (line, NDJSON)):
        answer = post_raw(client, "/v1/articles:batch", body, content_type).get_json()["items"][0]
        assert answer["status"] == 422 and field in answer["problem"]["errors"], answer


def test_an_ndjson_batch_with_a_line_that_is_not_json_stores_nothing(client: Any, stored: Any) -> None:
    lines = [json.dumps(make_article()), "{not json", json.dumps(make_article())]
    refused(post_raw(client, "/v1/articles:batch", "\n".join(lines), NDJSON), 400)
    refused(post_raw(client, "/v1/articles:batch", NESTED, NDJSON), 400)
    refused(post_raw(client, "/v1/articles:batch", b'{"body": "\xff"}', NDJSON), 400)
    assert stored() == []


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [("[]", "application/json"), ("\n \n", NDJSON), ("{}", "application/json"), ('"a"', "application/json")],
)
def test_a_batch_that_is_empty_or_not_an_array_is_422(
    client: Any, stored: Any, raw: str, content_type: str
) -> None:
    assert "_schema" in refused(post_raw(client, "/v1/articles:batch", raw, content_type))["errors"]
    assert stored() == []


# ------------------------------------------------------------ ids in paths


@pytest.mark.parametrize(
    "path",
    [
        "//x",
        "%2F%2Fx",
        "x//y",
        "x/",
        "a/../b",
        "a/./b",
        "%00",
        "a%0Ab",
        "%ED%A0%80",
        "%FF",
        "caf%C3%A9",
        "x" * 5000,
        "a%3Fb",
    ],
)
def test_a_path_with_an_id_no_article_can_have_is_404(client: Any, stored: Any, path: str) -> None:
    for method, url in (
        ("get", f"/v1/articles/{path}"),
        ("delete", f"/v1/articles/{path}"),
        ("get", f"/v1/articles/{path}/provenance"),
    ):
        refused(getattr(client, method)(url), 404)
    assert stored() == []


# ------------------------------------------------------------ found by these tests, fixed


@pytest.mark.parametrize("path", ["/v1/articles", "/v1/provenance"])
@pytest.mark.parametrize(
    "payload",
    [
        {"body": "The council voted. " * 300},
        {  # a story with a results table: "0 0 0" occurs 358 times
            "format": "html",
            "body": "<article><p>"
            + HARBOUR.replace("\n\n", "</p><p>")
            + "</p><table>"
            + "<tr><td>0</td><td>0</td><td>0</td></tr>" * 120
            + "</table></article>",
        },
    ],
    ids=["repeated sentence", "table of zeros"],
)
def test_a_text_that_repeats_a_phrase_hundreds_of_times_is_not_a_500(
    client: Any, path: str, payload: dict[str, Any]
) -> None:
    response = client.post(path, json=payload)
    assert response.status_code in (200, 201, 422)


def test_html_with_nothing_but_navigation_links_is_422(client: Any, stored: Any) -> None:
    html = (
        '<html><body><nav><a href="/">Home</a> <a href="/about">About us</a></nav>'
        "<script>track()</script></body></html>"
    )
    problem = refused(client.post("/v1/articles", json=make_article(body=html, format="html")))
    assert "body" in problem["errors"]
    assert stored() == []
