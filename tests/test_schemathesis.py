"""Schemathesis against the service's own /openapi.json, in process (ASGI, no socket), bounded and
derandomized: every request is answered as the schema says (status documented, body valid, JSON), none is a
500, and a request the schema forbids is refused.

Not run: "a schema-valid request is accepted". The schema says all it can (at least one buyer, the pack's
documents, size limits), but relations between parties — unique ids, `of` naming a buyer's id, `received`
naming a party — are beyond JSON Schema; such facts are answered 422 by path, as documented."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")
schemathesis = pytest.importorskip("schemathesis", reason="the test extra is not installed")

from hypothesis import HealthCheck, settings  # noqa: E402

from docrules.interfaces.server import create_app  # noqa: E402

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@schema.parametrize()  # type: ignore[untyped-decorator]
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_the_api_does_what_its_schema_says(case: Any) -> None:
    case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])


def test_the_schema_says_what_the_service_requires() -> None:
    from fastapi.testclient import TestClient

    with TestClient(create_app()) as client:
        api = client.get("/openapi.json").json()
    parties = api["components"]["schemas"]["Facts"]["properties"]["parties"]
    assert parties["minItems"] == 1 and parties["contains"]["properties"]["role"] == {"const": "buyer"}
    explain = {p["name"]: p for p in api["paths"]["/v1/explain"]["post"]["parameters"]}
    assert "declaration_statement" in explain["document"]["schema"]["enum"]
    assert "" not in explain["document"]["schema"]["enum"]
    assert explain["as_of"]["schema"] == {"type": "string", "format": "date"}
    check = api["paths"]["/v1/check"]["post"]
    assert {"400", "404", "405", "413", "422", "500"} <= set(check["responses"])
    assert check["responses"]["422"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Errors"}
