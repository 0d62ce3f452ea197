"""The pack owns its vocabulary: facts, values, roles, stages and words are TOML, and the engine knows
none of them. Each test edits a copy of a pack as a compliance officer would, and touches no Python."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

import docrules

from .conftest import FIXTURES, ROOT
from .test_cli import _run

SRC = ROOT / "src" / "docrules"

# Words of the default pack that are also plain words of any checklist engine or of Python, with why
# they may appear in src/ (as code or in English prose about the engine, never as policy).
GENERIC = {
    "application": "the facts' top-level object: every pack has an application",
    "party": "the facts' parties: every pack has them",
    "id": "every party has an id",
    "role": "every party has a role",
    "of": "English, and every linked party names whom it belongs to",
    "other": "English",
    "full": "English",
    "local": "English",
    "passed": "English",
    "failed": "English",
    "married": "English",
    "block": "an issue severity of the engine",
    "escalate": "an issue severity of the engine",
    "warn": "an issue severity of the engine",
    "info": "an issue severity of the engine",
    "ready": "a result status of the engine",
    "blocked": "a result status of the engine",
    "needs_escalation": "a result status of the engine",
    "incomplete": "a result status of the engine",
    "age": "English ('page', 'usage' aside, a word of prose about ages in docstrings)",
    "price": "English prose in a docstring example",
    "phone": "English: 'never log names, ids, phones'",
    "signing": "English",
    "mortgage": "English",
    "loan": "English",
    "minor": "English",
    "passport": "English",
    "Phone": "English",
    "Role": "a generic label of the role field on forms",
    "Yes": "a generic answer label",
    "No": "a generic answer label",
    "abc": "Python's collections.abc",
    "信息不全": "generic: facts are missing (the page's own word, which the pack happens to share)",
    "Information missing": "the same, in English",
    "buyer": "the page's and docs' English for whoever a printed handout is for",
    "nonlocal": "a Python keyword",
}


def _pack_words(folder: Path) -> set[str]:
    words: set[str] = set()
    for path in folder.glob("*.toml"):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        words |= set(data.get("documents", {})) | set(data.get("issues", {})) | set(data.get("settings", {}))
        words |= set(data.get("roles", {})) | set(data.get("stages", {})) | set(data.get("groups", {}))
        words |= {r["id"] for r in data.get("rules", [])} | {r["derive"] for r in data.get("rules", []) if
                                                            "derive" in r}
        for scope in data.get("facts", {}).values():
            for name, fact in scope.items():
                words.add(name)
                words |= set(fact.get("values", {}))
                words |= {t[lang] for t in fact.get("values", {}).values() for lang in ("zh", "en")}
                words |= {fact[lang] for lang in ("zh", "en")}
        for table in ("documents", "issues", "roles", "stages", "words"):
            for entry in data.get(table, {}).values():
                words |= {entry[lang] for lang in ("zh", "en") if entry.get(lang)}
    return {w for w in words if w not in GENERIC and len(w) > 1}


def test_no_word_of_the_default_pack_is_in_the_engine() -> None:
    words = _pack_words(ROOT / "rules" / "foshan")
    sources = [p for p in SRC.rglob("*") if p.suffix in (".py", ".js", ".html", ".css")]
    found = []
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for word in words:
            pattern = re.escape(word) if not word.isascii() else rf"(?<![\w-]){re.escape(word)}(?![\w-])"
            if re.search(pattern, text):
                found.append(f"{path.relative_to(ROOT)}: {word}")
    assert found == []


def _copy_edit(pack_copy: Path, file: str, old: str, new: str) -> None:
    path = pack_copy / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_comments_and_key_order_do_not_change_the_pack(pack_copy: Path, pack: docrules.Pack) -> None:
    for path in sorted(pack_copy.glob("*.toml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join(f"{line}  # reviewed" if line.startswith("[") else line for line in lines)
                        + "\n# the end\n", encoding="utf-8")
    _copy_edit(pack_copy, "facts.toml", 'kind = "date"\nzh = "签约日期"\nen = "Signing date"',
               'en = "Signing date"\nzh = "签约日期"\nkind = "date"')
    edited = docrules.load_pack(pack_copy)
    assert edited.digest == pack.digest
    for case in sorted(FIXTURES.glob("*.toml")):
        facts = docrules.read_facts(case)
        assert edited.check(facts).model_dump_json() == pack.check(facts).model_dump_json()


HOMES = """
[facts.party.homes_owned_in_city]
kind = "int"
min = 0
max = 99
zh = "本市已有住房套数"
en = "Homes owned in the city"
question = { zh = "在本市已有几套住房?", en = "How many homes does this person own in the city?" }
"""

HOME_LIMIT = """
[[rules]]
id = "home-limit"
title = "本市户籍家庭限购两套 / A local family may own two homes"
sources = ["L1.1"]
for = "party"
when = 'party.role == "buyer" and party.hukou == "local" and party.homes_owned_in_city >= 2'
issue = "HOME_LIMIT_REACHED"

[issues.HOME_LIMIT_REACHED]
severity = "block"
zh = "已有两套住房,不能再购"
en = "Two homes owned already: no further purchase"
"""


def _buyer(**facts: Any) -> dict[str, Any]:
    return {"application": {"signing_date": "2026-12-01"},
            "parties": [{"id": "b", "role": "buyer", "identity": "mainland", **facts}]}


def test_a_new_fact_and_a_rule_that_uses_it_by_toml_alone(pack_copy: Path) -> None:
    (pack_copy / "facts.toml").write_text((pack_copy / "facts.toml").read_text(encoding="utf-8") + HOMES,
                                          encoding="utf-8")
    (pack_copy / "home-limit.toml").write_text(HOME_LIMIT, encoding="utf-8")
    assert _run("lint", str(pack_copy)) == (0, "All checks passed.\n", "")
    pack = docrules.load_pack(pack_copy)
    codes = [i.code for i in pack.check(_buyer(hukou="local", homes_owned_in_city=2)).issues]
    assert "HOME_LIMIT_REACHED" in codes
    assert "HOME_LIMIT_REACHED" not in [i.code for i in pack.check(_buyer(hukou="local", homes_owned_in_city=1)).issues]
    assert "HOME_LIMIT_REACHED" not in [i.code for i in pack.check(_buyer(hukou="nonlocal",
                                                                          homes_owned_in_city=3)).issues]
    # unknown: the result asks for it, with the pack's own question on the page and in `docrules ask`
    asked = pack.check(_buyer(hukou="local")).questions
    assert any(q.fact == "homes_owned_in_city" and q.party == "b" for q in asked)
    described = pack.describe()["party"]["homes_owned_in_city"]
    assert described["question"]["zh"] == "在本市已有几套住房?" and described["gates"] == 1
    with pytest.raises(docrules.FactsError, match=r"parties\[0\]\.homes_owned_in_city: must be a whole number"):
        pack.facts(_buyer(homes_owned_in_city="two"))
    # the default pack knows no such fact: its facts contract is its own
    with pytest.raises(docrules.FactsError, match="unknown field"):
        docrules.load_pack().facts(_buyer(homes_owned_in_city=2))


def test_new_values_and_labels_are_toml_edits(pack_copy: Path) -> None:
    _copy_edit(pack_copy, "facts.toml", 'other = { zh = "其他银行", en = "Other bank" }',
               'boc = { zh = "中国银行", en = "Bank of China" }\nother = { zh = "其他银行", en = "Other bank" }')
    _copy_edit(pack_copy, "facts.toml", 'foreign = { zh = "外籍", en = "Foreign" }',
               'foreign = { zh = "外籍", en = "Foreign" }\nforeign_permanent = { zh = "外国人永久居留", '
               'en = "Foreign permanent resident" }')
    _copy_edit(pack_copy, "facts.toml", 'widowed = { zh = "丧偶", en = "Widowed" }',
               'widowed = { zh = "丧偶", en = "Widowed" }\ndivorced_by_court = { zh = "法院判决离婚", '
               'en = "Divorced by a court" }')
    _copy_edit(pack_copy, "facts.toml", 'zh = "户籍"\nen = "Hukou"', 'zh = "户口所在地"\nen = "Household registration"')
    _copy_edit(pack_copy, "settings.toml", 'value = ["abc", "ccb", "rural_commercial"]',
               'value = ["abc", "ccb", "rural_commercial", "boc"]')
    pack = docrules.load_pack(pack_copy)
    facts = {"application": {"signing_date": "2026-12-01", "payment": "mortgage", "mortgage_bank": "boc"},
             "parties": [{"id": "b", "role": "buyer", "identity": "foreign_permanent",
                          "marital_status": "divorced_by_court"}]}
    result = pack.check(facts)
    assert "BANK_NOT_PARTNER" not in [i.code for i in result.issues]
    described = pack.describe()
    assert described["party"]["hukou"]["label"] == {"zh": "户口所在地", "en": "Household registration"}
    assert described["values"]["boc"] == {"zh": "中国银行", "en": "Bank of China"}
    assert "foreign_permanent" in pack.facts_model.model_json_schema()["$defs"]["Party"]["properties"][
        "identity"]["anyOf"][0]["enum"]
    with pytest.raises(docrules.FactsError):
        docrules.load_pack().facts(facts)  # the default pack has none of these values


def test_a_rule_naming_a_value_a_fact_does_not_allow_is_located(pack_copy: Path) -> None:
    (pack_copy / "more.toml").write_text(
        '[[rules]]\nid = "boc"\ntitle = "t"\nsources = ["N1"]\nfor = "application"\n'
        "when = 'app.mortgage_bank == \"bocc\"'\nissue = \"BANK_NOT_PARTNER\"\n", encoding="utf-8")
    with pytest.raises(docrules.PackError) as info:
        docrules.load_pack(pack_copy)
    assert [d.render().replace(f"{pack_copy}/", "") for d in info.value.diagnostics] == [
        "more.toml:6:9: error[DR206] rule 'boc': app.mortgage_bank has no value 'bocc'\n"
        "  help: one of: abc, ccb, rural_commercial, other"]


def test_a_text_that_names_a_setting_follows_its_dated_value(mini_copy: Path) -> None:
    _copy_edit(mini_copy, "catalog.toml", '[documents.proof_of_address]\nzh = "住址证明"\nen = "Proof of address"',
               '[documents.proof_of_address]\nzh = "住址证明"\nen = "Proof of address"\n'
               'notes = [{ zh = "居住满{setting.address_months}个月", en = "{setting.address_months} months there" }]')
    pack = docrules.load_pack(mini_copy)

    def notes(day: str) -> list[str]:
        result = pack.check({"application": {"apply_date": day}, "parties": [
            {"id": "a", "role": "applicant", "residency": "resident", "birth_date": "1990-01-01"}]})
        return [n.en for i in result.items if i.document == "proof_of_address" for n in i.notes]

    assert notes("2026-12-31") == ["6 months there"]
    assert notes("2027-01-01") == ["3 months there"]
    assert _run("lint", str(mini_copy)) == (0, "All checks passed.\n", "")  # nothing stale to say


def test_a_text_naming_an_unknown_setting_is_located(mini_copy: Path) -> None:
    _copy_edit(mini_copy, "catalog.toml", 'zh = "未成年申请人须有家长"', 'zh = "须有家长({setting.adult_ag}岁以下)"')
    with pytest.raises(docrules.PackError) as info:
        docrules.load_pack(mini_copy)
    assert [d.render().replace(f"{mini_copy}/", "") for d in info.value.diagnostics] == [
        "catalog.toml:45:1: error[DR204] issue 'NO_PARENT' names unknown setting 'adult_ag' in its text\n"
        "  help: did you mean 'adult_age'?"]
