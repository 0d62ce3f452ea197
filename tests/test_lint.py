"""`docrules lint`: a copy of the default pack with one edit per code is caught with that code, at the
right place. (Codes found while loading are also covered one by one in test_pack_errors.py.)"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import docrules

from .test_cli import _run


def _edit(pack: Path, file: str, old: str, new: str) -> None:
    path = pack / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _lint(pack: Path, today: date = date(2026, 11, 27)) -> list[str]:
    return [d.render().replace(f"{pack}/", "") for d in docrules.lint(pack, today=today)]


MORE = "more.toml"


@pytest.mark.parametrize(("edits", "extra", "expected"), [
    ([("pack.toml", "[pack]", "[pak]")], None,
     ["pack.toml:4:1: error[DR102] unknown key 'pak' in the file\n  help: allowed keys: pack, documents, "
      "settings, issues, rules"]),
    ([], '[[rules]]\nid = "priced"\ntitle = "t"\nsources = ["B2"]\nfor = "application"\nderive = "price"\n',
     ["more.toml:6:1: error[DR209] rule 'priced' derives 'price', which is already an input fact"]),
    ([("signing.toml", 'when = \'app.price >= 0\'', "when = 'app.deposit_paid'")], None,
     ["signing.toml:232:1: error[DR210] rule 'maintenance-fund' computes an amount from app.price but its "
      "condition does not test it\n  help: add it to the condition, e.g. when = 'app.price >= 0', so that "
      "an unknown value is asked for"]),
    ([("blocking.toml", 'issue = "LOAN_INSURANCE"', "")], None,
     ["blocking.toml:173:1: error[DR302] rule 'loan-insurance' has no effect\n  help: give it require, issue, "
      "derive, min_copies or amount", "issues.toml:100:1: warning[DR314] no rule raises issue LOAN_INSURANCE"]),
    ([("settings.toml", "values = [{ from = 2000-01-01, value = 3 }]",
       "values = [{ from = 2000-01-01, until = 2020-01-01, value = 3 }, { from = 2019-01-01, value = 4 }]")],
     None,
     ["settings.toml:25:1: error[DR303] setting 'minor_min_copies': the value from 2000-01-01 overlaps the "
      "value from 2019-01-01\n  help: end the first with until = 2019-01-01"]),
    ([("blocking.toml", "when = 'app.special_clauses'",
       "when = 'app.special_clauses and app.price > 10 and app.price < 5'")], None,
     ["blocking.toml:149:1: error[DR310] rule 'special-clauses': its condition can never hold\n  help: two of "
      "its tests on one fact contradict each other"]),
    ([("derived.toml", "when = 'party.age < setting.adult_age'",
       "when = 'party.age < setting.adult_age and party.age > 30'")], None,
     # `minor` can never hold, and so neither can the rules that use it
     [f"{f}: error[DR310] rule '{r}': its condition can never hold\n  help: two of its tests on one fact "
      "contradict each other" for f, r in [("blocking.toml:77:1", "minor-loan"),
                                           ("blocking.toml:85:1", "guardian-missing"),
                                           ("derived.toml:6:1", "minor"),
                                           ("signing.toml:149:1", "minor-documents"),
                                           ("signing.toml:160:1", "minor-copies"),
                                           ("signing.toml:168:1", "guardian-identity")]]),
    ([("blocking.toml", 'when = \'app.loan and app.mortgage_bank not in setting.partner_banks\'',
       'when = \'app.loan and app.mortgage_bank != "other" and app.mortgage_bank not in ["other", "abc"]\'')],
     None,
     ["blocking.toml:165:1: warning[DR311] rule 'bank-not-partner' excludes a value twice: "
      "app.mortgage_bank != 'other'"]),
    ([], '[documents.power_of_attorney]\nzh = "授权委托书"\nen = "Power of attorney"\n',
     ["more.toml:1:1: warning[DR313] no rule can require document 'power_of_attorney'\n  help: remove it "
      "from the catalog, or add a rule that requires it"]),
    ([], '[issues.LATE]\nseverity = "warn"\nzh = ""\nen = "Late"\n',
     ["more.toml:1:1: warning[DR403] issue 'LATE' has no zh label",
      "more.toml:1:1: warning[DR314] no rule raises issue LATE"]),
    ([("blocking.toml", 'sources = ["N2"]\n', "")], None,
     ["blocking.toml:173:1: warning[DR401] rule 'loan-insurance' cites no source section\n  help: add sources "
      '= ["L2.1a"] with the section ids of the policy text']),
    ([("settings.toml", "values = [{ from = 2000-01-01, value = 18 }]",
       "values = [{ from = 2000-01-01, until = 2010-01-01, value = 18 }, { from = 2011-01-01, value = 18 }]")],
     None,
     ["settings.toml:20:1: warning[DR402] setting 'adult_age' has no value from 2010-01-01 to 2011-01-01\n"
      "  help: checks signed in the gap cannot run"]),
    ([("signing.toml", "id = \"signing-widowed\"\n", "id = \"signing-widowed\"\nuntil = 2026-01-01\n")], None,
     ["signing.toml:138:1: warning[DR405] rule 'signing-widowed' expired on 2026-01-01\n  help: remove it, or "
      "keep it for re-checking old cases"]),
])
def test_one_edit_one_finding(pack_copy: Path, edits: list[tuple[str, str, str]], extra: str | None,
                              expected: list[str]) -> None:
    for edit in edits:
        _edit(pack_copy, *edit)
    if extra:
        (pack_copy / MORE).write_text(extra, encoding="utf-8")
    assert _lint(pack_copy) == expected


def test_the_default_pack_is_lint_clean() -> None:
    assert _run("lint") == (0, "All checks passed.\n", "")


def test_lint_exit_codes_and_json(pack_copy: Path, tmp_path: Path) -> None:
    _edit(pack_copy, "blocking.toml", 'sources = ["N2"]\n', "")
    code, out, _ = _run("lint", str(pack_copy), "--format", "json")
    assert code == 1
    assert '"code": "DR401"' in out and '"rule": "loan-insurance"' in out
    assert _run("lint", str(tmp_path / "nothing"))[0] == 2


def test_an_edit_that_contradicts_blocks_loading(pack_copy: Path) -> None:
    _edit(pack_copy, "blocking.toml", "when = 'app.special_clauses'",
          "when = 'app.special_clauses and not app.special_clauses'")
    with pytest.raises(docrules.PackError, match="DR310"):
        docrules.load_pack(pack_copy)


def test_no_pack_table(pack_copy: Path) -> None:
    (pack_copy / "pack.toml").unlink()
    assert _lint(pack_copy) == [f"{pack_copy}: error[DR103] the pack has no [pack] table\n  help: add pack.toml "
                                'with [pack] name = "...", version = "..."'.replace(f"{pack_copy}/", "")]


WIDE = " and ".join(f"(party.tax_months > {n} or app.price > {n})" for n in range(5))
LONG = f"party.tax_months in [{', '.join(map(str, range(250)))}]"


@pytest.mark.parametrize(("when", "expected"), [
    (WIDE, "more.toml:1:1: error[DR305] rule 'wide': its condition needs more than 16 engine rules\n  help: an "
           "'or' between tests on different parties multiplies; split the rule in two"),
    (LONG, "more.toml:1:1: error[DR306] rule 'wide': a condition lists more than 200 alternatives, more than "
           "the engine takes"),
])
def test_conditions_the_engine_cannot_take_are_refused_at_load(pack_copy: Path, when: str, expected: str) -> None:
    (pack_copy / MORE).write_text(f'[[rules]]\nid = "wide"\ntitle = "t"\nsources = ["B2"]\nfor = "party"\n'
                                  f"when = '{when}'\nissue = \"LOAN_INSURANCE\"\n", encoding="utf-8")
    assert _lint(pack_copy) == [expected]
    with pytest.raises(docrules.PackError):
        docrules.load_pack(pack_copy)


def test_a_check_on_a_date_no_setting_covers_is_an_error(pack_copy: Path) -> None:
    _edit(pack_copy, "settings.toml", "values = [{ from = 2000-01-01, value = 0.01 }]",
          "values = [{ from = 2027-01-01, value = 0.01 }]")
    pack = docrules.load_pack(pack_copy)
    # the signing date chose the day, so it is the facts that are refused, naming the field
    with pytest.raises(docrules.FactsError, match=r"DR527\] application.signing_date: no policy is in force on "
                                                  r"2026-12-01 \(the pack starts 2027-01-01\)"):
        pack.check({"application": {"signing_date": "2026-12-01"}, "parties": [{"id": "b", "role": "buyer"}]})
    assert pack.check({"application": {"signing_date": "2027-01-01"},
                       "parties": [{"id": "b", "role": "buyer"}]}).as_of == date(2027, 1, 1)
