"""A pack that loads must check: compile every policy period and run one check with no facts through
the engine, so that a condition the engine refuses (or fails on) stops the load instead of every check."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, DocrulesError, FactsError, PackError
from .compile import policy_boundaries
from .evaluate import build, match

if TYPE_CHECKING:
    from ..api import Pack


def period_starts(pack: Pack) -> list[date]:
    """One day in each policy period the pack covers: its first day, then every change after it."""
    rules = pack.rules
    first = max((min(v.from_ for v in s.values) for s in rules.settings.values()), default=date(2000, 1, 1))
    return [first, *(d for d in policy_boundaries(rules) if d > first)]


def smoke_check(pack: Pack) -> list[Diagnostic]:
    """Every problem met checking empty facts on the first day of each policy period."""
    empty = pack.facts_model(parties=[])
    problems: list[Diagnostic] = []
    for day in period_starts(pack):
        try:
            program, ruleset = pack.program(day)
            build(pack.rules, program, pack.vocabulary, empty, match(program, ruleset, pack.vocabulary, empty, day),
                  day)
        except FactsError:
            continue  # a rule of the pack refusing empty facts is the pack working, not failing
        except DocrulesError as exc:
            if all(d.code == "DR304" for d in exc.diagnostics):
                continue  # a gap in the settings: those days are refused as facts, not a broken pack
            problems.extend(d.model_copy(update={"message": f"policy period from {day}: {d.message}"})
                            for d in exc.diagnostics)
    return problems


def require_smoke(pack: Pack) -> None:
    """Raise `PackError` (and free the pack) when a policy period cannot check."""
    problems = smoke_check(pack)
    if problems:
        pack.close()
        raise PackError(problems)
