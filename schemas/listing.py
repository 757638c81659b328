"""The listing of stored articles: `GET /v1/articles`."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from schemas.articles import ArticleOut
from schemas.fields import QueryInteger


class ListingQuery(Schema):
    """GET /v1/articles?cursor=...&limit=..."""

    class Meta:
        unknown = RAISE

    cursor = fields.String(validate=validate.Length(min=1, max=200))
    limit = QueryInteger(load_default=100, validate=validate.Range(min=1, max=1000))


class ArticleListed(ArticleOut):
    """A stored article as `GET /v1/articles/{id}` answers it, with its text as indexed."""

    text = fields.String()


class ListingOut(Schema):
    items = fields.List(fields.Nested(ArticleListed), attribute="articles")
    next_cursor = fields.String(allow_none=True)
