"""Articles: submit, read, delete, and a stored article's provenance."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, jsonify

from schemas import ArticleIn, ArticleOut, ArticleSubmitted, StoredProvenanceOut
from service.api import load_json, service
from service.index import Article

bp = Blueprint("articles", __name__, url_prefix="/v1/articles")
article_in = ArticleIn()
article_out = ArticleOut()
article_submitted = ArticleSubmitted()
stored_provenance_out = StoredProvenanceOut()


def _view(article: Article) -> dict:
    return {
        "id": article.id,
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "author": article.author,
        "format": article.format,
        "published_at": article.published_at,
        "received_at": article.received_at,
        "fingerprint": article.fingerprint,
        "text_length": len(article.text),
        "lineage": {
            "original": article.original,
            "verdict": article.verdict or "none",
            "score": article.score,
        },
    }


@bp.post("")
def submit() -> tuple[Response, int, dict[str, str]]:
    """Store an article and answer its provenance against articles published before it."""
    result = service().submit(load_json(article_in))
    body = article_submitted.dump({**_view(result.article), "provenance": result.provenance})
    location = f"/v1/articles/{quote(result.article.id, safe='/:~._-')}"
    return jsonify(body), 201 if result.created else 200, {"Location": location}


@bp.get("/<path:article_id>/provenance")
def provenance(article_id: str) -> Response:
    """The stored article's provenance against articles published before it."""
    article, answer, derivatives = service().stored_provenance(article_id)
    return jsonify(
        stored_provenance_out.dump(
            {
                "id": article.id,
                **_provenance_fields(answer),
                "derivatives": [_derivative(d) for d in derivatives],
            }
        )
    )


@bp.get("/<path:article_id>")
def get(article_id: str) -> Response:
    """The stored article's metadata, fingerprint and lineage."""
    return jsonify(article_out.dump(_view(service().get(article_id))))


@bp.delete("/<path:article_id>")
def delete(article_id: str) -> Response:
    """Remove the article from the index."""
    service().delete(article_id)
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


def _derivative(article: Article) -> dict:
    return {
        "id": article.id,
        "relation": article.verdict,
        "score": article.score,
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "published_at": article.published_at,
    }


def _provenance_fields(answer: object) -> dict:
    return {name: getattr(answer, name) for name in ("verdict", "original", "score", "matches")}
