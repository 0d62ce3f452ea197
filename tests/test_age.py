from __future__ import annotations

from datetime import date

import pytest

import docrules
from docrules._catalog import age_on


@pytest.mark.parametrize(("birth", "day", "age"), [
    (date(2008, 12, 1), date(2026, 12, 1), 17),  # turns 18 on the signing day: still a minor (周岁)
    (date(2008, 12, 1), date(2026, 12, 2), 18),
    (date(2008, 11, 30), date(2026, 12, 1), 18),
    (date(2008, 2, 29), date(2026, 3, 1), 17),  # a 29 February birthday falls on 1 March
    (date(2008, 2, 29), date(2026, 3, 2), 18),
    (date(2008, 2, 29), date(2028, 2, 29), 19),
    (date(2008, 2, 29), date(2028, 3, 1), 20),
    (date(2026, 12, 1), date(2026, 12, 1), 0),
])
def test_age_on_the_signing_day(birth: date, day: date, age: int) -> None:
    assert age_on(birth, day) == age


def _minor_codes(birth: str, signing: str) -> set[str]:
    result = docrules.check({"application": {"signing_date": signing, "payment": "mortgage"},
                             "parties": [{"id": "b", "role": "buyer", "birth_date": birth}]})
    return {i.code for i in result.issues} & {"MINOR_MUST_PAY_IN_FULL", "GUARDIAN_MISSING"}


def test_minor_rules_follow_the_signing_day() -> None:
    assert _minor_codes("2008-12-01", "2026-12-01") == {"MINOR_MUST_PAY_IN_FULL", "GUARDIAN_MISSING"}
    assert _minor_codes("2008-12-01", "2026-12-02") == set()


def test_unknown_birth_date_is_asked_not_guessed() -> None:
    result = docrules.check({"application": {"signing_date": "2026-12-01", "payment": "full"},
                             "parties": [{"id": "b", "role": "buyer"}]})
    assert any(q.party == "b" and q.fact == "birth_date" for q in result.questions)
    assert result.status is docrules.Status.incomplete
