"""Liveness, readiness and the OpenAPI document."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response

from service.api import service
from service.errors import problem

bp = Blueprint("health", __name__)


@lru_cache(maxsize=1)
def openapi_document() -> bytes:
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
    """The OpenAPI 3.1 document of this API."""
    return Response(openapi_document(), mimetype="application/yaml")
