"""The input boundary's two passes agree, and its refusals are located and short."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import docrules
from docrules.facts.boundary import Limits, _within, data_problems, parse_bytes

SMALL = Limits(max_depth=3, max_parties=2, max_items=3, max_string=4, max_integer=1000)
scalars = st.none() | st.booleans() | st.integers(-2000, 2000) | st.floats(allow_nan=True) | st.text(max_size=6)
data = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(
    st.text(max_size=6), inner, max_size=4) | st.fixed_dictionaries({"parties": st.lists(inner, max_size=4)}),
    max_leaves=30)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(data)
def test_the_fast_pass_never_hides_a_problem(value: Any) -> None:
    if data_problems(value, limits=SMALL):
        assert not _within(value, SMALL)


@pytest.mark.parametrize(("raw", "code", "where"), [
    (b'{"a": [1, 2]}\n\n   [[[[[[[[[[[[[[[[[[[[[', "DR522", (3, 20)),  # the 17th bracket
    (b'{"parties": [\n  {"id": "b\xc3", "role": "buyer"}]}', "DR526", (2, 12)),
    (b'{"parties": [\n  {"id": "b" "role": "buyer"}]}', "DR502", (2, 14)),
])
def test_positions_are_in_the_input(raw: bytes, code: str, where: tuple[int, int]) -> None:
    with pytest.raises(docrules.FactsError) as info:
        parse_bytes(raw, "in.json")
    [found] = info.value.diagnostics
    assert (found.code, found.file, (found.line, found.column)) == (code, "in.json", where)


def test_a_bom_is_not_part_of_the_data() -> None:
    assert parse_bytes(b"\xef\xbb\xbf" + json.dumps({"parties": []}).encode()) == {"parties": []}


def test_problems_are_capped_and_quoted_short() -> None:
    value = {"parties": [{"id": "x" * 100_000} for _ in range(30)]}
    problems = data_problems(value)
    assert len(problems) == 20 and all(len(p.message) < 120 for p in problems)


def test_the_python_api_applies_the_limits_to_plain_data(pack: docrules.Pack) -> None:
    with pytest.raises(docrules.FactsError, match=r"DR524\] application.price: number out of range"):
        pack.check({"application": {"price": 10**30}, "parties": [{"id": "b", "role": "buyer"}]})
