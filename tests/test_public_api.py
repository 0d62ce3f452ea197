"""The facade is the contract: pin it, as httpx does."""

from __future__ import annotations

import docrules


def test_exported_names() -> None:
    assert docrules.__all__ == sorted(docrules.__all__)
    assert set(docrules.__all__) == {
        "Application", "Counts", "Diagnostic", "DocrulesError", "DocumentRef", "EngineError",
        "Explanation", "Facts", "FactsError", "Issue", "IssueSeverity", "Item", "Pack", "PackError", "PackInfo",
        "Party", "Question", "Received", "Result", "Status", "Text", "check", "default_pack_path", "explain",
        "lint", "load_pack", "parse_facts", "read_facts"}
    for name in docrules.__all__:
        assert getattr(docrules, name).__module__.startswith("docrules")


def test_typed_models_in_typed_result_out() -> None:
    pack = docrules.load_pack()
    model = pack.facts_model  # the pack's own facts contract
    facts = model.model_validate({"application": {"payment": "full", "price": 500_000},
                                  "parties": [{"id": "b", "role": "buyer", "identity": "taiwan"}]})
    assert isinstance(facts, docrules.Facts) and isinstance(facts.parties[0], docrules.Party)
    result = pack.check(facts)
    assert isinstance(result, docrules.Result)
    assert result.amounts == {"maintenance_fund": 5000}
    assert [i.code for i in result.issues if i.severity is docrules.IssueSeverity.block] == ["GUARANTOR_MISSING"]
