"""Liveness, readiness and the OpenAPI document."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response

from service.api import service
from service.config import parse_api_keys
from service.errors import problem

bp = Blueprint("health", __name__)


# openapi.yaml's top-level security: a key or none, since a service without keys is open. A service with
# keys serves the document with the key required, so that a client (or schemathesis) reading it knows.
KEY_OPTIONAL = b"\nsecurity:\n  - {}\n  - bearerAuth: []\n"
KEY_REQUIRED = b"\nsecurity:\n  - bearerAuth: []\n"


@lru_cache(maxsize=2)
def openapi_document(keyed: bool = False) -> bytes:
    """The OpenAPI document as a service with API keys (`keyed`) or without serves it."""
    document = _openapi_file()
    if not keyed:
        return document
    if document.count(KEY_OPTIONAL) != 1:
        raise RuntimeError("openapi.yaml's top-level security is no longer `[{}, {bearerAuth: []}]`")
    return document.replace(KEY_OPTIONAL, KEY_REQUIRED)


def _openapi_file() -> bytes:
    """openapi.yaml of the checkout, or the copy an installed package puts under share/provenance."""
    for path in (
        Path(__file__).resolve().parents[2] / "openapi.yaml",
        Path(sys.prefix) / "share" / "provenance" / "openapi.yaml",
    ):
        if path.is_file():
            return path.read_bytes()
    raise FileNotFoundError("openapi.yaml is neither in the checkout nor under share/provenance")


@bp.get("/healthz")
def healthz() -> Response:
    """200 while the process serves."""
    return Response('{"status":"ok"}', mimetype="application/json")


@bp.get("/readyz")
def readyz() -> Response:
    """200 when Redis answers, else 503."""
    if service().ready():
        return Response('{"status":"ready"}', mimetype="application/json")
    return problem(
        503, "Service Unavailable", "Redis does not answer", "store-unavailable", headers={"Retry-After": "2"}
    )


@bp.get("/openapi.yaml")
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API, its security as this service is configured."""
    keyed = bool(parse_api_keys(service().config.api_keys))
    return Response(openapi_document(keyed), mimetype="application/yaml")
