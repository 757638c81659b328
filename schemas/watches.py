"""Watches (copy alerts): what a caller sends to create one, and how watches and deliveries are answered."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from schemas.fields import ID_PATTERN, NOT_UNICODE, SURROGATE, HttpUrl, QueryInteger, Rfc3339, validate_id

RELATIONS = ("duplicate", "near_duplicate", "rewrite", "partial")
MAX_ITEMS = 1000


def validate_prefix(value: str) -> None:
    """An id prefix: 1-200 characters an id may have."""
    if not ID_PATTERN.fullmatch(value):
        raise ValidationError("must be 1-200 characters from A-Z a-z 0-9 and _.~:/-")


class StringList(fields.Field):
    """A JSON array of strings, each checked by `item`, at most `most` of them. Errors are one list of
    messages for the field ("item 2: ..."), as the problem documents give every field (a List field's
    errors would be a map by index)."""

    def __init__(self, item: Any, most: int = MAX_ITEMS, least: int = 0, **kwargs: Any):
        super().__init__(**kwargs)
        self.item, self.most, self.least = item, most, least

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        if not isinstance(value, list):
            raise ValidationError("must be an array of strings")
        if not self.least <= len(value) <= self.most:
            raise ValidationError(f"must hold {self.least} to {self.most} items")
        messages = []
        for n, item in enumerate(value):
            if not isinstance(item, str):
                messages.append(f"item {n}: must be a string")
                continue
            try:
                self.item(item)
            except ValidationError as err:
                messages += [f"item {n}: {m}" for m in err.messages]
        if messages:
            raise ValidationError(messages)
        return list(value)


def _source(value: str) -> None:
    if not value.strip() or len(value) > 500:
        raise ValidationError("must be 1-500 characters, not only white space")
    if SURROGATE.search(value):
        raise ValidationError(NOT_UNICODE)


class WatchIn(Schema):
    """POST /v1/watches"""

    class Meta:
        unknown = RAISE

    url = HttpUrl(required=True)
    sources = StringList(_source, load_default=list)
    ids = StringList(validate_id, load_default=list)
    id_prefixes = StringList(validate_prefix, load_default=list)
    relations = StringList(validate.OneOf(RELATIONS), least=1, load_default=lambda: list(RELATIONS))

    @validates_schema
    def _watches_something(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not (data.get("sources") or data.get("ids") or data.get("id_prefixes")):
            raise ValidationError("name at least one of sources, ids and id_prefixes", "_schema")


class WatchOut(Schema):
    """A watch as GET answers it: never its secret."""

    id = fields.String()
    url = fields.String()
    sources = fields.List(fields.String())
    ids = fields.List(fields.String())
    id_prefixes = fields.List(fields.String())
    relations = fields.List(fields.String())
    status = fields.String()
    created_at = Rfc3339()
    disabled_at = Rfc3339(allow_none=True)
    disabled_reason = fields.String(allow_none=True)
    failing_since = Rfc3339(allow_none=True)


class WatchCreated(WatchOut):
    """POST /v1/watches: the watch and, this once, the secret its deliveries are signed with."""

    secret = fields.String()


class WatchListOut(Schema):
    items = fields.List(fields.Nested(WatchOut))


class DeliveriesQuery(Schema):
    """GET /v1/watches/{id}/deliveries?limit=..."""

    class Meta:
        unknown = RAISE

    limit = QueryInteger(load_default=50, validate=validate.Range(min=1, max=1000))


def _epoch(name: str) -> fields.Function:
    def read(record: dict[str, str]) -> str | None:
        value = record.get(name)
        if not value:
            return None
        return dt.datetime.fromtimestamp(float(value), dt.UTC).isoformat().replace("+00:00", "Z")

    return fields.Function(read)


def _text(name: str) -> fields.Function:
    return fields.Function(lambda record: record.get(name) or None)


class DeliveryOut(Schema):
    """One event's delivery to a watch, as the worker logged it (dumped from its stored fields)."""

    event_id = fields.String()
    status = fields.String()
    attempts = fields.Function(lambda record: int(record.get("attempts") or 0))
    trigger = _text("trigger")
    article_id = _text("article_id")
    original_id = _text("original_id")
    relation = _text("relation")
    created_at = _epoch("created_at")
    last_attempt_at = _epoch("last_attempt_at")
    next_attempt_at = _epoch("next_attempt_at")
    delivered_at = _epoch("delivered_at")
    last_status = fields.Function(lambda r: int(r["last_status"]) if r.get("last_status") else None)
    last_error = _text("last_error")


class DeliveriesOut(Schema):
    watch = fields.Nested(WatchOut)
    items = fields.List(fields.Nested(DeliveryOut))
