"""Why each line and issue is there, and why a document is not: the rules, their source sections, the
facts and settings they looked at, and which of their tests held — as durable-rules matched them (a
traced program matches each test of a condition on its own)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..api import Pack, Traced, default_pack
from ..engine.compile import PRINCIPAL_PREFIX, Program, all_refs
from ..facts.model import Facts
from ..pack.conditions import Expr, Ref, describe, parse, refs
from ..pack.model import RuleDef, Whose
from ..results import Issue, Item, PackInfo, Status

Outcome = Literal["holds", "fails", "undecided", "not in force"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TestSeen(_Out):
    test: str  # in words: "age is under 18"
    held: bool | None  # None: a fact it needs is unknown
    values: dict[str, Any]  # the facts it looked at, as seen (null: unknown)


class RuleReason(_Out):
    rule: str
    title: str
    sources: list[str]
    party: str | None
    outcome: Outcome
    tests: list[TestSeen]
    settings: dict[str, Any]


class ItemReason(_Out):
    item: Item
    because: list[RuleReason]


class IssueReason(_Out):
    issue: Issue
    because: list[RuleReason]


class WhyNot(_Out):
    document: str
    on_the_list: bool
    rules: list[RuleReason]  # every rule that could ask for it, for each party it could be asked of


class Explanation(_Out):
    status: Status
    items: list[ItemReason]
    issues: list[IssueReason]
    why_not: WhyNot | None
    pack: PackInfo
    as_of: date


def _settings_named(pack: Pack, rule: RuleDef, program: Program) -> dict[str, Any]:
    """The settings a rule's condition (and the derived facts in it) and counts depend on."""
    names: list[str] = []
    seen_rules: set[str] = set()
    pending = [rule]
    while pending:
        current = pending.pop()
        if current.id in seen_rules:
            continue
        seen_rules.add(current.id)
        for ref in refs(parse(current.when, pack.rules.principal)):
            if ref.alias == "setting":
                names.append(ref.name)
            else:
                pending += [r for r in pack.rules.rules if r.derive == ref.name]
    counts: list[int | str] = [c for req in rule.require for c in (req.originals, req.copies)]
    if rule.min_copies is not None:
        counts.append(rule.min_copies.copies)
    names += [c.removeprefix("setting.") for c in counts if isinstance(c, str)]
    return {n: program.settings[n] for n in dict.fromkeys(names)}


class _Explainer:
    def __init__(self, pack: Pack, traced: Traced) -> None:
        self.pack, self.traced = pack, traced
        self.program = traced.program
        self.facts: Facts = traced.facts
        self.principal = traced.trace.principals
        # what the engine was given, in order: the application, then each party
        self.seen = list(traced.trace.asserted.values())
        self.index = {r.id: n for n, r in enumerate(pack.rules.rules)}

    def party_id(self, position: int) -> str | None:
        return None if position < 0 else self.facts.parties[position].id

    def value(self, ref: Ref, subject: int) -> Any:
        if ref.alias == "app":
            return self.seen[0].get(ref.name)
        # a party's principal's facts ride on the party's own engine fact
        return self.seen[1 + subject].get(PRINCIPAL_PREFIX + ref.name if ref.alias == "principal" else ref.name)

    def reason(self, index: int, subject: int) -> RuleReason:
        rule = self.pack.rules.rules[index]
        trace = self.traced.trace
        if index not in self.program.asks:
            outcome: Outcome = "not in force"
        elif (index, subject) in trace.fires:
            outcome = "holds"
        elif (index, subject) in trace.asks:
            outcome = "undecided"
        else:
            outcome = "fails"
        tests = [self.test_seen(index, subject, n, test) for n, test in enumerate(self.program.tests.get(index, ()))]
        return RuleReason(rule=rule.id, title=rule.title, sources=list(rule.sources), party=self.party_id(subject),
                          outcome=outcome, tests=tests, settings=_settings_named(self.pack, rule, self.program))

    def test_seen(self, index: int, subject: int, n: int, test: Expr) -> TestSeen:
        values = {f"{'' if r.alias == 'party' else (r.written or r.alias) + '.'}{r.name}": self.value(r, subject)
                  for r in dict.fromkeys(all_refs(test))}
        held: bool | None = (index, subject, n) in self.traced.trace.tests
        if not held and any(v is None for v in values.values()):
            held = None
        return TestSeen(test=describe(test), held=held, values=values)

    def targets(self, rule: RuleDef, subject: int, written: str) -> int:
        whose = self.pack.rules.whose(written)
        if whose is Whose.application or subject < 0:
            return -1
        return self.principal[subject] if whose is Whose.principal else subject

    def subjects(self, rule: RuleDef) -> list[int]:
        return list(range(len(self.facts.parties))) if rule.for_ == "party" else [-1]


def _documents(item: Item) -> list[str]:
    """Every document a line stands for: its own, or each of its alternatives."""
    return [item.document] if item.alternatives is None else [d for group in item.alternatives for d in group]


def explain(facts: Facts | dict[str, Any], *, pack: Pack | None = None, as_of: date | None = None,
            today: date | None = None, document: str | None = None, party: str | None = None,
            why_not: str | None = None) -> Explanation:
    """Why each item and issue is there (optionally only for one `document` or `party`), and, with
    `why_not`, why a document is not on the list: each rule that could ask for it, with its tests."""
    pack = pack or default_pack()
    traced = pack.traced(facts, as_of=as_of, today=today)
    x = _Explainer(pack, traced)
    result = traced.result
    fires = sorted(traced.trace.fires)
    items = []
    for item in result.items:
        if (document and document not in _documents(item)) or (party and item.party != party):
            continue
        because = []
        for rule_id in item.rules:
            index = x.index[rule_id]
            rule = pack.rules.rules[index]
            wholes = [req.whose for req in rule.require if item.document in req.named]
            if rule.min_copies is not None:
                wholes.append(rule.min_copies.whose)
            because += [x.reason(index, s) for r, s in fires if r == index
                        and any(x.party_id(x.targets(rule, s, w)) == item.party for w in wholes)]
        items.append(ItemReason(item=item, because=because))
    issues = [IssueReason(issue=i, because=[x.reason(x.index[r], s) for r in i.rules for ri, s in fires
                                   if ri == x.index[r] and x.party_id(s) == i.party])
              for i in result.issues if not document and (not party or i.party == party)]
    missing = None
    if why_not is not None:
        reasons = []
        for index, rule in enumerate(pack.rules.rules):
            if not rule.enabled or not any(why_not in req.named for req in rule.require):
                continue
            reasons += [x.reason(index, s) for s in x.subjects(rule)
                        if not party or x.party_id(s) == party or s < 0]
        listed = any(why_not in _documents(i) and (not party or i.party == party) for i in result.items)
        missing = WhyNot(document=why_not, on_the_list=listed, rules=reasons)
    return Explanation(status=result.status, items=items, issues=issues, why_not=missing, pack=result.pack,
                       as_of=result.as_of)


__all__ = ["Explanation", "explain"]
