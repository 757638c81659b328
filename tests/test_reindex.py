"""Re-indexing after a fingerprint algorithm change."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from service.detect.fingerprint import ALGORITHM, Fingerprints
from service.detect.text import Text, clean_text
from service.store.index import Article
from tests.factories import HARBOUR


def stale_article(article_id: str) -> Article:
    """An article as an older algorithm fingerprinted it: other SimHash, other passage entries."""
    when = datetime(2025, 1, 1, tzinfo=UTC)
    return Article(
        id=article_id,
        text=clean_text(HARBOUR),
        fingerprints=Fingerprints(0x1234, (77, 78)),
        content_hash="old",
        published_at=when,
        received_at=when,
        algorithm="fp0",
    )


def test_reindex_moves_outdated_articles_to_the_current_fingerprints(app: Any, client: Any) -> None:
    service = app.extensions["provenance"]
    service.index.add(stale_article("old/1"))
    assert client.post("/v1/provenance", json={"body": HARBOUR}).get_json()["original"] is None
    assert service.reindex() == (1, 1)
    stored = service.index.get("old/1")
    assert stored.algorithm == ALGORITHM
    # The text's own views, and the terms the index chose for it (service/detect/terms.py).
    assert replace(stored.fingerprints, terms=()) == Fingerprints.of(Text(clean_text(HARBOUR)))
    assert stored.fingerprints.terms
    assert not service.index.candidates(Fingerprints(0x1234, (77, 78))).passages
    assert client.post("/v1/provenance", json={"body": HARBOUR}).get_json()["original"]["id"] == "old/1"
    assert service.reindex() == (1, 0)  # nothing left to do
    assert service.reindex(every=True) == (1, 1)


def test_reindex_command_runs_against_redis_url(app: Any, app_config: dict[str, Any]) -> None:
    app.extensions["provenance"].index.add(stale_article("old/2"))
    env = {
        **os.environ,
        "REDIS_URL": app_config["redis_url"],
        "PROVENANCE_KEY_PREFIX": app_config["key_prefix"],
    }
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "reindex"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "1 articles, 1 re-indexed"
    assert app.extensions["provenance"].index.get("old/2").algorithm == ALGORITHM


def test_reindex_with_lineage_repairs_a_lineage_left_stale(app: Any, client: Any) -> None:
    service = app.extensions["provenance"]
    client.post("/v1/articles", json={"id": "wire", "body": HARBOUR, "published_at": "2025-01-01T00:00:00Z"})
    client.post("/v1/articles", json={"id": "copy", "body": HARBOUR, "published_at": "2025-01-02T00:00:00Z"})
    copy = service.index.get("copy")
    service.index.set_lineage(copy.ref, None, None, None, None)  # as if the process died before writing it
    assert service.reindex(lineage=True) == (2, 1)
    assert service.index.get("copy").original == "wire"
