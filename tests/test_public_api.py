"""The facade is the contract: pin it, as httpx does."""

from __future__ import annotations

import docrules


def test_exported_names() -> None:
    assert docrules.__all__ == sorted(docrules.__all__)
    assert set(docrules.__all__) == {
        "Application", "Counts", "CreditCheck", "Diagnostic", "DocrulesError", "DocumentRef", "EngineError",
        "Explanation", "Facts", "FactsError", "Hukou", "Identity", "Issue", "IssueSeverity", "Item",
        "MaritalStatus", "MortgageBank", "Pack", "PackError", "PackInfo", "Party", "Payment", "Question",
        "Received", "Result", "Role", "Stage", "Status", "Text", "check", "default_pack_path", "explain", "lint",
        "load_pack", "parse_facts", "read_facts"}
    for name in docrules.__all__:
        assert getattr(docrules, name).__module__.startswith("docrules")


def test_typed_models_in_typed_result_out() -> None:
    facts = docrules.Facts(
        application=docrules.Application(payment=docrules.Payment.full, price=500_000),
        parties=[docrules.Party(id="b", role=docrules.Role.buyer, identity=docrules.Identity.taiwan)])
    result = docrules.check(facts)
    assert isinstance(result, docrules.Result)
    assert result.amounts == {"maintenance_fund": 5000}
    assert [i.code for i in result.issues if i.severity is docrules.IssueSeverity.block] == ["GUARANTOR_MISSING"]
