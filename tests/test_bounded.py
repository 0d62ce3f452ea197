"""The facts model's bounded validator (one pydantic-core pass that also proves the input boundary's
limits) changes nothing but speed: whatever it accepts is within the limits and is the model's own
answer, and every input, good or bad, gets the same facts or the same errors as the exact path (the
boundary's walk, then the model)."""

from __future__ import annotations

import tomllib
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, create_model

import docrules
from bench.generate import applications
from docrules.facts.boundary import LIMITS, data_problems
from docrules.facts.model import Facts, bounded_validator, build_model
from docrules.facts.read import allowed_values, parse_facts

from .conftest import FIXTURES, MINI, ROOT

M = LIMITS.max_integer
DEEP: list[Any] = []
for _ in range(LIMITS.max_depth + 2):
    DEEP = [DEEP]
PACKS = {"foshan": None, "example": ROOT / "examples" / "business-account", "mini": MINI,
         "peers": ROOT / "bench" / "peers" / "docrules_pack"}


def _exact(pack: docrules.Pack) -> type[Facts]:
    """The same pack's facts model without its bounded validator: every input takes the exact path."""
    model = build_model(pack.rules)
    model.bounded = None
    return model


@pytest.fixture(scope="module", params=sorted(PACKS))
def packs(request: pytest.FixtureRequest) -> tuple[docrules.Pack, type[Facts]]:
    pack = docrules.load_pack(PACKS[request.param])
    return pack, _exact(pack)


def _outcome(data: Any, model: type[Facts], pack: docrules.Pack) -> tuple[str, ...]:
    try:
        facts = parse_facts(data, model, pack.vocabulary, file="in.json")
    except docrules.FactsError as exc:
        return tuple(d.model_dump_json() for d in exc.diagnostics)
    return type(facts).__name__, repr(facts), facts.model_dump_json(), facts.model_dump_json(exclude_unset=True)


def _same(data: Any, pack: docrules.Pack, exact: type[Facts]) -> None:
    bounded = pack.facts_model.bounded
    assert bounded is not None
    try:
        fast = bounded.validate_python(data)
    except ValueError:
        pass
    else:  # accepted: within the limits, and the model's own answer
        assert not data_problems(data)
        assert isinstance(fast, pack.facts_model)
        assert fast == pack.facts_model.model_validate(data)
    assert _outcome(data, pack.facts_model, pack) == _outcome(data, exact, pack)


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """Each field of `model` with values worth trying in it: its own allowed values and the rest."""
    plain = st.integers(0, 99) | st.sampled_from(["2026-11-27", "x", True, 1.5, None])
    return {name: (st.sampled_from(allowed) if (allowed := allowed_values(field.annotation)) else plain) | values
            for name, field in model.model_fields.items()}


texts = st.sampled_from([0, 1, 40, 64, 65, 256, 257, 1000, 1001]).map(lambda n: "é" * n) | st.text(max_size=4)
numbers = (st.sampled_from([0, -1, 99, 100, M, M + 1, -M, -M - 1, 10**30, True, 1.0, 1.5, 1e300, -1e300])
           | st.integers(-10**6, 10**6) | st.floats() | st.decimals(allow_nan=True, places=2)
           | st.sampled_from([Decimal("1e30"), Decimal("Infinity")]))
days = (st.sampled_from(["2026-11-27", "2026-11-27T00:00:00", "2026-11-27T00:00:00." + "0" * 300, "2026-13-01",
                         b"2026-11-27", 1_700_000_000]) | st.dates() | st.sampled_from([datetime(2026, 1, 1),
                                                                                         datetime(2026, 1, 1, 9)]))
scalars = texts | numbers | days | st.none()
values = scalars | st.lists(scalars, max_size=3) | st.dictionaries(texts, scalars, max_size=2)


def _facts(model: type[Facts]) -> st.SearchStrategy[Any]:
    party_model = model.model_fields["parties"].annotation.__args__[0]  # type: ignore[union-attr]
    received_model = model.model_fields["received"].annotation.__args__[0].__args__[0]  # type: ignore[union-attr]
    ids = st.sampled_from(["a", "b", "c"]) | texts
    fields = _fields(party_model)
    party = st.fixed_dictionaries({"id": ids, "role": fields.pop("role")}, optional={
        **{k: v for k, v in fields.items() if k != "id"}, "of": ids, "colour": values, "x" * 257: values})
    received = st.fixed_dictionaries({}, optional={**_fields(received_model), "party": ids | st.none()})
    parties = st.lists(party, max_size=3) | st.integers(63, 66).map(lambda n: [{"id": "a", "role": "x"}] * n)
    app = st.fixed_dictionaries({}, optional={**_fields(model.model_fields["application"].annotation),  # type: ignore[arg-type]
                                              "colour": values})
    return st.fixed_dictionaries({"parties": parties | values}, optional={
        "application": app | values, "received": st.lists(received, max_size=3) | values, "x": values}) | values


@settings(max_examples=1500, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_facts_get_the_same_facts_or_the_same_errors(packs: tuple[docrules.Pack, type[Facts]],
                                                             data: st.DataObject) -> None:
    pack, exact = packs
    _same(data.draw(_facts(pack.facts_model)), pack, exact)


NASTY = ["é" * 256, "é" * 257, M, M + 1, -M - 1, 10**30, 1e300, float("inf"), float("nan"), Decimal("1e30"),
         "2026-11-27T00:00:00." + "0" * 300, "2026-11-27T00:00:00", datetime(2026, 1, 1), DEEP, [1] * 1001]


def test_each_field_holds_each_limit(packs: tuple[docrules.Pack, type[Facts]]) -> None:
    """Good facts but for one value: every field of the application, a party and a received
    document, and a key of no field, each with each value that is near or over a limit."""
    pack, exact = packs
    model = pack.facts_model
    principal = {"id": "a", "role": pack.vocabulary.principal}
    received = {"document": next(iter(pack.rules.documents)), "party": "a"}
    where = [("application", name) for name in model.model_fields["application"].annotation.model_fields]  # type: ignore[union-attr]
    where += [("party", name) for name in model.model_fields["parties"].annotation.__args__[0].model_fields]  # type: ignore[union-attr]
    where += [("received", name) for name in (*received, "stage", "copies")] + [("application", "x" * 257)]
    for part, name in where:
        for value in NASTY:
            data: dict[str, Any] = {"parties": [principal]}
            if part == "application":
                data["application"] = {name: value}
            elif part == "party":
                data["parties"] = [{**principal, name: value}]
            else:
                data["received"] = [{**received, name: value}]
            _same(data, pack, exact)


def test_lists_are_held_to_their_limits(pack: docrules.Pack) -> None:
    exact = _exact(pack)
    for n in (LIMITS.max_parties, LIMITS.max_parties + 1):
        _same({"parties": [{"id": f"p{i}", "role": "buyer"} for i in range(n)]}, pack, exact)
    received = [{"document": "id_card", "party": "b", "stage": str(i)} for i in range(LIMITS.max_items + 1)]
    for n in (LIMITS.max_items, LIMITS.max_items + 1):
        _same({"parties": [{"id": "b", "role": "buyer"}], "received": received[:n]}, pack, exact)


def test_good_facts_take_the_fast_path(pack: docrules.Pack) -> None:
    """Every fixture and pack test case is proved within the limits by the bounded validator alone."""
    bounded = pack.facts_model.bounded
    assert bounded is not None
    files = sorted(FIXTURES.glob("*.toml")) + sorted((ROOT / "rules" / "foshan" / "tests").glob("*.toml"))
    cases = [tomllib.loads(p.read_text(encoding="utf-8")) for p in files]
    cases = [case.get("facts", case) for case in cases]
    assert len(cases) > 30
    exact = _exact(pack)
    for case in cases:
        bounded.validate_python(case)
        _same(case, pack, exact)


@pytest.mark.parametrize("field", [
    (int | None, None),  # lax: it would read a long text of digits as a number
    (Annotated[StrictInt | None, BeforeValidator(lambda v: v)], None),  # a validator before the type
    (StrictInt | None, Field(None, validation_alias="n")),  # input keys other than the field names
])
def test_a_model_it_cannot_bound_has_no_bounded_validator(field: Any) -> None:
    model = create_model("Facts", __base__=Facts, n=field)
    assert bounded_validator(model) is None
    ignoring = create_model("Facts", __base__=Facts, __config__=ConfigDict(extra="ignore"))
    assert bounded_validator(ignoring) is None  # unknown keys would go unchecked


def test_received_documents_built_in_python_are_kept(pack: docrules.Pack) -> None:
    """`docrules.Received` is shared by every pack: the bounded validator checks its input without
    making it a class of its own, so facts built with it are taken as they are."""
    kept = docrules.Received(document="id_card", party="b")
    facts = pack.facts_model.model_validate({"parties": [{"id": "b", "role": "buyer"}], "received": [kept]})
    assert facts.received is not None and facts.received[0] is kept
    assert pack.facts(facts) is facts
    assert docrules.Received.__pydantic_complete__ and pack.facts_model.__pydantic_complete__


def test_generated_applications_get_the_same_facts(pack: docrules.Pack) -> None:
    exact = _exact(pack)
    bounded = pack.facts_model.bounded
    assert bounded is not None
    for app in applications(2000, 11, pack):
        bounded.validate_python(app)  # the benchmark's applications all take the fast path
        _same(app, pack, exact)
