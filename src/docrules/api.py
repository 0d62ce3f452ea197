"""The one Python API: load a pack, check facts, get a `Result`. CLI and other interfaces call only this."""

from __future__ import annotations

import threading
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, FactsError, PackError, Severity
from .engine.compile import Program, compile_pack, policy_boundaries
from .engine.durable import Ruleset
from .engine.evaluate import Trace, build, match
from .engine.smoke import require_smoke
from .facts.boundary import check_data
from .facts.model import Facts
from .facts.read import parse_facts, unknown_documents
from .pack.lint import expired
from .pack.load import load_rule_pack, read_rule_pack
from .pack.model import RulePack
from .results import Result


@dataclass(frozen=True)
class Traced:
    result: Result
    trace: Trace
    program: Program
    facts: Facts


def default_pack_path() -> Path:
    """The Foshan pack: inside the installed package, or at the top of a source checkout."""
    installed = Path(__file__).parent / "rules" / "foshan"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "rules" / "foshan"


class Pack:
    """A loaded, validated rule pack, ready to check applications; safe to share between threads.

    Each policy period (the dates between changes of a setting or of a dated rule) compiles once, on
    first use, to its own durable-rules ruleset.
    """

    def __init__(self, rules: RulePack) -> None:
        self.rules = rules
        self._programs: dict[tuple[int, bool], tuple[Program, Ruleset]] = {}
        self._boundaries = policy_boundaries(rules)
        self._lock = threading.Lock()
        self._closed = False

    @property
    def name(self) -> str:
        return self.rules.meta.name

    @property
    def version(self) -> str:
        return self.rules.meta.version

    @property
    def digest(self) -> str:
        return self.rules.digest

    def program(self, day: date, *, trace: bool = False) -> tuple[Program, Ruleset]:
        key = (bisect_right(self._boundaries, day), trace)
        with self._lock:
            if self._closed:
                raise RuntimeError("this pack was closed")
            found = self._programs.get(key)
            if found is None or found[1].broken:
                program = compile_pack(self.rules, day, trace=trace)
                found = (program, Ruleset(program.definition))
                self._programs[key] = found
            return found

    def facts(self, facts: Facts | dict[str, Any]) -> Facts:
        """Validate facts for this pack: the input boundary's limits (for plain data), `parse_facts`, and
        received documents the catalog knows."""
        if not isinstance(facts, Facts):
            check_data(facts)
        valid = parse_facts(facts)
        unknown = unknown_documents(valid, self.rules.documents)
        if unknown:
            raise FactsError(unknown)
        return valid

    def check(self, facts: Facts | dict[str, Any], *, as_of: date | None = None,
              today: date | None = None) -> Result:
        """Check one application. `as_of` previews the policy (and ages) as if it were signed that day;
        by default the signing date is used. When neither is known the policy in force `today` applies
        (default: the system date; pin it to make re-checks of saved applications reproducible)."""
        return self._run(facts, as_of, today, trace=False).result

    def traced(self, facts: Facts | dict[str, Any], *, as_of: date | None = None,
               today: date | None = None) -> Traced:
        """`check`, keeping what the engine matched: for test coverage and explanations."""
        return self._run(facts, as_of, today, trace=True)

    def _run(self, facts: Facts | dict[str, Any], as_of: date | None, today: date | None, *,
             trace: bool) -> Traced:
        valid = self.facts(facts)
        signing = valid.application.signing_date
        day = as_of or signing or today or date.today()
        try:
            program, ruleset = self.program(day, trace=trace)
        except PackError as exc:
            # a date the pack has no policy for is a fact's fault when the facts (or the caller) chose it
            field = "as_of" if as_of else "application.signing_date" if signing else None
            if field is None or any(d.code != "DR304" for d in exc.diagnostics):
                raise
            raise FactsError([_no_policy(self.rules, field, day)]) from None
        matched = match(program, ruleset, valid, as_of or signing)
        return Traced(build(self.rules, program, valid, matched, day), matched, program, valid)

    def close(self) -> None:
        """Free the engine memory of this pack; it cannot check any more."""
        with self._lock:
            self._closed = True
            for _, ruleset in self._programs.values():
                ruleset.close()
            self._programs.clear()


def _no_policy(rules: RulePack, field: str, day: date) -> Diagnostic:
    starts = [min(v.from_ for v in s.values) for s in rules.settings.values()]
    ends = [max((v.until or date.max) for v in s.values) for s in rules.settings.values()]
    first, last = max(starts, default=date.min), min(ends, default=date.max)
    span = (f"the pack starts {first}" if day < first else f"the pack ends before {last}" if day >= last
            else "the pack has a gap on that day")
    return Diagnostic(code="DR527", path=field, message=f"{field}: no policy is in force on {day} ({span})")


def lint(path: str | Path | None = None, *, today: date | None = None) -> list[Diagnostic]:
    """Every problem of a pack folder (errors and warnings), as `docrules lint` prints them."""
    pack, diagnostics = read_rule_pack(default_pack_path() if path is None else path)
    if pack is None or any(d.severity is Severity.error for d in diagnostics):
        return diagnostics
    return diagnostics + expired(pack, today or date.today())


def load_pack(path: str | Path | None = None) -> Pack:
    """Load and validate a pack folder (default: the Foshan pack), and check empty facts once in each
    policy period. Raises `PackError` listing every problem; a pack with errors is never returned."""
    pack = Pack(load_rule_pack(default_pack_path() if path is None else path))
    require_smoke(pack)
    return pack


@cache
def default_pack() -> Pack:
    """The Foshan pack, loaded once per process."""
    return load_pack()


def check(facts: Facts | dict[str, Any], *, pack: Pack | None = None, as_of: date | None = None,
          today: date | None = None) -> Result:
    """Check one application against `pack` (default: the Foshan pack, loaded once)."""
    return (pack or default_pack()).check(facts, as_of=as_of, today=today)
