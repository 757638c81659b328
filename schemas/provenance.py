"""Provenance queries and answers."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, post_dump, validate

from schemas.fields import JsonInteger, Rfc3339, body_field, format_field, text_field


class ProvenanceQuery(Schema):
    """POST /v1/provenance"""

    class Meta:
        unknown = RAISE

    body = body_field()
    title = text_field(1000, allow_none=True)
    format = format_field()
    published_at = Rfc3339(allow_none=True)
    limit = JsonInteger(load_default=10, validate=validate.Range(min=1, max=50))


class PassageOut(Schema):
    query_start = fields.Integer()
    query_end = fields.Integer()
    match_start = fields.Integer()
    match_end = fields.Integer()
    kind = fields.String()
    similarity = fields.Float()


class EvidenceOut(Schema):
    passages = fields.List(fields.Nested(PassageOut))
    quotes = fields.List(fields.String())


class OriginalOut(Schema):
    id = fields.String(attribute="article.id")
    title = fields.String(attribute="article.title", allow_none=True)
    source = fields.String(attribute="article.source", allow_none=True)
    url = fields.String(attribute="article.url", allow_none=True)
    published_at = Rfc3339(attribute="article.published_at")
    score = fields.Float()
    relation = fields.String()
    via = fields.String(allow_none=True)
    evidence = fields.Method("_evidence")

    def _evidence(self, match: object) -> dict:
        return _evidence_out.dump(match)


class SignalsOut(Schema):
    """What the service undid in the text before comparing it: disguises and damage."""

    lookalike_letters = fields.Integer()
    invisible_characters = fields.Integer()
    encoding_repairs = fields.Integer()
    disguised = fields.Boolean(attribute="any")


# One instance for every match: making a Schema costs about as much as dumping a match's evidence (40 µs).
_evidence_out = EvidenceOut()


class MatchOut(Schema):
    id = fields.String(attribute="article.id")
    score = fields.Float()
    relation = fields.String()
    title = fields.String(attribute="article.title", allow_none=True)
    source = fields.String(attribute="article.source", allow_none=True)
    url = fields.String(attribute="article.url", allow_none=True)
    published_at = Rfc3339(attribute="article.published_at")
    evidence = fields.Method("_evidence")

    def _evidence(self, match: object) -> dict:
        return _evidence_out.dump(match)


class ProvenanceOut(Schema):
    verdict = fields.String()
    original = fields.Nested(OriginalOut, allow_none=True)
    score = fields.Float()
    matches = fields.List(fields.Nested(MatchOut))
    signals = fields.Nested(SignalsOut)


class LineageOut(Schema):
    """The stored article's root original, verdict and score: decided at ingest, revised when an
    earlier original arrives later or the original is deleted."""

    original = fields.String(allow_none=True)
    verdict = fields.String(allow_none=True)
    score = fields.Float(allow_none=True)


class DerivativeOut(Schema):
    """A stored article whose root original is the article asked about (dumped from an Article)."""

    id = fields.String()
    relation = fields.String(attribute="verdict")
    score = fields.Float(allow_none=True)
    title = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    published_at = Rfc3339()


class StoredProvenanceOut(Schema):
    """GET /v1/articles/{id}/provenance: the stored article's provenance against earlier articles, and
    the stored articles that derive from it (directly or through a chain), earliest first."""

    id = fields.String()
    provenance = fields.Nested(ProvenanceOut)
    derivatives = fields.List(fields.Nested(DerivativeOut))

    @post_dump
    def flatten(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {"id": data["id"], **data["provenance"], "derivatives": data["derivatives"]}
