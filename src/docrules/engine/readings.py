"""What the engine's answers mean for a pack's rules: each fact's engine rules are read once per
distinct answer (a `Reading`, kept by the program), so a check walks its facts, not its rules."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from ..pack.model import Whose
from .compile import Program, Unknown
from .durable import Answers
from .effects import APPLICATION, PRINCIPAL, SUBJECT
from .rows import Rows


class Reading(NamedTuple):
    """What the engine rules matched about one subject (the application or one party) mean, worked
    out here once instead of per check: what the pack rules that hold add to whose part of the result
    (codes: rule * 8 + REACH bits, in rule order), the facts the rules it could not decide may ask,
    and which tests held (traced programs)."""

    # of the rules the engine could not decide, those that do not also hold and whose questions a
    # result asks: each fact they may ask, with the rules asking it (id, and rank: (0, index))
    asking: tuple[tuple[Unknown, tuple[tuple[str, tuple[int, int]], ...]], ...]
    tests: tuple[tuple[int, int], ...]  # (rule, test) for each test that held
    own: tuple[int, ...]  # the subject's own share: all of an application rule's; a party's as a principal
    as_member: tuple[int, ...]  # a party's own share when it belongs to a principal
    up: tuple[int, ...]  # ... and what it adds to its principal's share then
    to_application: tuple[int, ...]  # what a party adds to the application's share
    # rarer effects, by rule: minimums of copies (with whose lines), amounts, refusals, facts asked
    minimums: tuple[tuple[int, Whose], ...]
    amounts: tuple[tuple[int, tuple[str, str, Decimal]], ...]
    refusals: tuple[int, ...]
    holding: tuple[int, ...]
    rare: bool  # any of these four


def read(program: Program, names: tuple[str, ...], application: bool) -> Reading:
    """What a subject's engine rules `names` mean (`application`: the subject is the application)."""
    fires: dict[int, None] = {}
    asks: dict[int, None] = {}
    tests: dict[tuple[int, int], None] = {}
    for name in names:
        for activation in program.meanings[name]:
            if activation.kind == "test":
                tests[(activation.rule, activation.test)] = None
            else:
                (fires if activation.kind == "fire" else asks)[activation.rule] = None
    held = sorted(fires)
    effects = [(rule, program.effects[rule]) for rule in held if rule in program.effects]  # derived: none
    own, as_member, up, to_application = [], [], [], []
    for rule, found in effects:
        code, reach = rule * 8, found.reach
        if application:
            if reach:
                own.append(code + reach)
            continue
        if reach & (SUBJECT | PRINCIPAL):
            own.append(code + (reach & (SUBJECT | PRINCIPAL)))
        if reach & SUBJECT:
            as_member.append(code + SUBJECT)
        if reach & PRINCIPAL:
            up.append(code + PRINCIPAL)
        if reach & APPLICATION:
            to_application.append(code + APPLICATION)
    minimums = tuple((rule, e.min_copies[0]) for rule, e in effects if e.min_copies is not None)
    amounts = tuple((rule, e.amount) for rule, e in effects if e.amount is not None)
    refusals = tuple(rule for rule, e in effects if e.reject is not None)
    holding = tuple(rule for rule, e in effects if e.ask)
    return Reading(
        _asking(program, [rule for rule in sorted(asks) if rule not in fires]),
        tuple(sorted(tests)), tuple(own), tuple(as_member), tuple(up), tuple(to_application),
        minimums, amounts, refusals, holding, bool(minimums or amounts or refusals or holding))


def _asking(program: Program, undecided: list[int]
            ) -> tuple[tuple[Unknown, tuple[tuple[str, tuple[int, int]], ...]], ...]:
    """Each fact the `undecided` rules may ask, with those rules in rule order: many ask the same."""
    by_unknown: dict[Unknown, dict[str, tuple[int, int]]] = {}
    for rule in undecided:
        for unknown in program.unknowns.get(rule, ()):
            by_unknown.setdefault(unknown, {})[program.effects[rule].rule] = (0, rule)
    return tuple((unknown, tuple(rules.items())) for unknown, rules in by_unknown.items())


class Trace(NamedTuple):  # a tuple: made on every check, and a class of ours costs a microsecond more
    """What the engine matched for one check: each subject's `Reading` (a subject is a party's
    position, -1 the application), and the engine's answers they were read from, with the ids of the
    facts each engine rule matched by alias. `engine` is what the engine was given."""

    engine: Rows
    principals: list[int]  # for each party, the position of the principal it belongs to
    answers: Answers
    # in subject order, each subject once, with the frame of its answer when it has one answer
    readings: list[tuple[int, Reading, dict[str, str] | None]]
    program: Program
    kept: dict[str, dict[tuple[int, int], dict[str, str]]]  # `fires` and `asks`, worked out on first use

    @property
    def asserted(self) -> dict[str, dict[str, Any]]:
        """What the engine was given, by fact id."""
        return self.engine.by_id()

    @property
    def fires(self) -> dict[tuple[int, int], dict[str, str]]:
        """(rule, subject) pairs whose condition held, each with the ids of the facts it matched by alias."""
        return self._frames("fire")

    @property
    def asks(self) -> dict[tuple[int, int], dict[str, str]]:
        """(rule, subject) pairs the engine could not decide, each with the ids of the facts it matched."""
        return self._frames("ask")

    @property
    def tests(self) -> set[tuple[int, int, int]]:
        """Traced programs: (rule, subject, test) for each test that held."""
        return {(rule, subject, test) for subject, reading, _ in self.readings for rule, test in reading.tests}

    def _frames(self, kind: str) -> dict[tuple[int, int], dict[str, str]]:
        if not self.kept:
            fires = self.kept["fire"] = {}
            asks = self.kept["ask"] = {}
            for frame, names in self.answers:
                subject = _subject(frame)
                for name in names:
                    for activation in self.program.meanings[name]:
                        if activation.kind != "test":
                            target = fires if activation.kind == "fire" else asks
                            target.setdefault((activation.rule, subject), frame)
        return self.kept[kind]


def _subject(frame: dict[str, str]) -> int:
    return int(frame["p"][1:]) if "p" in frame else -1


def trace_of(program: Program, asserted: Rows, principals: list[int], answers: Answers) -> Trace:
    """What the engine's answers mean for the pack's rules."""
    subjects = [_subject(frame) for frame, _ in answers]
    chunks: Iterable[tuple[int, tuple[dict[str, str] | None, tuple[str, ...]]]]
    if subjects == sorted(set(subjects)):  # from the cache: each subject's rules in one answer
        chunks = zip(subjects, answers, strict=True)
    else:  # the engine's own report: an answer per engine rule
        by_subject: dict[int, list[str]] = {}
        for subject, (_, names) in zip(subjects, answers, strict=True):
            by_subject.setdefault(subject, []).extend(names)
        chunks = [(subject, (None, tuple(by_subject[subject]))) for subject in sorted(by_subject)]
    get, out = program.readings.get, []
    for subject, (frame, names) in chunks:
        reading = get(names)
        if reading is None:
            reading = read(program, names, subject < 0)
            program.readings.put(names, reading)
        out.append((subject, reading, frame))
    return Trace(asserted, principals, answers, out, program, {})
