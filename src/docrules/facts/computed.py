"""The building blocks of computed facts: generic functions a pack names in `[facts.*.NAME] computed`.

They run in Python before the facts reach durable-rules, because the engine compares values but cannot
do date arithmetic or look at other facts; a count also spares the engine a negation ("no fact
of that role"), which durable-rules evaluates in an order-dependent way.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..pack.model import Excluding


def years_since(start: date, day: date, *, year_counts_on_anniversary: bool = False) -> int:
    """Full years from `start` to `day`. On the anniversary itself the year counts only when asked:
    Chinese law counts full years from the day after, so a person born on 2008-12-01 is 17 on
    2026-12-01. A
    29 February anniversary falls on 1 March in other years. 0 on the day itself (no anniversary
    yet); negative when `start` is after `day`."""
    years = day.year - start.year
    try:
        anniversary = start.replace(year=day.year)
    except ValueError:
        anniversary = date(day.year, 3, 1)
    if day < anniversary or (day == anniversary and not year_counts_on_anniversary and day != start):
        years -= 1
    return years


def count_linked(parties: list[Any], excluding: Excluding | None = None) -> int:
    """How many of `parties` (those of a role that name this one in `of`) count: all, less those whose
    `excluding.fact` is known and one of `excluding.values`."""
    if excluding is None:
        return len(parties)
    return sum(getattr(p, excluding.fact) not in excluding.values for p in parties)


def max_known(values: list[int | float | None]) -> int | float | None:
    """The largest of `values`, or None (unknown) while any of them is unknown."""
    if not values or any(v is None for v in values):
        return None
    return max(v for v in values if v is not None)
