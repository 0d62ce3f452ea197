"""`docrules diff`: the default pack against a copy with the "tax or social security" change lists
exactly the cases that change."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import docrules
from docrules.tools.diff import diff_packs

from .conftest import FIXTURES
from .test_cli import _run
from .test_policy_changes import tax_or_social_security

NOW = '''
[settings.nonlocal_either_record_suffices]
zh = "社保或纳税满期限其一即可"
en = "Either social security or tax months suffice"
values = [{ from = 2000-01-01, value = true }]
'''
CASES = docrules.default_pack_path() / "tests"


def test_the_change_lists_exactly_the_cases_it_changes(pack_copy: Path, pack: docrules.Pack) -> None:
    tax_or_social_security(pack_copy, NOW)
    report = diff_packs(pack, docrules.load_pack(pack_copy), [CASES, FIXTURES], today=date(2026, 11, 27))
    assert [(c.case.removeprefix(str(CASES.parent.parent) + "/"), c.status_before.value, c.status_after.value,
             c.issues_removed) for c in report.changed] == [
        ("foshan/tests/nonlocal-tax-short-only.toml", "blocked", "ready", ["NONLOCAL_TAX_SHORT (b)"])]
    assert (report.totals.cases, report.totals.changed, report.totals.newly_ready,
            report.totals.newly_blocked) == (45, 1, 1, 0)  # 28 pack cases, 17 fixtures


def test_diff_of_saved_applications_in_jsonl(tmp_path: Path, pack_copy: Path) -> None:
    tax_or_social_security(pack_copy, NOW)
    saved = tmp_path / "saved.jsonl"
    buyer = {"id": "b", "role": "buyer", "identity": "mainland", "hukou": "nonlocal"}
    saved.write_text("\n".join([
        json.dumps({"application": {"signing_date": "2026-12-01"},
                    "parties": [{**buyer, "social_security_months": 3, "tax_months": 30}]}),
        json.dumps({"application": {"signing_date": "2026-12-01"},
                    "parties": [{**buyer, "social_security_months": 3, "tax_months": 3}]}),
        '{"parties": [',
    ]) + "\n", encoding="utf-8")
    code, out, _ = _run("diff", str(docrules.default_pack_path()), str(pack_copy), str(saved),
                        "--fail-on-change")
    assert code == 1
    assert f"### {saved}:1" in out and f"{saved}:2" not in out.replace(f"{saved}:2:", "")
    assert "- issue removed: NONLOCAL_SOCIAL_SECURITY_SHORT (b)" in out
    assert f"- could not read {saved}:3: {saved}:3:1: error[DR502] invalid JSON: Expecting value" in out
    code, out, _ = _run("diff", str(docrules.default_pack_path()), str(pack_copy), str(saved), "--format", "json")
    assert code == 0 and json.loads(out)["totals"] == {
        "cases": 3, "changed": 1, "newly_blocked": 0, "newly_ready": 0, "errors": 1}


def test_saved_applications_that_are_not_valid_input_are_errors_not_tracebacks(tmp_path: Path,
                                                                                 pack: docrules.Pack) -> None:
    saved = tmp_path / "saved.jsonl"
    good = json.dumps({"parties": [{"id": "b", "role": "buyer"}]}).encode()
    huge = b'{"application": {"price": 1' + b"0" * 30 + b'}, "parties": [{"id": "b", "role": "buyer"}]}'
    saved.write_bytes(b"\n".join([good, huge, b"\xff\xfe not utf-8", b"[" * 5000, good]) + b"\n")
    report = diff_packs(pack, pack, [saved], today=date(2026, 11, 27))
    assert report.totals.cases == 5 and report.totals.errors == 3
    assert [e.error.split("] ")[0].rsplit("[", 1)[1] for e in report.errors] == ["DR524", "DR526", "DR522"]
