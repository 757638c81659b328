"""marshmallow schemas of the HTTP API: what comes in is validated here, what goes out is dumped here."""

from schemas.articles import ArticleIn, ArticleOut, ArticleSubmitted
from schemas.provenance import ProvenanceOut, ProvenanceQuery, StoredProvenanceOut

__all__ = [
    "ArticleIn",
    "ArticleOut",
    "ArticleSubmitted",
    "ProvenanceOut",
    "ProvenanceQuery",
    "StoredProvenanceOut",
]
