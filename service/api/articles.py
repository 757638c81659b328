"""Articles: submit, read, delete, and a stored article's provenance."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, jsonify, request
from marshmallow import ValidationError

from schemas import ArticleIn, ArticleOut, ArticleSubmitted, StoredProvenanceOut
from schemas.fields import validate_id
from service.api import answer, load_json, service
from service.errors import not_found

bp = Blueprint("articles", __name__, url_prefix="/v1/articles")
article_in = ArticleIn()
article_out = ArticleOut()
article_submitted = ArticleSubmitted()
stored_provenance_out = StoredProvenanceOut()
# An id never has an empty segment: /v1/articles//x is no article (404), not a redirect to /v1/articles/x.
# GET and DELETE share one rule: with two, werkzeug answers 405 to one of them for such a path.
BY_ID = {"merge_slashes": False}


def known_id(article_id: str) -> str:
    """The id of the path, when it is one an article can have; else 404 without asking Redis."""
    try:
        validate_id(article_id)
    except ValidationError:
        raise not_found(f"no article with id {article_id[:200]!r}") from None
    return article_id


@bp.post("")
def submit() -> tuple[Response, int, dict[str, str]]:
    """Store an article and answer its provenance against articles published before it."""
    result = service().submit(load_json(article_in))
    body = article_submitted.dump({"article": result.article, "provenance": result.provenance})
    location = f"/v1/articles/{quote(result.article.id, safe='/:~._-')}"
    return answer(body), 201 if result.created else 200, {"Location": location}


@bp.get("/<path:article_id>/provenance", **BY_ID)
def provenance(article_id: str) -> Response:
    """The stored article's provenance against articles published before it."""
    article, found, derivatives = service().stored_provenance(known_id(article_id))
    return answer(
        stored_provenance_out.dump({"id": article.id, "provenance": found, "derivatives": derivatives})
    )


@bp.route("/<path:article_id>", methods=["GET", "DELETE"], **BY_ID)
def article_by_id(article_id: str) -> Response:
    """GET: the stored article's metadata, fingerprint and lineage (`include=text`: and its text).
    DELETE: remove it from the index."""
    article_id = known_id(article_id)
    if request.method == "DELETE":
        service().delete(article_id)
        response = Response(status=204)
        del response.headers["Content-Type"]
        return response
    include = _included()
    body = article_out.dump(article := service().get(article_id))
    if include == "text":
        body["text"] = article.text
    return jsonify(body)


def _included() -> str | None:
    """`include=text` adds the text to an article; nothing else can be included."""
    include = request.args.getlist("include")
    if include not in ([], ["text"]):
        raise ValidationError({"include": ["the only value is 'text', given once"]})
    return include[0] if include else None
