"""Fuzzing: valid facts never crash, keep the result's invariants, and give what a direct evaluation of
the compiled conditions gives (an oracle that knows no policy, tests/oracle.py); invalid facts and
mutated rule files give located errors, never a traceback."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import docrules
from bench.generate import Generator
from docrules.engine.evaluate import build, match
from docrules.results import IssueSeverity, Result, Status

from .conftest import FIXTURES
from .oracle import DirectMatcher

TODAY = date(2026, 11, 27)
PACK = docrules.load_pack()
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def valid_facts(draw: st.DrawFn) -> dict[str, Any]:
    """An application the default pack accepts, from its own vocabulary (bench/generate.py)."""
    return Generator(PACK, draw(st.integers(0, 2**32))).application()


def direct_result(pack: docrules.Pack, data: dict[str, Any], today: date) -> Result:
    """The result built from the oracle's matches instead of durable-rules'."""
    facts = pack.facts(data)
    signing = pack.facts_date(facts)
    day = signing or today
    program, _ = pack.program(day)
    trace = match(program, DirectMatcher(program.definition), pack.vocabulary, facts, signing)  # type: ignore[arg-type]
    return build(pack.rules, program, pack.vocabulary, facts, trace, day)


def assert_invariants(result: Result) -> None:
    severities = {i.severity for i in result.issues}
    expected = (Status.blocked if IssueSeverity.block in severities else
                Status.needs_escalation if IssueSeverity.escalate in severities else
                Status.incomplete if result.questions else Status.ready)
    assert result.status is expected
    assert all(i.rules and i.sources for i in result.items)
    assert all(i.rules and i.sources for i in result.issues)
    keys = [(i.stage, i.party, i.document) for i in result.items]
    assert len(keys) == len(set(keys))
    assert all(q.rules for q in result.questions)


@FAST
@given(valid_facts())
def test_valid_facts_give_a_result_whose_invariants_hold(data: dict[str, Any]) -> None:
    result = PACK.check(data, today=TODAY)
    assert_invariants(result)
    text = result.model_dump_json()
    facts = docrules.parse_facts(data)
    assert PACK.check(facts, today=TODAY).model_dump_json() == text  # same facts, same JSON
    assert direct_result(PACK, data, TODAY).model_dump_json() == text  # and what the conditions say


def test_the_oracle_agrees_on_every_fixture_and_many_applications() -> None:
    """The oracle and the engine agree on results that differ among themselves: every status and
    most issue codes appear, so agreement says something."""
    generator = Generator(PACK, 11)
    fixtures = [docrules.read_facts(f).model_dump(mode="json", exclude_none=True)
                for f in sorted(FIXTURES.glob("*.*")) if f.suffix in (".toml", ".json")]
    statuses, codes = set(), set()
    for data in [*fixtures, *(generator.application() for _ in range(300))]:
        result = PACK.check(data, today=TODAY)
        assert direct_result(PACK, data, TODAY) == result
        statuses.add(result.status)
        codes |= {i.code for i in result.issues}
    assert statuses == set(Status)
    assert len(codes) >= len(PACK.rules.issues) // 2


_JUNK = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12), st.floats(allow_nan=True),
                  st.text(max_size=5), st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3),
                                                                                             st.integers(), max_size=2))


@st.composite
def invalid_facts(draw: st.DrawFn) -> Any:
    """Valid facts with a field set to junk, a key added, or a party broken; or junk altogether."""
    if draw(st.integers(0, 9)) == 0:
        return draw(_JUNK)
    data: dict[str, Any] = draw(valid_facts())
    where = draw(st.sampled_from(["application", "party", "top"]))
    holder: dict[str, Any] = (data["application"] if where == "application" else
                              draw(st.sampled_from(data["parties"])) if where == "party" else data)
    key = draw(st.one_of(st.sampled_from(sorted(holder) or ["x"]), st.text(min_size=1, max_size=8)))
    holder[key] = draw(_JUNK)
    return data


def _located(error: docrules.DocrulesError) -> None:
    assert error.diagnostics
    for d in error.diagnostics:
        assert d.code.startswith("DR") and d.message
        assert d.path or d.file or d.code == "DR503"  # DR503: the facts are not an object at all


@FAST
@given(invalid_facts())
def test_invalid_facts_give_a_located_error(data: Any) -> None:
    try:
        PACK.check(data, today=TODAY)  # junk can happen to be valid: then it is just checked
    except docrules.FactsError as error:
        _located(error)
        json.dumps([d.model_dump() for d in error.diagnostics])


RULE_FILES = sorted(docrules.default_pack_path().glob("*.toml"))
_CHECKED = docrules.read_facts(Path(__file__).resolve().parents[1] / "fixtures" / "local-couple-mortgage.toml")


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, str]:
    """A rule file of the default pack and its text after a few line deletions, duplications and
    character edits."""
    path = draw(st.sampled_from(RULE_FILES))
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        n = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["delete", "duplicate", "character"]))
        if edit == "delete" and len(lines) > 1:
            del lines[n]
        elif edit == "duplicate":
            lines.insert(n, lines[n])
        else:
            line = lines[n]
            at = draw(st.integers(0, len(line)))
            char = draw(st.sampled_from(list("\"'[]{}=.,#\n 0x_-é")) | st.characters())
            lines[n] = line[:at] + char + line[at + draw(st.integers(0, 1)):]
    return path.name, "".join(lines)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_mutated_rule_files_load_or_give_located_errors(mutation: tuple[str, str]) -> None:
    name, text = mutation
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pack"
        shutil.copytree(docrules.default_pack_path(), folder)
        (folder / name).write_text(text, encoding="utf-8")
        try:
            pack = docrules.load_pack(folder)
        except docrules.PackError as error:
            _located(error)
            assert all(d.file for d in error.diagnostics)
            return
        try:
            pack.check(_CHECKED)
        except docrules.FactsError as error:  # an edited condition of the pack's own may refuse these facts
            assert {d.code for d in error.diagnostics} == {"DR529"}
        finally:
            pack.close()
