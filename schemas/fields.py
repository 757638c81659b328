"""Field types shared by the schemas."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from marshmallow import ValidationError, fields, validate

ID_PATTERN = re.compile(r"[A-Za-z0-9_.~:/-]{1,200}")
FORMATS = ("text", "html")


class Rfc3339(fields.AwareDateTime):
    """RFC 3339 in and out: an offset is required on input ('Z' or +hh:mm); output is UTC with 'Z'."""

    def __init__(self, **kwargs: Any):
        super().__init__(format="iso", **kwargs)

    def _serialize(self, value: dt.datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def validate_id(value: str) -> None:
    """The caller's id: 1-200 characters of A-Za-z0-9 and _.~:/- that also work as a URL path."""
    if not ID_PATTERN.fullmatch(value):
        raise ValidationError("must be 1-200 characters from A-Z a-z 0-9 and _.~:/-")
    segments = value.split("/")
    if any(s in ("", ".", "..") for s in segments):
        raise ValidationError("must not have empty, '.' or '..' path segments (proxies rewrite them)")
    if len(segments) > 1 and segments[-1] == "provenance":
        raise ValidationError("must not end in '/provenance' (that path is the article's provenance)")


def text_field(max_length: int, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


def body_field() -> fields.String:
    return fields.String(
        required=True,
        validate=validate.Predicate("strip", error="must not be empty or only white space"),
    )


def format_field() -> fields.String:
    return fields.String(load_default="text", validate=validate.OneOf(FORMATS))
