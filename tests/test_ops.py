"""Operations: request ids, security headers, JSON logs and Prometheus metrics, in the app and under
`provenance serve` with several workers."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from service.api.logs import ACCESS_LOGGER, JsonFormatter, RequestIdFilter, TextFormatter, logging_config
from service.api.observability import HTML_CSP, SANE_REQUEST_ID, STRICT_CSP
from service.app import create_app
from service.detect import kernels
from tests.factories import HARBOUR, make_article
from tests.processes import PrivateRedis, wait_for

ROOT = Path(__file__).resolve().parents[1]
GENERATED_ID = re.compile(r"[0-9a-f]{32}")
ARTICLE_RULE = "/v1/articles/<path:article_id>"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def unreachable_client(app_config: dict[str, Any]) -> Any:
    """A client of an app whose Redis URL names a port nothing listens on (a real, absent Redis)."""
    return create_app({**app_config, "redis_url": f"redis://127.0.0.1:{free_port()}/0"}).test_client()


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The exposition's samples by (name, labels)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def sample(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def scrape(client: Any) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return samples(response.get_data(as_text=True))


# ------------------------------------------------------------ request ids


def test_a_request_without_an_id_gets_a_new_one_echoed_in_the_header(client: Any) -> None:
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(first) and GENERATED_ID.fullmatch(second)
    assert first != second


@pytest.mark.parametrize("incoming", ["abc-123.X_y", "a" * 128, "7f3e"])
def test_a_sane_incoming_request_id_is_kept(client: Any, incoming: str) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": incoming}).headers["X-Request-ID"] == incoming


@pytest.mark.parametrize("incoming", ["", "has space", "a" * 129, "semi;colon", "quote'", "émoji"])
def test_an_insane_incoming_request_id_is_replaced(client: Any, incoming: str) -> None:
    echoed = client.get("/healthz", headers={"X-Request-ID": incoming}).headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(echoed)


def test_problem_documents_carry_the_request_id_of_the_answer(client: Any) -> None:
    cases = [
        client.get("/v1/articles/no/such/article", headers={"X-Request-ID": "req-404"}),
        client.get("/no-such-route"),
        client.post("/v1/provenance", json={"body": " "}, headers={"X-Request-ID": "req-422"}),
        client.post("/v1/provenance", data="{", content_type="application/json"),
        client.put("/healthz"),
    ]
    assert [r.status_code for r in cases] == [404, 404, 422, 400, 405]
    for response in cases:
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["request_id"] == response.headers["X-Request-ID"]
    assert cases[0].get_json()["request_id"] == "req-404"
    assert cases[2].get_json()["request_id"] == "req-422"


def test_a_503_problem_carries_the_request_id(unreachable_client: Any) -> None:
    response = unreachable_client.get("/v1/articles/a/1", headers={"X-Request-ID": "req-503"})
    assert response.status_code == 503
    assert response.get_json()["request_id"] == "req-503" == response.headers["X-Request-ID"]


def test_access_control_problems_carry_the_request_id_and_metrics_stay_open(
    app_config: dict[str, Any],
) -> None:
    keyed = {**app_config, "api_keys": "ops-test-key:read", "rate_limit": "1/minute"}
    client = create_app(keyed).test_client()
    refused = client.get("/v1/articles/a/1", headers={"X-Request-ID": "req-401"})
    assert refused.status_code == 401
    assert refused.get_json()["request_id"] == "req-401" == refused.headers["X-Request-ID"]
    _assert_secure(refused, cached=False)
    key = {"Authorization": "Bearer ops-test-key"}
    assert client.get("/v1/articles/a/1", headers=key).status_code == 404
    limited = client.get("/v1/articles/a/1", headers={**key, "X-Request-ID": "req-429"})
    assert limited.status_code == 429
    assert limited.get_json()["request_id"] == "req-429"
    _assert_secure(limited, cached=False)
    assert client.get("/metrics").status_code == 200


# ------------------------------------------------------------ security headers


def _assert_secure(response: Any, *, cached: bool) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Content-Security-Policy"] == STRICT_CSP
    assert SANE_REQUEST_ID.fullmatch(headers["X-Request-ID"])
    assert "Strict-Transport-Security" not in headers  # plain http, PROVENANCE_HSTS off
    if not cached:
        assert headers["Cache-Control"] == "no-store"


def test_every_kind_of_answer_carries_the_security_headers(client: Any, unreachable_client: Any) -> None:
    article = make_article()
    created = client.post("/v1/articles", json=article)
    answers = [
        (created, 201, False),
        (client.get(f"/v1/articles/{article['id']}"), 200, False),
        (client.post("/v1/provenance", json={"body": HARBOUR}), 200, False),
        (client.delete(f"/v1/articles/{article['id']}"), 204, False),
        (client.get("/v1/articles/no/such/article"), 404, False),
        (client.post("/v1/articles", json={"body": ""}), 422, False),
        (unreachable_client.post("/v1/provenance", json={"body": HARBOUR}), 503, False),
        (client.get("/healthz"), 200, True),
        (client.get("/openapi.yaml"), 200, True),
        (client.get("/no-such-route"), 404, True),
        (client.get("/metrics"), 200, False),
    ]
    for response, status, cached in answers:
        assert response.status_code == status, response.request.path
        _assert_secure(response, cached=cached)


def test_hsts_is_sent_over_https_or_when_configured(app: Any, app_config: dict[str, Any]) -> None:
    over_https = app.test_client().get("/healthz", base_url="https://provenance.example")
    assert over_https.headers["Strict-Transport-Security"] == "max-age=31536000"
    configured = create_app({**app_config, "hsts": True}).test_client().get("/healthz")
    assert configured.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_html_gets_the_page_policy_and_a_view_may_set_its_own(app: Any) -> None:
    app.add_url_rule("/test-page", "test_page", lambda: "<!doctype html><p>hello</p>")
    app.add_url_rule(
        "/test-own-policy",
        "test_own_policy",
        lambda: ("<!doctype html>", 200, {"Content-Security-Policy": "default-src https://cdn.example"}),
    )
    app.add_url_rule(
        "/test-own-headers",
        "test_own_headers",
        lambda: ("{}", 200, {"cache-control": "max-age=60", "x-frame-options": "SAMEORIGIN"}),
    )
    client = app.test_client()
    page = client.get("/test-page")
    assert page.mimetype == "text/html"
    assert page.headers["Content-Security-Policy"] == HTML_CSP
    assert "default-src 'self'" in HTML_CSP and "unsafe-inline" not in HTML_CSP
    assert page.headers["X-Frame-Options"] == "DENY"
    own = client.get("/test-own-policy")
    assert own.headers.getlist("Content-Security-Policy") == ["default-src https://cdn.example"]
    headers = client.get("/test-own-headers").headers  # names in any case are the view's own
    assert headers.getlist("Cache-Control") == ["max-age=60"]
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers.getlist("Content-Security-Policy") == [HTML_CSP]  # a str answer is text/html


# ------------------------------------------------------------ logs


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the service logs while the test runs, formatted as under `provenance serve`."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root, access = logging.getLogger(), logging.getLogger(ACCESS_LOGGER)
    levels = root.level, access.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    access.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        access.setLevel(levels[1])


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_access_log_is_one_json_line_per_request_with_its_id_and_no_secrets(
    client: Any, json_log: io.StringIO
) -> None:
    secret = "Bearer s3cr3t-t0ken-never-logged"
    body_marker = "BODY-MARKER-never-logged"
    client.post(
        "/v1/provenance?debug=QUERY-never-logged",
        json={"body": f"{HARBOUR} {body_marker}"},
        headers={"Authorization": secret, "X-Request-ID": "log-test-1"},
    )
    text = json_log.getvalue()
    assert "s3cr3t" not in text and body_marker not in text and "QUERY-never-logged" not in text
    access = [line for line in _lines(json_log) if line["logger"] == ACCESS_LOGGER]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "log-test-1"
    assert line["method"] == "POST" and line["path"] == "/v1/provenance"
    assert line["status"] in (200, 401, 403)  # 401/403 if API keys are required
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["remote_addr"] == "127.0.0.1"
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")


def test_log_lines_of_a_request_carry_its_id(unreachable_client: Any, json_log: io.StringIO) -> None:
    unreachable_client.get("/v1/articles/a/1", headers={"X-Request-ID": "log-test-503"})
    warning = next(line for line in _lines(json_log) if line["logger"] == "service.errors")
    assert warning["level"] == "WARNING"
    assert warning["request_id"] == "log-test-503"
    assert "redis unavailable" in warning["message"]


def test_scrapes_of_metrics_are_logged_at_debug_only(client: Any, json_log: io.StringIO) -> None:
    client.get("/metrics")
    client.get("/healthz")
    assert [line["path"] for line in _lines(json_log) if line["logger"] == ACCESS_LOGGER] == ["/healthz"]


def test_text_format_and_outside_a_request() -> None:
    record = logging.makeLogRecord({"name": "x", "levelname": "INFO", "msg": "hello %s", "args": ("you",)})
    assert TextFormatter().format(record).endswith(" x [-] hello you")
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "hello you" and entry["request_id"] is None


def test_logging_config_rejects_unknown_settings() -> None:
    with pytest.raises(ValueError, match="PROVENANCE_LOG_FORMAT"):
        logging_config("xml")
    with pytest.raises(ValueError, match="PROVENANCE_LOG_LEVEL"):
        logging_config("json", "loud")
    assert logging_config("text", "debug", access_log=False)["loggers"][ACCESS_LOGGER]["level"] == "WARNING"


# ------------------------------------------------------------ metrics in one process


def test_metrics_count_requests_by_url_rule_not_raw_path(client: Any) -> None:
    for path in ("/v1/articles/a/1", "/v1/articles/b/2", "/v1/articles/c"):
        assert client.get(path).status_code == 404
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no-such-route")
    found = scrape(client)
    requests = "provenance_http_requests_total"
    assert sample(found, requests, endpoint=ARTICLE_RULE, method="GET", status="404") == 3
    assert sample(found, requests, endpoint="/healthz", method="GET", status="200") == 2
    assert sample(found, requests, endpoint="unmatched", method="GET", status="404") == 1
    histogram = "provenance_http_request_duration_seconds_count"
    assert sample(found, histogram, endpoint=ARTICLE_RULE) == 3
    labels = {value for (_, pairs) in found for _, value in pairs}
    assert not {"/v1/articles/a/1", "/v1/articles/b/2", "/no-such-route"} & labels


def test_metrics_count_verdicts_and_indexed_articles(client: Any) -> None:
    original = make_article(published_at="2025-03-01T09:00:00Z")
    copy = make_article(published_at="2025-03-02T09:00:00Z")
    assert client.post("/v1/articles", json=original).status_code == 201
    stored = client.post("/v1/articles", json=copy)
    assert stored.status_code == 201
    assert client.post("/v1/provenance", json={"body": HARBOUR}).status_code == 200
    batch = [make_article(published_at="2025-03-03T09:00:00Z"), {"body": " "}]
    assert client.post("/v1/articles:batch", json=batch).status_code == 200
    assert client.get(f"{stored.headers['Location']}/provenance").status_code == 200
    assert client.get("/v1/articles/no-such-article/provenance").status_code == 404
    found = scrape(client)
    verdicts = "provenance_verdicts_total"
    assert sample(found, verdicts, verdict="none") == 1  # the original
    # the copy, the query, the batch's copy, the copy's stored provenance
    assert sample(found, verdicts, verdict="duplicate") == 4
    assert sample(found, "provenance_articles_indexed") == 3


def test_metrics_count_redis_errors_and_still_answer(unreachable_client: Any) -> None:
    assert unreachable_client.post("/v1/provenance", json={"body": HARBOUR}).status_code == 503
    found = scrape(unreachable_client)
    assert ("provenance_articles_indexed", frozenset()) not in found  # unknown, not 0
    errors = "provenance_redis_errors_total"
    # the query, and this scrape's two reads: the gauge, the webhook metrics (service/api/metrics.py)
    assert sample(found, errors, kind="connection") == 3
    requests = "provenance_http_requests_total"
    assert sample(found, requests, endpoint="/v1/provenance", method="POST", status="503") == 1


# ------------------------------------------------------------ `provenance serve --workers 2`


class Served:
    """`provenance serve` in a subprocess, its output (stderr and stdout) collected line by line."""

    def __init__(self, env: dict[str, str], workers: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "service.cli", "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            self.lines.append(raw.decode("utf-8", "replace"))

    def wait_for_line(self, needle: str, count: int = 1, timeout: float = 60) -> None:
        def seen() -> bool:
            assert self.process.poll() is None, "".join(self.lines)
            return sum(needle in line for line in list(self.lines)) >= count

        wait_for(f"{needle!r} {count} time(s) in the log", seen, timeout)

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def post_json(self, path: str, payload: Any) -> int:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in list(self.lines) if line.strip()]

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        self.reader.join(timeout=10)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return "".join(self.lines)


def test_serve_with_two_workers_sums_metrics_over_workers_and_logs_json(
    redis_url: str, key_prefix: str, redis: Any
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROVENANCE_", "PROMETHEUS_"))}
    env.update(REDIS_URL=redis_url, PROVENANCE_KEY_PREFIX=key_prefix)
    served = Served(env, workers=2)
    try:
        served.wait_for_line("Booting worker", count=2)
        wait_for("/readyz to answer 200", lambda: served.get("/readyz")[0] == 200, 30)

        # Requests from many connections at once, until the access log shows both workers answering.
        sent = 0
        with ThreadPoolExecutor(max_workers=8) as pool:
            while sent < 400:
                statuses = list(pool.map(lambda _: served.get("/healthz")[0], range(40)))
                assert statuses == [200] * 40
                sent += 40
                pids = {
                    line["pid"]
                    for line in served.json_lines()
                    if line["logger"] == ACCESS_LOGGER and line["path"] == "/healthz"
                }
                if len(pids) >= 2:
                    break
        assert len(pids) == 2, "every request went to one worker"

        assert served.post_json("/v1/articles", make_article()) == 201
        status, _ = served.get(
            "/healthz", headers={"X-Request-ID": "mp-log-1", "Authorization": "Bearer s3cr3t-mp"}
        )
        assert status == 200
        sent += 1

        # Whichever worker answers the scrape, it reports every worker's requests.
        for _ in range(4):
            status, body = served.get("/metrics")
            assert status == 200
            found = samples(body.decode())
            healthz = sample(
                found, "provenance_http_requests_total", endpoint="/healthz", method="GET", status="200"
            )
            assert healthz == sent
            assert (
                sample(found, "provenance_http_request_duration_seconds_count", endpoint="/healthz") == sent
            )
            assert sample(found, "provenance_articles_indexed") == 1
            assert sample(found, "provenance_verdicts_total", verdict="none") == 1
    finally:
        output = served.stop()

    lines = served.json_lines()  # every line, gunicorn's own included, is one JSON object
    assert {"gunicorn.error", ACCESS_LOGGER} <= {line["logger"] for line in lines}
    # The master warmed the word memo once, before the workers forked (PROVENANCE_WARM_WORDS).
    assert sum("common English words stemmed and weighed" in line["message"] for line in lines) == 1
    tagged = [line for line in lines if line["request_id"] == "mp-log-1"]
    assert [(line["logger"], line["path"], line["status"]) for line in tagged] == [
        (ACCESS_LOGGER, "/healthz", 200)
    ]
    assert "s3cr3t-mp" not in output
    metrics_dir = next(
        line["message"].split(" in ", 1)[1] for line in lines if "metrics of the workers" in line["message"]
    )
    assert not Path(metrics_dir).exists(), "the workers' metric files outlive the service"


def test_a_worker_freezes_what_it_loaded_at_start_out_of_the_garbage_collectors_passes() -> None:
    """gunicorn's post_worker_init hook: the app, its libraries and the word tables are in the permanent
    generation, so a full collection during a request no longer walks them."""
    script = (
        "import gc; from service import gunicorn_conf; from service.app import create_app\n"
        "create_app({'redis_url': 'redis://127.0.0.1:1/0', 'rate_limit': 'off'})\n"
        "assert gc.get_freeze_count() == 0\n"
        "gunicorn_conf.post_worker_init(None)\n"
        "print(gc.get_freeze_count(), len(gc.get_objects()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT, timeout=120
    )
    frozen, left = map(int, out.stdout.split())
    assert frozen > 10_000  # what the app and English word frequencies hold
    assert left < frozen / 10


# ------------------------------------------------------------ settings and the line at start


def server_settings_read() -> set[str]:
    """Every environment variable the server's code names (the client's own, PROVENANCE_URL and
    PROVENANCE_API_KEY, are the client commands')."""
    names: set[str] = set()
    for path in ROOT.joinpath("service").rglob("*.py"):
        if "client" not in path.relative_to(ROOT).parts:
            names |= set(
                re.findall(r"\b(?:PROVENANCE_[A-Z_]+|REDIS_URL|PROMETHEUS_MULTIPROC_DIR)\b", path.read_text())
            )
    return names


def test_serve_help_lists_every_setting_the_service_reads(capsys: pytest.CaptureFixture[str]) -> None:
    from service.cli import main

    with pytest.raises(SystemExit) as done:
        main(["serve", "--help"])
    assert done.value.code == 0
    listed = capsys.readouterr().out
    read = server_settings_read()
    assert {"PROVENANCE_API_KEYS", "PROVENANCE_TRUSTED_PROXIES", "PROVENANCE_WORKERS", "REDIS_URL"} <= read
    assert sorted(name for name in read if name not in listed) == []


def serve_env(**settings: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PROVENANCE_", "PROMETHEUS_", "REDIS_URL"))
    }
    return {**env, "PROVENANCE_WARM_WORDS": "0", **settings}


@pytest.mark.parametrize(
    ("setting", "value", "why"),
    [
        ("PROVENANCE_API_KEYS", "s3cr3t-key-value:admin", "entry 1 has an unknown scope: use read or write"),
        ("PROVENANCE_PARTITIONS", "many", "must be a number like 1, got 'many'"),
        ("PROVENANCE_RATE_LIMIT", "lots", "must be like '600 per minute' or 'off', got 'lots'"),
        ("PROVENANCE_HSTS", "maybe", "must be on or off (1/0, true/false, yes/no), got 'maybe'"),
        ("PROVENANCE_TRUSTED_PROXIES", "-1", "must be a number of hops from 0 to 10"),
        ("PROVENANCE_TRUSTED_PROXY_ADDRESSES", "the-lb", "must be addresses or networks like 10.0.0.0/8"),
        ("PROVENANCE_WORKERS", "0", "must be at least 1, got '0'"),
        ("PROVENANCE_LOG_FORMAT", "xml", "must be one of json, text, got 'xml'"),
        ("PROVENANCE_WORKER_CLASS", "nonesuch", "names no gunicorn worker class that loads here"),
    ],
)
def test_a_bad_setting_stops_serve_with_one_line_before_gunicorn_listens(
    tmp_path: Path, setting: str, value: str, why: str
) -> None:
    env = serve_env(PROVENANCE_DATA_DIR=str(tmp_path / "data"), **{setting: value})
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"provenance: bad setting {setting}: {why}")
    assert "s3cr3t-key-value" not in done.stderr
    assert not (tmp_path / "data").exists(), "the embedded Redis was started for a service that cannot run"


def test_operator_commands_report_a_bad_setting_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "reindex"],
        cwd=ROOT,
        env=serve_env(PROVENANCE_DATA_DIR=str(tmp_path / "data"), PROVENANCE_KEY_PREFIX="a:b"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    why = "must be non-empty, without braces, colons or spaces"
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"provenance: bad setting PROVENANCE_KEY_PREFIX: {why}"]


def test_the_line_at_start_says_what_runs_before_gunicorn_listens(tmp_path: Path) -> None:
    """A Redis user with a password, an append-only file and Redis's default listpack limit (128): the
    line names the Redis without the password, raises the limit, and gives access, rate limit, proxies."""
    user = ("--user", "app", "on", ">pa55-w0rd", "~*", "&*", "+@all")
    options = ("--appendonly", "yes", "--appendfsync", "always", "--zset-max-listpack-entries", "128")
    with PrivateRedis(tmp_path / "redis", *user, *options) as private:
        url = f"redis://app:pa55-w0rd@127.0.0.1:{private.port}/0"
        env = serve_env(
            REDIS_URL=url, PROVENANCE_API_KEYS="k-one:read,k-two:write", PROVENANCE_LOG_FORMAT="text"
        )
        served = Served(env, workers=1)
        try:
            served.wait_for_line("Booting worker")
        finally:
            output = served.stop()
        with private.client() as admin:
            assert admin.config_get("zset-max-listpack-entries") == {"zset-max-listpack-entries": "4096"}
    assert "pa55-w0rd" not in output and "k-one" not in output
    [line] = [line for line in served.lines if "provenance: redis" in line]
    assert line.split("provenance: ", 1)[1].rstrip("\n") == (
        f"redis redis://app:***@127.0.0.1:{private.port}/0 (aof always), listpack 128 raised to 4096 by "
        "CONFIG SET (until that Redis restarts: put zset-max-listpack-entries 4096 in its configuration), "
        "access keyed (2 keys: 1 read, 1 write), rate limit 600 per 1 minute per API key, trusted proxies 0 "
        f"(the peer address is the client; X-Forwarded-For ignored), kernels {kernels.IMPLEMENTATION}"
    )
    [listening] = [n for n, text in enumerate(served.lines) if "Listening at" in text]
    assert served.lines.index(line) < listening


def test_a_listpack_limit_the_server_will_not_raise_is_a_warning_with_its_cost(tmp_path: Path) -> None:
    from service.config import Config
    from service.gunicorn_conf import what_runs

    refusing = ("--user", "default", "on", "nopass", "~*", "&*", "+@all", "-config|set")
    with PrivateRedis(tmp_path / "redis", "--zset-max-listpack-entries", "128", *refusing) as private:
        line, fine = what_runs(Config(redis_url=private.url, rate_limit="off", trusted_proxies=1))
    assert not fine
    assert line == (
        f"provenance: redis {private.url} (no persistence: aof off, no rdb snapshots; a restart empties the "
        "index), listpack 128 below 4096 and CONFIG SET refused: index buckets over 128 entries become "
        "skiplists at about six times the memory (docs/scaling.md): keep partitions under ~230,000 "
        "articles, or set zset-max-listpack-entries 4096, access open (PROVENANCE_API_KEYS unset: anyone "
        "who can reach it may read and write), rate limit off, trusted proxies 1 (X-Forwarded-For from "
        f"peers 127.0.0.1,::1), kernels {kernels.IMPLEMENTATION}"
    )


def test_the_line_at_start_describes_the_embedded_redis_and_an_unreachable_one(tmp_path: Path) -> None:
    from service.config import Config
    from service.gunicorn_conf import describe_redis
    from service.store.embedded import EmbeddedRedis

    with EmbeddedRedis(tmp_path / "data") as url:
        assert describe_redis(url, 2.0, embedded=True) == (
            f"redis {url} (embedded, aof everysec), listpack 4096 ok",
            True,
        )
    away = f"redis://127.0.0.1:{free_port()}/0"
    part, fine = describe_redis(away, Config().redis_socket_timeout)
    assert (part, fine) == (
        f"redis {away} unreachable now (ConnectionError): /readyz answers 503 until it is",
        False,
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:hunter2@cache:6379/0", "redis://:***@cache:6379/0"),
        ("rediss://app:hunter2@cache:6380/1", "rediss://app:***@cache:6380/1"),
        ("redis://hunter2@cache:6379", "redis://***@cache:6379"),
        ("unix:///run/redis.sock?db=2&password=hunter2", "unix:///run/redis.sock?db=2&password=***"),
        ("redis+cluster://node-1:7000", "redis+cluster://node-1:7000"),
    ],
)
def test_a_redis_url_is_shown_without_its_password(url: str, shown: str) -> None:
    from service.gunicorn_conf import redacted_url

    assert redacted_url(url) == shown


def test_plain_gunicorn_with_the_config_stops_on_a_bad_setting_before_listening(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "gunicorn", "-c", "python:service.gunicorn_conf", "-b",
               f"127.0.0.1:{free_port()}", "service.app:create_app()"]  # fmt: skip
    env = serve_env(PROVENANCE_DATA_DIR=str(tmp_path / "data"), PROVENANCE_RATE_LIMIT="lots")
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    [line] = [json.loads(line) for line in done.stderr.splitlines() if "bad setting" in line]
    assert (line["level"], line["message"]) == (
        "ERROR",
        "provenance: bad setting PROVENANCE_RATE_LIMIT: must be like '600 per minute' or 'off', got 'lots'",
    )
    assert "Listening at" not in done.stderr and "Traceback" not in done.stderr


def test_a_redis_that_refuses_config_and_info_is_said_not_fatal(tmp_path: Path) -> None:
    from service.gunicorn_conf import describe_redis

    refusing = ("--user", "default", "on", "nopass", "~*", "&*", "+@all", "-config", "-info")
    with PrivateRedis(tmp_path / "redis", *refusing) as private:
        part, fine = describe_redis(private.url, 2.0)
    assert not fine
    assert part.startswith(f"redis {private.url} (its settings not known: ")
    assert "no permissions to run the 'info' command" in part
