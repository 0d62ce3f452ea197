"""A second, unrelated pack (examples/business-account) works with the same engine and tools, and
lives beside the default pack in one process with its own facts contract."""

from __future__ import annotations

from typing import Any

import pytest

import docrules

from .conftest import FIXTURES, ROOT
from .test_cli import _run

EXAMPLE = ROOT / "examples" / "business-account"
PARTIES: list[dict[str, Any]] = [
    {"id": "rep", "role": "representative", "nationality": "other", "present_in_person": True},
    {"id": "o", "role": "beneficial_owner", "of": "rep", "nationality": "chinese", "ownership_percent": 51}]
COMPANY: dict[str, Any] = {
    "application": {"opening_date": "2026-12-01", "company_type": "limited_company", "foreign_invested": False,
                    "registered_capital": 2_500_000.5},
    "parties": PARTIES}


def test_lint_test_and_check_work_on_it_unchanged() -> None:
    assert _run("lint", str(EXAMPLE)) == (0, "All checks passed.\n", "")
    code, out, _ = _run("test", str(EXAMPLE), "--coverage")
    assert code == 0 and out.splitlines()[-2:] == ["coverage: 100.0% of outcomes (34/34)", "4 passed, 0 failed"]


def test_two_packs_with_their_own_facts_side_by_side() -> None:
    example, foshan = docrules.load_pack(EXAMPLE), docrules.load_pack()
    housing = docrules.read_facts(FIXTURES / "local-couple-mortgage.toml").model_dump(mode="json", exclude_none=True)
    for _ in range(3):  # interleaved: each keeps its own ruleset and contract
        result = example.check(COMPANY)
        assert result.status is docrules.Status.ready
        assert result.amounts == {"opening_deposit": 2500}  # 0.1 % of 2,500,000.5, rounded half up
        assert [(i.party, i.document) for i in result.items if i.stage == "branch"] == [
            (None, "business_license"), (None, "articles_of_association"), ("rep", "passport"), ("o", "id_card")]
        assert foshan.check(housing).status is docrules.Status.ready
    with pytest.raises(docrules.FactsError, match="unknown field"):
        foshan.facts(COMPANY)
    with pytest.raises(docrules.FactsError, match="unknown field"):
        example.facts(housing)
    example_schema = example.facts_model.model_json_schema()
    assert "company_type" in example_schema["$defs"]["Application"]["properties"]
    assert "company_type" not in foshan.facts_model.model_json_schema()["$defs"]["Application"]["properties"]
    assert example.describe()["roles"]["agent"] == {"zh": "代办人", "en": "Agent", "of": "representative"}


def test_the_packs_rules_refuse_facts_that_cannot_be_true() -> None:
    small = {**COMPANY, "parties": [PARTIES[0], {**PARTIES[1], "ownership_percent": 10}]}
    with pytest.raises(docrules.FactsError) as info:
        docrules.load_pack(EXAMPLE).check(small)
    assert [d.message for d in info.value.diagnostics] == [
        "parties[1].ownership_percent: a share under the threshold makes no beneficial owner"]


def test_the_service_serves_it() -> None:
    pytest.importorskip("fastapi", reason="the serve extra is not installed")
    from fastapi.testclient import TestClient

    from docrules.interfaces.server import create_app

    with TestClient(create_app(EXAMPLE)) as client:
        assert client.post("/v1/check", json=COMPANY).json()["status"] == "ready"
        described = client.get("/v1/facts").json()
        assert described["principal"] == "representative"
        assert described["application"]["company_type"]["question"]["en"] == "What kind of company is it?"
        bad = client.post("/v1/check", json={"parties": [{"id": "x", "role": "buyer"}]})
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["message"] == (
            "parties[0].role: must be one of representative, director, beneficial_owner, agent (got 'buyer')")
