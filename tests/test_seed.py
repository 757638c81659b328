"""The seed original of ../shared/seeds traced from a verbatim copy (skipped without ../shared)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def read_seed(shared: Path, name: str) -> tuple[str, str]:
    title, _, body = (shared / "seeds" / name).read_text(encoding="utf-8").strip().partition("\n")
    return title.strip().strip("*").removeprefix("Title:").strip(), body.strip()


def test_a_verbatim_copy_of_the_seed_names_it(client: Any, shared: Path) -> None:
    title, body = read_seed(shared, "000_154467ce215703c6.txt")
    created = client.post(
        "/v1/articles",
        json={
            "id": "seed/000",
            "title": title,
            "body": body,
            "source": "The Canadian Press",
            "published_at": "2025-10-06T10:00:00Z",
        },
    )
    assert created.status_code == 201
    answer = client.post("/v1/provenance", json={"body": body, "title": "Copied: " + title}).get_json()
    assert answer["original"]["id"] == "seed/000"
    assert answer["verdict"] == "duplicate" and answer["score"] > 0.95
