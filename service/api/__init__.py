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


def load_json(schema: Schema) -> dict[str, Any]:
    """The request's JSON body, validated by `schema` (ValidationError -> 422 problem)."""
    if not request.is_json:
        raise ProblemError(
            415, "Unsupported Media Type", "send the body as application/json", slug="unsupported-media-type"
        )
    try:
        payload = json.loads(request.get_data())
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
