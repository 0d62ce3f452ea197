"""`docrules explain`: the rules behind each line, the facts and settings they saw, and why not."""

from __future__ import annotations

import docrules

from .conftest import FIXTURES
from .test_cli import _run


def test_a_line_names_its_rules_tests_values_and_settings() -> None:
    found = docrules.explain(docrules.read_facts(FIXTURES / "minor-loan-no-guardian.toml"),
                             document="birth_certificate")
    (item,) = found.items
    assert (item.item.stage, item.item.party, item.item.copies) == ("signing", "minor", 3)
    assert [(r.rule, r.outcome) for r in item.because] == [("minor-documents", "holds"), ("minor-copies", "holds")]
    assert [(t.test, t.held, t.values) for t in item.because[0].tests] == [
        ("role is buyer", True, {"role": "buyer"}), ("age is under 18", True, {"age": 17})]
    assert item.because[0].settings == {"adult_age": 18, "minor_min_copies": 3}
    assert found.issues == []  # --document narrows to that document's lines


def test_an_issue_names_the_rule_that_raised_it() -> None:
    found = docrules.explain(docrules.read_facts(FIXTURES / "nonlocal-divorced-short.toml"), party="b")
    reasons = {i.issue.code: i.because for i in found.issues}
    (reason,) = reasons["NONLOCAL_TAX_SHORT"]
    assert reason.sources == ["L1.2", "L2.1a"]
    assert (reason.tests[-1].test, reason.tests[-1].values) == ("family_tax_months is under 12",
                                                                {"family_tax_months": 6})
    assert reason.settings == {"nonlocal_tax_months": 12}


def test_why_not_says_which_tests_failed_or_which_fact_would_decide() -> None:
    facts = {"application": {"signing_date": "2026-12-01"},
             "parties": [{"id": "b", "role": "buyer", "identity": "mainland"}]}
    found = docrules.explain(facts, why_not="social_security_record")
    assert found.why_not is not None and not found.why_not.on_the_list
    first = found.why_not.rules[0]
    assert (first.rule, first.party, first.outcome) == ("eligibility-nonlocal", "b", "undecided")
    assert [(t.test, t.held) for t in first.tests] == [
        ("role is one of buyer, spouse", True), ("identity is mainland", True),
        ("hukou is nonlocal or the buyer's hukou is nonlocal", None)]


def test_cli_text_for_a_clerk() -> None:
    code, out, _ = _run("explain", str(FIXTURES / "taiwan-divorced-no-guarantor.toml"), "--lang", "en",
                        "--why-not", "unmarried_certificate", "--party", "tw")
    assert code == 1
    assert "      ✗ marital_status is unmarried   [marital_status: divorced]" in out
    assert "Why not unmarried_certificate? It is not on the list." in out
    assert _run("explain", str(FIXTURES / "taiwan-divorced-no-guarantor.toml"), "--why-not", "birth_cert")[:1] == (2,)


def test_a_line_of_alternatives_is_explained_by_any_of_its_documents() -> None:
    facts = docrules.read_facts(FIXTURES / "court-divorce-unresolved-questions.toml")
    found = docrules.explain(facts, document="divorce_judgment")
    (item,) = [i for i in found.items if i.item.stage == "signing"]
    assert item.item.alternatives == (("divorce_certificate", "divorce_agreement"), ("divorce_judgment",))
    assert [r.rule for r in item.because] == ["signing-divorced"]
    why = docrules.explain(facts, why_not="divorce_judgment").why_not
    assert why is not None and why.on_the_list
