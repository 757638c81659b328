"""The service on a real 3-master Redis Cluster (redis+cluster:// URL), with articles over 8 partitions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.app import create_app
from tests.cluster import LocalCluster
from tests.factories import HARBOUR, ORCHESTRA, make_article


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    local = LocalCluster(Path(tmp_path_factory.mktemp("cluster"))).start()
    yield local
    local.stop()


@pytest.fixture
def cluster_client(cluster: LocalCluster, key_prefix: str) -> Any:
    app = create_app({"redis_url": cluster.url, "key_prefix": key_prefix, "partitions": 8})
    return app.test_client()


def test_the_cluster_client_is_chosen_by_the_url(cluster: LocalCluster, key_prefix: str) -> None:
    import redis

    app = create_app({"redis_url": cluster.url, "key_prefix": key_prefix, "partitions": 8})
    assert isinstance(app.extensions["provenance"].redis, redis.RedisCluster)
    assert app.test_client().get("/readyz").status_code == 200


def test_articles_spread_over_the_cluster_and_are_traced(cluster_client: Any, cluster: LocalCluster) -> None:
    ids = [f"wire/{i}" for i in range(12)]
    for i, article_id in enumerate(ids):
        body = (
            HARBOUR if i == 0 else ORCHESTRA.replace("Lisbon", f"Town{i}") + f"\n\nNote {i}: " + "filler " * i
        )
        response = cluster_client.post(
            "/v1/articles",
            json=make_article(id=article_id, body=body, published_at=f"2025-01-{i + 1:02d}T00:00:00Z"),
        )
        assert response.status_code == 201, response.get_json()
    answer = cluster_client.post("/v1/provenance", json={"body": HARBOUR}).get_json()
    assert (answer["original"]["id"], answer["verdict"]) == ("wire/0", "duplicate")
    # The query's fingerprint cache write went in its lookups' pipeline, to its own slot's master.
    service = cluster_client.application.extensions["provenance"]
    assert len(list(service.redis.scan_iter(match=f"{service.config.key_prefix}:*:fpc:*"))) == 1
    copy = cluster_client.post(
        "/v1/articles", json=make_article(id="farm/copy", published_at="2025-02-01T00:00:00Z")
    )
    assert copy.get_json()["provenance"]["original"]["id"] == "wire/0"
    assert [
        d["id"] for d in cluster_client.get("/v1/articles/wire/0/provenance").get_json()["derivatives"]
    ] == ["farm/copy"]
    assert cluster_client.delete("/v1/articles/wire/0").status_code == 204
    assert cluster_client.get("/v1/articles/farm/copy").get_json()["lineage"]["original"] is None


def test_keys_of_one_article_share_a_slot(cluster: LocalCluster, key_prefix: str) -> None:
    """Every multi-key script runs on one slot: the partition's hash tag."""
    from redis.cluster import key_slot

    from service.store.keys import Keys

    keys = Keys(key_prefix, partitions=8)
    partition = keys.partition_of("wire/7")
    names = [keys.ids("wire/7"), keys.doc(partition, 42), keys.meta(partition, 42), keys.count(partition),
             keys.entries(partition, "p", 0xBEEF), keys.derivatives(partition, 42)]  # fmt: skip
    assert len({key_slot(name.encode()) for name in names}) == 1


def test_a_store_of_the_previous_layout_migrates_on_the_cluster(
    cluster: LocalCluster, key_prefix: str
) -> None:
    from service.store import migrate
    from tests.test_migrate import as_previous_layout, snapshot

    app = create_app({"redis_url": cluster.url, "key_prefix": key_prefix, "partitions": 8})
    client, service = app.test_client(), app.extensions["provenance"]
    for i, body in enumerate((HARBOUR, ORCHESTRA, HARBOUR + "\n\nMore to follow.")):
        published = f"2025-03-{i + 1:02d}T00:00:00Z"
        response = client.post(
            "/v1/articles", json=make_article(id=f"m/{i}", body=body, published_at=published)
        )
        assert response.status_code == 201, response.get_json()
    before = snapshot(service.redis, service.keys.root)
    as_previous_layout(service.redis, service.keys)
    with pytest.raises(RuntimeError, match="provenance migrate"):
        create_app({"redis_url": cluster.url, "key_prefix": key_prefix, "partitions": 8})

    migrate.migrate(service.redis, service.keys)

    assert snapshot(service.redis, service.keys.root) == before
    answer = client.post("/v1/provenance", json={"body": HARBOUR}).get_json()
    assert answer["original"]["id"] == "m/0"
