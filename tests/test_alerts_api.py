"""Copy alerts: the /v1/watches API as openapi.yaml declares it, who may use it, the `provenance watch`
commands, what a watch matches, which addresses are public, the retry schedule, and `provenance serve`
running a delivery worker of its own on the embedded Redis."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import redis as redis_lib
from standardwebhooks import Webhook

from service.alerts.safety import UnsafeUrl, check_url, non_public
from service.alerts.watches import Watch, Watched
from service.alerts.worker import backoff
from service.app import create_app
from service.cli import main
from service.config import AlertSettings, Config
from service.store.keys import Keys
from tests import test_openapi
from tests.factories import HARBOUR, make_article, with_boilerplate
from tests.live import serving
from tests.processes import ProvenanceServe, running, wait_for

# openapi.yaml's fixtures: answers checked against the spec as tests/test_openapi.py checks them.
spec, registry, check_response = test_openapi.spec, test_openapi.registry, test_openapi.check_response
WATCHES, ONE, LOG = "/v1/watches", "/v1/watches/{watch_id}", "/v1/watches/{watch_id}/deliveries"


@pytest.fixture
def app(app_config: dict[str, Any], redis: redis_lib.Redis) -> Any:
    return create_app({**app_config, "alerts": AlertSettings(allow_private=True)})


def created(client: Any, check_response: Any, **body: Any) -> dict[str, Any]:
    answer = client.post(WATCHES, json={"url": "https://rights.example/hooks", **body})
    assert answer.status_code == 201, answer.get_json()
    return dict(check_response(answer, WATCHES, "post"))


# ------------------------------------------------------------ the API, as declared


def test_a_watch_is_created_with_its_secret_once_then_read_listed_and_removed(
    client: Any, check_response: Any
) -> None:
    made = created(client, check_response, sources=["Harbour Herald"], id_prefixes=["harbour-herald/"])
    assert made["secret"].startswith("whsec_")
    Webhook(made["secret"])  # a secret the Standard Webhooks library takes
    assert made["relations"] == ["duplicate", "near_duplicate", "rewrite", "partial"]
    assert made["status"] == "active" and made["disabled_at"] is None
    answer = client.post(WATCHES, json={"url": "https://rights.example/hooks", "ids": ["a/1"]})
    assert answer.headers["Location"] == f"/v1/watches/{answer.get_json()['id']}"

    read = check_response(client.get(f"/v1/watches/{made['id']}"), ONE, "get")
    assert "secret" not in read
    assert read == {k: v for k, v in made.items() if k != "secret"}
    listed = check_response(client.get(WATCHES), WATCHES, "get")["items"]
    assert [w["id"] for w in listed] == [made["id"], answer.get_json()["id"]]
    assert all("secret" not in w for w in listed)
    log = check_response(client.get(f"/v1/watches/{made['id']}/deliveries"), LOG, "get")
    assert log == {"watch": read, "items": []}

    removed = client.delete(f"/v1/watches/{made['id']}")
    assert (removed.status_code, removed.data) == (204, b"")
    for method, path in (("get", ONE), ("delete", ONE), ("get", LOG)):
        answer = getattr(client, method)(path.replace("{watch_id}", made["id"]))
        assert answer.status_code == 404
        check_response(answer, path, method)
    assert client.get("/v1/watches/not-a-watch").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "https://rights.example/h"}, "_schema"),
        ({"url": "https://rights.example/h", "sources": [], "ids": []}, "_schema"),
        ({"url": "ftp://rights.example/h", "sources": ["H"]}, "url"),
        ({"url": "https://user:pw@rights.example/h", "sources": ["H"]}, "url"),
        ({"sources": ["H"]}, "url"),
        ({"url": "https://rights.example/h", "sources": ["  "]}, "sources"),
        ({"url": "https://rights.example/h", "sources": "Harbour Herald"}, "sources"),
        ({"url": "https://rights.example/h", "ids": ["bad id!"]}, "ids"),
        ({"url": "https://rights.example/h", "id_prefixes": [7]}, "id_prefixes"),
        ({"url": "https://rights.example/h", "ids": ["a"], "relations": ["copy"]}, "relations"),
        ({"url": "https://rights.example/h", "ids": ["a"], "relations": []}, "relations"),
        ({"url": "https://rights.example/h", "ids": ["a"], "secret": "mine"}, "secret"),
    ],
)
def test_an_invalid_watch_is_refused_with_the_field_named(
    client: Any, check_response: Any, body: dict[str, Any], field: str
) -> None:
    answer = client.post(WATCHES, json=body)
    assert answer.status_code == 422
    problem = check_response(answer, WATCHES, "post")
    assert field in problem["errors"]
    assert all(isinstance(m, str) for m in problem["errors"][field])


def test_watches_need_a_write_key_even_to_read(app_config: dict[str, Any], check_response: Any) -> None:
    client = create_app({**app_config, "api_keys": "reader:read,writer:write"}).test_client()
    writer, reader = {"Authorization": "Bearer writer"}, {"Authorization": "Bearer reader"}
    made = client.post(WATCHES, json={"url": "https://r.example/h", "ids": ["a"]}, headers=writer).get_json()
    operations = [
        ("get", WATCHES, WATCHES, None),
        ("post", WATCHES, WATCHES, {"url": "https://r.example/h", "ids": ["b"]}),
        ("get", f"/v1/watches/{made['id']}", ONE, None),
        ("get", f"/v1/watches/{made['id']}/deliveries", LOG, None),
        ("delete", f"/v1/watches/{made['id']}", ONE, None),
    ]
    for method, url, path, body in operations:
        nobody = getattr(client, method)(url, json=body)
        assert nobody.status_code == 401, url
        check_response(nobody, path, method)
        refused = getattr(client, method)(url, json=body, headers=reader)
        assert refused.status_code == 403, url
        check_response(refused, path, method)
        assert 'scope="write"' in refused.headers["WWW-Authenticate"]
        assert getattr(client, method)(url, json=body, headers=writer).status_code in (200, 201, 204), url


def test_the_delivery_log_is_bounded_by_its_limit(client: Any, check_response: Any) -> None:
    made = created(client, check_response, ids=["a"])
    answer = client.get(f"/v1/watches/{made['id']}/deliveries?limit=0")
    assert answer.status_code == 422
    check_response(answer, LOG, "get")
    assert client.get(f"/v1/watches/{made['id']}/deliveries?limit=1000").status_code == 200


# ------------------------------------------------------------ what is queued, and when


def test_an_ingest_queues_one_event_per_watch_in_the_articles_write(
    client: Any, check_response: Any, redis: redis_lib.Redis, key_prefix: str
) -> None:
    by_source = created(client, check_response, sources=["harbour  HERALD "])
    by_id = created(client, check_response, ids=["hh/bridge"])
    partial_only = created(client, check_response, id_prefixes=["hh/"], relations=["partial"])
    client.post("/v1/articles", json=make_article(id="hh/bridge", source="Harbour Herald"))
    answer = client.post("/v1/articles", json=make_article(id="copy", body=with_boilerplate(HARBOUR)))
    assert answer.get_json()["provenance"]["verdict"] in ("duplicate", "near_duplicate")
    entries = redis.xrange(Keys(key_prefix).events(0))
    assert sorted(fields[b"watch"].decode() for _, fields in entries) == sorted(
        [by_source["id"], by_id["id"]]
    )
    assert partial_only["id"] not in {fields[b"watch"].decode() for _, fields in entries}
    # Submitting the same article again stores nothing, and queues nothing.
    assert client.post(
        "/v1/articles", json=make_article(id="copy", body=with_boilerplate(HARBOUR))
    ).status_code
    assert len(redis.xrange(Keys(key_prefix).events(0))) == 2


def test_a_removed_watch_is_no_longer_matched_by_another_process(
    app_config: dict[str, Any], redis: redis_lib.Redis, key_prefix: str
) -> None:
    """Each process caches the watches; the version key tells the other one that they changed."""
    settings = {**app_config, "alerts": AlertSettings(allow_private=True)}
    one, other = create_app(settings).test_client(), create_app(settings).test_client()
    made = one.post(WATCHES, json={"url": "https://r.example/h", "ids": ["hh/bridge"]}).get_json()
    other.post("/v1/articles", json=make_article(id="hh/bridge"))
    other.post("/v1/articles", json=make_article(id="copy1", body=with_boilerplate(HARBOUR)))
    assert redis.xlen(Keys(key_prefix).events(0)) == 1
    assert one.delete(f"/v1/watches/{made['id']}").status_code == 204
    other.post("/v1/articles", json=make_article(id="copy2", body=with_boilerplate(HARBOUR) + "\n\nEnd."))
    assert redis.xlen(Keys(key_prefix).events(0)) == 1


def test_watches_match_by_id_prefix_and_source_each_once() -> None:
    def watch(watch_id: str, **what: Any) -> Watch:
        return Watch(id=watch_id, url="https://r.example/h", secret="whsec_", **what)

    watched = Watched(
        [
            watch("a", ids=("hh/2026/bridge",)),
            watch("b", id_prefixes=("hh/", "hh/2026/")),
            watch("c", sources=("Harbour Herald",)),
            watch("d", sources=("Harbour Herald",), status="disabled"),
            watch("e", id_prefixes=("hh/2026/bridge/longer",)),
        ]
    )
    assert sorted(w.id for w in watched.of("hh/2026/bridge", "harbour herald")) == ["a", "b", "c"]
    assert [w.id for w in watched.of("hh/other", None)] == ["b"]
    assert watched.of("hhx/2026/bridge", "Coast Wire") == []
    assert not Watched([watch("d", ids=("x",), status="disabled")])


# ------------------------------------------------------------ safety and the schedule


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:93.184.216.34", True),
        ("2002:7f00:1::1", False),
    ],
)
def test_only_public_unicast_addresses_are_delivered_to(address: str, public: bool) -> None:
    assert (non_public(ipaddress.ip_address(address)) is None) is public


def test_urls_naming_this_machine_are_refused_unless_allowed() -> None:
    for url in ("http://localhost:8080/h", "http://api.localhost/h", "http://[::1]/h", "http://127.1.2.3/h"):
        with pytest.raises(UnsafeUrl):
            check_url(url, allow_private=False)
        check_url(url, allow_private=True)
    check_url("https://rights.example/hooks?token=1", allow_private=False)
    with pytest.raises(UnsafeUrl, match="credentials"):
        check_url("https://u:p@rights.example/", allow_private=True)


def test_retries_back_off_exponentially_and_span_about_a_day() -> None:
    settings = AlertSettings()
    waits = [backoff(n, settings) for n in range(1, 16)]
    assert 30 <= waits[0] <= 36
    floor = [min(settings.retry_base * 2 ** (n - 1), settings.retry_max) for n in range(1, 16)]
    assert all(floor[n] <= waits[n] <= floor[n] * 1.2 for n in range(15))
    assert max(waits) <= settings.retry_max * 1.2
    assert 20 * 3600 <= sum(floor) <= 30 * 3600  # the attempts a day allows: about 15


def test_settings_refuse_a_claim_shorter_than_a_delivery() -> None:
    with pytest.raises(ValueError, match="CLAIM_AFTER"):
        Config(alerts=AlertSettings(timeout=30, claim_after=20)).validated()


# ------------------------------------------------------------ the CLI


def test_the_watch_commands_add_list_and_remove(
    app: Any, capsys: pytest.CaptureFixture[str], redis: redis_lib.Redis
) -> None:
    with serving(app) as url:
        code = main(["watch", "add", "https://rights.example/h", "--source", "Harbour Herald", "--url", url])
        out = capsys.readouterr().out
        assert code == 0
        watch_id = out.split()[1]
        assert "secret: whsec_" in out
        assert main(["watch", "list", "--url", url]) == 0
        assert watch_id in capsys.readouterr().out
        assert main(["watch", "deliveries", watch_id, "--url", url]) == 0
        assert "no deliveries yet" in capsys.readouterr().out
        assert main(["watch", "rm", watch_id, "--url", url]) == 0
        assert main(["watch", "rm", watch_id, "--url", url]) == 4  # 404: refused input
        assert main(["watch", "add", "ftp://x.example/h", "--id", "a", "--url", url]) == 4


# ------------------------------------------------------------ provenance serve runs a worker


class _Receiver(BaseHTTPRequestHandler):
    bodies: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:  # http.server names it
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.bodies.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hooks() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    _Receiver.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Receiver.bodies
    server.shutdown()
    server.server_close()


def test_provenance_serve_delivers_with_a_worker_of_its_own_and_stops_it(
    tmp_path: Path, hooks: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, received = hooks
    serve = ProvenanceServe(
        tmp_path, {"PROVENANCE_WEBHOOK_ALLOW_PRIVATE": "true", "PROVENANCE_WARM_WORDS": "0"}
    )
    with serve:
        status, made = serve.request("POST", WATCHES, {"url": url, "sources": ["Harbour Herald"]})
        assert status == 201, made
        serve.request("POST", "/v1/articles", make_article(id="hh/bridge", source="Harbour Herald"))
        serve.request("POST", "/v1/articles", make_article(id="copy", body=with_boilerplate(HARBOUR)))
        wait_for("the event to arrive", lambda: received, timeout=30)
        headers, body = received[0]
        assert Webhook(made["secret"]).verify(body, headers)["data"]["article"]["id"] == "copy"
        log = serve.log.read_text()
        assert "delivery worker started (pid" in log
        worker_pid = int(log.split("delivery worker started (pid ")[1].split(")")[0])
        assert running(worker_pid)
    wait_for("the delivery worker to stop with serve", lambda: not running(worker_pid))
