"""Articles: what a caller submits and what the service answers about a stored article."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, post_dump

from schemas.fields import HttpUrl, Rfc3339, body_field, format_field, text_field, validate_id
from schemas.provenance import LineageOut, ProvenanceOut


class ArticleIn(Schema):
    """POST /v1/articles"""

    class Meta:
        unknown = RAISE

    id = fields.String(validate=validate_id)
    title = text_field(1000, allow_none=True)
    body = body_field()
    format = format_field()
    url = HttpUrl(allow_none=True)
    source = text_field(500, allow_none=True)
    author = text_field(500, allow_none=True)
    published_at = Rfc3339(allow_none=True)


class ArticleOut(Schema):
    """GET /v1/articles/{id}: the stored article's metadata and fingerprint (dumped from an Article)."""

    id = fields.String()
    title = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    author = fields.String(allow_none=True)
    format = fields.String()
    published_at = Rfc3339()
    received_at = Rfc3339()
    fingerprint = fields.String()
    text_length = fields.Function(lambda article: len(article.text))
    lineage = fields.Function(
        lambda article: LineageOut().dump(
            {"original": article.original, "verdict": article.verdict or "none", "score": article.score}
        )
    )


class ArticleSubmitted(Schema):
    """POST /v1/articles: the stored article and its provenance against earlier articles."""

    article = fields.Nested(ArticleOut)
    provenance = fields.Nested(ProvenanceOut)

    @post_dump
    def flatten(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {**data["article"], "provenance": data["provenance"]}
