"""Moving a store of the previous key layout (v3) to this one (v4): `provenance migrate`."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
import redis as redis_lib

from service.app import create_app
from service.store import migrate
from service.store.index import MEMBER
from service.store.keys import Keys
from tests.factories import HARBOUR, ORCHESTRA


def as_previous_layout(client: redis_lib.Redis, keys: Keys) -> None:
    """Turn a store of this layout into what the previous version wrote: the same keys under v3, and the
    members of index buckets as decimal text (slot * 2^32 + number)."""
    old_root = f"{keys.prefix}:{migrate.PREVIOUS_VERSION}"
    for raw in list(client.scan_iter(match=f"{keys.root}:*", count=1000)):
        key = raw.decode()
        target = old_root + key[len(keys.root) :]
        if ":x:" in key:
            for member, score in client.zrange(key, 0, -1, withscores=True):
                number, slot = MEMBER.unpack(member)
                client.zadd(target, {str(slot * 2**32 + number): score})
            client.delete(key)
        else:
            client.rename(key, target)


def snapshot(client: redis_lib.Redis, root: str) -> dict[str, Any]:
    """Every key under `root` (cached fingerprints aside) with its value, whatever its type."""
    out: dict[str, Any] = {}
    for raw in client.scan_iter(match=f"{root}:*", count=1000):
        key = raw.decode()
        if ":fpc:" in key:
            continue
        kind = client.type(key).decode()
        if kind == "string":
            out[key] = client.get(key)
        elif kind == "hash":
            out[key] = client.hgetall(key)
        elif kind == "zset":
            out[key] = client.zrange(key, 0, -1, withscores=True)
        elif kind == "set":
            out[key] = client.smembers(key)
        else:
            raise AssertionError(f"{key}: unexpected type {kind}")
    return out


@pytest.fixture
def stored(app: Any, client: Any) -> Keys:
    """A store with an original, its copy (lineage, derivatives), another article and a cached query."""
    for article_id, body, when in (
        ("wire", HARBOUR, "2025-01-01T00:00:00Z"),
        ("copy", HARBOUR + "\n\nMore to follow.", "2025-01-02T00:00:00Z"),
        ("other", ORCHESTRA, "2025-01-03T00:00:00Z"),
    ):
        response = client.post("/v1/articles", json={"id": article_id, "body": body, "published_at": when})
        assert response.status_code == 201
    assert client.post("/v1/provenance", json={"body": ORCHESTRA}).status_code == 200
    keys: Keys = app.extensions["provenance"].keys
    return keys


def test_a_store_of_the_previous_layout_moves_back_to_what_this_version_writes(
    app_config: dict[str, Any], redis: redis_lib.Redis, stored: Keys
) -> None:
    before = snapshot(redis, stored.root)
    assert any(":x:" in key for key in before) and any(":drv:" in key for key in before)
    as_previous_layout(redis, stored)
    assert migrate.pending(redis, stored)

    moved = migrate.migrate(redis, stored)

    assert not migrate.pending(redis, stored)
    assert snapshot(redis, stored.root) == before
    assert not list(redis.scan_iter(match=f"{stored.prefix}:{migrate.PREVIOUS_VERSION}:*"))
    assert moved.buckets == sum(":x:" in key for key in before)
    assert moved.entries == sum(len(v) for key, v in before.items() if ":x:" in key)
    assert moved.dropped == 1  # the cached fingerprints of the query
    client = create_app(app_config).test_client()
    answer = client.post("/v1/provenance", json={"body": HARBOUR}).get_json()
    assert answer["original"]["id"] == "wire"


def test_the_service_refuses_to_start_on_a_store_of_the_previous_layout(
    app_config: dict[str, Any], redis: redis_lib.Redis, stored: Keys
) -> None:
    as_previous_layout(redis, stored)
    with pytest.raises(RuntimeError, match="provenance migrate"):
        create_app(app_config)


def test_a_migration_stopped_part_way_goes_on_and_the_counts_move_last(
    app_config: dict[str, Any], redis: redis_lib.Redis, stored: Keys
) -> None:
    before = snapshot(redis, stored.root)
    as_previous_layout(redis, stored)
    seen: list[str] = []
    real_rename = redis.rename

    def rename_then_stop(source: Any, target: Any) -> Any:
        seen.append(source)
        if len(seen) == 3:
            raise redis_lib.ConnectionError("the migration stopped here")
        return real_rename(source, target)

    redis.rename = rename_then_stop  # type: ignore[method-assign]
    with pytest.raises(redis_lib.ConnectionError):
        migrate.migrate(redis, stored)
    redis.rename = real_rename  # type: ignore[method-assign]
    assert not any(key.endswith(":count") for key in seen[:2])
    assert migrate.pending(redis, stored)  # the counts are still under v3: the service would not start
    migrate.migrate(redis, stored)
    assert snapshot(redis, stored.root) == before
    assert not migrate.pending(redis, stored)


def test_migrate_command_on_redis_url(
    app_config: dict[str, Any], redis: redis_lib.Redis, stored: Keys
) -> None:
    newest = {p: redis.get(stored.newest(p)) for p in range(stored.partitions)}
    for p in newest:
        redis.delete(stored.newest(p))  # v3 kept no publication bounds
    as_previous_layout(redis, stored)
    env = {**os.environ, "REDIS_URL": app_config["redis_url"], "PROVENANCE_KEY_PREFIX": stored.prefix}

    def run() -> str:
        command = [sys.executable, "-m", "service.cli", "migrate"]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=True).stdout

    first = run()
    assert first.startswith("moved ")
    assert f"publication bounds set for {stored.partitions} of {stored.partitions}" in first
    assert {p: redis.get(stored.newest(p)) for p in newest} == newest  # what the adds had kept
    second = run()
    assert second.startswith("nothing to move") and "bounds set for 0 of" in second
    assert create_app(app_config).extensions["provenance"].index.get("copy").original == "wire"
