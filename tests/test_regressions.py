"""Bugs found by comparing docrules with the hand-coded floor (bench/floor.py) on generated applications."""

from __future__ import annotations

from datetime import date

import docrules


def test_as_of_is_the_checks_own_date_not_the_first_of_its_policy_period(pack: docrules.Pack) -> None:
    """One compiled program serves a whole policy period; the result's date must still be this check's."""
    facts = {"application": {"signing_date": "2026-06-01"}, "parties": [{"id": "b", "role": "buyer"}]}
    assert pack.check(facts).as_of == date(2026, 6, 1)
    later = {**facts, "application": {"signing_date": "2026-09-19"}}
    assert pack.check(later).as_of == date(2026, 9, 19)
    assert pack.check({"parties": facts["parties"]}, today=date(2026, 11, 27)).as_of == date(2026, 11, 27)


def test_a_guarantor_is_judged_by_its_own_buyer(pack: docrules.Pack) -> None:
    """durable-rules 2.0.28 dropped the join of a party to its buyer when the buyer's test had an `$or`
    (identity in [taiwan, foreign]): a mainland buyer's guarantor got the Taiwan buyer's guarantor papers."""
    parties = [
        {"id": "g1", "role": "guarantor", "of": "b1", "identity": "mainland"},
        {"id": "g2", "role": "guarantor", "of": "b2", "identity": "mainland"},
        {"id": "b1", "role": "buyer", "identity": "mainland"},
        {"id": "b2", "role": "buyer", "identity": "taiwan"},
    ]
    result = pack.check({"application": {"signing_date": "2026-12-01"}, "parties": parties})
    guarantor_lines = {i.party for i in result.items if "signing-guarantor" in i.rules}
    assert guarantor_lines == {"g2"}


def test_an_unknown_buyer_identity_is_asked_for_its_guarantor(pack: docrules.Pack) -> None:
    parties = [{"id": "g", "role": "guarantor", "of": "b", "identity": "mainland"}, {"id": "b", "role": "buyer"}]
    result = pack.check({"application": {"signing_date": "2026-12-01"}, "parties": parties})
    asked = {q.fact: q.rules for q in result.questions if q.party == "b"}
    assert "signing-guarantor" in asked["identity"]
