"""Fixtures: a real Redis (REDIS_URL when set, else an embedded redis-server), an app, a client, factories.

Each test gets its own key prefix and removes its keys afterwards, so tests can share the CI's Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib

from service.app import create_app
from service.store.embedded import EmbeddedRedis
from tests.live import Scripted, serving

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TEST_DB = int(os.environ.get("PROVENANCE_TEST_DB", "13"))


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("REDIS_URL")
    if url:
        client = redis_lib.Redis.from_url(url)
        client.ping()
        client.close()
        # A database of our own on a shared server (unless the URL names one).
        yield url if url.rstrip("/").count("/") > 2 else f"{url.rstrip('/')}/{TEST_DB}"
        return
    with EmbeddedRedis(tmp_path_factory.mktemp("redis")) as embedded_url:
        yield embedded_url


@pytest.fixture
def key_prefix() -> str:
    return f"provtest{uuid.uuid4().hex[:10]}"


@pytest.fixture
def redis(redis_url: str, key_prefix: str) -> Iterator[redis_lib.Redis]:
    client = redis_lib.Redis.from_url(redis_url)
    yield client
    for key in client.scan_iter(match=f"{key_prefix}:*", count=1000):
        client.delete(key)
    client.close()


@pytest.fixture
def app_config(redis_url: str, key_prefix: str) -> dict[str, Any]:
    return {"redis_url": redis_url, "key_prefix": key_prefix}


@pytest.fixture
def app(app_config: dict[str, Any], redis: redis_lib.Redis) -> Any:
    return create_app(app_config)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def shared() -> Path:
    if not (SHARED / "seeds").is_dir():
        pytest.skip("../shared is absent")
    return SHARED


@pytest.fixture
def scripted(app: Any) -> Scripted:
    """The app, able to answer scripted errors before passing requests on (tests/live.py)."""
    return Scripted(app)


@pytest.fixture
def scripted_url(scripted: Scripted) -> Iterator[str]:
    """The scripted app on a real HTTP server: its base URL."""
    with serving(scripted) as url:
        yield url
