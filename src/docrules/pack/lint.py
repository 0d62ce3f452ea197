"""Checks that need a compiled view of the pack, or today's date, on top of those made while loading:

  DR310 a rule whose condition can never hold (contradictory tests on one fact, in every policy period)
  DR311 a value excluded twice in one condition (`x != "a" and x not in ["a", "b"]`): a slip, usually
  DR405 a rule or setting that has expired: nothing of it is in force any more

DR310 and DR311 run on every load; DR405 only in `docrules lint`, and only when selected (a pack does
not expire while in use, and lint's result must not change with the day it runs).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic, PackError, Severity
from ..engine.compile import Compiler, active, alternatives, policy_boundaries, simplify, split_in
from ..engine.programs import program_for
from ..facts.vocabulary import Vocabulary
from ..tomlsource import source_map
from .conditions import And, Cmp, Expr, Known, Or, parse
from .model import RuleDef, RulePack
from .validate import ALIAS_SCOPE


@dataclass
class _Domain:
    """What one fact may still be, given the tests of one conjunction."""

    values: set[object] | None = None  # None: not a closed set
    low: Any = None
    low_open: bool = False
    high: Any = None
    high_open: bool = False
    excluded: set[object] = field(default_factory=set)
    present: bool | None = None

    def upper(self, value: Any, strict: bool) -> None:
        if self.high is None or value < self.high or (value == self.high and strict):
            self.high, self.high_open = value, strict

    def lower(self, value: Any, strict: bool) -> None:
        if self.low is None or value > self.low or (value == self.low and strict):
            self.low, self.low_open = value, strict

    def empty(self) -> bool:
        if self.values is not None and not (self.values - self.excluded):
            return True
        if self.low is not None and self.high is not None:
            try:
                if self.low > self.high:
                    return True
                if self.low == self.high and (self.low_open or self.high_open or self.low in self.excluded):
                    return True
            except TypeError:
                return False
        return False


def _conjuncts(expr: Expr) -> list[Expr]:
    return [c for item in expr.items for c in _conjuncts(item)] if isinstance(expr, And) else [expr]


def _satisfiable(vocabulary: Vocabulary, tests: list[Expr]) -> bool:
    domains: dict[tuple[str, str], _Domain] = {}

    def domain(alias: str, name: str) -> _Domain:
        key = (alias, name)
        if key not in domains:
            spec = vocabulary.spec(ALIAS_SCOPE[alias], name)
            closed: set[object] | None = None
            if spec is not None and spec.kind == "enum":
                closed = set(spec.values)
            elif spec is not None and spec.kind == "bool":
                closed = {True, False}
            domains[key] = _Domain(values=closed)
        return domains[key]

    for test in (c for t in tests for c in _conjuncts(t)):
        if isinstance(test, Known):
            d = domain(test.ref.alias, test.ref.name)
            if d.present is not None and d.present != test.present:
                return False
            d.present = test.present
        elif isinstance(test, Or) and all(isinstance(i, Cmp) and i.op == "==" for i in test.items):
            refs = {(i.ref.alias, i.ref.name) for i in test.items if isinstance(i, Cmp)}
            if len(refs) == 1:
                d = domain(*refs.pop())
                allowed: set[object] = {i.value for i in test.items if isinstance(i, Cmp)}
                d.values = allowed if d.values is None else d.values & allowed
        elif isinstance(test, Cmp):
            d = domain(test.ref.alias, test.ref.name)
            if d.present is False:
                return False
            d.present = True
            _narrow(d, test)
        if any(d.empty() for d in domains.values()):
            return False
    return True


def _narrow(d: _Domain, test: Cmp) -> None:
    value: Any = test.value  # a single literal: `in` is split and settings are folded by now
    if test.op == "==":
        d.values = {value} if d.values is None else d.values & {value}
        if not isinstance(value, bool | str):
            d.lower(value, strict=False)
            d.upper(value, strict=False)
    elif test.op == "!=":
        d.excluded.add(value)
    elif test.op in ("<", "<="):
        d.upper(value, strict=test.op == "<")
    else:
        d.lower(value, strict=test.op == ">")


def _never_holds(compiler: Compiler, rule: RuleDef) -> bool:
    cond = simplify(split_in(compiler.expand(compiler.parse(rule.when), {})))
    try:
        found = alternatives(cond, rule)
    except PackError:  # too wide for the engine: reported as DR305 by compiling
        return False
    return all(not _satisfiable(compiler.vocabulary, [t for tests in alt.values() for t in tests]) for alt in found)


def _excluded_twice(rule: RuleDef, principal: str) -> list[str]:
    """Values a conjunction excludes more than once, read off the rule as written (no derived facts)."""
    counts = Counter((str(c.ref), c.value) for c in _conjuncts(split_in(parse(rule.when, principal)))
                     if isinstance(c, Cmp) and c.op == "!=")
    return [f"{ref} != {value!r}" for (ref, value), n in counts.items() if n > 1]


def locate(pack: RulePack, kind: str, key: str, severity: Severity, code: str, message: str,
           hint: str | None = None, at: tuple[str | int, ...] = ()) -> Diagnostic:
    """A diagnostic about a definition of the pack (rule, document, setting, issue), at the line that
    defines it, or at the key `at` inside it; the file is read again, since a loaded pack keeps where,
    not the text."""
    origin = pack.origin(kind, key)
    line = column = None
    if origin is not None:
        try:
            pos = source_map(Path(origin.file).read_text(encoding="utf-8")).find((*origin.path, *at))
        except OSError:  # changed or gone since the pack was loaded
            pos = None
        line, column = (pos.line, pos.column) if pos else (None, None)
    return Diagnostic(code=code, severity=severity, file=origin.file if origin else None, line=line,
                      column=column, rule=key if kind == "rule" else None, message=message, hint=hint)


def logic_problems(pack: RulePack) -> list[Diagnostic]:
    """DR310 and DR311; and the pack compiles for every policy period (else DR305/DR306, located)."""
    out: list[Diagnostic] = []
    compilers = []
    vocabulary = Vocabulary(pack)  # one for every policy period: the vocabulary is not dated
    for day in policy_boundaries(pack):
        try:
            compilers.append(Compiler(pack, day, vocabulary))
        except PackError:  # a gap in a setting (DR402): no check can run then, so nothing to lint
            continue
        try:
            program_for(pack, day, vocabulary=vocabulary)
        except PackError as exc:
            for d in exc.diagnostics:
                found = locate(pack, "rule", d.rule, d.severity, d.code, d.message, d.hint) if d.rule else d
                if found not in out:
                    out.append(found)
    for rule in pack.rules:
        if not rule.enabled:
            continue
        periods = [c for c in compilers if active(rule, c.day)]
        if periods and all(_never_holds(c, rule) for c in periods):
            out.append(locate(pack, "rule", rule.id, Severity.error, "DR310",
                               f"rule '{rule.id}': its condition can never hold",
                               "two of its tests on one fact contradict each other"))
        for slip in _excluded_twice(rule, pack.principal):
            out.append(locate(pack, "rule", rule.id, Severity.warning, "DR311",
                               f"rule '{rule.id}' excludes a value twice: {slip}"))
    return out


def expired(pack: RulePack, today: date) -> list[Diagnostic]:
    """DR405: dated policy that is over. Never checked on load: a pack does not expire while in use."""
    out = [locate(pack, "rule", r.id, Severity.warning, "DR405",
                   f"rule '{r.id}' expired on {r.until}", "remove it, or keep it for re-checking old cases")
           for r in pack.rules if r.until is not None and r.until <= today]
    for name, setting in pack.settings.items():
        if all(v.until is not None and v.until <= today for v in setting.values):
            out.append(locate(pack, "setting", name, Severity.warning, "DR405",
                               f"setting '{name}' has no value in force on {today} or later"))
    return out
