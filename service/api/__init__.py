"""HTTP views: validate with a schema, call one function of the service layer, dump with a schema."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, g, jsonify, request
from marshmallow import Schema

from service.core import ProvenanceService
from service.errors import ProblemError


def service() -> ProvenanceService:
    return current_app.extensions["provenance"]


def answer(body: dict[str, Any]) -> Response:
    """The JSON response of a view whose body carries verdicts: the body is kept for the metrics hook
    (service/api/observability.py), which counts them without parsing the response again."""
    g.answer = body
    return jsonify(body)


def request_body() -> bytes:
    """The request's body. A body without a Content-Length (chunked) over the size limit is a 413 too:
    werkzeug stops reading it at the limit and hands back what it read, which would be answered as
    malformed JSON; asking for one byte more makes werkzeug raise RequestEntityTooLarge."""
    raw = request.get_data(cache=True)
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(raw) >= limit:
        request.stream.read(1)
    return raw


def load_json(schema: Schema) -> dict[str, Any]:
    """The request's JSON body, validated by `schema` (ValidationError -> 422 problem)."""
    if not request.is_json:
        raise ProblemError(
            415, "Unsupported Media Type", "send the body as application/json", slug="unsupported-media-type"
        )
    try:
        payload = json.loads(request_body())
    except (ValueError, RecursionError):
        raise ProblemError(400, "Bad Request", "the body is not valid JSON", slug="malformed-json") from None
    if not isinstance(payload, dict):
        raise ProblemError(
            422,
            "Unprocessable Content",
            "the body must be a JSON object",
            slug="validation-error",
            errors={"_schema": ["must be a JSON object"]},
        )
    return schema.load(payload)
