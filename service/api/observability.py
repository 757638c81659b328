"""Request ids, security headers, the access log and metrics: what every request gets on its way out.

- Request ids: an incoming `X-Request-ID` that is a sane token (1-128 of A-Z a-z 0-9 . _ -) is kept, else
  the service makes one (uuid4 hex). It is in `flask.g.request_id`, in the `X-Request-ID` header of every
  answer, in every problem document (service/errors.py) and on every log line of the request.
- Security headers on every answer, errors and 404s included (service/api views may override):
  `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`, a
  Content-Security-Policy by media type (below), `Cache-Control: no-store` on /v1 and /metrics, and
  `Strict-Transport-Security` when the request came over https or PROVENANCE_HSTS is on.
  Each is set only when the view has not set it: a view that needs another policy sets its own header.
  CSP: `default-src 'none'; frame-ancestors 'none'` for JSON, YAML and text (nothing in them may load
  anything); HTML pages get HTML_CSP, scripts, styles and images from this origin only, no inline
  script. A page that needs more sets `response.headers["Content-Security-Policy"]` itself.
- One access-log line per request on the `provenance.access` logger (method, path without the query,
  status, duration_ms, remote_addr; the request id from the log filter), never a body or a header value;
  scrapes of /metrics at DEBUG so they do not fill the log.
- Metrics (service/api/metrics.py), served at /metrics, open like /healthz.

Hand-written rather than flask-talisman: its maintained fork (wntrblm/flask-talisman) last released in
2023 and its defaults are for a browser site (a redirect to https, which breaks a service behind a
TLS-terminating proxy and its plain-http health checks; secure session cookies the service has none of);
turning those off and adding per-media-type policies would take more lines than the hook below.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

import redis
from flask import Flask, Response, current_app, g, has_request_context, request

from service.api.logs import ACCESS_LOGGER
from service.api.metrics import CONTENT_TYPE, Metrics, verdicts_in

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'"
HTML_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000"
NO_STORE_PREFIXES = ("/v1/", "/metrics")
EXTENSION = "provenance.metrics"
UNMATCHED = "unmatched"  # the endpoint label of a request no URL rule matched (404, 405)

access_log = logging.getLogger(ACCESS_LOGGER)


def current_request_id() -> str | None:
    """The id of the request being handled (made on first use), None outside a request."""
    if not has_request_context():
        return None
    request_id: str | None = g.get("request_id")
    if request_id is None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.request_id = request_id
    return request_id


def count_redis_error(err: redis.RedisError) -> None:
    """Count a Redis error that answered a request (service/errors.py calls it)."""
    metrics: Metrics | None = current_app.extensions.get(EXTENSION)
    if metrics is not None:
        metrics.count_redis_error(err)


def init_app(app: Flask, hsts: bool = False) -> None:
    """Wire request ids, headers, the access log and metrics into `app`. Call it before other hooks are
    registered, so the request id and the clock start first."""
    metrics = Metrics(
        lambda: app.extensions["provenance"].index.count(), lambda: app.extensions["provenance"].alert_stats()
    )
    app.extensions[EXTENSION] = metrics

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        current_request_id()

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = current_request_id() or uuid.uuid4().hex
        response.headers[REQUEST_ID_HEADER] = request_id
        _secure(response, hsts)
        seconds = time.perf_counter() - g.get("started", time.perf_counter())
        endpoint = request.url_rule.rule if request.url_rule is not None else UNMATCHED
        metrics.observe(endpoint, request.method, response.status_code, seconds)
        if response.status_code in (200, 201) and (body := g.get("answer")) is not None:
            metrics.count_verdicts(verdicts_in(request.endpoint, body))
        _log_access(response, seconds)
        return response

    def metrics_view() -> Response:
        """Prometheus metrics, in the text exposition format."""
        return Response(metrics.exposition(), content_type=CONTENT_TYPE)

    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])


def _secure(response: Response, hsts: bool) -> None:
    headers = response.headers
    wanted = [
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Content-Security-Policy", HTML_CSP if response.mimetype == "text/html" else STRICT_CSP),
    ]
    if request.path.startswith(NO_STORE_PREFIXES):
        wanted.append(("Cache-Control", "no-store"))
    if hsts or request.is_secure:
        wanted.append(("Strict-Transport-Security", HSTS))
    # The names the view set, read in one pass: Headers.setdefault scans every header for each name and
    # raises and catches a KeyError for each one it adds (a sixth of the time of Flask and these hooks).
    present = {key.lower() for key, _ in headers.items()}
    for key, value in wanted:
        if key.lower() not in present:
            headers.add(key, value)


def _log_access(response: Response, seconds: float) -> None:
    level = logging.DEBUG if request.endpoint == "metrics" else logging.INFO
    duration_ms = round(seconds * 1000, 1)
    access_log.log(
        level,
        "%s %s %s %.1fms",
        request.method,
        request.path,
        response.status_code,
        duration_ms,
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "remote_addr": request.remote_addr,
        },
    )
