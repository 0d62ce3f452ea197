"""`docrules lint`: a copy of the tests' own small pack (tests/packs/mini) with one edit per code is
caught with that code, at the right place. (Codes found while loading are also covered one by one in
test_pack_errors.py.)"""

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


PREMIUM = "when = 'app.card == \"premium\"'"
CONTRADICT = "help: two of its tests on one fact contradict each other"


@pytest.mark.parametrize(("edits", "extra", "expected"), [
    ([("pack.toml", "[pack]", "[pak]")], None,
     ["pack.toml:3:1: error[DR102] unknown key 'pak' in the file\n  help: allowed keys: pack, facts, roles, "
      "groups, stages, words, lint, documents, settings, issues, rules"]),
    ([], '[[rules]]\nid = "feed"\ntitle = "t"\nsources = ["S5"]\nfor = "application"\nderive = "fee"\n',
     ["more.toml:6:1: error[DR209] rule 'feed' derives 'fee', which is already a fact"]),
    ([("rules.toml", "when = 'app.fee >= 0'", "when = 'app.card == \"standard\"'")], None,
     ["rules.toml:86:1: error[DR210] rule 'deposit' computes an amount from app.fee but its condition does "
      "not test it\n  help: add it to the condition, e.g. when = 'app.fee >= 0', so that an unknown value is "
      "asked for"]),
    ([("rules.toml", 'issue = "PREMIUM_REVIEW"', "")], None,
     ["rules.toml:60:1: error[DR302] rule 'premium-review' has no effect\n  help: give it require, issue, "
      "derive, min_copies, amount, reject or ask", "catalog.toml:55:1: warning[DR314] no rule raises issue "
      "PREMIUM_REVIEW"]),
    ([("catalog.toml", "values = [{ from = 2000-01-01, value = 2 }]",
       "values = [{ from = 2000-01-01, until = 2020-01-01, value = 2 }, { from = 2019-01-01, value = 3 }]")], None,
     ["catalog.toml:35:1: error[DR303] setting 'minor_copies': the value from 2000-01-01 overlaps the value "
      "from 2019-01-01\n  help: end the first with until = 2019-01-01"]),
    ([("rules.toml", PREMIUM, "when = 'app.card == \"premium\" and app.fee > 10 and app.fee < 5'")], None,
     [f"rules.toml:60:1: error[DR310] rule 'premium-review': its condition can never hold\n  {CONTRADICT}"]),
    ([("rules.toml", "when = 'party.age < setting.adult_age'",
       "when = 'party.age < setting.adult_age and party.age > 30'")], None,
     # `minor` can never hold, and so neither can the rules that use it
     [f"rules.toml:{line}:1: error[DR310] rule '{rule}': its condition can never hold\n  {CONTRADICT}"
      for line, rule in [(1, "minor"), (32, "minor-consent"), (44, "no-parent")]]),
    ([("rules.toml", PREMIUM, "when = 'app.fee > 1 and app.card != \"standard\" and app.card not in "
                              "[\"standard\", \"gold\"]'"),
      ("facts.toml", 'premium = { zh = "高级", en = "Premium" } }',
       'premium = { zh = "高级", en = "Premium" }, gold = { zh = "金", en = "Gold" } }')], None,
     ["rules.toml:60:1: warning[DR311] rule 'premium-review' excludes a value twice: app.card != 'standard'"]),
    ([], '[documents.library_rules]\nzh = "借阅规则"\nen = "Library rules"\n',
     ["more.toml:1:1: warning[DR313] no rule can require document 'library_rules'\n  help: remove it from the "
      "catalog, or add a rule that requires it"]),
    ([], '[issues.LATE]\nseverity = "warn"\nzh = ""\nen = "Late"\n',
     ["more.toml:1:1: warning[DR403] issue 'LATE' has no zh label",
      "more.toml:1:1: warning[DR314] no rule raises issue LATE"]),
    ([("rules.toml", 'sources = ["S5"]\nfor = "application"\nwhen = \'app.card',
       'for = "application"\nwhen = \'app.card')],
     None,
     ["rules.toml:60:1: warning[DR401] rule 'premium-review' cites no source section\n  help: add sources = "
      '["..."] with the section ids of the policy text it follows']),
    ([("catalog.toml", "values = [{ from = 2000-01-01, value = 18 }]",
       "values = [{ from = 2000-01-01, until = 2010-01-01, value = 18 }, { from = 2011-01-01, value = 18 }]")],
     None,
     ["catalog.toml:25:1: warning[DR402] setting 'adult_age' has no value from 2010-01-01 to 2011-01-01\n"
      "  help: checks signed in the gap cannot run"]),
])
def test_one_edit_one_finding(mini_copy: Path, edits: list[tuple[str, str, str]], extra: str | None,
                              expected: list[str]) -> None:
    for edit in edits:
        _edit(mini_copy, *edit)
    if extra:
        (mini_copy / MORE).write_text(extra, encoding="utf-8")
    assert _lint(mini_copy) == expected


def test_the_default_pack_is_lint_clean() -> None:
    assert _run("lint") == (0, "All checks passed.\n", "")


def test_lint_exit_codes_and_json(mini_copy: Path, tmp_path: Path) -> None:
    _edit(mini_copy, "rules.toml", 'sources = ["S5"]\nfor = "application"\nwhen = \'app.card',
          'for = "application"\nwhen = \'app.card')
    code, out, _ = _run("lint", str(mini_copy), "--format", "json")
    assert code == 1
    assert '"code": "DR401"' in out and '"rule": "premium-review"' in out
    assert _run("lint", str(tmp_path / "nothing"))[0] == 2


def test_an_edit_that_contradicts_blocks_loading(mini_copy: Path) -> None:
    _edit(mini_copy, "rules.toml", PREMIUM, "when = 'app.card == \"premium\" and app.card != \"premium\"'")
    with pytest.raises(docrules.PackError, match="DR310"):
        docrules.load_pack(mini_copy)


def test_no_pack_table(mini_copy: Path) -> None:
    (mini_copy / "pack.toml").unlink()
    assert _lint(mini_copy) == [f"{mini_copy}: error[DR103] the pack has no [pack] table\n  help: add pack.toml "
                                'with [pack] name = "...", version = "..."'.replace(f"{mini_copy}/", "")]


WIDE = " and ".join(f"(party.months_at_address > {n} or app.fee > {n})" for n in range(5))
LONG = f"party.months_at_address in [{', '.join(map(str, range(250)))}]"


@pytest.mark.parametrize(("when", "expected"), [
    (WIDE, "more.toml:1:1: error[DR305] rule 'wide': its condition needs more than 16 engine rules\n  help: an "
           "'or' between tests on different parties multiplies; split the rule in two"),
    (LONG, "more.toml:1:1: error[DR306] rule 'wide': a condition lists more than 200 alternatives, more than "
           "the engine takes"),
])
def test_conditions_the_engine_cannot_take_are_refused_at_load(mini_copy: Path, when: str, expected: str) -> None:
    (mini_copy / MORE).write_text(f'[[rules]]\nid = "wide"\ntitle = "t"\nsources = ["S5"]\nfor = "party"\n'
                                  f"when = '{when}'\nissue = \"PREMIUM_REVIEW\"\n", encoding="utf-8")
    assert _lint(mini_copy) == [expected]
    with pytest.raises(docrules.PackError):
        docrules.load_pack(mini_copy)


def test_a_check_on_a_date_no_setting_covers_is_an_error(mini_copy: Path) -> None:
    _edit(mini_copy, "catalog.toml", "values = [{ from = 2000-01-01, value = 0.1 }]",
          "values = [{ from = 2027-01-01, value = 0.1 }]")
    pack = docrules.load_pack(mini_copy)
    # the date is the facts' problem: the pack is fine for the days its policy covers
    with pytest.raises(docrules.FactsError, match=r"DR518\] application.apply_date: no policy of this pack is "
                                                  r"in force on 2026-12-01\n  help: the pack's policy starts on "
                                                  r"2027-01-01"):
        pack.check({"application": {"apply_date": "2026-12-01"}, "parties": [{"id": "a", "role": "applicant"}]})
    assert pack.check({"application": {"apply_date": "2027-01-01"},
                       "parties": [{"id": "a", "role": "applicant"}]}).as_of == date(2027, 1, 1)
