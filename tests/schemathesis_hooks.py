"""A check of this API's own for schemathesis: in process (tests/test_schemathesis.py imports it) and for
`st run` (SCHEMATHESIS_HOOKS=tests.schemathesis_hooks, run from the checkout; tests/schemathesis.toml).

POST /v1/articles:batch answers 200 with each article's own outcome, so two of schemathesis' checks do
not fit it: negative_data_rejection (a batch holding an invalid article is taken, and that article refused
in its own entry) and positive_data_acceptance (its NDJSON body is a string to the spec, which cannot say
"one JSON object a line", so most strings are refused). This check asks for exactly what the spec's text
says instead: of the whole batch as the service read the bytes sent, and of each article against ArticleIn.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs
import schemathesis

BATCH = "/v1/articles:batch"
NDJSON = ("application/x-ndjson", "application/jsonl", "application/ndjson")
SPEC_URI = "urn:provenance:openapi"
# What a valid article may still get: stored (201), stored before (200), its id taken by other content
# (409), over PROVENANCE_MAX_REQUEST_BYTES (413); or 422 for its body alone, when no text is left once
# markup and boilerplate are removed (which no schema can say).
VALID_STATUSES = frozenset({200, 201, 409, 413})
INVALID_STATUSES = frozenset({413, 422})
_validators: dict[int, Any] = {}

# The NDJSON body of POST /v1/articles:batch is a string in the spec: send it as it is.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")


def article_in(raw_schema: dict[str, Any]) -> Any:
    """A validator of the document's ArticleIn (jsonschema-rs: JSON Schema's ECMA-262 patterns)."""
    key = id(raw_schema)
    if key not in _validators:
        registry = jsonschema_rs.Registry([(SPEC_URI, raw_schema)], draft=jsonschema_rs.Draft202012)
        _validators[key] = jsonschema_rs.validator_for(
            {"$ref": f"{SPEC_URI}#/components/schemas/ArticleIn"}, registry=registry, validate_formats=True
        )
    return _validators[key]


def read_batch(content_type: str, body: bytes) -> tuple[list[Any] | None, int | None]:
    """The articles of a batch as the spec's text says the service reads the bytes sent, or the status the
    whole batch is refused with: 400 (not JSON, or a line that is not), 422 (not an array, or no article)."""
    media_type = content_type.split(";")[0].strip().lower()
    if media_type in NDJSON:
        lines = [line for line in body.splitlines() if line.strip()]
        try:
            articles = [json.loads(line) for line in lines]
        except (ValueError, RecursionError):
            return None, 400
    else:
        try:
            articles = json.loads(body)
        except (ValueError, RecursionError):
            return None, 400
        if not isinstance(articles, list):
            return None, 422
    return (articles, None) if articles else (None, 422)


@schemathesis.check
def batch_answers_each_article_as_the_spec_says(ctx: Any, response: Any, case: Any) -> bool | None:
    """A batch the service can read is answered 200, one it cannot is refused as the spec says; in a 200,
    an article ArticleIn calls invalid is refused (422, or 413 when also too large), a valid one is stored,
    found, or refused for its content."""
    if case.operation.path != BATCH or case.method.upper() != "POST":
        return None
    sent = response.request
    content_type = sent.headers.get("Content-Type", "")
    if response.status_code not in (200, 400, 422) or not content_type:
        return None  # 401, 403, 413, 415, 429: the other checks judge those
    body = sent.body.encode("utf-8") if isinstance(sent.body, str) else (sent.body or b"")
    articles, refusal = read_batch(content_type, body)
    if articles is None:
        if response.status_code != refusal:
            raise AssertionError(
                f"a batch the service cannot read ({refusal}) answered {response.status_code}"
            )
        return None
    if response.status_code != 200:
        raise AssertionError(
            f"a batch of {len(articles)} articles refused as a whole: {response.status_code}"
        )
    entries = response.json()["items"]
    if len(entries) != len(articles):
        raise AssertionError(f"{len(articles)} articles sent, {len(entries)} answered")
    validator = article_in(case.operation.schema.raw_schema)
    for index, (article, entry) in enumerate(zip(articles, entries, strict=True)):
        errors = [error.message for error in validator.iter_errors(article)]
        if errors and entry["status"] not in INVALID_STATUSES:
            raise AssertionError(f"article {index} is invalid ({errors[0]}) but answered {entry['status']}")
        if not errors and entry["status"] not in VALID_STATUSES and not _empty_once_cleaned(entry):
            raise AssertionError(f"article {index} is valid but answered {entry['status']}: {entry}")
    return None


def _empty_once_cleaned(entry: dict[str, Any]) -> bool:
    errors = entry.get("problem", {}).get("errors", {})
    return entry["status"] == 422 and list(errors) == ["body"]
