"""Field types shared by the schemas."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from marshmallow import ValidationError, fields, validate

ID_PATTERN = re.compile(r"[A-Za-z0-9_.~:/-]{1,200}")
FORMATS = ("text", "html")
MAX_URL_LENGTH = 2048
# openapi.yaml's url pattern (between ^ and $): an http(s) scheme in any case, a non-empty authority, then
# a path, query or fragment; no space, control character or any of " < > \ ^ ` { | } (RFC 3986 and 3987
# allow none of them anywhere). Non-ASCII is kept: an IRI copied from a browser is taken as it is.
NOT_A_URL = 'must be an absolute http or https URL with a host, without spaces or any of " < > \\ ^ ` { | }'
URL_EXCLUDED = r'\x00-\x20\x7f"<>\\^`{|}'
URL_PATTERN = re.compile(rf"[Hh][Tt][Tt][Pp][Ss]?://[^{URL_EXCLUDED}/?#]+(?:[/?#][^{URL_EXCLUDED}]*)?")
# JSON may escape half of a surrogate pair on its own ("\ud800"): Python decodes it to a string that no
# UTF-8 encoder (Redis, the content hash) takes.
SURROGATE = re.compile(r"[\ud800-\udfff]")
NOT_UNICODE = "must be valid Unicode: no unpaired surrogate (\\ud800-\\udfff)"
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A letter or a digit of any script: Python's \w is str.isalnum() and "_", and str.isalnum() is Unicode's L
# and N categories (checked over every code point), the spec's pattern \p{L}|\p{N}.
LETTER_OR_DIGIT = re.compile(r"[^\W_]")


RFC3339_EXPECTED = (
    "an RFC 3339 date-time with a time zone (Z or an offset), like 2025-10-06T10:00:00Z or "
    "2025-10-06T12:00:00+02:00"
)


class Rfc3339(fields.AwareDateTime):
    """RFC 3339 in and out: an offset is required on input ('Z' or +hh:mm); output is UTC with 'Z'.
    A time that falls outside years 1-9999 once in UTC (0001-01-01T00:00:00+01:00) is rejected."""

    default_error_messages = {  # noqa: RUF012 -- marshmallow merges these per class
        "invalid": f"must be {RFC3339_EXPECTED}",
        "invalid_awareness": f"has no time zone: must be {RFC3339_EXPECTED}",
    }

    def __init__(self, **kwargs: Any):
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment.astimezone(dt.UTC)
        except OverflowError:
            raise ValidationError("must fall within years 1-9999 in UTC") from None
        return moment

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


class Unicode(fields.String):
    """A string of valid Unicode text (no unpaired surrogate)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if SURROGATE.search(text):
            raise ValidationError(NOT_UNICODE)
        return text


class HttpUrl(Unicode):
    """An absolute http or https URL of at most MAX_URL_LENGTH characters: the scheme, an authority (a
    host), and none of the characters no URL or IRI holds. It is stored as given, not checked further:
    marshmallow's Url refused real URLs (`http://a.b.c/d`, `http://a_b.example`: its hostname rules) that
    openapi.yaml called valid. The spec's pattern is URL_PATTERN, between ^ and $."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        url = super()._deserialize(value, attr, data, **kwargs)
        if len(url) > MAX_URL_LENGTH:
            raise ValidationError(f"must be at most {MAX_URL_LENGTH} characters")
        if CONTROL.search(url):
            raise ValidationError("must not contain control characters")
        if not URL_PATTERN.fullmatch(url):
            raise ValidationError(NOT_A_URL)
        return url


class JsonInteger(fields.Integer):
    """An integer as JSON Schema counts one (openapi.yaml's `type: integer`): 5 or 5.0, never 5.5, "5" or
    true. marshmallow's strict Integer refuses 5.0; its lax one takes "5" and truncates 5.5 to 5."""

    def __init__(self, **kwargs: Any):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super()._deserialize(value, attr, data, **kwargs)


class QueryInteger(fields.Integer):
    """An integer query parameter in ASCII digits: "10", not "+10", " 10", "1_0" or "1e1" (which int()
    takes)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not (isinstance(value, str) and value.isascii() and value.isdigit()):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def text_field(max_length: int, **kwargs: Any) -> fields.String:
    return Unicode(validate=validate.Length(max=max_length), **kwargs)


def holds_text(value: str) -> None:
    """A body holds a letter or a digit (of any script), as openapi.yaml's `pattern: "\\p{L}|\\p{N}"` says: a
    body of white space, punctuation or symbols alone is no text. Whether text is left once markup and
    boilerplate are removed is the service layer's question (it cleans the text)."""
    if not value.strip():
        raise ValidationError("must not be empty or only white space")
    if not LETTER_OR_DIGIT.search(value):
        raise ValidationError("must hold a letter or a digit")


def body_field() -> fields.String:
    return Unicode(required=True, validate=holds_text)


def format_field() -> fields.String:
    return fields.String(load_default="text", validate=validate.OneOf(FORMATS))
