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
from ..results import Issue, IssueSeverity, Item, Result, Status, Text
from .compile import PRINCIPAL_PREFIX, Program
from .durable import Activations, Ruleset
from .effects import SEVERITIES, Effects, Memo


def principal_positions(facts: Facts) -> list[int]:
    """For each party, the position of the principal it belongs to (a principal's own: it names no one)."""
    index = {p.id: i for i, p in enumerate(facts.parties)}
    return [i if p.of is None else index.get(p.of, i) for i, p in enumerate(facts.parties)]


def engine_facts(program: Program, vocabulary: Vocabulary, facts: Facts, day: date | None,
                 principals: list[int]) -> list[dict[str, Any]]:
    """The facts as durable-rules sees them: only what some rule names, parties by position, each
    party carrying its principal's facts that rules name (PRINCIPAL_PREFIX)."""
    out: list[dict[str, Any]] = [{"id": "a", "t": "app", **vocabulary.application_values(facts, program.app_facts)}]
    values = vocabulary.party_values(facts, day, program.party_facts | program.principal_facts)
    for i, (principal, known) in enumerate(zip(principals, values, strict=True)):
        fact = {"id": f"p{i}", "t": "party"}
        fact.update((name, value) for name, value in known.items() if name in program.party_facts)
        fact.update((PRINCIPAL_PREFIX + name, value) for name, value in values[principal].items()
                    if name in program.principal_facts)
        out.append(fact)
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
    """Which rules fired on whom, kept as indices; lines and issues are merged from them only where no
    finished one can be shared (the memos of the program, keyed by these indices)."""

    def __init__(self, pack: RulePack, program: Program, facts: Facts, principals: list[int]) -> None:
        self.pack, self.program, self.facts = pack, program, facts
        self.lines: dict[_Key, list[int]] = {}  # what asks for each line: rule, n-th line of its effects, …
        self.issues: dict[_Key, list[int]] = {}  # the rules raising each issue
        self.minimums: dict[int, list[int]] = {}  # the rules setting a minimum of copies, by whose lines
        self.amounts: dict[str, tuple[str, str, Decimal]] = {}  # the first rule naming each amount
        self.principal = principals
        self.issue_documents: dict[_Key, list[dict[str, str | None]]] = {}

    def whose(self, whose: Whose, subject: int) -> int:
        """-1 for the application, else a party's position."""
        if whose is Whose.application or subject < 0:
            return -1
        return self.principal[subject] if whose is Whose.principal else subject

    def fire(self, rule_index: int, effects: Effects, subject: int) -> None:
        for n, plan in enumerate(effects.lines):
            self.lines.setdefault((plan.stage, self.whose(plan.whose, subject), plan.document), []).extend(
                (rule_index, n))
        if effects.issue is not None:
            severity, code = effects.issue
            self.issues.setdefault((severity, subject, code), []).append(rule_index)
        if effects.min_copies is not None:
            self.minimums.setdefault(self.whose(effects.min_copies[0], subject), []).append(rule_index)
        if effects.amount is not None:
            self.amounts.setdefault(effects.amount[0], effects.amount)

    def line(self, key: _Key) -> _Line:
        """One checklist line as every rule asking for it wants it: the most originals and copies, every
        page, note, rule and source in rule order; then the minimums of copies that apply to it."""
        stage, party, _ = key
        line = _Line()
        asks = self.lines[key]
        for rule_index, n in zip(asks[::2], asks[1::2], strict=True):
            effects = self.program.effects[rule_index]
            plan = effects.lines[n]
            line.originals = max(line.originals, plan.originals)
            line.copies = max(line.copies, plan.copies)
            if plan.alternatives is not None:
                line.alternatives, line.label = plan.alternatives, plan.label
            line.pages.update(dict.fromkeys(plan.pages))
            line.notes.update(dict.fromkeys(plan.notes))
            line.cite(effects)
        for rule_index in self.minimums.get(party, ()):
            effects = self.program.effects[rule_index]
            assert effects.min_copies is not None
            _, copies, stages = effects.min_copies
            if line.copies > 0 and (stages is None or stage in stages):
                line.copies = max(line.copies, copies)
                line.cite(effects)
        return line

    def party_id(self, index: int) -> str | None:
        return None if index < 0 else self.facts.parties[index].id

    def mark_received(self, lines: dict[_Key, _Line]) -> tuple[dict[_Key, dict[str, int]], dict[_Key, bool]]:
        """What was handed in for each line, and whether it falls short; raises the pack's
        missing-documents issue for short lines of its stages."""
        assert self.facts.received is not None
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
        for key, line in lines.items():
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
                self.issues[key] = []
                self.issue_documents[key] = [{"party": self.party_id(party), "document": documents[doc]}
                                             for _, party, doc in short]
        return received, missing

    def finish(self) -> tuple[list[Item | dict[str, Any]], list[Issue | dict[str, Any]], list[_Miss]]:
        """The result's items and issues in order: finished ones from the program's memos, the others as
        plain data to validate (with the memo keys to keep them under). Documents handed in make lines
        and an issue of their own, so a check that tracks them shares nothing."""
        tracked = self.facts.received is not None
        received: dict[_Key, dict[str, int]] = {}
        missing: dict[_Key, bool] = {}
        if tracked:
            merged = {key: self.line(key) for key in self.lines}
            received, missing = self.mark_received(merged)
        stage_names = list(self.pack.stages)
        misses: list[_Miss] = []
        items: list[Item | dict[str, Any]] = []
        for key in sorted(self.lines):
            stage, party, doc = key
            party_id = self.party_id(party)
            memo_key = None if tracked else (stage, party_id, doc, *self.lines[key], -1, *self.minimums.get(party, ()))
            item = None if memo_key is None else self.program.finished_items.get(memo_key)
            if item is not None:
                items.append(item)
                continue
            line = merged[key] if tracked else self.line(key)
            document, label = self.program.documents[doc]
            alternatives = None if line.alternatives is None else [
                [self.program.documents[d][0] for d in group] for group in line.alternatives]
            items.append({"stage": stage_names[stage], "party": party_id, "document": document,
                          "label": line.label or label, "originals": line.originals,
                          "copies": line.copies, "pages": list(line.pages), "notes": list(line.notes),
                          "rules": list(line.rules), "sources": list(line.sources),
                          "received": received.get(key), "missing": missing.get(key),
                          "alternatives": alternatives})
            if memo_key is not None:
                misses.append((self.program.finished_items, "items", len(items) - 1, memo_key))
        issues: list[Issue | dict[str, Any]] = []
        for key in sorted(self.issues):
            severity, party, code = key
            party_id = self.party_id(party)
            memo_key = None if tracked else (severity, party_id, code, *self.issues[key])
            issue = None if memo_key is None else self.program.finished_issues.get(memo_key)
            if issue is not None:
                issues.append(issue)
                continue
            cited = _Line()
            for rule_index in self.issues[key]:
                cited.cite(self.program.effects[rule_index])
            name, message = self.program.issues[code]
            issues.append({"code": name, "severity": SEVERITIES[severity], "party": party_id,
                           "message": message, "rules": list(cited.rules), "sources": list(cited.sources),
                           "documents": self.issue_documents.get(key)})
            if memo_key is not None:
                misses.append((self.program.finished_issues, "issues", len(issues) - 1, memo_key))
        return items, issues, misses


# a piece built for a result: the memo to keep it in, the result's field and position, its memo key
_Miss = tuple[Memo[Any], str, int, tuple[Any, ...]]


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
             activations: Activations) -> Trace:
    """What the engine's activations mean for the pack's rules."""
    fires: dict[tuple[int, int], dict[str, str]] = {}
    asks: dict[tuple[int, int], dict[str, str]] = {}
    tests: set[tuple[int, int, int]] = set()
    for name, frame in activations:
        subject = int(frame["p"][1:]) if "p" in frame else -1
        for activation in program.meanings[name]:
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
            b.fire(rule_index, effects, subject)
    items, issues, misses = b.finish()
    questions = _questions(pack, program, vocabulary, facts, trace)
    amounts = {}
    for name, base, rate in b.amounts.values():
        exact = Decimal(str(getattr(facts.application, base))) * rate
        amounts[name] = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    # One validation of plain data (in pydantic's core) is much cheaper than a model per line; finished
    # pieces pass through it as they are.
    result = Result.model_validate({
        "status": _status({SEVERITIES[severity] for severity, _, _ in b.issues}, bool(questions)),
        "items": items, "issues": issues, "questions": questions, "amounts": dict(sorted(amounts.items())),
        "pack": {"name": pack.meta.name, "version": pack.meta.version, "digest": pack.digest},
        "as_of": day, "settings": program.settings})
    for memo, name, position, key in misses:
        memo.put(key, getattr(result, name)[position])
    return result


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
