"""Listing: every stored article, page by page (what `provenance export` reads)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from schemas.listing import ListingOut, ListingQuery
from service.api import service

bp = Blueprint("listing", __name__, url_prefix="/v1")
listing_query = ListingQuery()
listing_out = ListingOut()


@bp.get("/articles")
def list_articles() -> Response:
    """Stored articles with their text, in storage order, from an opaque cursor."""
    query = listing_query.load(request.args)
    page = service().list_articles(query.get("cursor"), query["limit"])
    return jsonify(listing_out.dump(page))
