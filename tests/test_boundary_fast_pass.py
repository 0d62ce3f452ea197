"""The boundary's fast pass sees a problem alone in good data, wherever it stands (fuzzed data mostly
breaks several limits at once, so that a blind spot of the fast pass hides behind another problem)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from docrules.facts.boundary import Limits, _within, data_problems

SMALL = Limits(max_depth=3, max_parties=2, max_items=3, max_string=4, max_integer=1000)
good = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=4), inner, max_size=2),
    max_leaves=8)
BAD = [float("inf"), float("nan"), 1001, -1001, 10**30, "xxxxx", [0] * 4, {"xxxxx": 0}, [[[[0]]]],
       {"a": {"b": {"c": {"d": 0}}}}]


def _containers(value: Any) -> list[Any]:
    found = [value] if isinstance(value, dict | list) else []
    for item in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
        found += _containers(item)
    return found


@settings(max_examples=600, deadline=None, derandomize=True)
@given(good, st.sampled_from(BAD), st.integers(0, 100))
def test_one_problem_anywhere_is_seen(value: Any, bad: Any, where: int) -> None:
    containers = _containers(value)
    if containers:
        holder = containers[where % len(containers)]
        if isinstance(holder, dict):
            holder["k"] = bad
        else:
            holder.append(bad)
    else:
        value = bad
    assert data_problems(value, limits=SMALL)
    assert not _within(value, SMALL)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(good, min_size=SMALL.max_parties + 1, max_size=SMALL.max_items),
       st.dictionaries(st.text(max_size=4), good, max_size=2))
def test_too_many_parties_are_seen_among_good_data(parties: list[Any], application: dict[str, Any]) -> None:
    limits = Limits(max_depth=3, max_parties=2, max_items=3, max_string=11, max_integer=1000)  # 'application'
    value = {"application": application, "parties": parties}
    assert data_problems(value, limits=limits)
    assert not _within(value, limits)
