"""Liveness, readiness and the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response

from service.api import service
from service.errors import problem

bp = Blueprint("health", __name__)
OPENAPI = Path(__file__).resolve().parents[2] / "openapi.yaml"


@bp.get("/healthz")
def healthz() -> Response:
    """200 while the process serves."""
    return Response('{"status":"ok"}', mimetype="application/json")


@bp.get("/readyz")
def readyz() -> Response:
    """200 when Redis answers, else 503."""
    if service().ready():
        return Response('{"status":"ready"}', mimetype="application/json")
    return problem(503, "Service Unavailable", "Redis does not answer", "store-unavailable",
                   headers={"Retry-After": "2"})


@bp.get("/openapi.yaml")
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API."""
    return Response(OPENAPI.read_bytes(), mimetype="application/yaml")
