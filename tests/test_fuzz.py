"""Fuzzing (issue #5 §4): valid facts never crash and keep the result's invariants (and agree with the
hand-coded floor); invalid facts and mutated rule files give located errors, never a traceback."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import docrules
from bench.floor import Floor
from docrules.facts.model import CreditCheck, Hukou, Identity, MaritalStatus, MortgageBank, Payment, Role
from docrules.results import IssueSeverity, Status

TODAY = date(2026, 11, 27)
PACK = docrules.load_pack()
FLOOR = Floor(PACK.rules)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _maybe(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), values)


def _enum(kind: type[Any]) -> st.SearchStrategy[Any]:
    return _maybe(st.sampled_from([m.value for m in kind]))


@st.composite
def _birth(draw: st.DrawFn, signing: date | None) -> str | None:
    """Mostly within days of the 18th birthday on the signing day (29 February included)."""
    day = signing or TODAY
    around = draw(st.booleans())
    if around:
        try:
            eighteenth = day.replace(year=day.year - 18)
        except ValueError:
            eighteenth = date(day.year - 18, 3, 1)
        born = eighteenth + timedelta(days=draw(st.integers(-2, 2)))
    else:
        born = draw(st.dates(date(1930, 1, 1), day))
    known: bool = draw(st.booleans()) or around
    return born.isoformat() if known else None


@st.composite
def _party(draw: st.DrawFn, pid: str, role: Role, of: str | None, signing: date | None) -> dict[str, Any]:
    months = _maybe(st.integers(0, 40))
    identity = draw(_enum(Identity))
    party: dict[str, Any] = {
        "id": pid, "role": role.value, "of": of, "identity": identity,
        "hukou": draw(_enum(Hukou)) if identity in (None, "mainland") else None,
        "marital_status": draw(_enum(MaritalStatus)), "birth_date": draw(_birth(signing)),
        "social_security_months": draw(months), "tax_months": draw(months),
        "local_residence_months": draw(months), "id_card_digits": draw(_maybe(st.sampled_from([15, 18]))),
        "phone": draw(_maybe(st.just("0"))),
    }
    return {k: v for k, v in party.items() if v is not None}


@st.composite
def valid_facts(draw: st.DrawFn) -> dict[str, Any]:
    signing = draw(_maybe(st.dates(date(2024, 1, 1), date(2028, 12, 31))))
    flags = {name: draw(_maybe(st.booleans())) for name in (
        "mortgage_contract_signed", "mortgage_eligibility_confirmed", "eligibility_verified", "deposit_paid",
        "down_payment_paid", "maintenance_fund_paid", "special_clauses", "signed_by_agent")}
    app = {"signing_date": signing and signing.isoformat(), "price": draw(_maybe(st.integers(0, 10**8))),
           "payment": draw(_enum(Payment)), "credit_check": draw(_enum(CreditCheck)),
           "mortgage_bank": draw(_enum(MortgageBank)), **flags}
    parties = []
    for b in range(draw(st.integers(1, 2))):
        buyer = f"b{b}"
        parties.append(draw(_party(buyer, Role.buyer, None, signing)))
        for n, role in enumerate(draw(st.lists(st.sampled_from([r for r in Role if r is not Role.buyer]),
                                               max_size=4))):
            parties.append(draw(_party(f"{buyer}-{n}", role, buyer, signing)))
    order = draw(st.permutations(range(len(parties))))
    return {"application": {k: v for k, v in app.items() if v is not None}, "parties": [parties[i] for i in order]}


@FAST
@given(valid_facts())
def test_valid_facts_give_a_result_whose_invariants_hold(data: dict[str, Any]) -> None:
    result = PACK.check(data, today=TODAY)
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
    text = result.model_dump_json()
    facts = docrules.parse_facts(data)
    assert PACK.check(facts, today=TODAY).model_dump_json() == text  # same facts, same JSON
    assert FLOOR.check(facts, TODAY).model_dump_json() == text  # and what the hand-coded policy says


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
        finally:
            pack.close()
