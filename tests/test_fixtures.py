"""The project's fixtures (facts + reviewed golden results) and the default pack's own test cases, run
by the same runner as `docrules test`.

After a reviewed policy change: `docrules test --cases fixtures --update` (and `docrules test --update`
for the pack's cases), then read the diff before committing it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import docrules
from docrules.tools.cases import discover, golden_path, load_case, run_case
from docrules.tools.coverage import measure

from .conftest import FIXTURES

FIXTURE_CASES = discover([FIXTURES])
PACK_CASES = discover([docrules.default_pack_path() / "tests"])


@pytest.mark.parametrize("case", FIXTURE_CASES + PACK_CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_case(case: Path, pack: docrules.Pack) -> None:
    outcome = run_case(pack, load_case(case))
    assert outcome.problems == []


def test_the_default_pack_cases_cover_every_outcome(pack: docrules.Pack) -> None:
    coverage = measure(pack.rules, [run_case(pack, load_case(c)) for c in PACK_CASES])
    assert [g.render() for g in coverage.gaps] == []
    assert coverage.percent == 100.0


def _golden_results() -> list[dict[str, object]]:
    return [json.loads(golden_path(c).read_text(encoding="utf-8")) for c in FIXTURE_CASES]


def test_fixtures_cover_every_issue_code_and_status(pack: docrules.Pack) -> None:
    results = _golden_results()
    assert {i["code"] for r in results for i in r["issues"]} == set(pack.rules.issues)  # type: ignore[attr-defined]
    assert {r["status"] for r in results} == {"ready", "blocked", "needs_escalation", "incomplete"}


def test_a_failing_case_says_what_differs(tmp_path: Path, pack: docrules.Pack) -> None:
    case = tmp_path / "case.toml"
    case.write_text("""
[facts]
parties = [{ id = "b", role = "buyer", identity = "taiwan", marital_status = "married" }]
[expect]
status = "ready"
issues = ["GUARANTOR_MISSING"]
[[expect.items]]
stage = "signing"
party = "b"
document = "passport"
copies = 2
[[expect.absent]]
document = "taiwan_compatriot_permit"
party = "b"
""", encoding="utf-8")
    assert run_case(pack, load_case(case)).problems == [
        "status: expected ready, got blocked",
        "issues: raised but not expected: SPOUSE_MISSING",
        "item signing/b/passport: copies expected 2, got 1",
        "item eligibility/b/taiwan_compatriot_permit: expected absent, but asked for",
        "item signing/b/taiwan_compatriot_permit: expected absent, but asked for",
    ]
