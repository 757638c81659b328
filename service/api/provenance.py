"""Provenance queries: where does a text come from?"""

from __future__ import annotations

from flask import Blueprint, Response

from schemas import ProvenanceOut, ProvenanceQuery
from service.api import answer, load_json, service

bp = Blueprint("provenance", __name__, url_prefix="/v1")
query_in = ProvenanceQuery()
provenance_out = ProvenanceOut()


@bp.post("/provenance")
def trace() -> Response:
    """Name the most likely original of a text, with a score, a verdict and the evidence."""
    return answer(provenance_out.dump(service().trace(load_json(query_in))))
