"""Policy changes are TOML edits, not code changes (issue #2 §2): each test edits a copy of the pack."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import docrules


def _buyer(**facts: object) -> dict[str, object]:
    return {"application": {"signing_date": facts.pop("signing_date")},
            "parties": [{"id": "b", "role": "buyer", "identity": "mainland", "hukou": "nonlocal", **facts}]}


def _codes(result: docrules.Result) -> list[str]:
    return [i.code for i in result.issues if i.code.startswith("NONLOCAL")]


TAX_OR_SOCIAL_SECURITY = """
[settings.nonlocal_either_record_suffices]
zh = "社保或纳税满期限其一即可"
en = "Either social security or tax months suffice"
values = [{ from = 2000-01-01, until = 2027-03-01, value = false }, { from = 2027-03-01, value = true }]
"""


def tax_or_social_security(pack_copy: Path, switch: str = TAX_OR_SOCIAL_SECURITY) -> None:
    """The edit a compliance officer makes: a dated switch, and one more test in each of two rules."""
    (pack_copy / "settings.toml").write_text(
        (pack_copy / "settings.toml").read_text(encoding="utf-8") + switch, encoding="utf-8")
    blocking = pack_copy / "blocking.toml"
    text = blocking.read_text(encoding="utf-8")
    for fact, other in (("social_security_months", "tax_months"), ("tax_months", "social_security_months")):
        setting = "nonlocal_social_security_months" if fact == "social_security_months" else "nonlocal_tax_months"
        other_setting = "nonlocal_tax_months" if setting == "nonlocal_social_security_months" else \
            "nonlocal_social_security_months"
        old = f"and party.family_{fact} < setting.{setting}\n"
        assert old in text
        text = text.replace(old, f"{old}and (not setting.nonlocal_either_record_suffices "
                                 f"or party.family_{other} < setting.{other_setting})\n")
    blocking.write_text(text, encoding="utf-8")


def test_from_a_date_tax_or_social_security_suffices(pack_copy: Path) -> None:
    """(a) From 2027-03-01 a non-local buyer qualifies with 12 months of tax *or* social security."""
    tax_or_social_security(pack_copy)
    pack = docrules.load_pack(pack_copy)

    short_tax = {"social_security_months": 24, "tax_months": 3}
    assert _codes(pack.check(_buyer(signing_date="2027-02-28", **short_tax))) == ["NONLOCAL_TAX_SHORT"]
    assert _codes(pack.check(_buyer(signing_date="2027-03-01", **short_tax))) == []
    both_short = {"social_security_months": 2, "tax_months": 3}
    assert _codes(pack.check(_buyer(signing_date="2027-03-01", **both_short))) == [
        "NONLOCAL_SOCIAL_SECURITY_SHORT", "NONLOCAL_TAX_SHORT"]
    # the default pack is untouched
    assert _codes(docrules.check(_buyer(signing_date="2027-03-01", **short_tax))) == ["NONLOCAL_TAX_SHORT"]


NEW_DOCUMENT = """
[documents.marital_status_declaration]
zh = "婚姻状况声明书"
en = "Declaration of marital status"
"""


def test_from_a_date_a_new_document_replaces_another(pack_copy: Path) -> None:
    """(b) From 2027-01-01, `marital_status_declaration` replaces `unmarried_certificate`."""
    docs = pack_copy / "documents.toml"
    docs.write_text(docs.read_text(encoding="utf-8") + NEW_DOCUMENT, encoding="utf-8")
    for name, rule in (("eligibility.toml", "eligibility-unmarried"), ("signing.toml", "signing-unmarried")):
        path = pack_copy / name
        text = path.read_text(encoding="utf-8")
        old = f'id = "{rule}"\n'
        assert text.count(old) == 1
        path.write_text(text.replace(old, old + "until = 2027-01-01\n"), encoding="utf-8")
    (pack_copy / "declaration.toml").write_text("""
[[rules]]
id = "signing-marital-status-declaration"
title = "婚姻状况声明书 / Declaration of marital status"
sources = ["L2.4"]
for = "party"
when = 'party.role == "buyer" and party.marital_status == "unmarried"'
from = 2027-01-01
[[rules.require]]
documents = ["marital_status_declaration"]
stage = "signing"
copies = 1
""", encoding="utf-8")
    pack = docrules.load_pack(pack_copy)

    def documents(day: str) -> set[tuple[str, str]]:
        result = pack.check({"application": {"signing_date": day}, "parties": [
            {"id": "b", "role": "buyer", "identity": "mainland", "marital_status": "unmarried"}]})
        return {(i.stage, i.document) for i in result.items
                if i.document in ("unmarried_certificate", "marital_status_declaration")}

    assert documents("2026-12-31") == {("eligibility", "unmarried_certificate"), ("signing", "unmarried_certificate")}
    assert documents("2027-01-01") == {("signing", "marital_status_declaration")}
    # --as-of previews the change on an application signed earlier
    early = {"application": {"signing_date": "2026-12-31"},
             "parties": [{"id": "b", "role": "buyer", "identity": "mainland", "marital_status": "unmarried"}]}
    assert "marital_status_declaration" in {i.document for i in pack.check(early, as_of=date(2027, 1, 2)).items}


def test_a_setting_changes_on_its_date(pack_copy: Path) -> None:
    settings = pack_copy / "settings.toml"
    text = settings.read_text(encoding="utf-8")
    old = "values = [{ from = 2000-01-01, value = 0.01 }]"
    settings.write_text(text.replace(old, "values = [{ from = 2000-01-01, until = 2027-07-01, value = 0.01 }, "
                                          "{ from = 2027-07-01, value = 0.02 }]"), encoding="utf-8")
    pack = docrules.load_pack(pack_copy)
    facts = {"application": {"price": 1_000_050}, "parties": [{"id": "b", "role": "buyer"}]}
    before = pack.check(facts, as_of=date(2027, 6, 30))
    after = pack.check(facts, as_of=date(2027, 7, 1))
    assert (before.amounts, before.settings["maintenance_fund_rate"]) == ({"maintenance_fund": 10001}, 0.01)
    assert (after.amounts, after.settings["maintenance_fund_rate"]) == ({"maintenance_fund": 20001}, 0.02)
