"""POST /v1/articles:batch: a JSON array or NDJSON, per-item status and provenance, bounded size."""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.app import create_app
from tests.factories import HARBOUR, ORCHESTRA, make_article


def post_batch(client: Any, items: list[Any], ndjson: bool = False) -> Any:
    if ndjson:
        data = "\n".join(json.dumps(i) for i in items) + "\n"
        return client.post("/v1/articles:batch", data=data, content_type="application/x-ndjson")
    return client.post("/v1/articles:batch", json=items)


@pytest.mark.parametrize("ndjson", [False, True], ids=["json-array", "ndjson"])
def test_a_batch_stores_every_article_in_order_and_answers_each(client: Any, ndjson: bool) -> None:
    items = [
        make_article(id="wire/1", published_at="2025-01-01T00:00:00Z"),
        make_article(id="wire/2", body=ORCHESTRA, published_at="2025-01-02T00:00:00Z"),
        make_article(id="copy/1", published_at="2025-01-03T00:00:00Z"),
    ]
    response = post_batch(client, items, ndjson)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["created"], body["existing"], body["failed"]) == (3, 0, 0)
    assert [(i["index"], i["status"], i["id"]) for i in body["items"]] == [
        (0, 201, "wire/1"),
        (1, 201, "wire/2"),
        (2, 201, "copy/1"),
    ]
    assert body["items"][2]["provenance"]["original"]["id"] == "wire/1"  # an earlier item of the batch
    assert client.get("/v1/articles/copy/1").get_json()["lineage"]["original"] == "wire/1"


def test_each_item_has_its_own_status_and_a_bad_item_stores_nothing_else_wrong(client: Any) -> None:
    taken = make_article(id="taken")
    client.post("/v1/articles", json=taken)
    items = [
        taken,  # same content: 200
        {**taken, "body": ORCHESTRA},  # other content: 409
        make_article(id="bad id!"),  # invalid: 422
        "not an object",  # invalid: 422
        make_article(id="fine", body=ORCHESTRA),  # 201
    ]
    body = post_batch(client, items).get_json()
    assert [i["status"] for i in body["items"]] == [200, 409, 422, 422, 201]
    assert (body["created"], body["existing"], body["failed"]) == (1, 1, 3)
    assert body["items"][2]["problem"]["errors"].keys() == {"id"}
    assert body["items"][1]["problem"]["status"] == 409 and body["items"][1]["id"] == "taken"
    assert client.get("/v1/articles/fine").status_code == 200
    assert client.get("/v1/articles/bad id!").status_code == 404


def test_a_batch_over_the_item_limit_is_413_and_stores_nothing(
    app_config: dict[str, Any], redis: Any
) -> None:
    client = create_app({**app_config, "max_batch_items": 2}).test_client()
    response = post_batch(client, [make_article(), make_article(), make_article()])
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    assert client.post("/v1/provenance", json={"body": HARBOUR}).get_json()["original"] is None


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ("[]", "application/json", 422),
        ('{"id": "x"}', "application/json", 422),
        ("[{", "application/json", 400),
        ('{"id": "a", "body": "x"}\n{broken', "application/x-ndjson", 400),
        ("id,body", "text/csv", 415),
    ],
)
def test_malformed_batches_are_problems(client: Any, data: str, content_type: str, status: int) -> None:
    response = client.post("/v1/articles:batch", data=data, content_type=content_type)
    assert response.status_code == status and response.mimetype == "application/problem+json"


def test_batches_may_be_larger_than_single_requests(app_config: dict[str, Any], redis: Any) -> None:
    client = create_app({**app_config, "max_request_bytes": 4096, "max_batch_bytes": 1 << 20}).test_client()
    items = [make_article(id=f"big/{i}", body=HARBOUR + f"\n\nItem {i}.") for i in range(4)]
    assert len(json.dumps(items)) > 4096
    assert post_batch(client, items).get_json()["created"] == 4
    assert client.post("/v1/articles", json=make_article(body=HARBOUR * 5)).status_code == 413
