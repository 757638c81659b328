"""Property-based tests of the API against openapi.yaml (schemathesis), in process over WSGI, with the real
Redis of the other tests (the per-test key prefix of conftest, removed afterwards).

Bounded so it stays a CI test (about 15 s on 2 cores): EXAMPLES_PER_OPERATION examples per operation,
derandomized (the same examples on every run, no example database). Valid and invalid requests are
generated (positive and negative modes); every answer must be a declared status with a declared content
type and a body that matches the spec, never a 5xx, and a request the spec says is invalid must be
refused with a 4xx."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from openapi_schema_validator import OAS31Validator
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from service.api.health import openapi_document
from service.app import create_app

API_KEY = "schemathesis-write-key"
BATCH = "/v1/articles:batch"
EXAMPLES_PER_OPERATION = 50
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    negative_data_rejection,
]

# The NDJSON body of POST /v1/articles:batch is a string in the spec: send it as it is.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")

# The document as the app under test (which has a key) serves it: the key required.
schema = schemathesis.openapi.from_dict(yaml.safe_load(openapi_document(keyed=True)))
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


@schema.auth()
class WriteKey:
    """Every request carries the app's write key (bearerAuth), as the spec asks when keys are set."""

    def get(self, case: Any, context: Any) -> str:
        return API_KEY

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def fuzzed_app(app_config: dict[str, Any], redis: Any) -> Any:
    """The app with a write key, and no rate limit: every example comes from that one key."""
    return create_app({**app_config, "api_keys": f"{API_KEY}:write", "rate_limit": "off"})


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_as_the_spec_says(case: Any, fuzzed_app: Any) -> None:
    checks = CHECKS
    if case.operation.path == BATCH:
        # A batch of invalid articles is answered 200 with each article refused on its own (422).
        checks = [check for check in CHECKS if check is not negative_data_rejection]
    case.call_and_validate(app=fuzzed_app, checks=checks)


# ------------------------------------------------------------ what schemathesis found, as plain tests


def test_the_served_document_read_as_yaml_satisfies_its_declared_schema(fuzzed_app: Any) -> None:
    """The spec declared the YAML answer a string; read as YAML (as clients and schemathesis read it) it
    is the document, an object."""
    document = yaml.safe_load(fuzzed_app.test_client().get("/openapi.yaml").data)
    declared = document["paths"]["/openapi.yaml"]["get"]["responses"]["200"]["content"]["application/yaml"]
    assert list(OAS31Validator(declared["schema"]).iter_errors(document)) == []


@pytest.mark.parametrize("method", ["get", "delete"])
def test_an_id_with_an_empty_first_segment_is_404_not_a_redirect(fuzzed_app: Any, method: str) -> None:
    """/v1/articles//x was a 308 with an HTML body, redirecting to the article x."""
    client, auth = fuzzed_app.test_client(), {"Authorization": f"Bearer {API_KEY}"}
    client.post("/v1/articles", json={"id": "x", "body": "The council voted on Tuesday."}, headers=auth)
    for path in ("/v1/articles//x", "/v1/articles/%2Fx"):
        response = client.open(path, method=method.upper(), headers=auth)
        assert (response.status_code, response.mimetype) == (404, "application/problem+json"), path
    response = client.get("/v1/articles//x/provenance", headers=auth)
    assert (response.status_code, response.mimetype) == (404, "application/problem+json")
    assert client.get("/v1/articles/x", headers=auth).status_code == 200
