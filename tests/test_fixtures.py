"""Every application under fixtures/ against its reviewed expected result (`NAME.result.json`).

To regenerate after a reviewed policy change: DOCRULES_UPDATE_GOLDEN=1 pytest tests/test_fixtures.py,
then read the diff before committing it.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

import docrules

from .conftest import FIXTURES

TODAY = date(2026, 11, 27)  # the policy date of fixtures with no signing date
CASES = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".toml", ".json")
               and not p.name.endswith(".result.json"))


def _expected(path: Path) -> Path:
    return path.with_name(path.stem + ".result.json")


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_fixture(case: Path, pack: docrules.Pack) -> None:
    got = pack.check(docrules.read_facts(case), today=TODAY).model_dump_json(indent=2) + "\n"
    golden = _expected(case)
    if os.environ.get("DOCRULES_UPDATE_GOLDEN"):
        golden.write_text(got, encoding="utf-8")
    assert golden.exists(), f"no expected result for {case.name}; run with DOCRULES_UPDATE_GOLDEN=1 and review"
    assert got == golden.read_text(encoding="utf-8")


def _all_results() -> list[dict[str, object]]:
    return [json.loads(_expected(c).read_text(encoding="utf-8")) for c in CASES if _expected(c).exists()]


def test_fixtures_cover_every_issue_code(pack: docrules.Pack) -> None:
    seen = {i["code"] for r in _all_results() for i in r["issues"]}  # type: ignore[attr-defined]
    assert seen == set(pack.rules.issues)


def test_fixtures_fire_every_rule(pack: docrules.Pack) -> None:
    seen = {rule for r in _all_results() for key in ("items", "issues")
            for entry in r[key] for rule in entry["rules"]}  # type: ignore[attr-defined]
    # a derived fact has no line of its own: it shows through the rules that use it
    effect_rules = {r.id for r in pack.rules.rules if r.derive is None and not (r.amount and not r.require)}
    assert effect_rules - seen == set()


def test_fixtures_cover_every_status() -> None:
    assert {r["status"] for r in _all_results()} == {"ready", "blocked", "needs_escalation", "incomplete"}
