"""A bad rule edit is caught at load with its file, line, column, rule and a hint; never used."""

from __future__ import annotations

from pathlib import Path

import pytest

import docrules


def _edit(pack: Path, file: str, old: str, new: str) -> None:
    path = pack / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _diagnostics(pack: Path) -> list[str]:
    with pytest.raises(docrules.PackError) as info:
        docrules.load_pack(pack)
    return [d.render().replace(f"{pack}/", "") for d in info.value.diagnostics]


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    ("signing.toml", 'documents = ["household_register", "birth_certificate"',
     'documents = ["household_register", "birth_cert"',
     "signing.toml:156:36: error[DR203] rule 'minor-documents' names unknown document 'birth_cert'\n"
     "  help: did you mean 'birth_certificate'?"),
    ("eligibility.toml", 'party.hukou == "nonlocal"', 'party.hukou == "nonlocl"',
     "eligibility.toml:22:80: error[DR206] rule 'eligibility-nonlocal': party.hukou has no value 'nonlocl'\n"
     "  help: did you mean 'nonlocal'?"),
    ("blocking.toml", "party.tax_months < setting", "party.tax_month < setting",
     "blocking.toml:22:5: error[DR202] rule 'nonlocal-tax-short' names unknown fact 'party.tax_month'\n"
     "  help: did you mean 'tax_months'?"),
    ("blocking.toml", "setting.foreign_residence_months", "setting.foreign_residence",
     "blocking.toml:33:36: error[DR204] rule 'foreign-residence-short' names unknown setting "
     "'foreign_residence'\n  help: did you mean 'foreign_residence_months'?"),
    ("blocking.toml", 'issue = "SPOUSE_MISSING"', 'issue = "SPOUSE_MISING"',
     "blocking.toml:67:9: error[DR205] rule 'spouse-missing' raises unknown issue code 'SPOUSE_MISING'\n"
     "  help: did you mean 'SPOUSE_MISSING'?"),
    ("blocking.toml", "when = 'app.special_clauses'", "when = 'app.special_clauses =='",
     "blocking.toml:154:31: error[DR201] rule 'special-clauses': condition is not valid: invalid syntax"),
    ("blocking.toml", "when = 'app.special_clauses'", "when = '__import__(\"os\").system(\"true\")'",
     "blocking.toml:154:9: error[DR201] rule 'special-clauses': the only functions are known(fact) and "
     "missing(fact)"),
    ("blocking.toml", "when = 'app.special_clauses'", "when = 'party.minor'",
     "blocking.toml:154:9: error[DR208] rule 'special-clauses' is for the application and cannot name "
     "party.minor\n  help: use for = \"party\" to check each party"),
    ("blocking.toml", "when = 'app.special_clauses'", "when = 'app.price'",
     "blocking.toml:154:9: error[DR207] rule 'special-clauses': 'app.price' is not true/false; compare it"),
    ("signing.toml", "originals = 1\n\n[[rules]]\nid = \"loan-signing-papers\"",
     "orignals = 1\n\n[[rules]]\nid = \"loan-signing-papers\"",
     "signing.toml:200:1: error[DR102] unknown key 'orignals' in rule 'application-papers' require[0]\n"
     "  help: allowed keys: documents, stage, whose, originals, copies, pages, notes"),
    ("signing.toml", 'copies = "setting.minor_min_copies"\n', 'copies = "three"\n',
     "signing.toml:158:1: error[DR102] rule 'minor-documents' require[0].copies: must be a whole number "
     'or "setting.NAME" (got \'three\')'),
    ("documents.toml", "[documents.passport]", "[documents.passport",
     "documents.toml:57:20: error[DR101] invalid TOML: Expected ']' at the end of a table declaration"),
    ("mortgage.toml", 'id = "mortgage-bank-papers"', 'id = "loan-insurance"',
     "mortgage.toml:4:1: error[DR104] rule 'loan-insurance' is defined twice\n  help: the first is in "
     "blocking.toml"),
])
def test_one_edit_one_located_error(pack_copy: Path, file: str, old: str, new: str, expected: str) -> None:
    _edit(pack_copy, file, old, new)
    assert _diagnostics(pack_copy) == [expected]


def test_cycle_of_derived_facts(pack_copy: Path) -> None:
    _edit(pack_copy, "derived.toml", "when = 'party.age < setting.adult_age'",
          "when = 'party.age < setting.adult_age or party.grown'")
    (pack_copy / "more.toml").write_text(
        '[[rules]]\nid = "grown"\ntitle = "t"\nsources = ["L2.2"]\nfor = "party"\n'
        "when = 'party.minor and party.age > 0'\nderive = \"grown\"\n", encoding="utf-8")
    assert _diagnostics(pack_copy) == [
        "more.toml:7:1: error[DR301] derived facts form a cycle: grown → minor → grown\n"
        "  help: a derived fact cannot depend on itself; break the cycle"]


def test_a_broken_edit_does_not_replace_the_loaded_pack(pack_copy: Path) -> None:
    good = docrules.load_pack(pack_copy)
    _edit(pack_copy, "blocking.toml", 'issue = "SPOUSE_MISSING"', 'issue = "NOPE"')
    with pytest.raises(docrules.PackError):
        docrules.load_pack(pack_copy)
    result = good.check({"parties": [{"id": "b", "role": "buyer", "marital_status": "married"}]})
    assert "SPOUSE_MISSING" in [i.code for i in result.issues]


def test_no_pack_here(tmp_path: Path) -> None:
    assert _diagnostics(tmp_path) == [f"{tmp_path}: error[DR100] no .toml files in this folder"]
