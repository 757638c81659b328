"""Articles: submit, read, delete, and a stored article's provenance."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, jsonify

from schemas import ArticleIn, ArticleOut, ArticleSubmitted, StoredProvenanceOut
from service.api import load_json, service

bp = Blueprint("articles", __name__, url_prefix="/v1/articles")
article_in = ArticleIn()
article_out = ArticleOut()
article_submitted = ArticleSubmitted()
stored_provenance_out = StoredProvenanceOut()


@bp.post("")
def submit() -> tuple[Response, int, dict[str, str]]:
    """Store an article and answer its provenance against articles published before it."""
    result = service().submit(load_json(article_in))
    body = article_submitted.dump({"article": result.article, "provenance": result.provenance})
    location = f"/v1/articles/{quote(result.article.id, safe='/:~._-')}"
    return jsonify(body), 201 if result.created else 200, {"Location": location}


@bp.get("/<path:article_id>/provenance")
def provenance(article_id: str) -> Response:
    """The stored article's provenance against articles published before it."""
    article, answer, derivatives = service().stored_provenance(article_id)
    return jsonify(
        stored_provenance_out.dump({"id": article.id, "provenance": answer, "derivatives": derivatives})
    )


@bp.get("/<path:article_id>")
def get(article_id: str) -> Response:
    """The stored article's metadata, fingerprint and lineage."""
    return jsonify(article_out.dump(service().get(article_id)))


@bp.delete("/<path:article_id>")
def delete(article_id: str) -> Response:
    """Remove the article from the index."""
    service().delete(article_id)
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response
