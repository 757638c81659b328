"""Property-based tests of the API against openapi.yaml (schemathesis), with the real Redis of the other
tests (the per-test key prefix of conftest, removed afterwards).

In process over WSGI: EXAMPLES_PER_OPERATION examples per operation, derandomized (the same examples on
every run, no example database). Valid and invalid requests are generated (positive and negative modes);
every answer must be a declared status with a declared content type and a body that matches the spec,
never a 5xx, and a request the spec says is invalid must be refused with a 4xx.

Then the schemathesis CLI as issue 20 ran it, `st run --checks all` with every check and every phase
(stateful included), against `provenance serve` over HTTP, open and with keys: ST_EXAMPLES examples per
operation, seeded and deterministic (tests/schemathesis.toml says what else is set, and why).

Both bounded so they stay CI tests (about 15 s in process, about 10 s each CLI run on 2 cores)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
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
from tests.factories import HARBOUR
from tests.processes import ROOT, ProvenanceServe
from tests.schemathesis_hooks import batch_answers_each_article_as_the_spec_says

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
        # A batch of invalid articles is answered 200 with each article refused on its own (422): that
        # is checked article by article instead.
        checks = [check for check in CHECKS if check is not negative_data_rejection]
        checks.append(batch_answers_each_article_as_the_spec_says)
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


def test_the_batch_check_fails_an_article_the_spec_calls_invalid_and_the_service_stores(
    fuzzed_app: Any,
) -> None:
    """The check is no formality: against a spec stricter than the service (a title required), the
    service's 201 for an article without one is a failure, and with one it is not."""
    document = yaml.safe_load(openapi_document(keyed=True))
    document["components"]["schemas"]["ArticleIn"]["required"] = ["body", "title"]
    batch = schemathesis.openapi.from_dict(document)[BATCH]["POST"]
    auth = {"Authorization": f"Bearer {API_KEY}"}
    for article, failure in [
        ({"body": HARBOUR}, "article 0 is invalid"),
        ({"body": HARBOUR, "title": "T"}, None),
    ]:
        case = batch.Case(body=[article], media_type="application/json", headers=auth)
        response = case.call(app=fuzzed_app)
        assert response.status_code == 200 and response.json()["items"][0]["status"] in (200, 201)
        if failure:
            with pytest.raises(AssertionError, match=failure):
                batch_answers_each_article_as_the_spec_says(None, response, case)
        else:
            assert batch_answers_each_article_as_the_spec_says(None, response, case) is None


# ------------------------------------------------------------ st run --checks all, against provenance serve

ST_CONFIG = ROOT / "tests" / "schemathesis.toml"
# Per operation and phase: 982 cases open and 989 with keys (stateful scenarios included), 12-15 s each here.
ST_EXAMPLES = 25


def st_command() -> list[str]:
    """The schemathesis CLI of this interpreter (`st` beside it in a virtualenv)."""
    st = Path(sys.executable).with_name("st")
    return [str(st)] if st.exists() else [sys.executable, "-m", "schemathesis.cli"]


@pytest.mark.parametrize("keyed", [False, True], ids=["open", "with-keys"])
def test_st_run_with_every_check_passes_against_provenance_serve(
    tmp_path: Path, redis_url: str, key_prefix: str, redis: Any, keyed: bool
) -> None:
    """Issue 20's run: every check, every phase, over HTTP against gunicorn, open and with keys; the
    document is the one the service serves (its security as configured)."""
    env = {"REDIS_URL": redis_url, "PROVENANCE_KEY_PREFIX": key_prefix, "PROVENANCE_RATE_LIMIT": "off"}
    auth = []
    if keyed:
        env["PROVENANCE_API_KEYS"] = f"{API_KEY}:write"
        auth = ["--header", f"Authorization: Bearer {API_KEY}"]
    with ProvenanceServe(tmp_path, env) as served:
        result = subprocess.run(
            [
                *st_command(),
                "--config-file", str(ST_CONFIG), "--no-color",
                "run", f"http://127.0.0.1:{served.port}/openapi.yaml",
                "--checks", "all", "--max-examples", str(ST_EXAMPLES), "--workers", "1", *auth,
            ],
            cwd=ROOT,
            env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks"},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
        )  # fmt: skip
    assert result.returncode == 0, result.stdout[-30000:] + result.stderr[-5000:]
    assert f"Configuration:    {ST_CONFIG}" in result.stdout and "No issues found" in result.stdout
