"""Access control: API keys with a read or write scope on /v1, and rate limits counted in the real Redis."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import flask
import pytest
import redis as redis_lib

from service.api import access
from service.app import create_app
from service.config import Config
from service.store.embedded import EmbeddedRedis
from tests.cluster import LocalCluster
from tests.factories import HARBOUR, make_article
from tests.processes import ProvenanceServe

READ_KEY = "r3ad-k3y-Q9x2LmVw"
WRITE_KEY = "wr1te-k3y-Z7p4NcTb"
KEYS = f"{READ_KEY}:read, {WRITE_KEY}:write"
PROBLEM = "application/problem+json"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def problem_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and {"type", "title", "detail"} <= body.keys()
    return body


def counters(redis: redis_lib.Redis, key_prefix: str) -> list[str]:
    """The rate-limit counters of a key prefix in Redis."""
    return [k.decode() for k in redis.scan_iter(match=f"LIMITS:LIMITER/{key_prefix}/*", count=1000)]


@pytest.fixture(autouse=True)
def _remove_counters(redis: redis_lib.Redis, key_prefix: str) -> Iterator[None]:
    """The counters live outside the prefix's namespace (flask-limiter's layout): remove them too."""
    yield
    for key in counters(redis, key_prefix):
        redis.delete(key)


@pytest.fixture
def make_client(app_config: dict[str, Any]) -> Any:
    def make(**overrides: Any) -> Any:
        return create_app({**app_config, **overrides}).test_client()

    return make


@pytest.fixture
def guarded(make_client: Any) -> Any:
    """A client of an app with a read key and a write key (and the default rate limit)."""
    return make_client(api_keys=KEYS)


# ------------------------------------------------------------ 401: no key, an unknown key, a malformed header


@pytest.mark.parametrize(
    ("method", "url", "payload"),
    [
        ("get", "/v1/articles/bbc/business/001", None),
        ("get", "/v1/articles", None),
        ("post", "/v1/provenance", {"body": HARBOUR}),
        ("post", "/v1/articles", make_article()),
        ("delete", "/v1/articles/bbc/business/001", None),
    ],
)
def test_a_request_without_a_key_is_401_with_a_bearer_challenge(
    guarded: Any, method: str, url: str, payload: Any
) -> None:
    response = getattr(guarded, method)(url, json=payload)
    body = problem_of(response, 401)
    assert body["type"].endswith("/unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="provenance"'


def test_an_unknown_key_is_401_invalid_token(guarded: Any) -> None:
    for key in ("not-a-key", READ_KEY + "x", READ_KEY[:-1], WRITE_KEY.upper()):
        response = guarded.get("/v1/articles", headers=bearer(key))
        problem_of(response, 401)
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    "header", [f"Basic {READ_KEY}", "Bearer", "Bearer ", f"Bearer {READ_KEY} extra", READ_KEY, ""]
)
def test_a_malformed_authorization_header_is_401_invalid_request(guarded: Any, header: str) -> None:
    response = guarded.get("/v1/articles", headers={"Authorization": header})
    problem_of(response, 401)
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="provenance"')
    assert 'error="invalid_request"' in response.headers["WWW-Authenticate"]


def test_a_key_may_contain_colons_its_scope_is_after_the_last(make_client: Any) -> None:
    client = make_client(api_keys="team:cms:2026:write")
    assert (
        client.post("/v1/articles", json=make_article(), headers=bearer("team:cms:2026")).status_code == 201
    )
    assert client.get("/v1/articles", headers=bearer("team:cms")).status_code == 401


def test_the_bearer_scheme_is_case_insensitive(guarded: Any) -> None:
    assert guarded.get("/v1/articles", headers={"Authorization": f"bearer {READ_KEY}"}).status_code == 200


# ------------------------------------------------------------ scopes: read keys read, write keys also write


def test_a_read_key_reads_and_traces(guarded: Any, make_client: Any) -> None:
    article = make_article()
    assert guarded.post("/v1/articles", json=article, headers=bearer(WRITE_KEY)).status_code == 201
    assert guarded.get(f"/v1/articles/{article['id']}", headers=bearer(READ_KEY)).status_code == 200
    assert (
        guarded.get(f"/v1/articles/{article['id']}/provenance", headers=bearer(READ_KEY)).status_code == 200
    )
    assert guarded.get("/v1/articles", headers=bearer(READ_KEY)).status_code == 200
    traced = guarded.post("/v1/provenance", json={"body": HARBOUR}, headers=bearer(READ_KEY))
    assert traced.status_code == 200
    assert traced.get_json()["original"]["id"] == article["id"]


@pytest.mark.parametrize(
    ("method", "url", "payload"),
    [
        ("post", "/v1/articles", make_article(id="read/only")),
        ("post", "/v1/articles:batch", [make_article(id="read/only")]),
        ("delete", "/v1/articles/read/only", None),
    ],
)
def test_a_read_key_writing_is_403_and_changes_nothing(
    guarded: Any, method: str, url: str, payload: Any
) -> None:
    response = getattr(guarded, method)(url, json=payload, headers=bearer(READ_KEY))
    body = problem_of(response, 403)
    assert body["type"].endswith("/forbidden")
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert guarded.get("/v1/articles/read/only", headers=bearer(WRITE_KEY)).status_code == 404


def test_a_write_key_stores_reads_and_deletes(guarded: Any) -> None:
    article = make_article(id="written/1")
    assert guarded.post("/v1/articles", json=article, headers=bearer(WRITE_KEY)).status_code == 201
    batch = guarded.post("/v1/articles:batch", json=[make_article(id="written/2")], headers=bearer(WRITE_KEY))
    assert batch.status_code == 200 and batch.get_json()["created"] == 1
    assert guarded.get("/v1/articles/written/1", headers=bearer(WRITE_KEY)).status_code == 200
    assert (
        guarded.post("/v1/provenance", json={"body": HARBOUR}, headers=bearer(WRITE_KEY)).status_code == 200
    )
    assert guarded.delete("/v1/articles/written/1", headers=bearer(WRITE_KEY)).status_code == 204


def test_health_readiness_the_document_and_pages_stay_open(guarded: Any) -> None:
    assert guarded.get("/healthz").status_code == 200
    assert guarded.get("/readyz").status_code == 200
    assert guarded.get("/openapi.yaml").status_code == 200
    for page in ("/", "/docs", "/metrics"):
        assert guarded.get(page).status_code not in (401, 403), page


def test_without_keys_the_api_is_open_and_authorization_is_ignored(client: Any) -> None:
    assert client.get("/v1/articles").status_code == 200
    assert client.get("/v1/articles", headers=bearer("anything")).status_code == 200
    assert client.post("/v1/articles", json=make_article()).status_code == 201


def test_every_configured_key_is_compared(monkeypatch: pytest.MonkeyPatch) -> None:
    """No early exit on a match: the first key costs as many comparisons as the last or none."""
    calls = []
    compare = access.hmac.compare_digest
    monkeypatch.setattr(access.hmac, "compare_digest", lambda a, b: calls.append(1) or compare(a, b))
    digests = tuple((access._digest(k), s) for k, s in [("a1", "read"), ("b2", "write"), ("c3", "read")])
    for token, scope in [("a1", "read"), ("c3", "read"), ("b2", "write"), ("zz", None)]:
        calls.clear()
        assert access._scope_of(access._digest(token), digests) == scope
        assert len(calls) == 3


# ------------------------------------------------------------ configuration and logs


def test_an_open_service_warns_once_at_creation(
    app_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="service.api.access"):
        client = create_app(app_config).test_client()
        client.get("/v1/articles")
        client.get("/v1/articles")
    warnings = [r for r in caplog.records if r.name == "service.api.access" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "open to anyone" in warnings[0].getMessage()


def test_a_guarded_service_does_not_warn(
    app_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="service.api.access"):
        create_app({**app_config, "api_keys": KEYS})
    assert not [r for r in caplog.records if r.name == "service.api.access" and r.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    ("raw", "entry"),
    [
        (f"{READ_KEY}:admin", 1),
        (f"{READ_KEY}:read,:write", 2),
        (f"{READ_KEY}:read, {WRITE_KEY}", 2),
        (f"{READ_KEY}:read,,{WRITE_KEY}:write", 2),
        (f"{READ_KEY}:read,", 2),
        (f"read:{WRITE_KEY}", 1),
        (f"{READ_KEY} {WRITE_KEY}:write", 1),
        (f"{READ_KEY}:read,{READ_KEY}:write", 2),
    ],
)
def test_malformed_api_keys_fail_at_start_naming_the_entry_not_the_key(
    monkeypatch: pytest.MonkeyPatch, app_config: dict[str, Any], raw: str, entry: int
) -> None:
    monkeypatch.setenv("PROVENANCE_API_KEYS", raw)
    with pytest.raises(ValueError, match=rf"PROVENANCE_API_KEYS entry {entry}\b") as from_env:
        Config.from_env()
    with pytest.raises(ValueError, match=rf"PROVENANCE_API_KEYS entry {entry}\b") as from_overrides:
        create_app({**app_config, "api_keys": raw})
    for message in (str(from_env.value), str(from_overrides.value)):
        assert READ_KEY not in message and WRITE_KEY not in message


def test_api_keys_are_read_from_the_environment_and_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVENANCE_API_KEYS", KEYS)
    config = Config.from_env()
    assert config.api_keys == KEYS
    assert READ_KEY not in repr(config) and WRITE_KEY not in repr(config)


@pytest.mark.parametrize("raw", ["lots", "0 per minute", "600 per fortnight", "600 per minute,"])
def test_a_malformed_rate_limit_fails_at_start(
    monkeypatch: pytest.MonkeyPatch, app_config: dict[str, Any], raw: str
) -> None:
    monkeypatch.setenv("PROVENANCE_RATE_LIMIT", raw)
    with pytest.raises(ValueError, match="PROVENANCE_RATE_LIMIT"):
        Config.from_env()
    with pytest.raises(ValueError, match="PROVENANCE_RATE_LIMIT"):
        create_app({**app_config, "rate_limit": raw})


def test_keys_never_reach_the_logs(app_config: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        client = create_app({**app_config, "api_keys": KEYS, "rate_limit": "2 per hour"}).test_client()
        client.get("/v1/articles", headers=bearer(READ_KEY))
        client.get("/v1/articles", headers=bearer(READ_KEY + "x"))
        client.get("/v1/articles", headers={"Authorization": f"Basic {WRITE_KEY}"})
        client.delete("/v1/articles/a", headers=bearer(READ_KEY))
        for _ in range(3):
            client.get("/v1/articles", headers=bearer(WRITE_KEY))  # the third is over the limit
        for raw in (f"{WRITE_KEY}:admin", f"read:{WRITE_KEY}", WRITE_KEY):
            with pytest.raises(ValueError) as failed:
                create_app({**app_config, "api_keys": raw})
            logging.getLogger("test").error("start failed: %s", failed.value)
    assert caplog.records
    assert READ_KEY not in caplog.text and WRITE_KEY not in caplog.text


# ------------------------------------------------------------ rate limits


def test_over_the_limit_is_429_with_retry_after(make_client: Any) -> None:
    client = make_client(rate_limit="2 per hour")
    assert client.get("/v1/articles").status_code == 200
    assert client.post("/v1/provenance", json={"body": HARBOUR}).status_code == 200
    response = client.get("/v1/articles")
    body = problem_of(response, 429)
    assert body["type"].endswith("/rate-limited")
    assert "2 per 1 hour" in body["detail"]
    assert re.fullmatch(r"[1-9]\d*", response.headers["Retry-After"])
    assert int(response.headers["Retry-After"]) <= 3601
    assert client.post("/v1/articles", json=make_article()).status_code == 429


def test_limits_count_each_key_on_its_own(make_client: Any) -> None:
    client = make_client(api_keys=KEYS, rate_limit="1 per hour")
    assert client.get("/v1/articles", headers=bearer(READ_KEY)).status_code == 200
    assert client.get("/v1/articles", headers=bearer(READ_KEY)).status_code == 429
    assert client.get("/v1/articles", headers=bearer(WRITE_KEY)).status_code == 200


def test_requests_refused_for_their_key_are_not_counted(make_client: Any) -> None:
    client = make_client(api_keys=KEYS, rate_limit="1 per hour")
    for _ in range(3):
        assert client.get("/v1/articles").status_code == 401
        assert client.delete("/v1/articles/a", headers=bearer(READ_KEY)).status_code == 403
    assert client.get("/v1/articles", headers=bearer(READ_KEY)).status_code == 200


def test_health_and_pages_are_not_rate_limited(make_client: Any) -> None:
    client = make_client(rate_limit="1 per hour")
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        assert client.get("/openapi.yaml").status_code == 200
    assert client.get("/v1/articles").status_code == 200
    assert client.get("/v1/articles").status_code == 429


def test_counters_are_in_redis_under_the_key_prefix_by_key_digest(
    make_client: Any, redis: redis_lib.Redis, key_prefix: str
) -> None:
    client = make_client(api_keys=KEYS, rate_limit="5 per hour")
    client.get("/v1/articles", headers=bearer(READ_KEY))
    client.get("/v1/articles", headers=bearer(WRITE_KEY))
    found = counters(redis, key_prefix)
    assert len(found) == 2 and all("/key:" in key for key in found)
    assert not any(READ_KEY in key or WRITE_KEY in key for key in found)
    assert all(0 < redis.ttl(key) <= 3600 for key in found)


def test_limits_of_different_key_prefixes_are_isolated(
    app_config: dict[str, Any], redis: redis_lib.Redis, key_prefix: str
) -> None:
    other_prefix = f"{key_prefix}b"
    first = create_app({**app_config, "rate_limit": "1 per hour"}).test_client()
    second = create_app({**app_config, "key_prefix": other_prefix, "rate_limit": "1 per hour"}).test_client()
    try:
        assert first.get("/v1/articles").status_code == 200
        assert first.get("/v1/articles").status_code == 429
        assert second.get("/v1/articles").status_code == 200
        assert second.get("/v1/articles").status_code == 429
    finally:
        for key in counters(redis, other_prefix):
            redis.delete(key)


@pytest.mark.parametrize("off", ["off", "", "OFF"])
def test_rate_limits_can_be_turned_off(
    make_client: Any, redis: redis_lib.Redis, key_prefix: str, off: str
) -> None:
    client = make_client(rate_limit=off)
    for _ in range(5):
        assert client.get("/v1/articles").status_code == 200
    assert counters(redis, key_prefix) == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://127.0.0.1:6379/13", ("redis://127.0.0.1:6379/13", {})),
        ("rediss://cache.example:6380/0", ("rediss://cache.example:6380/0", {})),
        ("unix:///run/redis.sock?db=2", ("redis+unix:///run/redis.sock?db=2", {})),
        ("redis+cluster://10.0.0.1:7000", ("redis+cluster://10.0.0.1:7000", {})),
        ("rediss+cluster://10.0.0.1:7000", ("redis+cluster://10.0.0.1:7000", {"ssl": True})),
    ],
)
def test_the_service_redis_url_names_the_limiter_storage(url: str, expected: tuple[str, Any]) -> None:
    assert access.storage_uri(url) == expected


def test_limits_count_in_redis_over_a_unix_socket(tmp_path: Path, key_prefix: str) -> None:
    with EmbeddedRedis(tmp_path) as url:
        assert url.startswith("unix://")
        client = create_app({"redis_url": url, "key_prefix": key_prefix, "rate_limit": "1 per hour"})
        web = client.test_client()
        assert web.get("/v1/articles").status_code == 200
        assert web.get("/v1/articles").status_code == 429
        with redis_lib.Redis.from_url(url) as embedded:
            assert counters(embedded, key_prefix)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    local = LocalCluster(Path(tmp_path_factory.mktemp("cluster"))).start()
    yield local
    local.stop()


def test_limits_count_in_redis_cluster(cluster: LocalCluster, key_prefix: str) -> None:
    app = create_app({"redis_url": cluster.url, "key_prefix": key_prefix, "rate_limit": "1 per hour"})
    client = app.test_client()
    assert client.get("/v1/articles").status_code == 200
    assert client.get("/v1/articles").status_code == 429


# ------------------------------------------------------------ the client address behind proxies


def from_peer(port: int, peer: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    """GET /v1/articles from the local address `peer` (any of 127.0.0.0/8): (status, headers)."""
    connection = HTTPConnection("127.0.0.1", port, timeout=30, source_address=(peer, 0))
    try:
        connection.request("GET", "/v1/articles?limit=1", headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        connection.close()


def forwarded(port: int, peer: str, chain: str, proto: str | None = None) -> tuple[int, dict[str, str]]:
    headers = {"X-Forwarded-For": chain, **({"X-Forwarded-Proto": proto} if proto else {})}
    return from_peer(port, peer, headers)


@pytest.fixture
def serve(tmp_path: Path, redis_url: str, key_prefix: str) -> Iterator[Any]:
    """`provenance serve` (real gunicorn, one worker) on the test's Redis and key prefix, with a limit of
    3 requests an hour, and the settings given."""
    started: list[ProvenanceServe] = []

    def start(**settings: str) -> ProvenanceServe:
        env = {
            "REDIS_URL": redis_url,
            "PROVENANCE_KEY_PREFIX": key_prefix,
            "PROVENANCE_RATE_LIMIT": "3 per hour",
        }
        server = ProvenanceServe(
            tmp_path / f"serve{len(started)}", {**env, "PROVENANCE_WARM_WORDS": "0", **settings}
        )
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()


def test_without_trusted_proxies_clients_forwarded_by_a_proxy_share_its_budget(serve: Any) -> None:
    """The default: the peer is the client. Behind a proxy every client is the proxy, whatever
    X-Forwarded-For says (so nobody can forge another budget)."""
    port = serve().port
    assert [forwarded(port, "127.0.0.1", "203.0.113.1")[0] for _ in range(3)] == [200, 200, 200]
    assert forwarded(port, "127.0.0.1", "203.0.113.2")[0] == 429
    assert from_peer(port, "127.0.0.1")[0] == 429
    assert from_peer(port, "127.0.0.3")[0] == 200  # another peer is another client


def test_behind_a_trusted_proxy_each_client_has_its_own_budget_and_forgery_changes_nothing(
    serve: Any,
) -> None:
    """PROVENANCE_TRUSTED_PROXIES=1: the address the proxy (a loopback peer, the default addresses) puts
    last in X-Forwarded-For is the client. What a client put before it is not believed, and a peer that
    is not a trusted proxy counts as itself whatever it forwards; its X-Forwarded-Proto is ignored too."""
    port = serve(PROVENANCE_TRUSTED_PROXIES="1").port
    assert [forwarded(port, "127.0.0.1", "203.0.113.1")[0] for _ in range(3)] == [200, 200, 200]
    assert forwarded(port, "127.0.0.1", "203.0.113.1")[0] == 429
    status, headers = forwarded(port, "127.0.0.1", "203.0.113.2", proto="https")
    assert status == 200
    assert "Strict-Transport-Security" in headers  # the proxy said the client came over https
    # A client of the proxy that sends its own X-Forwarded-For: the proxy appends the real address.
    assert forwarded(port, "127.0.0.1", "198.51.100.7, 203.0.113.1")[0] == 429

    untrusted = "127.0.0.2"  # reaches the service past the proxy, forging a new address each time
    statuses = [forwarded(port, untrusted, f"203.0.113.{50 + n}", proto="https") for n in range(4)]
    assert [status for status, _ in statuses] == [200, 200, 200, 429]
    assert not any("Strict-Transport-Security" in headers for _, headers in statuses)
    assert forwarded(port, "127.0.0.1", "127.0.0.2")[0] == 429  # the untrusted peer's budget, by its address


@pytest.mark.parametrize(
    ("hops", "addresses", "peer", "chain", "client"),
    [
        (2, "127.0.0.1", "127.0.0.1", "203.0.113.1, 10.0.0.5", "203.0.113.1"),  # a CDN, then the LB
        (2, "127.0.0.1", "127.0.0.1", "10.0.0.5", "127.0.0.1"),  # fewer hops than trusted: the peer
        (1, "10.0.0.0/8, ::1", "10.1.2.3", "203.0.113.1", "203.0.113.1"),
        (1, "10.0.0.0/8", "192.0.2.1", "203.0.113.1", "192.0.2.1"),  # not a trusted proxy
        (1, "*", "192.0.2.1", "203.0.113.1", "203.0.113.1"),
    ],
)
def test_trusted_proxies_name_the_client_by_hops_and_peer_address(
    app_config: dict[str, Any], hops: int, addresses: str, peer: str, chain: str, client: str
) -> None:
    app = create_app({**app_config, "trusted_proxies": hops, "trusted_proxy_addresses": addresses})
    seen: list[str | None] = []
    app.before_request(lambda: seen.append(flask.request.remote_addr))
    app.test_client().get("/healthz", headers={"X-Forwarded-For": chain}, environ_base={"REMOTE_ADDR": peer})
    assert seen == [client]
