"""The benchmarks that call into the service's own code keep up with it: bench/million.py builds its index
with `ProvenanceService.article_of` and `Index.add`, so a change of either must not leave it broken (it
was, once: a new argument of `article_of`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib

from service.app import create_app
from service.core import content_hash_of
from tests.factories import HARBOUR, ORCHESTRA

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture
def million(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(BENCH))
    import million

    return million


def test_the_million_loader_stores_what_post_articles_would(
    million: Any, redis_url: str, redis: redis_lib.Redis, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROVENANCE_KEY_PREFIX", key_prefix)
    monkeypatch.setattr(million, "_SERVICE", None)
    million._init_loader(redis_url)
    articles = [
        {"id": "syn/000000001", "title": "Harbour", "body": HARBOUR, "published_at": "2020-01-01T00:00:00Z"},
        {"id": "syn/000000002", "title": "Tour", "body": ORCHESTRA, "published_at": "2020-01-01T00:00:01Z"},
    ]
    lines = [json.dumps(article) for article in articles]
    assert million._store(lines) == 2
    assert million._store(lines) == 0  # stored once, as POST /v1/articles would

    app = create_app({"redis_url": redis_url, "key_prefix": key_prefix})
    stored = app.extensions["provenance"].index.get("syn/000000001")
    assert stored is not None and stored.text.startswith("The city council voted")
    sent = {**articles[0], "format": "text", "published_at": stored.published_at}
    assert stored.content_hash == content_hash_of({k: v for k, v in sent.items() if k != "id"})
    answer = app.test_client().post("/v1/provenance", json={"body": HARBOUR}).get_json()
    assert (answer["original"]["id"], answer["verdict"]) == ("syn/000000001", "duplicate")
    # A resubmission over the API of what the loader stored is the same content, not a conflict.
    client = app.test_client()
    assert client.post("/v1/articles", json=articles[0]).status_code == 200
