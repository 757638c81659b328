"""One error shape for every error: RFC 9457 application/problem+json."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import redis
from flask import Flask, Response, g, has_request_context, json, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE = "https://provenance.example/problems/"
SURROGATE = re.compile(r"[\ud800-\udfff]")
log = logging.getLogger(__name__)


class ProblemError(Exception):
    """An error the service answers with a problem document."""

    def __init__(self, status: int, title: str, detail: str, *, slug: str | None = None, **extra: Any):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.slug = slug or title.lower().replace(" ", "-")
        self.extra = extra


def field_messages(err: ValidationError) -> dict[str, Any]:
    """A ValidationError's messages per field (`_schema`: the body as a whole). An unknown field is named
    as sent, and a JSON name may hold a lone surrogate escape: it is answered as U+FFFD, so that the
    problem is valid UTF-8."""
    messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
    return {SURROGATE.sub("\ufffd", str(name)): value for name, value in messages.items()}


def not_found(what: str) -> ProblemError:
    return ProblemError(404, "Not Found", what, slug="not-found")


# RFC 9110's name for 413 (werkzeug still says "Request Entity Too Large"), as 422 is "Unprocessable
# Content": one title for every 413 the service answers, whatever was too large.
TOO_LARGE = "Content Too Large"


def too_large(detail: str, slug: str = "request-entity-too-large") -> ProblemError:
    """413, with a detail that names the limit (in bytes, or in articles for a batch's count)."""
    return ProblemError(413, TOO_LARGE, detail, slug=slug)


def body_too_large(limit: int | None) -> ProblemError:
    """413 for a request body over its limit: PROVENANCE_MAX_REQUEST_BYTES, or for a batch
    PROVENANCE_MAX_BATCH_BYTES (werkzeug's max_content_length of the request)."""
    if limit is None:
        return too_large("the request body is larger than the service accepts")
    return too_large(f"the request body is larger than the limit of {limit} bytes")


def problem(
    status: int, title: str, detail: str, slug: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    body = {"type": PROBLEM_TYPE + slug, "title": title, "status": status, "detail": detail, **extra}
    # Set by the observability hooks (service/api/observability.py), which run before any other.
    request_id = g.get("request_id") if has_request_context() else None
    if request_id is not None:
        body["request_id"] = request_id  # the X-Request-ID of the answer, to quote when reporting it
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def init_app(app: Flask, on_store_error: Callable[[redis.RedisError], None] = lambda err: None) -> None:
    """The problem handlers. `on_store_error` hears of each Redis error answered with a 503 (the metrics
    count them): errors knows nothing of the HTTP layer's observability."""

    @app.errorhandler(ProblemError)
    def _problem(err: ProblemError) -> Response:
        return problem(err.status, err.title, err.detail, err.slug, **err.extra)

    @app.errorhandler(ValidationError)
    def _invalid(err: ValidationError) -> Response:
        messages = field_messages(err)
        fields = ", ".join(sorted(messages))
        return problem(
            422, "Unprocessable Content", f"invalid fields: {fields}", "validation-error", errors=messages
        )

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> Response:
        status = err.code or 500
        if status == 413:  # werkzeug's RequestEntityTooLarge: the body is over max_content_length
            return _problem(body_too_large(request.max_content_length if has_request_context() else None))
        methods = getattr(err, "valid_methods", None)
        headers = {"Allow": ", ".join(methods)} if methods else None
        return problem(
            status, err.name, err.description or err.name, err.name.lower().replace(" ", "-"), headers=headers
        )

    @app.errorhandler(redis.ConnectionError)
    @app.errorhandler(redis.TimeoutError)
    @app.errorhandler(redis.ReadOnlyError)
    @app.errorhandler(redis.exceptions.RedisClusterException)  # no node of a cluster answers
    def _redis_down(err: Exception) -> Response:
        if isinstance(err, CLUSTER_MISUSE):
            return _unexpected(err)
        log.warning("redis unavailable: %s", err.__class__.__name__)
        on_store_error(err if isinstance(err, redis.RedisError) else redis.ConnectionError(str(err)))
        return problem(
            503,
            "Service Unavailable",
            "the index store (Redis) is unavailable; retry shortly",
            "store-unavailable",
            headers={"Retry-After": "2"},
        )

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> Response:
        log.exception("unexpected error")
        return problem(
            500, "Internal Server Error", "an unexpected error occurred; it has been logged", "internal-error"
        )

    @app.errorhandler(redis.ResponseError)
    def _redis_refuses(err: redis.ResponseError) -> Response:
        """Redis answers but refuses writes for a while: at maxmemory (OOM), unable to persist (MISCONF:
        its disk is full or failing), a replica without its master, a cluster slot moving. Nothing of
        the request was stored (a script stops at its first refused write). Any other error: a bug."""
        if not (isinstance(err, REDIS_REFUSALS) or str(err).startswith("MISCONF")):
            return _unexpected(err)
        log.error("redis refuses the request: %s", err)
        on_store_error(err)
        return problem(
            503,
            "Service Unavailable",
            "the index store (Redis) refuses writes (out of memory or unable to persist); retry later",
            "store-unavailable",
            headers={"Retry-After": "30"},
        )


# Cluster errors that are a bug of ours (keys of one command on several slots), not an outage.
CLUSTER_MISUSE = (
    redis.exceptions.CrossSlotTransactionError,
    redis.exceptions.InvalidPipelineStack,
)
REDIS_REFUSALS = (
    redis.exceptions.OutOfMemoryError,
    redis.exceptions.ClusterDownError,  # MASTERDOWN too
    redis.exceptions.TryAgainError,
)
