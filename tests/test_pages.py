"""The pages at / and /docs without a browser: HTML that loads only files of this origin (no inline script
or style, nothing from a CDN), and every file it names served with its content type."""

from __future__ import annotations

import re
from typing import Any

import pytest

ASSET = re.compile(r"""<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)\"""")
JAVASCRIPT = {"text/javascript", "application/javascript"}
CONTENT_TYPES = {".js": JAVASCRIPT, ".css": {"text/css"}, ".svg": {"image/svg+xml"}}


def assets_of(html: str) -> list[str]:
    return ASSET.findall(html)


@pytest.mark.parametrize("path", ["/", "/docs"])
def test_page_answers_html_that_loads_only_files_of_this_origin(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert html.lstrip().lower().startswith("<!doctype html>")
    assets = assets_of(html)
    assert assets and all(a.startswith("/static/") for a in assets), assets
    assert "<style" not in html and " style=" not in html
    assert all(re.search(r"\bsrc=", tag) for tag in re.findall(r"<script\b[^>]*>", html)), (
        "inline script: the CSP allows scripts from files of this origin only"
    )
    assert "http://" not in html and "https://" not in html


@pytest.mark.parametrize("path", ["/", "/docs"])
def test_every_file_a_page_names_is_served_with_its_content_type(client: Any, path: str) -> None:
    for asset in assets_of(client.get(path).get_data(as_text=True)):
        response = client.get(asset)
        assert response.status_code == 200, asset
        suffix = asset[asset.rindex(".") :]
        assert response.mimetype in CONTENT_TYPES[suffix], (asset, response.mimetype)
        assert len(response.get_data()) > 100, asset
        response.close()


def test_docs_point_swagger_ui_at_this_document(client: Any) -> None:
    html = client.get("/docs").get_data(as_text=True)
    assert 'data-spec-url="/openapi.yaml"' in html
    assert "/static/vendor/swagger-ui-dist-5.35.0/swagger-ui-bundle.js" in html
    license_file = client.get("/static/vendor/swagger-ui-dist-5.35.0/LICENSE")
    assert license_file.status_code == 200 and b"Apache License" in license_file.get_data()
    license_file.close()


def test_editor_calls_the_api_under_v1_and_names_the_passage_kinds(client: Any) -> None:
    html = client.get("/").get_data(as_text=True)
    assert 'data-api="/v1"' in html
    for label in ('for="text"', 'for="api-key"', 'name="format" value="html"', 'id="check"'):
        assert label in html
    script = client.get("/static/editor/editor.js")
    source = script.get_data(as_text=True)
    script.close()
    assert '"/provenance"' in source and "Authorization" in source and "sessionStorage" in source
    style = client.get("/static/editor/editor.css")
    css = style.get_data(as_text=True)
    style.close()
    # Colour is not the only cue: the two kinds differ in underline style too.
    assert re.search(r"\.passage\.verbatim \{[^}]*text-decoration-style: solid", css)
    assert re.search(r"\.passage\.reworded \{[^}]*text-decoration-style: dashed", css)


def test_unknown_static_file_is_a_404_problem(client: Any) -> None:
    response = client.get("/static/editor/nothing-here.js")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
