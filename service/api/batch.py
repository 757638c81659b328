"""Batch submission: many articles in one request, each stored atomically and answered on its own."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request
from marshmallow import ValidationError

from schemas import ArticleIn, ArticleSubmitted
from service.api import answer, request_body, service
from service.errors import PROBLEM_TYPE, SURROGATE, ProblemError, field_messages, too_large

bp = Blueprint("batch", __name__, url_prefix="/v1")
article_in = ArticleIn()
article_submitted = ArticleSubmitted()
NDJSON = ("application/x-ndjson", "application/jsonl", "application/ndjson")


@bp.before_app_request
def _batch_size_limit() -> None:
    """Batches may be larger than single requests (PROVENANCE_MAX_BATCH_BYTES)."""
    if request.endpoint == "batch.submit_batch":
        request.max_content_length = service().config.max_batch_bytes


@bp.post("/articles:batch")
def submit_batch() -> Response:
    """Store many articles (a JSON array or NDJSON), in order; each answers with its own status."""
    config = service().config
    items = _items(config.max_batch_items)
    results = [_submit_one(i, raw, config.max_request_bytes) for i, raw in enumerate(items)]
    counts = {"created": 0, "existing": 0, "failed": 0}
    for result in results:
        counts[
            "created" if result["status"] == 201 else "existing" if result["status"] == 200 else "failed"
        ] += 1
    return answer({"items": results, **counts})


def _submit_one(index: int, raw: Any, most_bytes: int) -> dict[str, Any]:
    try:
        if not isinstance(raw, dict):
            raise ValidationError({"_schema": ["must be a JSON object"]})
        if _size(raw) > most_bytes:
            # What POST /v1/articles answers an article this large (PROVENANCE_MAX_REQUEST_BYTES).
            raise too_large(f"the article is larger than the limit of {most_bytes} bytes (as compact JSON)")
        result = service().submit(article_in.load(raw))
    except ValidationError as err:
        messages = field_messages(err)
        return _failed(
            index,
            raw,
            422,
            "Unprocessable Content",
            "validation-error",
            f"invalid fields: {', '.join(sorted(messages))}",
            errors=messages,
        )
    except ProblemError as err:
        return _failed(index, raw, err.status, err.title, err.slug, err.detail, **err.extra)
    body = article_submitted.dump({"article": result.article, "provenance": result.provenance})
    return {"index": index, "status": 201 if result.created else 200, **body}


def _size(raw: dict[str, Any]) -> int:
    """Bytes of the article as compact UTF-8 JSON (at most what it took in the batch)."""
    return len(json.dumps(raw, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))


def _failed(
    index: int, raw: Any, status: int, title: str, slug: str, detail: str, **extra: Any
) -> dict[str, Any]:
    article_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
    if article_id is not None:
        article_id = SURROGATE.sub("\ufffd", article_id)  # answered as valid UTF-8, as sent otherwise
    problem = {"type": PROBLEM_TYPE + slug, "title": title, "status": status, "detail": detail, **extra}
    return {"index": index, "status": status, "id": article_id, "problem": problem}


def _items(most: int) -> list[Any]:
    """The batch's items: a JSON array (application/json) or one JSON object per line (NDJSON)."""
    raw = request_body()
    if request.mimetype in NDJSON:
        lines = [line for line in raw.splitlines() if line.strip()]
        try:
            items = [json.loads(line) for line in lines]
        except (ValueError, RecursionError):
            raise ProblemError(
                400, "Bad Request", "a line is not valid JSON", slug="malformed-json"
            ) from None
    elif request.is_json:
        try:
            items = json.loads(raw)
        except (ValueError, RecursionError):
            raise ProblemError(
                400, "Bad Request", "the body is not valid JSON", slug="malformed-json"
            ) from None
        if not isinstance(items, list):
            raise ProblemError(
                422,
                "Unprocessable Content",
                "the body must be a JSON array of articles",
                slug="validation-error",
                errors={"_schema": ["must be a JSON array"]},
            )
    else:
        raise ProblemError(
            415,
            "Unsupported Media Type",
            "send a JSON array (application/json) or NDJSON (application/x-ndjson)",
            slug="unsupported-media-type",
        )
    if not items:
        raise ProblemError(
            422,
            "Unprocessable Content",
            "the batch is empty",
            slug="validation-error",
            errors={"_schema": ["must hold at least one article"]},
        )
    if len(items) > most:
        raise too_large(
            f"the batch holds {len(items)} articles, more than the limit of {most}", slug="batch-too-large"
        )
    return items
