"""Bad input gets one clear error per problem, naming the path and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

import docrules


def _errors(data: object) -> list[str]:
    with pytest.raises(docrules.FactsError) as info:
        docrules.parse_facts(data)
    return [d.message for d in info.value.diagnostics]


BUYER = {"id": "b", "role": "buyer"}


def test_enum_value_names_the_allowed_ones() -> None:
    assert _errors({"parties": [BUYER, {"id": "s", "role": "spouse", "of": "b", "marital_status": "single"}]}) == [
        "parties[1].marital_status: must be one of unmarried, married, divorced, widowed (got 'single')"
    ]


def test_every_problem_is_reported_at_once() -> None:
    messages = _errors({"application": {"payment": "cash", "price": "lots", "colour": "red"},
                        "parties": [{"id": "b", "role": "buyer", "tax_months": -1}]})
    assert messages == [
        "application.price: must be a whole number (got 'lots')",
        "application.payment: must be one of full, mortgage, provident_fund, combination (got 'cash')",
        "application.colour: unknown field",
        "parties[0].tax_months: must be at least 0 (got -1)",
    ]


def test_wrong_types_are_not_coerced() -> None:
    assert _errors({"parties": [{**BUYER, "social_security_months": "12"}]}) == [
        "parties[0].social_security_months: must be a whole number (got '12')"]
    assert _errors({"application": {"deposit_paid": "yes"}, "parties": [BUYER]}) == [
        "application.deposit_paid: must be true or false (got 'yes')"]
    assert _errors({"parties": [{**BUYER, "id_card_digits": 16}]}) == [
        "parties[0].id_card_digits: must be one of 15, 18 (got 16)"]


def test_relations_between_parties() -> None:
    assert _errors({"parties": [BUYER, {"id": "b", "role": "spouse", "of": "x"},
                                {"id": "g", "role": "guarantor"}]}) == [
        "parties[1].id: another party already has id 'b'",
        "parties[1].of: names no buyer (got 'x')",
        "parties[2].of: a guarantor must name the buyer it belongs to",
    ]
    assert _errors({"parties": [{"id": "s", "role": "spouse", "of": "s"}]})[0] == (
        "parties: at least one party with role 'buyer' is required")
    # facts that cannot be true are the pack's to say (a rule with `reject`), when it checks them
    with pytest.raises(docrules.FactsError) as info:
        docrules.check({"parties": [{**BUYER, "identity": "hong_kong", "hukou": "local"}]})
    assert [(d.code, d.message) for d in info.value.diagnostics] == [
        ("DR520", "parties[0].hukou: only mainland residents have a hukou")]


def test_unknown_facts_are_allowed() -> None:
    facts = docrules.parse_facts({"parties": [BUYER]})
    assert "payment" not in facts.application.model_dump(exclude_none=True)
    assert facts.parties[0].model_dump(exclude_none=True) == BUYER


@pytest.mark.parametrize(("text", "suffix", "expected"), [
    ('{"parties": [', ".json", "x.json:1:14: error[DR502] invalid JSON: Expecting value"),
    ("[application\n", ".toml",
     "x.toml:1:13: error[DR502] invalid TOML: Expected ']' at the end of a table declaration"),
    ('[]', ".json", "x.json: error[DR503] facts must be an object with 'application' and 'parties'"),
])
def test_malformed_files(tmp_path: Path, text: str, suffix: str, expected: str) -> None:
    path = tmp_path / f"x{suffix}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(docrules.FactsError) as info:
        docrules.read_facts(path)
    assert info.value.diagnostics[0].render().replace(str(tmp_path) + "/", "") == expected
