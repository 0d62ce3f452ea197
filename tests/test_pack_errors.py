"""A bad rule edit is caught at load with its file, line, column, rule and a hint; never used. Each
edit is made to a copy of the tests' own small pack (tests/packs/mini), whose lines the positions name."""

from __future__ import annotations

from pathlib import Path

import pytest

import docrules


def _edit(pack: Path, file: str, old: str, new: str) -> None:
    path = pack / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


PREMIUM = "when = 'app.card == \"premium\"'"


def _diagnostics(pack: Path) -> list[str]:
    with pytest.raises(docrules.PackError) as info:
        docrules.load_pack(pack)
    return [d.render().replace(f"{pack}/", "") for d in info.value.diagnostics]


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    ("rules.toml", 'documents = ["consent"]', 'documents = ["consnt"]',
     "rules.toml:40:14: error[DR203] rule 'minor-consent' names unknown document 'consnt'\n"
     "  help: did you mean 'consent'?"),
    ("rules.toml", 'party.residency == "visitor"', 'party.residency == "visiter"',
     "rules.toml:26:39: error[DR206] rule 'visitor-papers': party.residency has no value 'visiter'\n"
     "  help: did you mean 'visitor'?"),
    ("rules.toml", "party.family_months < setting", "party.family_month < setting",
     "rules.toml:57:73: error[DR202] rule 'address-short' names unknown fact 'party.family_month'\n"
     "  help: did you mean 'family_months'?"),
    ("rules.toml", 'copies = "setting.minor_copies"', 'copies = "setting.minor_copy"',
     "rules.toml:38:25: error[DR204] rule 'minor-consent' names unknown setting 'minor_copy'\n"
     "  help: did you mean 'minor_copies'?"),
    ("rules.toml", 'issue = "NO_PARENT"', 'issue = "NO_PARENTS"',
     "rules.toml:50:9: error[DR205] rule 'no-parent' raises unknown issue code 'NO_PARENTS'\n"
     "  help: did you mean 'NO_PARENT'?"),
    ("rules.toml", PREMIUM, "when = 'app.card =='",
     "rules.toml:65:20: error[DR201] rule 'premium-review': condition is not valid: invalid syntax"),
    ("rules.toml", PREMIUM, "when = '__import__(\"os\").system(\"true\")'",
     "rules.toml:65:9: error[DR201] rule 'premium-review': the only functions are known(fact) and missing(fact)"),
    ("rules.toml", PREMIUM, "when = 'party.minor'",
     "rules.toml:65:9: error[DR208] rule 'premium-review' is for the application and cannot name party.minor\n"
     "  help: use for = \"party\" to check each party"),
    ("rules.toml", PREMIUM, "when = 'app.fee'",
     "rules.toml:65:9: error[DR207] rule 'premium-review': 'app.fee' is not true/false; compare it"),
    ("rules.toml", "originals = 1\ncopies = 1\n", "orignals = 1\ncopies = 1\n",
     "rules.toml:18:1: error[DR102] unknown key 'orignals' in rule 'resident-papers' require[0]\n"
     "  help: allowed keys: documents, one_of, stage, whose, originals, copies, pages, notes"),
    ("rules.toml", 'copies = "setting.minor_copies"', 'copies = "three"',
     "rules.toml:38:1: error[DR102] rule 'minor-consent' min_copies.copies: must be a whole number or "
     '"setting.NAME" (got \'three\')'),
    ("catalog.toml", "[documents.passport]", "[documents.passport",
     "catalog.toml:13:20: error[DR101] invalid TOML: Expected ']' at the end of a table declaration"),
    ("rules.toml", 'id = "deposit"', 'id = "minor-consent"',
     "rules.toml:80:1: error[DR104] rule 'minor-consent' is defined twice\n  help: the first is in rules.toml"),
    ("rules.toml", 'stage = "online"', 'stage = "onlin"',
     "rules.toml:76:9: error[DR211] rule 'parent-online' names unknown stage 'onlin'\n"
     "  help: did you mean 'online'?"),
    ("rules.toml", 'whose = "applicant"', 'whose = "parent"',
     "rules.toml:77:1: error[DR212] rule 'parent-online': whose = 'parent' names no one\n"
     "  help: did you mean 'party'?"),
    ("rules.toml", 'reject = { fact = "birth_date"', 'reject = { fact = "birthdate"',
     "rules.toml:94:19: error[DR202] rule 'born-after-applying' refuses unknown fact 'birthdate'\n"
     "  help: did you mean 'birth_date'?"),
    ("rules.toml", "when = 'party.residency == \"resident\"'",
     "when = 'party.residency == \"resident\" and pary.age > 1'",
     "rules.toml:14:43: error[DR202] rule 'resident-papers' names 'pary.age', but 'pary' is not a name a "
     "condition knows\n  help: use party.X, app.X, setting.X or applicant.X"),
    ("rules.toml", "when = 'party.age < 0'", "when = ''",
     "rules.toml:94:1: error[DR302] rule 'born-after-applying' refuses facts but has no condition: it would "
     "refuse every check\n  help: give it the condition under which the facts cannot be true"),
    # the vocabulary is checked like the rules
    ("facts.toml", 'of = "applicant"\n\n[roles.referee]', 'of = "referee"\n\n[roles.referee]',
     "facts.toml:8:6: error[DR213] role 'parent' belongs to 'referee', which is not the principal role"),
    ("facts.toml", 'kind = "text"', 'kind = "string"',
     "facts.toml:51:1: error[DR102] facts.party.email.kind: input should be 'bool', 'int', 'decimal', 'enum', "
     "'date' or 'text' (got 'string')"),
    ("facts.toml", 'fact = "birth_date" }', 'fact = "email" }',
     "facts.toml:60:47: error[DR202] fact 'party.age' is computed from 'email', which is not a given date fact "
     "of the party"),
    ("facts.toml", 'roles = ["parent"]', 'roles = ["parents"]',
     "facts.toml:72:76: error[DR213] fact 'party.family_months' names unknown role 'parents'\n"
     "  help: did you mean 'parent'?"),
    ("pack.toml", 'date_fact = "apply_date"', 'date_fact = "fee"',
     "pack.toml:6:13: error[DR217] [pack] date_fact 'fee' is not a date fact of the application"),
])
def test_one_edit_one_located_error(mini_copy: Path, file: str, old: str, new: str, expected: str) -> None:
    _edit(mini_copy, file, old, new)
    assert _diagnostics(mini_copy) == [expected]


def test_cycle_of_derived_facts(mini_copy: Path) -> None:
    _edit(mini_copy, "rules.toml", "when = 'party.age < setting.adult_age'",
          "when = 'party.age < setting.adult_age or party.grown'")
    (mini_copy / "more.toml").write_text(
        '[[rules]]\nid = "grown"\ntitle = "t"\nsources = ["S1"]\nfor = "party"\n'
        "when = 'party.minor and party.age > 0'\nderive = \"grown\"\n", encoding="utf-8")
    assert _diagnostics(mini_copy) == [
        "more.toml:7:1: error[DR301] derived facts form a cycle: grown → minor → grown\n"
        "  help: a derived fact cannot depend on itself; break the cycle"]


def test_a_broken_edit_does_not_replace_the_loaded_pack(mini_copy: Path) -> None:
    good = docrules.load_pack(mini_copy)
    _edit(mini_copy, "rules.toml", 'issue = "NO_PARENT"', 'issue = "NOPE"')
    with pytest.raises(docrules.PackError):
        docrules.load_pack(mini_copy)
    result = good.check({"application": {"apply_date": "2026-12-01"},
                         "parties": [{"id": "a", "role": "applicant", "birth_date": "2015-01-01"}]})
    assert "NO_PARENT" in [i.code for i in result.issues]


def test_no_pack_here(tmp_path: Path) -> None:
    assert _diagnostics(tmp_path) == [f"{tmp_path}: error[DR100] no .toml files in this folder"]
