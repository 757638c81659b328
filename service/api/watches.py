"""Watches: copy alerts by webhook (docs/webhooks.md). Create, list, read and remove watches, and read a
watch's delivery log. Every route needs a write key when keys are configured: a watch's URL may carry a
receiver's token, and its deliveries name articles before they are public."""

from __future__ import annotations

import re

from flask import Blueprint, Response, g, jsonify, request

from schemas.watches import DeliveriesOut, DeliveriesQuery, WatchCreated, WatchIn, WatchListOut, WatchOut
from service.api import load_json, service
from service.api.access import REALM
from service.errors import not_found, problem

bp = Blueprint("watches", __name__, url_prefix="/v1/watches")
watch_in = WatchIn()
watch_out = WatchOut()
watch_created = WatchCreated()
watch_list_out = WatchListOut()
deliveries_query = DeliveriesQuery()
deliveries_out = DeliveriesOut()
WATCH_ID = re.compile(r"[0-9a-f]{32}")


@bp.before_request
def _write_key_only() -> Response | None:
    """A read key may not see or change watches (service/api/access.py checked the key itself)."""
    if g.get("api_key_id") is not None and g.get("api_key_scope") != "write":
        return problem(
            403,
            "Forbidden",
            "watches need a write key",
            "forbidden",
            headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="write"'},
        )
    return None


def known_watch(watch_id: str) -> str:
    """The id of the path when a watch can have it; else 404 without asking Redis."""
    if not WATCH_ID.fullmatch(watch_id):
        raise not_found(f"no watch with id {watch_id[:100]!r}")
    return watch_id


@bp.post("")
def create_watch() -> tuple[Response, int, dict[str, str]]:
    """Watch articles (by id, id prefix or source) and be told by webhook when a new one derives from them."""
    watch = service().create_watch(load_json(watch_in))
    return jsonify(watch_created.dump(watch)), 201, {"Location": f"/v1/watches/{watch.id}"}


@bp.get("")
def list_watches() -> Response:
    """Every watch, oldest first (without secrets)."""
    return jsonify(watch_list_out.dump({"items": service().list_watches()}))


@bp.route("/<watch_id>", methods=["GET", "DELETE"])
def watch_by_id(watch_id: str) -> Response:
    """GET: the watch (without its secret), with its status. DELETE: remove it and its delivery log."""
    watch_id = known_watch(watch_id)
    if request.method == "DELETE":
        service().delete_watch(watch_id)
        response = Response(status=204)
        del response.headers["Content-Type"]
        return response
    return jsonify(watch_out.dump(service().get_watch(watch_id)))


@bp.get("/<watch_id>/deliveries")
def deliveries(watch_id: str) -> Response:
    """The watch's latest deliveries, newest first: status, attempts, the last error."""
    query = deliveries_query.load(request.args)
    watch, items = service().deliveries(known_watch(watch_id), query["limit"])
    return jsonify(deliveries_out.dump({"watch": watch, "items": items}))
