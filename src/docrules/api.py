"""The one Python API: load a pack, check facts, get a `Result`. CLI and other interfaces call only this."""

from __future__ import annotations

import copy
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from .diagnostics import Diagnostic, DocrulesError, FactsError, PackError
from .engine.compile import Program, policy_boundaries
from .engine.durable import CACHE_SIZE, Ruleset
from .engine.evaluate import build, engine_facts, match, principal_positions
from .engine.programs import program_for
from .engine.readings import Trace, trace_of
from .engine.smoke import require_smoke
from .facts.boundary import read_data as read_facts_data
from .facts.model import Facts, build_model
from .facts.read import parse_facts as validate_facts
from .facts.read import unknown_documents
from .facts.vocabulary import Vocabulary, fact_gates
from .pack.load import load_rule_pack
from .pack.model import RulePack
from .results import Result


class Traced(NamedTuple):  # a tuple: made on every check, and a frozen dataclass costs a microsecond more
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

    def __init__(self, rules: RulePack, *, cache_size: int = CACHE_SIZE) -> None:
        """`cache_size`: how many distinct engine-fact signatures each policy period's ruleset
        remembers the engine's answers for (0: ask the engine on every check)."""
        self.rules = rules
        self.cache_size = cache_size
        self.vocabulary = Vocabulary(rules)
        self._described: dict[str, Any] | None = None
        # The pack's facts contract: a pydantic model built from the facts it declares.
        self.facts_model: type[Facts] = build_model(rules)
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

    def today(self) -> date:
        """The date now where the policy applies (the pack's `timezone`), whatever the server's clock."""
        return datetime.now(ZoneInfo(self.rules.meta.timezone)).date()

    def program(self, day: date, *, trace: bool = False) -> tuple[Program, Ruleset]:
        key = (bisect_right(self._boundaries, day), trace)
        # Every check comes here: a program compiled already is read without the lock (the dict only
        # grows under it). A check racing close() then finds its ruleset closed: an error, as after.
        found = self._programs.get(key)
        if found is not None and not found[1].broken and not self._closed:
            return found
        with self._lock:
            if self._closed:
                raise RuntimeError("this pack was closed")
            found = self._programs.get(key)
            if found is None or found[1].broken:
                program = program_for(self.rules, day, trace=trace, vocabulary=self.vocabulary)
                found = (program, Ruleset(program.definition, cache_size=self.cache_size))
                self._programs[key] = found
            return found

    def facts(self, facts: Facts | dict[str, Any], *, file: str | None = None) -> Facts:
        """Validate facts for this pack (its facts model, the relations between parties, received
        documents the catalog knows) after the input boundary's limits (for plain data); raise
        `FactsError` listing every problem."""
        valid = validate_facts(facts, self.facts_model, self.vocabulary, file=file)
        if valid.received:  # most checks track no documents handed in
            unknown = unknown_documents(valid, self.rules.documents, self.rules.stages)
            if unknown:
                raise FactsError(unknown)
        return valid

    def read_facts(self, source: str | Path) -> Facts:
        """Read a facts file (`.toml` as TOML, anything else and `-` as JSON) and validate it."""
        name = str(source)
        return self.facts(read_facts_data(source), file=None if name == "-" else name)

    def describe(self) -> dict[str, Any]:
        """The facts a form asks for, with words and `gates` (see `Vocabulary.describe`). Worked out
        once per pack: a page asks for it on every visit."""
        if self._described is None:
            self._described = self.vocabulary.describe(fact_gates(self.rules, self.vocabulary))
        return copy.deepcopy(self._described)

    def facts_date(self, facts: Facts) -> date | None:
        """The date the facts give the check (the pack's `date_fact`), if any."""
        name = self.rules.meta.date_fact
        value = getattr(facts.application, name, None) if name else None
        return value if isinstance(value, date) else None

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
        signing = self.facts_date(valid)
        day = as_of or signing or today or self.today()
        try:
            program, ruleset = self.program(day, trace=trace)
        except PackError as exc:
            raise self._out_of_policy(exc, day, as_of or (None if signing else today)) from None
        matched = match(program, ruleset, self.vocabulary, valid, as_of or signing)
        return Traced(build(self.rules, program, self.vocabulary, valid, matched, day), matched, program, valid)

    def check_many(self, many: Iterable[Facts | dict[str, Any]], *, as_of: date | None = None,
                   today: date | None = None) -> Iterator[Result | DocrulesError]:
        """`check` for many applications, in order: each gets its `Result`, or the error that refused it
        (bad facts, a date outside the policy). Faster than one `check` at a time: the engine is asked
        about the applications and parties it has not seen, each once, in a few sessions, instead of in
        a session per check. All of `many` is read and matched first; each result is built as it is
        taken (write it and let it go: a chunk of a few hundred at a time keeps memory small)."""
        refused: dict[int, DocrulesError] = {}
        groups: dict[int, tuple[tuple[Program, Ruleset], list[tuple[int, Facts, date, date | None]]]] = {}
        count = 0
        for n, facts in enumerate(many):
            count += 1
            try:
                valid = self.facts(facts)
                signing = self.facts_date(valid)
                day = as_of or signing or today or self.today()
                try:
                    compiled = self.program(day)
                except PackError as exc:
                    raise self._out_of_policy(exc, day, as_of or (None if signing else today)) from None
            except DocrulesError as exc:
                refused[n] = exc
                continue
            groups.setdefault(id(compiled[1]), (compiled, []))[1].append((n, valid, day, as_of or signing))
        matched: dict[int, tuple[Program, Facts, date, Trace]] = {}
        for (program, ruleset), checks in groups.values():
            principals = [principal_positions(valid) for _, valid, _, _ in checks]
            asserted = [engine_facts(program, self.vocabulary, valid, age_day, p)
                        for (_, valid, _, age_day), p in zip(checks, principals, strict=True)]
            answers = ruleset.run_many(asserted)
            for (n, valid, day, _), engine, p, activations in zip(checks, asserted, principals, answers,
                                                                  strict=True):
                matched[n] = (program, valid, day, trace_of(program, engine, p, activations))
        for n in range(count):
            if n in refused:
                yield refused.pop(n)
                continue
            program, valid, day, trace = matched.pop(n)
            try:
                yield build(self.rules, program, self.vocabulary, valid, trace, day)
            except DocrulesError as exc:  # the pack's rules refused the facts
                yield exc

    def _out_of_policy(self, exc: PackError, day: date, given: date | None) -> DocrulesError:
        """A date no setting covers is the facts' problem (a signing date from another era), not the
        pack's: name the field that gave the date."""
        if not all(d.code == "DR304" for d in exc.diagnostics):
            return exc
        field = "as_of" if given is not None else f"application.{self.rules.meta.date_fact}"
        starts = max((min(v.from_ for v in s.values) for s in self.rules.settings.values()), default=None)
        hint = f"the pack's policy starts on {starts}" if starts and day < starts else None
        return FactsError([Diagnostic(code="DR518", path=field, hint=hint, zh=f"{field}: {day} 没有适用的政策",
                                      message=f"{field}: no policy of this pack is in force on {day}")])

    def close(self) -> None:
        """Free the engine memory of this pack; it cannot check any more."""
        with self._lock:
            self._closed = True
            for _, ruleset in self._programs.values():
                ruleset.close()
            self._programs.clear()


def lint(path: str | Path | None = None, *, today: date | None = None, select: Sequence[str] | None = None,
         extend_select: Sequence[str] = (), ignore: Sequence[str] = ()) -> list[Diagnostic]:
    """Every problem of a pack folder, as `docrules lint` prints them: all errors, and the warnings that
    `select`/`extend_select`/`ignore` (codes or prefixes such as "DR4"), the pack's `[lint]` table and
    inline `# docrules: ignore[...]` comments leave. The result does not depend on the day unless the
    opt-in DR405 (expired policy) is selected; `today` pins that day. Raises ValueError for a selector
    that names no code."""
    from .tools.lint import lint_folder  # lint's own modules: not needed to check

    return lint_folder(default_pack_path() if path is None else path, today=today, select=select,
                       extend_select=extend_select, ignore=ignore)


def load_pack(path: str | Path | None = None, *, cache_size: int = CACHE_SIZE) -> Pack:
    """Load and validate a pack folder (default: the Foshan pack), and check empty facts once in each
    policy period. Raises `PackError` listing every problem; a pack with errors is never returned.
    `cache_size`: see `Pack`."""
    pack = Pack(load_rule_pack(default_pack_path() if path is None else path), cache_size=cache_size)
    require_smoke(pack)
    return pack


@cache
def default_pack() -> Pack:
    """The Foshan pack, loaded once per process."""
    return load_pack()


def read_facts(source: str | Path, *, pack: Pack | None = None) -> Facts:
    """Read a facts file and validate it for `pack` (default: the Foshan pack)."""
    return (pack or default_pack()).read_facts(source)


def parse_facts(data: object, *, pack: Pack | None = None) -> Facts:
    """Validate plain data as facts of `pack` (default: the Foshan pack); `FactsError` lists every problem."""
    return (pack or default_pack()).facts(data)  # type: ignore[arg-type]


def check(facts: Facts | dict[str, Any], *, pack: Pack | None = None, as_of: date | None = None,
          today: date | None = None) -> Result:
    """Check one application against `pack` (default: the Foshan pack, loaded once)."""
    return (pack or default_pack()).check(facts, as_of=as_of, today=today)
