"""(compiled program, facts) → Result. durable-rules decides what matched; this turns matches into
checklist lines, issues and questions, merging lines that several rules ask for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..diagnostics import Diagnostic, FactsError
from ..facts.model import Facts
from ..facts.vocabulary import Scope, Vocabulary
from ..pack.model import RulePack, Whose
from ..results import IssueSeverity, Result, Status, Text
from .compile import PRINCIPAL_PREFIX, Program
from .durable import Answers, Ruleset
from .effects import SEVERITIES, Effects


def principal_positions(facts: Facts) -> list[int]:
    """For each party, the position of the principal it belongs to (a principal's own: it names no one)."""
    index = {p.id: i for i, p in enumerate(facts.parties)}
    return [i if p.of is None else index.get(p.of, i) for i, p in enumerate(facts.parties)]


def engine_facts(program: Program, vocabulary: Vocabulary, facts: Facts, day: date | None,
                 principals: list[int]) -> list[dict[str, Any]]:
    """The facts as durable-rules sees them: only what some rule names, parties by position, each
    party carrying its principal's facts that rules name (PRINCIPAL_PREFIX)."""
    out: list[dict[str, Any]] = [{"id": "a", "t": "app",
                                  **vocabulary.reader("application", program.app_facts).read(facts.application)}]
    own = vocabulary.reader("party", program.party_facts).parties(facts, day)
    of_principal = (vocabulary.reader("party", program.principal_facts, PRINCIPAL_PREFIX)
                    .parties(facts, day, set(principals)) if program.principal_facts else None)
    for i, values in enumerate(own):
        out.append({"id": f"p{i}", "t": "party", **values,
                    **(of_principal[principals[i]] if of_principal is not None else {})})
    return out


@dataclass
class _Line:
    originals: int = 0
    copies: int = 0
    pages: dict[Text, None] = field(default_factory=dict)  # ordered sets
    notes: dict[Text, None] = field(default_factory=dict)
    rules: dict[str, None] = field(default_factory=dict)
    sources: dict[str, None] = field(default_factory=dict)
    alternatives: tuple[tuple[int, ...], ...] | None = None  # a "one of these sets" line
    label: Text | None = None

    def cite(self, effects: Effects) -> None:
        self.rules[effects.rule] = None
        self.sources.update(dict.fromkeys(effects.sources))


_Key = tuple[int, int, int]  # (stage or severity, party position or -1, document or issue code)


class _Builder:
    def __init__(self, pack: RulePack, program: Program, facts: Facts, principals: list[int]) -> None:
        self.pack, self.program, self.facts = pack, program, facts
        self.items: dict[tuple[int, int, int], _Line] = {}
        self.issues: dict[tuple[int, int, int], _Line] = {}
        self.minimums: dict[int, list[tuple[int, frozenset[int] | None, Effects]]] = {}
        self.amounts: dict[str, int] = {}
        self.principal = principals
        self.issue_documents: dict[tuple[int, int, int], list[dict[str, str | None]]] = {}

    def whose(self, whose: Whose, subject: int) -> int:
        """-1 for the application, else a party's position."""
        if whose is Whose.application or subject < 0:
            return -1
        return self.principal[subject] if whose is Whose.principal else subject

    def fire(self, effects: Effects, subject: int) -> None:
        for plan in effects.lines:
            key = (plan.stage, self.whose(plan.whose, subject), plan.document)
            line = self.items.get(key)
            if line is None:
                line = self.items[key] = _Line()
            line.originals = max(line.originals, plan.originals)
            line.copies = max(line.copies, plan.copies)
            if plan.alternatives is not None:
                line.alternatives, line.label = plan.alternatives, plan.label
            line.pages.update(dict.fromkeys(plan.pages))
            line.notes.update(dict.fromkeys(plan.notes))
            line.cite(effects)
        if effects.issue is not None:
            severity, code = effects.issue
            self.issues.setdefault((severity, subject, code), _Line()).cite(effects)
        if effects.min_copies is not None:
            whose, copies, stages = effects.min_copies
            self.minimums.setdefault(self.whose(whose, subject), []).append((copies, stages, effects))
        if effects.amount is not None:
            name, base, rate = effects.amount
            if name not in self.amounts:
                exact = Decimal(str(getattr(self.facts.application, base))) * rate
                self.amounts[name] = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def apply_minimums(self) -> None:
        for (stage, party, _), line in self.items.items():
            for copies, stages, effects in self.minimums.get(party, ()):
                if line.copies > 0 and (stages is None or stage in stages):
                    line.copies = max(line.copies, copies)
                    line.cite(effects)

    def party_id(self, index: int) -> str | None:
        return None if index < 0 else self.facts.parties[index].id

    def mark_received(self) -> tuple[dict[_Key, dict[str, int]], dict[_Key, bool]]:
        """What was handed in for each line, and whether it falls short; raises the pack's
        missing-documents issue for short lines of its stages. Empty when received is not tracked."""
        if self.facts.received is None:
            return {}, {}
        documents = list(self.pack.documents)
        stage_names = list(self.pack.stages)
        rule = self.pack.meta.missing_documents
        default = rule.stages[0] if rule is not None else None  # None: it counts at every stage
        handed = {(got.party, got.document, got.stage or default): got for got in self.facts.received}

        def counts(party: int, doc: int, stage: int) -> tuple[int, int]:
            key = (self.party_id(party), documents[doc])
            got = handed.get((*key, stage_names[stage])) or handed.get((*key, None))
            return (got.originals, got.copies) if got is not None else (0, 0)

        received: dict[_Key, dict[str, int]] = {}
        missing: dict[_Key, bool] = {}
        for key, line in self.items.items():
            stage, party, doc = key
            # a line of alternatives is complete when any one set is: report the set that is, or else
            # the set closest to it, as the least handed in of its documents
            sets = line.alternatives or ((doc,),)
            got = [[counts(party, d, stage) for d in group] for group in sets]
            best = max(got, key=lambda g: (all(o >= line.originals and c >= line.copies for o, c in g),
                                           sum(min(o, line.originals) + min(c, line.copies) for o, c in g)))
            originals, copies = min(o for o, _ in best), min(c for _, c in best)
            received[key] = {"originals": originals, "copies": copies}
            missing[key] = originals < line.originals or copies < line.copies
        if rule is not None:
            stages = {list(self.pack.stages).index(s) for s in rule.stages}
            short = sorted(key for key, is_missing in missing.items() if is_missing and key[0] in stages)
            if short:
                definition = self.pack.issues[rule.issue]
                key = (SEVERITIES.index(definition.severity), -1, list(self.pack.issues).index(rule.issue))
                self.issues[key] = _Line()
                self.issue_documents[key] = [{"party": self.party_id(party), "document": documents[doc]}
                                             for _, party, doc in short]
        return received, missing


@dataclass(frozen=True)
class Trace:
    """What the engine matched for one check: (rule, subject) pairs whose condition held, and those it
    could not decide, each with the ids of the facts it matched by alias. A subject is a party's
    position, -1 the application. `asserted` is what the engine was given, by fact id."""

    asserted: dict[str, dict[str, Any]]
    principals: list[int]  # for each party, the position of the principal it belongs to
    fires: dict[tuple[int, int], dict[str, str]]
    asks: dict[tuple[int, int], dict[str, str]]
    tests: set[tuple[int, int, int]]  # traced programs: (rule, subject, test) for each test that held

    @property
    def undecided(self) -> dict[tuple[int, int], dict[str, str]]:
        return {k: f for k, f in self.asks.items() if k not in self.fires}


def match(program: Program, ruleset: Ruleset, vocabulary: Vocabulary, facts: Facts, day: date | None) -> Trace:
    """What durable-rules matches for `facts`; `day` dates computed facts (None: unknown)."""
    principals = principal_positions(facts)
    asserted = engine_facts(program, vocabulary, facts, day, principals)
    return trace_of(program, asserted, principals, ruleset.run(asserted))


def trace_of(program: Program, asserted: list[dict[str, Any]], principals: list[int],
             answers: Answers) -> Trace:
    """What the engine's answers mean for the pack's rules."""
    fires: dict[tuple[int, int], dict[str, str]] = {}
    asks: dict[tuple[int, int], dict[str, str]] = {}
    tests: set[tuple[int, int, int]] = set()
    meanings = program.meanings
    for frame, names in answers:
        subject = int(frame["p"][1:]) if "p" in frame else -1
        for name in names:
            for activation in meanings[name]:
                if activation.kind == "test":
                    tests.add((activation.rule, subject, activation.test))
                else:
                    target = fires if activation.kind == "fire" else asks
                    target.setdefault((activation.rule, subject), frame)
    return Trace({f["id"]: f for f in asserted}, principals, fires, asks, tests)


def rejections(program: Program, facts: Facts, trace: Trace) -> list[Diagnostic]:
    """The pack's rules that refuse these facts (facts that cannot be true), each naming its fact."""
    out = []
    for rule_index, subject in sorted(trace.fires):
        effects = program.effects.get(rule_index)
        if effects is None or effects.reject is None:
            continue
        fact, why = effects.reject
        path = f"application.{fact}" if subject < 0 else f"parties[{subject}].{fact}"
        out.append(Diagnostic(code="DR529", path=path, rule=effects.rule, message=f"{path}: {why.en}",
                              zh=f"{path}: {why.zh}"))
    return out


def build(pack: RulePack, program: Program, vocabulary: Vocabulary, facts: Facts, trace: Trace,
          day: date) -> Result:
    """The result of one check on its policy date `day` (a program serves a whole policy period).
    Raises `FactsError` when a rule of the pack refuses the facts."""
    refused = rejections(program, facts, trace)
    if refused:
        raise FactsError(refused)
    b = _Builder(pack, program, facts, trace.principals)
    for rule_index, subject in sorted(trace.fires):  # rule order: the order of rules and sources in a line
        effects = program.effects.get(rule_index)
        if effects is not None:  # derived facts fire only in a traced program, and add nothing
            b.fire(effects, subject)
    b.apply_minimums()
    received, missing = b.mark_received()
    questions = _questions(pack, program, vocabulary, facts, trace)

    # One validation of plain data (in pydantic's core) is much cheaper than a model per line.
    stage_names = list(pack.stages)
    items = []
    for (stage, party, doc), line in sorted(b.items.items()):
        document, label = program.documents[doc]
        alternatives = None if line.alternatives is None else [
            [program.documents[d][0] for d in group] for group in line.alternatives]
        items.append({"stage": stage_names[stage], "party": b.party_id(party), "document": document,
                      "label": line.label or label, "originals": line.originals,
                      "copies": line.copies, "pages": list(line.pages), "notes": list(line.notes),
                      "rules": list(line.rules), "sources": list(line.sources),
                      "received": received.get((stage, party, doc)), "missing": missing.get((stage, party, doc)),
                      "alternatives": alternatives})
    issues = []
    severities = set()
    for (severity, party, code), line in sorted(b.issues.items()):
        name, message = program.issues[code]
        severities.add(SEVERITIES[severity])
        issues.append({"code": name, "severity": SEVERITIES[severity], "party": b.party_id(party),
                       "message": message, "rules": list(line.rules), "sources": list(line.sources),
                       "documents": b.issue_documents.get((severity, party, code))})
    return Result.model_validate({
        "status": _status(severities, bool(questions)), "items": items, "issues": issues,
        "questions": questions, "amounts": dict(sorted(b.amounts.items())),
        "pack": {"name": pack.meta.name, "version": pack.meta.version, "digest": pack.digest},
        "as_of": day, "settings": program.settings})


def _questions(pack: RulePack, program: Program, vocabulary: Vocabulary, facts: Facts,
               trace: Trace) -> list[dict[str, Any]]:
    """For each rule the engine could not decide, the missing facts it names — or, for a computed
    fact such as an age, the given facts it is computed from that are missing; and for each rule that
    holds, the facts it asks to be known that are missing."""
    asked: dict[tuple[int, int], dict[str, None]] = {}
    principals, asserted = trace.principals, trace.asserted
    for (rule_index, _), frame in sorted(trace.undecided.items()):
        effects = program.effects.get(rule_index)
        if effects is None or effects.reject is not None:  # derived facts ask through the rules using them
            continue
        for alias, fact in program.asks[rule_index]:
            # the principal's facts are on the party fact, prefixed
            bound = frame.get("p" if alias == "b" else alias)
            prop = PRINCIPAL_PREFIX + fact if alias == "b" else fact
            if bound is None or prop in asserted[bound]:
                continue
            owner = -1 if alias == "a" else int(bound[1:])
            if alias == "b":
                owner = principals[owner]
            scope: Scope = "application" if alias == "a" else "party"
            for target, name in vocabulary.inputs(scope, fact, owner, facts):
                key = (target, vocabulary.order[("application" if target < 0 else "party", name)])
                asked.setdefault(key, {})[pack.rules[rule_index].id] = None
    for rule_index, subject in sorted(trace.fires):  # rules that hold and need facts known (`ask`)
        holds = program.effects.get(rule_index)
        holder = facts.application if subject < 0 else facts.parties[subject]
        for name in holds.ask if holds is not None else ():
            if getattr(holder, name) is None:
                key = (subject, vocabulary.order[("application" if subject < 0 else "party", name)])
                asked.setdefault(key, {})[pack.rules[rule_index].id] = None
    names = list(vocabulary.facts)
    return [{"party": None if target < 0 else facts.parties[target].id, "fact": names[order][1],
             "rules": list(rules)} for (target, order), rules in sorted(asked.items())]


def _status(severities: set[IssueSeverity], questions: bool) -> Status:
    if IssueSeverity.block in severities:
        return Status.blocked
    if IssueSeverity.escalate in severities:
        return Status.needs_escalation
    if questions:
        return Status.incomplete
    return Status.ready
