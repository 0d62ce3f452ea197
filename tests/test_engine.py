"""durable-rules behind one module: sessions always end, packs live side by side, threads agree."""

from __future__ import annotations

import json
import sys
import threading
from datetime import date
from pathlib import Path

import pytest

import docrules
from docrules.engine.compile import compile_pack
from docrules.engine.durable import Ruleset

from .conftest import FIXTURES, MINI

CASES = [docrules.read_facts(p) for p in sorted(FIXTURES.glob("*.toml"))]


def test_compiling_is_pure_and_does_not_touch_the_engine() -> None:
    pack = docrules.load_pack(MINI)
    before = json.dumps(pack.rules.model_dump(mode="json"), sort_keys=True)
    one = compile_pack(pack.rules, date(2026, 12, 1))
    two = compile_pack(pack.rules, date(2026, 12, 1))
    assert one.definition == two.definition
    assert json.dumps(pack.rules.model_dump(mode="json"), sort_keys=True) == before
    assert "durable" not in sys.modules["docrules.engine.compile"].__dict__


def test_identical_engine_conditions_are_merged(mini_copy: Path) -> None:
    (mini_copy / "more.toml").write_text(  # the same condition as visitor-papers, another effect
        '[[rules]]\nid = "visitor-review"\ntitle = "t"\nsources = ["S2"]\nfor = "party"\n'
        "when = 'party.role == \"applicant\" and party.residency == \"visitor\"'\nissue = \"PREMIUM_REVIEW\"\n",
        encoding="utf-8")
    rules = docrules.load_pack(mini_copy).rules
    program = compile_pack(rules, date(2026, 12, 1))
    bodies = [json.dumps(b, sort_keys=True) for b in program.definition.values()]
    assert len(bodies) == len(set(bodies))
    merged = [{rules.rules[a.rule].id for a in m} for m in program.meanings.values() if len({a.rule for a in m}) > 1]
    assert {"visitor-papers", "visitor-review"} in merged


def test_more_checks_than_the_engine_has_sessions(pack: docrules.Pack) -> None:
    """durable-rules allows 1,024 live sessions per ruleset: every check must end its own."""
    _, ruleset = pack.program(date(2026, 12, 1))
    for n in range(1100):
        result = pack.check(CASES[n % len(CASES)])
        assert result.status
    assert ruleset.live_sessions == 0
    assert ruleset.last_sid is not None and not ruleset.session_exists(ruleset.last_sid)


def test_two_packs_side_by_side(mini_copy: Path) -> None:
    pack = docrules.load_pack(MINI)
    catalog = mini_copy / "catalog.toml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace(
        '[issues.PREMIUM_REVIEW]\nseverity = "escalate"', '[issues.PREMIUM_REVIEW]\nseverity = "block"'),
        encoding="utf-8")
    other = docrules.load_pack(mini_copy)
    facts = {"application": {"apply_date": "2026-12-01", "card": "premium", "fee": 10},
             "parties": [{"id": "a", "role": "applicant", "residency": "visitor", "birth_date": "1990-01-01"}]}
    for _ in range(3):
        assert pack.check(facts).status is docrules.Status.needs_escalation
        assert other.check(facts).status is docrules.Status.blocked
    assert other.digest != pack.digest
    other.close()
    assert pack.check(facts).status is docrules.Status.needs_escalation


def test_reloading_the_same_pack_registers_a_new_ruleset(pack: docrules.Pack) -> None:
    again = docrules.load_pack()
    facts = docrules.read_facts(FIXTURES / "local-couple-mortgage.toml")
    assert again.check(facts) == pack.check(facts)
    assert again.program(date(2026, 12, 1))[1].name != pack.program(date(2026, 12, 1))[1].name
    again.close()
    with pytest.raises(RuntimeError):
        again.check(facts)


def test_same_facts_same_bytes(pack: docrules.Pack) -> None:
    for facts in CASES:
        assert pack.check(facts).model_dump_json() == pack.check(facts).model_dump_json()


def test_threads_agree_with_serial_checks(pack: docrules.Pack) -> None:
    expected = [pack.check(f).model_dump_json() for f in CASES]
    failures: list[str] = []
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # force interleaving inside checks

    def worker() -> None:
        for n in range(300):
            i = n % len(CASES)
            if pack.check(CASES[i]).model_dump_json() != expected[i]:
                failures.append(f"case {i}")

    try:
        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert failures == []


def test_an_engine_failure_is_an_error_not_a_partial_result(pack_copy: Path) -> None:
    """A fact with the same id twice is refused by the engine: the check raises, and since its session
    may not be safe to delete (research §7) the ruleset is given up; the pack registers a fresh one."""
    ruleset = Ruleset({"r0": {"all": [{"a": {"t": "app"}}]}})
    with pytest.raises(docrules.EngineError, match="DR309"):
        ruleset.run([{"id": "a", "t": "app"}, {"id": "a", "t": "app", "x": 1}])
    assert ruleset.broken and ruleset.closed

    pack = docrules.load_pack(pack_copy)
    facts = docrules.read_facts(FIXTURES / "local-couple-mortgage.toml")
    first = pack.check(facts)
    _, used = pack.program(date(2026, 12, 1))
    with pytest.raises(docrules.EngineError):
        used.run([{"id": "a", "t": "app"}, {"id": "a", "t": "app"}])
    assert pack.check(facts) == first
    assert pack.program(date(2026, 12, 1))[1] is not used


def test_activations_are_read_by_fact_id_whatever_the_strings_inside(pack: docrules.Pack) -> None:
    """Matched facts are found by their `{"id": ...` start in the engine's message; a phone that looks
    like one is escaped inside its JSON string and changes nothing."""
    facts = docrules.read_facts(FIXTURES / "macau-couple-contact-without-phone.toml").model_dump(mode="json")
    tricky = json.loads(json.dumps(facts))
    for party in tricky["parties"]:
        party["phone"] = '"},"p":{"id": "p9", "t": "'
    plain = json.loads(json.dumps(facts))
    for party in plain["parties"]:
        party["phone"] = "x"
    assert pack.check(tricky) == pack.check(plain)
