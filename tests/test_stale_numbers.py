"""DR406: a text that states a number a setting owns, when the setting's value differs. A small pack of
its own (tests/packs/stale) and the number reading on its own."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

import docrules
from docrules.pack.stale import months, percents

STALE = Path(__file__).parent / "packs" / "stale"


def _found(pack: Path, **kwargs: object) -> list[str]:
    return [d.render().replace(f"{pack}/", "").split("\n")[0]
            for d in docrules.lint(pack, **kwargs)]  # type: ignore[arg-type]


def test_each_stale_text_and_none_other() -> None:
    assert _found(STALE) == [
        "pack.toml:38:1: warning[DR406] rule 'fee' title states '1%' but setting 'fee_rate' is 0.02 from 2027-01-01",
        "pack.toml:24:1: warning[DR406] document 'record' zh states '一年' (12 months) but setting 'record_months' "
        "is 6 from 2000-01-01",
        "pack.toml:25:1: warning[DR406] document 'record' en states 'one continuous year' (12 months) but setting "
        "'record_months' is 6 from 2000-01-01",
        "pack.toml:33:1: warning[DR406] issue 'RECORD_SHORT' zh states '十二个月' (12 months) but setting "
        "'record_months' is 6 from 2000-01-01"]


def test_the_result_does_not_depend_on_the_day() -> None:
    assert _found(STALE, today=date(2020, 1, 1)) == _found(STALE, today=date(2030, 1, 1)) == _found(STALE)


def test_fixing_the_texts_makes_it_clean(tmp_path: Path) -> None:
    pack = tmp_path / "stale"
    shutil.copytree(STALE, pack)
    path = pack / "pack.toml"
    text = path.read_text(encoding="utf-8")
    for old, new in [("(房价1%) / Fee (1 % of the price)", "(房价2%) / Fee (2% of the price)"),
                     ("(连续一年)", "(连续6个月)"), ("(one continuous year)", "(six months)"),
                     ("社保不足十二个月", "社保不足半年")]:
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    assert _found(pack) == []


def test_a_months_setting_moving_to_6_flags_one_year(tmp_path: Path) -> None:
    pack = tmp_path / "stale"
    shutil.copytree(STALE, pack)
    path = pack / "pack.toml"
    # the residence proof says "一年" and "12 months": right while residence_months is 12, stale at 6
    text = path.read_text(encoding="utf-8").replace(
        'en = "Months of local residence required"\nvalues = [{ from = 2000-01-01, value = 12 }]',
        'en = "Months of local residence required"\nvalues = [{ from = 2000-01-01, value = 6 }]')
    path.write_text(text, encoding="utf-8")
    found = [f for f in _found(pack) if "residence_proof" in f]
    assert found == [
        "pack.toml:28:1: warning[DR406] document 'residence_proof' zh states '一年' (12 months) but setting "
        "'residence_months' is 6 from 2000-01-01",
        "pack.toml:29:1: warning[DR406] document 'residence_proof' en states '12 months' but setting "
        "'residence_months' is 6 from 2000-01-01"]


def test_it_can_be_ignored() -> None:
    assert _found(STALE, ignore=["DR406"]) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("连续一年", [12]), ("满12个月", [12]), ("十二个月", [12]), ("半年", [6]), ("二十四个月", [24]),
    ("6 months", [6]), ("one year", [12]), ("two full years", [24]), ("half a year", [6]), ("两年", [24]),
    ("2027年1月1日起", []), ("12月1日", []), ("成年年龄(周岁)", []), ("18 digits", []),
])
def test_months_in_words(text: str, expected: list[int]) -> None:
    assert [m for m, _ in months(text)] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("房价1%", [0.01]), ("1 % of the price", [0.01]), ("1.5%", [0.015]), ("百分之二", [0.02]), ("一年", []),
])
def test_percents_in_words(text: str, expected: list[float]) -> None:
    assert [p for p, _ in percents(text)] == pytest.approx(expected)


def test_the_default_pack_states_no_stale_number() -> None:
    assert [d for d in docrules.lint() if d.code == "DR406"] == []
