"""HTML pages for people: the editor at / (traces a pasted text through the JSON API, in the browser) and
the API documentation at /docs (the vendored Swagger UI over /openapi.yaml). Scripts and styles are
files under service/static, never inline, so the pages work under `Content-Security-Policy:
default-src 'self'`."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("pages", __name__)

SWAGGER_UI = "vendor/swagger-ui-dist-5.35.0"


@bp.get("/")
def editor() -> str:
    """The editor page: paste a text, see its original, the reused passages and the lineage."""
    return render_template("editor.html")


@bp.get("/docs")
def docs() -> str:
    """The API documentation: Swagger UI rendering /openapi.yaml."""
    return render_template("docs.html", swagger_ui=SWAGGER_UI)
