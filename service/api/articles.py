"""Articles: submit, read, delete, and a stored article's provenance."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import MethodNotAllowed

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
# An id may hold slashes, so /v1/articles/<id>/provenance is a path of the by-id rule too, and werkzeug
# would name that rule's DELETE among the provenance path's methods (in OPTIONS' Allow and in a 405's).
# The provenance rule takes every other method instead, and answers them itself.
METHODS_OF_PROVENANCE = ("GET", "HEAD", "OPTIONS")
REFUSED_ON_PROVENANCE = ("POST", "PUT", "PATCH", "DELETE", "TRACE")


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


@bp.route(
    "/<path:article_id>/provenance",
    methods=["GET", "OPTIONS", *REFUSED_ON_PROVENANCE],
    provide_automatic_options=False,
    **BY_ID,
)
def provenance(article_id: str) -> Response:
    """The stored article's provenance against articles published before it."""
    if request.method not in ("GET", "HEAD"):
        return _only(METHODS_OF_PROVENANCE)
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


def _only(methods: tuple[str, ...]) -> Response:
    """OPTIONS: 200 with `methods` in Allow, as Flask's automatic answer; any other method: 405 saying so."""
    if request.method != "OPTIONS":
        raise MethodNotAllowed(valid_methods=methods)
    response = current_app.response_class()
    response.allow.update(methods)
    return response


def _included() -> str | None:
    """`include=text` adds the text to an article; nothing else can be included."""
    include = request.args.getlist("include")
    if include not in ([], ["text"]):
        raise ValidationError({"include": ["the only value is 'text', given once"]})
    return include[0] if include else None
