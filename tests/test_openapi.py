"""openapi.yaml stays honest: a valid OpenAPI 3.1 document, naming exactly the app's routes, whose schemas
the service's real answers satisfy (and whose request schemas accept what the service accepts)."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema_rs
import pytest
import yaml
from jsonschema_rs import Registry, Validator
from openapi_spec_validator import OpenAPIV31SpecValidator

from schemas.fields import MAX_URL_LENGTH, URL_PATTERN
from service.app import create_app
from tests.factories import HARBOUR, ORCHESTRA, make_article
from tests.processes import ProvenanceServe

SPEC_PATH = Path(__file__).resolve().parents[1] / "openapi.yaml"
SPEC_URI = "urn:provenance:openapi"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
PROBLEM = "application/problem+json"

NO_SIGNALS = {"lookalike_letters": 0, "invisible_characters": 0, "encoding_repairs": 0, "disguised": False}
# The provenance of a text that derives from nothing indexed.
NOTHING = {"verdict": "none", "original": None, "score": 0.0, "matches": [], "signals": NO_SIGNALS}


# ------------------------------------------------------------ the document and its schemas


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def registry(spec: dict[str, Any]) -> Registry:
    """The whole document as one resource, so every '#/components/...' $ref in it resolves."""
    return Registry([(SPEC_URI, spec)], draft=jsonschema_rs.Draft202012)


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _lookup(spec: dict[str, Any], pointer: str) -> Any:
    node: Any = spec
    for part in pointer.removeprefix("#").strip("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _deref(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = _lookup(spec, node["$ref"])
    return node


def _validator(registry: Registry, pointer: str) -> Validator:
    """A validator for the schema at `pointer` in the document, with formats (date-time) checked.
    jsonschema-rs, as schemathesis validates: its patterns are ECMA-262 regexes with Unicode, as JSON
    Schema means them (\\p{L}; `$` only at the end), where Python's re reads them otherwise or not at all."""
    fragment = quote(pointer, safe="/~")  # a URI fragment: `{id}` of a path percent-encoded
    return jsonschema_rs.validator_for(
        {"$ref": f"{SPEC_URI}#{fragment}"}, registry=registry, validate_formats=True
    )


def _errors(validator: Validator, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.instance_path)) or '(root)'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def _declared_properties(spec: dict[str, Any], schema: Any) -> dict[str, Any] | None:
    """The properties an object schema names (through $ref, allOf, anyOf, oneOf); None for a free-form map."""
    schema = _deref(spec, schema)
    if not isinstance(schema, dict):
        return {}
    if isinstance(schema.get("additionalProperties"), dict):
        return None
    found: dict[str, Any] = dict(schema.get("properties", {}))
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword, []):
            more = _declared_properties(spec, branch)
            if more is None:
                return None
            found.update(more)
    return found


def _undeclared(spec: dict[str, Any], instance: Any, schema: Any, where: str = "") -> list[str]:
    """Members of `instance` that its schema does not name: the service answers nothing the spec hides."""
    schema = _deref(spec, schema)
    if isinstance(instance, list):
        items = [_deref(spec, b).get("items") for b in (schema, *schema.get("anyOf", []))]
        item_schema = next((i for i in items if i), None)
        if item_schema is None:
            return []
        return [u for n, v in enumerate(instance) for u in _undeclared(spec, v, item_schema, f"{where}/{n}")]
    if not isinstance(instance, dict):
        return []
    properties = _declared_properties(spec, schema)
    if properties is None:
        return []
    missing = [f"{where}/{key}" for key in instance if key not in properties]
    return missing + [
        u
        for key, value in instance.items()
        if key in properties
        for u in _undeclared(spec, value, properties[key], f"{where}/{key}")
    ]


Check = Callable[..., Any]


@pytest.fixture
def check_response(spec: dict[str, Any], registry: Registry) -> Check:
    """Assert that a test-client response is one the spec declares for `method path`, and return its JSON."""

    def check(response: Any, path: str, method: str) -> Any:
        status = str(response.status_code)
        responses = spec["paths"][path][method]["responses"]
        assert status in responses, (
            f"{method.upper()} {path} answered {status}, which the spec does not declare"
        )
        pointer = f"/paths/{_escape(path)}/{method}/responses/{status}"
        declared = responses[status]
        if "$ref" in declared:
            pointer = declared["$ref"].removeprefix("#")
            declared = _lookup(spec, pointer)
        for name, header in declared.get("headers", {}).items():
            header = _deref(spec, header)
            if header.get("required"):
                assert response.headers.get(name), f"{status} lacks the declared {name} header"
        content = declared.get("content")
        if not content:
            assert response.data == b"", f"{status} has a body the spec does not declare"
            return None
        media_type = response.mimetype
        assert media_type in content, f"{status} is {media_type}, the spec declares {sorted(content)}"
        if response.status_code >= 400:
            assert media_type == PROBLEM
        if media_type in ("application/yaml", "text/plain"):  # this document; /metrics
            return response.get_data(as_text=True)
        if media_type == "text/html":  # the pages at / and /docs (tests/test_pages.py looks inside)
            assert response.get_data(as_text=True).lstrip().lower().startswith("<!doctype html>")
            return response.get_data(as_text=True)
        body = response.get_json()
        schema_pointer = f"{pointer}/content/{_escape(media_type)}/schema"
        assert _errors(_validator(registry, schema_pointer), body) == []
        assert _undeclared(spec, body, content[media_type]["schema"]) == []
        if media_type == PROBLEM:
            assert body["status"] == response.status_code
        return body

    return check


def _request_schema(spec: dict[str, Any], registry: Registry, path: str) -> Validator:
    content = spec["paths"][path]["post"]["requestBody"]["content"]
    assert list(content) == ["application/json"]
    return _validator(registry, f"/paths/{_escape(path)}/post/requestBody/content/application~1json/schema")


# ------------------------------------------------------------ the document itself


def _ecma_regex(pattern: str) -> bool:
    """Whether `pattern` compiles as the regex JSON Schema means (ECMA-262 with Unicode): jsonschema-rs."""
    try:
        jsonschema_rs.validator_for({"pattern": pattern})
    except ValueError:
        return False
    return True


def test_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    """openapi-spec-validator reads a `pattern` with Python's re, which knows no \\p{L}: a pattern it
    refuses must compile as an ECMA-262 regex, and nothing else may be wrong."""
    assert spec["openapi"] == "3.1.0"
    errors = [
        error.message
        for error in OpenAPIV31SpecValidator(spec).iter_errors()
        if not (
            error.validator == "format" and error.validator_value == "regex" and _ecma_regex(error.instance)
        )
    ]
    assert errors == []


SAMPLE_ID = "bbc/business/001"


def _documented_methods(spec: dict[str, Any], path: str) -> set[str]:
    return {method.upper() for method in spec["paths"][path] if method in HTTP_METHODS}


def test_spec_names_exactly_the_routes_of_the_app(app: Any, spec: dict[str, Any]) -> None:
    """Every method a rule serves is documented, and nothing else: a method a rule takes only to refuse
    it (405, as the provenance rule does for the by-id rule's DELETE) is not a route."""
    client = app.test_client()
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule.replace("<path:article_id>", "{id}").replace("<watch_id>", "{watch_id}")
        assert "<" not in path, f"unexpected converter in {rule.rule}"
        url = path.replace("{id}", SAMPLE_ID)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if client.open(url, method=method).status_code != 405:
                routes.add((path, method.lower()))
    documented = {
        (path, method) for path, item in spec["paths"].items() for method in item if method in HTTP_METHODS
    }
    assert documented == routes


def test_options_allows_exactly_the_documented_methods_of_every_path(app: Any, spec: dict[str, Any]) -> None:
    """OPTIONS /v1/articles/{id}/provenance advertised DELETE: the path is also one of the by-id rule (an
    id may hold slashes), and Flask's automatic OPTIONS named the methods of both rules."""
    client = app.test_client()
    for path in spec["paths"]:
        response = client.options(path.replace("{id}", SAMPLE_ID))
        assert response.status_code == 200, path
        documented = _documented_methods(spec, path)
        implicit = {"HEAD", "OPTIONS"} if "GET" in documented else {"OPTIONS"}
        assert set(response.allow) == documented | implicit, path


@pytest.mark.parametrize("method", ["DELETE", "POST", "PUT", "PATCH", "TRACE"])
def test_undocumented_methods_on_a_provenance_path_are_405_allowing_only_its_methods(
    app: Any, spec: dict[str, Any], method: str
) -> None:
    """DELETE /v1/articles/{id}/provenance reached the by-id rule (the id `.../provenance`, a 404), and the
    405 of other methods named DELETE in its Allow."""
    response = app.test_client().open(f"/v1/articles/{SAMPLE_ID}/provenance", method=method)
    assert response.status_code == 405
    assert set(response.allow) == _documented_methods(spec, "/v1/articles/{id}/provenance") | {
        "HEAD",
        "OPTIONS",
    }
    assert response.mimetype == PROBLEM and response.get_json()["status"] == 405  # the spec's `default`


def test_spec_defines_the_component_schemas_clients_rely_on(spec: dict[str, Any]) -> None:
    names = {
        "ArticleIn",
        "ArticleOut",
        "ArticleSubmitted",
        "Lineage",
        "ProvenanceQuery",
        "Provenance",
        "Original",
        "Match",
        "Evidence",
        "Passage",
        "StoredProvenance",
        "Problem",
        "ValidationProblem",
    }
    assert names <= set(spec["components"]["schemas"])


def test_every_link_names_an_operation_and_its_parameters(spec: dict[str, Any]) -> None:
    """The links tell schemathesis' stateful phase that a submitted article's id is the body's `id` (its
    inference cut a slashed id out of Location at the first `/`) and that a page's `next_cursor` is the
    next `cursor` (a string of its own making is no cursor)."""
    operations = {}
    for item in spec["paths"].values():
        shared = [_deref(spec, p)["name"] for p in item.get("parameters", [])]
        for method, operation in item.items():
            if method in HTTP_METHODS:
                names = shared + [_deref(spec, p)["name"] for p in operation.get("parameters", [])]
                operations[operation["operationId"]] = set(names)
    used = []
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                for response in operation["responses"].values():
                    used += [_deref(spec, link) for link in response.get("links", {}).values()]
    assert len(used) == 10
    for link in used:
        assert set(link["parameters"]) <= operations[link["operationId"]], link
        assert all(value.startswith("$response.body#/") for value in link["parameters"].values())


def _media_examples(spec: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(pointer to a schema, example) for every media type of the document that has an example."""
    places = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            base = f"/paths/{_escape(path)}/{method}"
            if "requestBody" in operation:
                places.append((f"{base}/requestBody", operation["requestBody"]))
            places += [
                (f"{base}/responses/{s}", r) for s, r in operation["responses"].items() if "$ref" not in r
            ]
    places += [(f"/components/responses/{n}", r) for n, r in spec["components"]["responses"].items()]
    for pointer, holder in places:
        for media_type, media in holder.get("content", {}).items():
            if "example" in media:
                yield f"{pointer}/content/{_escape(media_type)}/schema", media["example"]
    for name, schema in spec["components"]["schemas"].items():
        if "example" in schema:
            yield f"/components/schemas/{name}", schema["example"]


def test_every_example_in_the_spec_satisfies_its_schema(spec: dict[str, Any], registry: Registry) -> None:
    examples = list(_media_examples(spec))
    assert len(examples) >= 10
    for pointer, example in examples:
        assert _errors(_validator(registry, pointer), example) == [], pointer
        assert _undeclared(spec, example, {"$ref": f"#{pointer}"}) == [], pointer


def test_app_serves_this_document_at_openapi_yaml(client: Any, check_response: Check) -> None:
    response = client.get("/openapi.yaml")
    assert check_response(response, "/openapi.yaml", "get") == SPEC_PATH.read_text(encoding="utf-8")


def test_a_service_with_keys_serves_the_document_with_the_key_required(
    app_config: dict[str, Any], redis: Any
) -> None:
    """The spec required Authorization of an open service too (schemathesis: ST201, ST203, ST401). As
    written, the key is optional; a service with keys says it is required, and nothing else changes."""
    written = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    keyed = create_app({**app_config, "api_keys": "reader-key:read"}).test_client().get("/openapi.yaml")
    served = yaml.safe_load(keyed.data)
    assert written["security"] == [{}, {"bearerAuth": []}]
    assert served["security"] == [{"bearerAuth": []}]
    assert {**served, "security": written["security"]} == written


def test_a_service_without_keys_answers_v1_with_or_without_authorization(
    client: Any, check_response: Check
) -> None:
    """What the optional security of the open service's document promises."""
    for method, url, path, payload in V1_OPERATIONS:
        for headers in ({}, {"Authorization": "Bearer any-key"}, {"Authorization": "Basic eDp5"}):
            response = getattr(client, method)(url, json=payload, headers=headers)
            assert response.status_code in (200, 201, 204, 404), (url, headers)
            check_response(response, path, method)


@pytest.mark.parametrize("path", ["/", "/docs"])
def test_pages_answer_the_declared_html(client: Any, check_response: Check, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    check_response(response, path, "get")


def test_metrics_answer_the_declared_text(client: Any, check_response: Check) -> None:
    client.get("/healthz")
    text = check_response(client.get("/metrics"), "/metrics", "get")
    assert 'provenance_http_requests_total{endpoint="/healthz",method="GET",status="200"} 1.0' in text


# ------------------------------------------------------------ real answers against the declared schemas


def test_submit_answers_201_with_location_then_200_when_resubmitted_then_409_on_other_content(
    client: Any, check_response: Check
) -> None:
    article = make_article()
    created = client.post("/v1/articles", json=article)
    body = check_response(created, "/v1/articles", "post")
    assert created.status_code == 201
    assert created.headers["Location"] == f"/v1/articles/{article['id']}"
    assert body["provenance"] == {
        "verdict": "none",
        "original": None,
        "score": 0.0,
        "matches": [],
        "signals": NO_SIGNALS,
    }

    again = client.post("/v1/articles", json=article)
    assert again.status_code == 200
    assert check_response(again, "/v1/articles", "post") == body

    conflict = client.post("/v1/articles", json={**article, "title": "Another headline"})
    assert conflict.status_code == 409
    check_response(conflict, "/v1/articles", "post")


def test_submit_without_id_or_optional_fields_answers_the_declared_shape(
    client: Any, check_response: Check
) -> None:
    response = client.post("/v1/articles", json={"body": ORCHESTRA})
    assert response.status_code == 201
    body = check_response(response, "/v1/articles", "post")
    assert body["title"] is None and body["url"] is None and body["lineage"]["original"] is None


def test_copy_with_slashed_id_is_read_and_traced_with_declared_shapes(
    client: Any, check_response: Check
) -> None:
    original = make_article(published_at="2025-03-01T09:00:00Z")
    assert client.post("/v1/articles", json=original).status_code == 201
    copy = make_article(
        id="bbc/business/001",
        title=None,
        source=None,
        url=None,
        author="A. Copyist",
        published_at="2025-03-02T09:00:00+01:00",
    )
    submitted = client.post("/v1/articles", json=copy)
    assert submitted.status_code == 201
    body = check_response(submitted, "/v1/articles", "post")
    assert body["provenance"]["original"]["id"] == original["id"]
    assert body["provenance"]["matches"][0]["evidence"]["passages"]

    for url in ("/v1/articles/bbc/business/001", f"/v1/articles/{quote('bbc/business/001', safe='')}"):
        got = client.get(url)
        assert got.status_code == 200, url
        article = check_response(got, "/v1/articles/{id}", "get")
        assert article["id"] == "bbc/business/001"
        assert article["lineage"] == {"original": original["id"], "verdict": "duplicate", "score": 1.0}

    stored = client.get("/v1/articles/bbc/business/001/provenance")
    assert stored.status_code == 200
    provenance = check_response(stored, "/v1/articles/{id}/provenance", "get")
    assert provenance["id"] == "bbc/business/001"
    assert provenance["original"]["id"] == original["id"]


def test_partial_reuse_answers_the_declared_shape(client: Any, check_response: Check) -> None:
    source = make_article(published_at="2025-03-01T09:00:00Z")
    assert client.post("/v1/articles", json=source).status_code == 201
    mixed = "\n\n".join(HARBOUR.split("\n\n")[:3]) + "\n\n" + ORCHESTRA
    response = client.post("/v1/articles", json=make_article(body=mixed, published_at="2025-03-05T09:00:00Z"))
    assert response.status_code == 201
    body = check_response(response, "/v1/articles", "post")
    assert body["provenance"]["verdict"] == "partial"
    assert body["lineage"]["verdict"] == "partial"


def test_provenance_query_answers_the_declared_shape_with_and_without_an_original(
    client: Any, check_response: Check
) -> None:
    article = make_article()
    assert client.post("/v1/articles", json=article).status_code == 201

    found = client.post(
        "/v1/provenance", json={"body": HARBOUR, "published_at": "2025-12-31T00:00:00Z", "limit": 3}
    )
    assert found.status_code == 200
    body = check_response(found, "/v1/provenance", "post")
    assert body["original"]["id"] == article["id"]

    nothing = client.post(
        "/v1/provenance", json={"body": "A sentence that appears in no indexed article at all."}
    )
    assert nothing.status_code == 200
    assert check_response(nothing, "/v1/provenance", "post") == {
        "verdict": "none",
        "original": None,
        "score": 0.0,
        "matches": [],
        "signals": NO_SIGNALS,
    }


@pytest.mark.parametrize("path", ["/v1/articles", "/v1/provenance"])
def test_invalid_requests_get_the_declared_problems(client: Any, check_response: Check, path: str) -> None:
    invalid = client.post(path, json={"title": 5, "format": "pdf", "unexpected": True})
    assert invalid.status_code == 422
    problem = check_response(invalid, path, "post")
    assert set(problem["errors"]) == {"body", "title", "format", "unexpected"}

    not_an_object = client.post(path, json=["body"])
    assert not_an_object.status_code == 422
    assert check_response(not_an_object, path, "post")["errors"] == {"_schema": ["must be a JSON object"]}

    malformed = client.post(path, data="{not json", content_type="application/json")
    assert malformed.status_code == 400
    check_response(malformed, path, "post")

    wrong_type = client.post(path, data="body=hello", content_type="application/x-www-form-urlencoded")
    assert wrong_type.status_code == 415
    check_response(wrong_type, path, "post")


@pytest.mark.parametrize("path", ["/v1/articles", "/v1/provenance"])
def test_body_over_the_configured_limit_gets_a_declared_413_problem(
    app_config: dict[str, Any], check_response: Check, path: str
) -> None:
    small = create_app({**app_config, "max_request_bytes": 1024}).test_client()
    response = small.post(path, json={"body": "x" * 2048})
    assert response.status_code == 413
    check_response(response, path, "post")


def test_unknown_ids_get_declared_404_problems(client: Any, check_response: Check) -> None:
    for method, url, path in [
        ("get", "/v1/articles/no/such/article", "/v1/articles/{id}"),
        ("delete", "/v1/articles/no/such/article", "/v1/articles/{id}"),
        ("get", "/v1/articles/no/such/article/provenance", "/v1/articles/{id}/provenance"),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 404, url
        check_response(response, path, method)


def test_delete_answers_204_without_body_then_404(client: Any, check_response: Check) -> None:
    article = make_article(id="bbc/business/002")
    assert client.post("/v1/articles", json=article).status_code == 201
    deleted = client.delete("/v1/articles/bbc/business/002")
    assert deleted.status_code == 204
    check_response(deleted, "/v1/articles/{id}", "delete")
    again = client.delete("/v1/articles/bbc/business/002")
    assert again.status_code == 404
    check_response(again, "/v1/articles/{id}", "delete")
    assert client.get("/v1/articles/bbc/business/002").status_code == 404


def test_health_and_readiness_answer_the_declared_shapes(client: Any, check_response: Check) -> None:
    assert check_response(client.get("/healthz"), "/healthz", "get") == {"status": "ok"}
    assert check_response(client.get("/readyz"), "/readyz", "get") == {"status": "ready"}


@pytest.fixture
def unreachable_redis_client(app_config: dict[str, Any]) -> Any:
    """A client of an app whose Redis URL names a port nothing listens on (a real, absent Redis)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return create_app({**app_config, "redis_url": f"redis://127.0.0.1:{port}/0"}).test_client()


def test_unreachable_redis_gets_declared_503_problems_with_retry_after(
    unreachable_redis_client: Any, check_response: Check
) -> None:
    client = unreachable_redis_client
    for method, url, path, payload in [
        ("get", "/readyz", "/readyz", None),
        ("get", "/v1/articles", "/v1/articles", None),
        ("post", "/v1/articles", "/v1/articles", make_article()),
        ("get", "/v1/articles/bbc/business/001", "/v1/articles/{id}", None),
        ("delete", "/v1/articles/bbc/business/001", "/v1/articles/{id}", None),
        ("get", "/v1/articles/bbc/business/001/provenance", "/v1/articles/{id}/provenance", None),
        ("post", "/v1/provenance", "/v1/provenance", {"body": HARBOUR}),
    ]:
        response = getattr(client, method)(url, json=payload) if payload else getattr(client, method)(url)
        assert response.status_code == 503, url
        check_response(response, path, method)
        assert re.fullmatch(r"\d+", response.headers["Retry-After"])
    assert check_response(client.get("/healthz"), "/healthz", "get") == {"status": "ok"}


def test_a_request_line_over_gunicorns_limit_gets_the_declared_414(
    tmp_path: Path, redis_url: str, key_prefix: str, redis: Any, spec: dict[str, Any]
) -> None:
    """schemathesis sent a cursor of 5,000 bytes, percent-encoded: gunicorn answered 414 in HTML, which the
    spec did not declare. It now does, on every operation whose URL a caller fills."""
    env = {"REDIS_URL": redis_url, "PROVENANCE_KEY_PREFIX": key_prefix, "PROVENANCE_RATE_LIMIT": "off"}
    declared = _lookup(spec, "/components/responses/RequestLineTooLong")
    with ProvenanceServe(tmp_path, env) as served:
        for path in ("/v1/articles?cursor=" + "%C3%A9" * 700, "/v1/articles/" + "a" * 4100):
            connection = HTTPConnection("127.0.0.1", served.port, timeout=30)
            connection.request("GET", path)
            response = connection.getresponse()
            assert response.status == 414
            assert response.getheader("Content-Type", "").split(";")[0] in declared["content"]
            assert response.getheader("X-Request-ID") is None and not declared.get("headers")
            connection.close()
    filled = [
        ("/v1/articles", "get"),
        ("/v1/articles/{id}", "get"),
        ("/v1/articles/{id}", "delete"),
        ("/v1/articles/{id}/provenance", "get"),
    ]
    for path, method in filled:
        too_long = spec["paths"][path][method]["responses"]["414"]
        assert too_long == {"$ref": "#/components/responses/RequestLineTooLong"}, (path, method)


# ------------------------------------------------------------ access control: 401, 403 and 429 as declared

V1_OPERATIONS = [
    ("get", "/v1/articles", "/v1/articles", None),
    ("post", "/v1/articles", "/v1/articles", make_article()),
    ("get", "/v1/articles/bbc/business/001", "/v1/articles/{id}", None),
    ("delete", "/v1/articles/bbc/business/001", "/v1/articles/{id}", None),
    ("get", "/v1/articles/bbc/business/001/provenance", "/v1/articles/{id}/provenance", None),
    ("post", "/v1/articles:batch", "/v1/articles:batch", [make_article()]),
    ("post", "/v1/provenance", "/v1/provenance", {"body": HARBOUR}),
]
WRITES = {("/v1/articles", "post"), ("/v1/articles/{id}", "delete"), ("/v1/articles:batch", "post")}


@pytest.fixture
def rate_limit_counters(redis: Any, key_prefix: str) -> Iterator[None]:
    """Removes the rate-limit counters of the test's prefix (flask-limiter's keys, outside the prefix)."""
    yield
    for key in redis.scan_iter(match=f"LIMITS:LIMITER/{key_prefix}/*"):
        redis.delete(key)


def test_every_v1_operation_declares_its_401_and_403_problems(
    app_config: dict[str, Any], check_response: Check, rate_limit_counters: None
) -> None:
    client = create_app({**app_config, "api_keys": "reader-key:read"}).test_client()
    for method, url, path, payload in V1_OPERATIONS:
        unauthorized = getattr(client, method)(url, json=payload)
        assert unauthorized.status_code == 401, url
        check_response(unauthorized, path, method)
        answer = getattr(client, method)(url, json=payload, headers={"Authorization": "Bearer reader-key"})
        if (path, method) in WRITES:
            assert answer.status_code == 403, url
            check_response(answer, path, method)
        else:
            assert answer.status_code in (200, 404), url


def test_every_v1_operation_declares_its_429_problem_with_retry_after(
    app_config: dict[str, Any], check_response: Check, rate_limit_counters: None
) -> None:
    client = create_app({**app_config, "rate_limit": "1 per hour"}).test_client()
    assert client.get("/v1/articles").status_code == 200
    for method, url, path, payload in V1_OPERATIONS:
        response = getattr(client, method)(url, json=payload)
        assert response.status_code == 429, url
        check_response(response, path, method)
        assert re.fullmatch(r"\d+", response.headers["Retry-After"])
    assert check_response(client.get("/healthz"), "/healthz", "get") == {"status": "ok"}


# ------------------------------------------------------------ request schemas agree with the service

_TOO_LONG_ID = "a" * 201


@pytest.mark.parametrize(
    ("overrides", "accepted"),
    [
        ({}, True),
        ({"title": None, "url": None, "source": None, "author": None, "published_at": None}, True),
        (
            {
                "format": "html",
                "body": "<article>" + "".join(f"<p>{p}</p>" for p in HARBOUR.split("\n\n")) + "</article>",
            },
            True,
        ),
        ({"url": "HTTP://gazette.example/upper"}, True),
        # URLs the spec called valid and marshmallow's Url refused (its hostname rules), and an IRI.
        ({"url": "http://a.b.c/d?x#y"}, True),
        ({"url": "https://0.a"}, True),
        ({"url": "http://news_desk.gazette.example/story"}, True),
        ({"url": "https://www.journal.example/\u00e9conomie/article"}, True),
        ({"url": "http://"}, False),
        ({"url": "https://gazette.example/{id}"}, False),
        ({"url": "https://gazette.example/a b"}, False),
        ({"published_at": "2025-03-01T09:00:00.250+05:30"}, True),
        ({"id": "provenance"}, True),
        ({"id": "a/.../provenance.txt"}, True),
        # Ids the spec's old pattern (characters and length only) took and the service refuses.
        ({"id": "/x"}, False),
        ({"id": "a//b"}, False),
        ({"id": "a/./b"}, False),
        ({"id": "a/.."}, False),
        ({"id": "a/provenance"}, False),
        ({"id": "bad id!"}, False),
        ({"id": _TOO_LONG_ID}, False),
        ({"id": None}, False),
        ({"title": "t" * 1001}, False),
        ({"source": "s" * 501}, False),
        ({"author": "a" * 501}, False),
        ({"url": "ftp://gazette.example/file"}, False),
        ({"format": "pdf"}, False),
        ({"format": None}, False),
        ({"published_at": "2025-03-01T09:00:00"}, False),
        ({"published_at": "yesterday"}, False),
        ({"body": "   \n "}, False),
        # A body of punctuation or symbols alone matched the spec's old `\S` and was refused.
        ({"body": "... !!! --- ???"}, False),
        ({"body": "\u2122 \u20ac $"}, False),
        ({"body": "\U000cd949$\u009d"}, False),
        ({"body": "\u00e9t\u00e9"}, True),
        ({"body": "\u0663"}, True),
        ({"body": None}, False),
        ({"body": 42}, False),
        ({"unexpected": "field"}, False),
    ],
)
def test_article_in_schema_accepts_what_the_service_accepts(
    client: Any, spec: dict[str, Any], registry: Registry, overrides: dict[str, Any], accepted: bool
) -> None:
    payload = make_article(**overrides)
    valid_by_spec = not _errors(_request_schema(spec, registry, "/v1/articles"), payload)
    status = client.post("/v1/articles", json=payload).status_code
    assert status in ((201,) if accepted else (422,))
    assert valid_by_spec is accepted


def test_the_spec_url_pattern_is_the_one_the_service_applies(spec: dict[str, Any]) -> None:
    url = spec["components"]["schemas"]["ArticleIn"]["properties"]["url"]
    assert url["pattern"] == f"^{URL_PATTERN.pattern}$"
    assert url["maxLength"] == MAX_URL_LENGTH


def test_article_in_schema_without_body_is_rejected_like_the_service(
    client: Any, spec: dict[str, Any], registry: Registry
) -> None:
    payload = make_article()
    del payload["body"]
    assert _errors(_request_schema(spec, registry, "/v1/articles"), payload)
    assert client.post("/v1/articles", json=payload).status_code == 422


@pytest.mark.parametrize(
    ("payload", "accepted"),
    [
        ({"body": HARBOUR}, True),
        ({"body": HARBOUR, "title": None, "format": "text", "published_at": None, "limit": 1}, True),
        ({"body": HARBOUR, "limit": 50, "published_at": "2025-03-01T09:00:00Z"}, True),
        # An integer to JSON Schema, which `type: integer` allows: it was refused.
        ({"body": HARBOUR, "limit": 22.0}, True),
        ({"body": HARBOUR, "limit": 1.0}, True),
        ({"body": HARBOUR, "limit": 2.5}, False),
        ({"body": HARBOUR, "limit": 50.0 + 1}, False),
        ({"body": HARBOUR, "limit": True}, False),
        ({"body": HARBOUR, "limit": 0}, False),
        ({"body": HARBOUR, "limit": 51}, False),
        ({"body": HARBOUR, "limit": "5"}, False),
        ({"body": HARBOUR, "limit": None}, False),
        ({"body": HARBOUR, "title": "t" * 1001}, False),
        ({"body": HARBOUR, "id": "test/1"}, False),
        ({"body": ""}, False),
        ({"body": "\U000aaf45"}, False),
        ({"body": "\u0645\u062c\u0644\u0633"}, True),
        ({"title": "no body"}, False),
    ],
)
def test_provenance_query_schema_accepts_what_the_service_accepts(
    client: Any, spec: dict[str, Any], registry: Registry, payload: dict[str, Any], accepted: bool
) -> None:
    valid_by_spec = not _errors(_request_schema(spec, registry, "/v1/provenance"), payload)
    status = client.post("/v1/provenance", json=payload).status_code
    assert status == (200 if accepted else 422)
    assert valid_by_spec is accepted


def test_an_integral_float_limit_lists_at_most_that_many_matches(client: Any, check_response: Check) -> None:
    for n in range(3):
        client.post(
            "/v1/articles", json=make_article(id=f"copy/{n}", published_at=f"2025-03-0{n + 1}T09:00:00Z")
        )
    response = client.post("/v1/provenance", json={"body": HARBOUR, "limit": 2.0})
    assert response.status_code == 200
    assert len(check_response(response, "/v1/provenance", "post")["matches"]) == 2


HOOK = "https://rights.harbourherald.example/hooks/provenance"


@pytest.mark.parametrize(
    ("payload", "accepted"),
    [
        ({"url": HOOK, "ids": ["bbc/business/001"]}, True),
        ({"url": HOOK, "sources": ["Harbour Herald"], "relations": ["rewrite"]}, True),
        ({"url": "http://hooks.example:8443/x?token=t", "id_prefixes": ["harbour-herald/"]}, True),
        # What schemathesis found: a watch of nothing, and credentials, taken by the spec and refused.
        ({"url": HOOK}, False),
        ({"url": HOOK, "ids": [], "sources": []}, False),
        ({"url": "https://user:pass@hooks.example/x", "ids": ["a"]}, False),
        ({"url": HOOK, "sources": ["   "]}, False),
        ({"url": HOOK, "sources": ["\u3000\x1c"]}, False),
        ({"url": HOOK, "ids": ["a"], "relations": []}, False),
        ({"url": "http://hooks.example:65536/", "ids": ["a"]}, False),
        # Were a 500: urlsplit's ValueError for a bracketed host that is no IPv6 address, or a stray "]".
        ({"url": "http://[1:2]/", "ids": ["a"]}, False),
        ({"url": "http://a]b/", "ids": ["a"]}, False),
    ],
)
def test_watch_in_schema_accepts_what_the_service_accepts(
    client: Any, spec: dict[str, Any], registry: Registry, payload: dict[str, Any], accepted: bool
) -> None:
    valid_by_spec = not _errors(_request_schema(spec, registry, "/v1/watches"), payload)
    response = client.post("/v1/watches", json=payload)
    assert response.status_code == (201 if accepted else 422), response.get_json()
    assert valid_by_spec is accepted


def test_batch_answers_the_declared_shape_for_every_kind_of_item(client: Any, check_response: Check) -> None:
    taken = make_article(id="batch/taken")
    client.post("/v1/articles", json=taken)
    items = [
        make_article(id="batch/new"),
        taken,
        {**taken, "title": "Other"},
        {"id": "batch/empty", "body": " "},
    ]
    body = check_response(client.post("/v1/articles:batch", json=items), "/v1/articles:batch", "post")
    assert [i["status"] for i in body["items"]] == [201, 200, 409, 422]
    check_response(client.post("/v1/articles:batch", json=[]), "/v1/articles:batch", "post")
    check_response(
        client.post("/v1/articles:batch", data="[", content_type="application/json"),
        "/v1/articles:batch",
        "post",
    )


def test_listing_answers_the_declared_shapes_and_pages_to_the_end(client: Any, check_response: Check) -> None:
    for n in range(3):
        client.post("/v1/articles", json=make_article(id=f"list/{n}"))
    first = client.get("/v1/articles?limit=2")
    page = check_response(first, "/v1/articles", "get")
    assert [a["id"] for a in page["items"]] == ["list/0", "list/1"]
    assert page["items"][0]["text"] == HARBOUR
    last = check_response(client.get(f"/v1/articles?cursor={page['next_cursor']}"), "/v1/articles", "get")
    assert [a["id"] for a in last["items"]] == ["list/2"] and last["next_cursor"] is None
    for query in ("limit=0", "limit=1001", "limit=x", "cursor=bogus", "cursor=0", "other=1"):
        invalid = client.get(f"/v1/articles?{query}")
        assert invalid.status_code == 422, query
        assert list(check_response(invalid, "/v1/articles", "get")["errors"]) == [query.split("=")[0]]
