from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import docrules
from docrules.facts.computed import years_since


@pytest.mark.parametrize(("birth", "day", "age"), [
    (date(2008, 12, 1), date(2026, 12, 1), 17),  # turns 18 on the signing day: still a minor (周岁)
    (date(2008, 12, 1), date(2026, 12, 2), 18),
    (date(2008, 11, 30), date(2026, 12, 1), 18),
    (date(2008, 2, 29), date(2026, 3, 1), 17),  # a 29 February birthday falls on 1 March
    (date(2008, 2, 29), date(2026, 3, 2), 18),
    (date(2008, 2, 29), date(2028, 2, 29), 19),
    (date(2008, 2, 29), date(2028, 3, 1), 20),
    (date(2026, 12, 1), date(2026, 12, 1), 0),
    (date(2026, 12, 2), date(2026, 12, 1), -1),  # born after the day: the pack refuses such facts
])
def test_age_on_the_signing_day(birth: date, day: date, age: int) -> None:
    assert years_since(birth, day) == age
    # counted from the birthday itself, the birthday is the only day that differs
    birthday = (birth.month, birth.day) == (day.month, day.day) or (
        (birth.month, birth.day) == (2, 29) and (day.month, day.day) == (3, 1) and day.year % 4 != 0)
    assert years_since(birth, day, year_counts_on_anniversary=True) == age + (birthday and day > birth)


def test_the_pack_chooses_how_years_are_counted(pack_copy: Path) -> None:
    derived = pack_copy / "derived.toml"
    derived.write_text(derived.read_text(encoding="utf-8").replace(
        "when = 'party.age < setting.adult_age'", "when = 'party.age_from_birthday < setting.adult_age'"),
        encoding="utf-8")
    assert _minor_codes("2008-12-01", "2026-12-01", docrules.load_pack(pack_copy)) == set()


def _minor_codes(birth: str, signing: str, pack: docrules.Pack | None = None) -> set[str]:
    result = docrules.check(pack=pack, facts={"application": {"signing_date": signing, "payment": "mortgage"},
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
