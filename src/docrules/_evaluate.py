"""(compiled program, facts) → Result. durable-rules decides what matched; this turns matches into
checklist lines, issues and questions, merging lines that several rules ask for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ._catalog import FACTS, Scope, application_values, party_values
from ._compile import Program
from ._engine import Ruleset
from .facts import Facts, Role
from .pack import Count, RuleDef, RulePack, Whose
from .results import Issue, IssueSeverity, Item, PackInfo, Question, Result, Stage, Status, Text

_STAGES = list(Stage)
_SEVERITY = list(IssueSeverity)
_FACT_ORDER = {key: n for n, key in enumerate(FACTS)}


def engine_facts(program: Program, facts: Facts, age_day: date | None) -> list[dict[str, Any]]:
    """The facts as durable-rules sees them: only what some rule names, parties by position."""
    index = {p.id: i for i, p in enumerate(facts.parties)}
    out: list[dict[str, Any]] = [{"id": "a", "t": "app", **application_values(facts, program.app_facts)}]
    values = party_values(facts, age_day, program.party_facts)
    for i, (party, known) in enumerate(zip(facts.parties, values, strict=True)):
        buyer = i if party.role is Role.buyer else index.get(party.of or "", i)
        out.append({"id": f"p{i}", "t": "party", "buyer_id": f"p{buyer}", **known})
    return out


@dataclass
class _Line:
    originals: int = 0
    copies: int = 0
    pages: list[Text] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def cite(self, rule: RuleDef) -> None:
        if rule.id not in self.rules:
            self.rules.append(rule.id)
        self.sources.extend(s for s in rule.sources if s not in self.sources)


def _add(target: list[Text], more: list[Text]) -> None:
    target.extend(t for t in more if t not in target)


class _Builder:
    def __init__(self, pack: RulePack, program: Program, facts: Facts) -> None:
        self.pack, self.program, self.facts = pack, program, facts
        self.items: dict[tuple[int, int, int], _Line] = {}
        self.issues: dict[tuple[int, int, int], _Line] = {}
        self.minimums: dict[int, tuple[int, list[RuleDef]]] = {}
        self.amounts: dict[str, int] = {}
        self.docs = {d: n for n, d in enumerate(pack.documents)}
        self.codes = {c: n for n, c in enumerate(pack.issues)}
        self.buyer = [0] * len(facts.parties)
        ids = {p.id: i for i, p in enumerate(facts.parties)}
        for i, p in enumerate(facts.parties):
            self.buyer[i] = i if p.role is Role.buyer else ids.get(p.of or "", i)

    def count(self, value: Count) -> int:
        if isinstance(value, str):
            return int(self.program.settings[value.removeprefix("setting.")])  # type: ignore[arg-type]
        return value

    def whose(self, whose: Whose, subject: int) -> int:
        """-1 for the application, else a party's position."""
        if whose is Whose.application or subject < 0:
            return -1
        return self.buyer[subject] if whose is Whose.buyer else subject

    def fire(self, rule: RuleDef, subject: int) -> None:
        for req in rule.require:
            party = self.whose(req.whose, subject)
            for doc in req.documents:
                line = self.items.setdefault((_STAGES.index(req.stage), party, self.docs[doc]), _Line())
                line.originals = max(line.originals, self.count(req.originals))
                line.copies = max(line.copies, self.count(req.copies))
                catalog = self.pack.documents[doc]
                _add(line.pages, catalog.pages if req.pages is None else req.pages)
                _add(line.notes, catalog.notes)
                _add(line.notes, req.notes)
                line.cite(rule)
        if rule.issue is not None:
            severity = self.pack.issues[rule.issue].severity
            key = (_SEVERITY.index(severity), subject, self.codes[rule.issue])
            self.issues.setdefault(key, _Line()).cite(rule)
        if rule.min_copies is not None:
            party = self.whose(rule.min_copies.whose, subject)
            least, rules = self.minimums.get(party, (0, []))
            self.minimums[party] = (max(least, self.count(rule.min_copies.copies)), [*rules, rule])
        if rule.amount is not None and rule.amount.name not in self.amounts:
            base = getattr(self.facts.application, rule.amount.base)
            rate = rule.amount.rate
            if isinstance(rate, str):
                rate = self.program.settings[rate.removeprefix("setting.")]  # type: ignore[assignment]
            exact = Decimal(base) * Decimal(str(rate))
            self.amounts[rule.amount.name] = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def apply_minimums(self) -> None:
        for (_, party, _), line in self.items.items():
            if party in self.minimums:
                least, rules = self.minimums[party]
                line.copies = max(line.copies, least)
                for rule in rules:
                    line.cite(rule)

    def party_id(self, index: int) -> str | None:
        return None if index < 0 else self.facts.parties[index].id


def evaluate(pack: RulePack, program: Program, ruleset: Ruleset, facts: Facts,
             age_day: date | None) -> Result:
    fired = ruleset.run(engine_facts(program, facts, age_day))
    b = _Builder(pack, program, facts)
    fires: set[tuple[int, int]] = set()
    asks: dict[tuple[int, int], dict[str, Any]] = {}
    for name, frame in fired:
        subject = int(frame["p"]["id"][1:]) if "p" in frame else -1
        for activation in program.meanings[name]:
            key = (activation.rule, subject)
            if activation.kind == "fire":
                fires.add(key)
            else:
                asks.setdefault(key, frame)
    for rule_index, subject in sorted(fires):
        b.fire(pack.rules[rule_index], subject)
    b.apply_minimums()
    questions = _questions(pack, program, facts, {k: f for k, f in asks.items() if k not in fires})

    items = [
        Item(stage=_STAGES[stage], party=b.party_id(party), document=doc_id,
             label=Text(zh=pack.documents[doc_id].zh, en=pack.documents[doc_id].en),
             originals=line.originals, copies=line.copies, pages=line.pages, notes=line.notes,
             rules=line.rules, sources=line.sources)
        for (stage, party, doc), line in sorted(b.items.items(), key=lambda kv: kv[0])
        for doc_id in [list(pack.documents)[doc]]
    ]
    issues = [
        Issue(code=code, severity=_SEVERITY[severity], party=b.party_id(party),
              message=Text(zh=pack.issues[code].zh, en=pack.issues[code].en),
              rules=line.rules, sources=line.sources)
        for (severity, party, c), line in sorted(b.issues.items(), key=lambda kv: kv[0])
        for code in [list(pack.issues)[c]]
    ]
    return Result(status=_status(issues, questions), items=items, issues=issues, questions=questions,
                  amounts=dict(sorted(b.amounts.items())),
                  pack=PackInfo(name=pack.meta.name, version=pack.meta.version, digest=pack.digest),
                  as_of=program.day, settings=program.settings)


def _questions(pack: RulePack, program: Program, facts: Facts,
               undecided: dict[tuple[int, int], dict[str, Any]]) -> list[Question]:
    """For each rule the engine could not decide, the missing facts it names — or, for a computed
    fact such as age, the input facts it is computed from."""
    asked: dict[tuple[int, int], list[str]] = {}
    for (rule_index, _), frame in sorted(undecided.items()):
        for alias, fact in program.asks[rule_index]:
            bound = frame.get(alias)
            if bound is None or fact in bound:
                continue
            owner = -1 if alias == "a" else int(bound["id"][1:])
            scope: Scope = "application" if alias == "a" else "party"
            for in_scope, name in FACTS[(scope, fact)].asks:
                target = -1 if in_scope == "application" else owner
                holder = facts.application if target < 0 else facts.parties[target]
                if getattr(holder, name) is not None:
                    continue
                rules = asked.setdefault((target, _FACT_ORDER[(in_scope, name)]), [])
                if pack.rules[rule_index].id not in rules:
                    rules.append(pack.rules[rule_index].id)
    fact_names = list(FACTS)
    return [Question(party=None if target < 0 else facts.parties[target].id, fact=fact_names[order][1],
                     rules=rules)
            for (target, order), rules in sorted(asked.items())]


def _status(issues: list[Issue], questions: list[Question]) -> Status:
    severities = {i.severity for i in issues}
    if IssueSeverity.block in severities:
        return Status.blocked
    if IssueSeverity.escalate in severities:
        return Status.needs_escalation
    if questions:
        return Status.incomplete
    return Status.ready
