"""Received documents: facts validation against the pack, item marks and DOCUMENTS_MISSING."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

import docrules


def _facts(received: list[dict[str, Any]] | None) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "application": {"signing_date": "2026-12-01", "price": 800_000, "payment": "full"},
        "parties": [{"id": "b", "role": "buyer", "identity": "mainland", "hukou": "local"}]}
    if received is not None:
        facts["received"] = received
    return facts


def test_not_tracked_means_null_marks(pack: docrules.Pack) -> None:
    result = pack.check(_facts(None))
    assert all(i.received is None and i.missing is None for i in result.items)
    assert all(i.documents is None for i in result.issues)


def test_marks_and_missing_issue(pack: docrules.Pack) -> None:
    result = pack.check(_facts([{"party": "b", "document": "id_card", "originals": 1, "copies": 5}]))
    id_cards = {i.stage: i for i in result.items if i.party == "b" and i.document == "id_card"}
    # handed in for signing (the default stage): the service centre's line keeps its own count
    assert id_cards["signing"].missing is False
    assert id_cards["signing"].received == docrules.Counts(originals=1, copies=5)
    assert id_cards["eligibility"].missing is True
    assert id_cards["eligibility"].received == docrules.Counts(originals=0, copies=0)
    missing = next(i for i in result.issues if i.code == "DOCUMENTS_MISSING")
    assert missing.severity is docrules.IssueSeverity.block and missing.party is None
    signing_short = [docrules.DocumentRef(party=i.party, document=i.document) for i in result.items
                     if i.stage == "signing" and i.missing]
    assert missing.documents == tuple(signing_short)
    assert result.status is docrules.Status.blocked


@pytest.mark.parametrize(("received", "path", "hint"), [
    ([{"party": "b", "document": "id_card"}, {"party": "b", "document": "id_crad"}],
     "received[1].document", "did you mean 'id_card'?"),
    ([{"party": "x", "document": "id_card"}], "received[0].party", "one of: b, or null for the application"),
    ([{"document": "deposit_receipt"}, {"party": None, "document": "deposit_receipt"}],
     "received[1].document", None),
    ([{"party": "b", "document": "id_card", "copies": -1}], "received[0].copies", None),
])
def test_bad_received_is_located(pack: docrules.Pack, received: list[dict[str, Any]], path: str,
                                 hint: str | None) -> None:
    with pytest.raises(docrules.FactsError) as caught:
        pack.check(_facts(received))
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.path == path
    assert diagnostic.hint == hint


def test_missing_documents_issue_must_exist(pack_copy: Path) -> None:
    meta = pack_copy / "pack.toml"
    meta.write_text(meta.read_text(encoding="utf-8").replace('issue = "DOCUMENTS_MISSING"',
                                                              'issue = "DOCUMENT_MISSING"'), encoding="utf-8")
    with pytest.raises(docrules.PackError) as caught:
        docrules.load_pack(pack_copy)
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "DR205" and diagnostic.file == str(meta) and diagnostic.line is not None
    assert diagnostic.hint == "did you mean 'DOCUMENTS_MISSING'?"


def test_as_of_is_the_check_day_not_the_day_its_policy_period_was_compiled(pack_copy: Path) -> None:
    fresh = docrules.load_pack(pack_copy)
    facts = _facts(None)
    del facts["application"]["signing_date"]
    assert fresh.check(facts, today=date(2026, 11, 27)).as_of == date(2026, 11, 27)
    facts["application"]["signing_date"] = "2026-12-01"  # same policy period, program reused
    assert fresh.check(facts).as_of == date(2026, 12, 1)
    fresh.close()


def test_received_documents_count_for_their_own_stage(pack: docrules.Pack) -> None:
    got = [{"party": "b", "document": "id_card", "stage": "eligibility", "originals": 1, "copies": 1}]
    result = pack.check(_facts(got))
    marks = {i.stage: i.missing for i in result.items if i.party == "b" and i.document == "id_card"}
    assert marks == {"eligibility": False, "signing": True}
    with pytest.raises(docrules.FactsError, match=r"received\[0\]\.stage: the pack has no stage 'signin'"):
        pack.check(_facts([{**got[0], "stage": "signin"}]))
