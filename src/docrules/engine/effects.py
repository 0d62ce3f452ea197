"""What firing each rule adds to a result, worked out once per policy period instead of per check:
document lines with their counts resolved from the settings in force, the issue, the minimum copies,
the amount. Pure, like the compiler that calls it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from ..pack.model import Count, RuleDef, RulePack, SettingValue, Whose
from ..pack.texts import fill
from ..results import Issue, IssueSeverity, Item, Text

SEVERITIES = list(IssueSeverity)


@dataclass(frozen=True)
class Line:
    stage: int  # index into the pack's stages
    whose: Whose
    document: int  # index into the pack's document catalog (for alternatives: the first set's first)
    originals: int
    copies: int
    pages: tuple[Text, ...]
    notes: tuple[Text, ...]
    alternatives: tuple[tuple[int, ...], ...] | None = None  # one_of: the sets, any of which will do
    label: Text | None = None  # one_of: "A + B, or C"; else the catalog's


@dataclass(frozen=True)
class Effects:
    rule: str
    sources: tuple[str, ...]
    lines: tuple[Line, ...]
    issue: tuple[int, int] | None  # (severity index, index in the issue catalog)
    min_copies: tuple[Whose, int, frozenset[int] | None] | None  # (whose, copies, stages or all)
    amount: tuple[str, str, Decimal] | None  # (name, application fact, rate)
    reject: tuple[str, Text] | None  # (the fact refused, why)
    ask: tuple[str, ...] = ()  # facts of the subject that must be known once the rule holds

    @cached_property
    def reach(self) -> int:
        """Whose lines and issues firing the rule adds to (REACH bits: its subject's own, its subject's
        principal's, the application's), so a check can tell whom a rule touches without its lines."""
        bits = SUBJECT if self.issue is not None else 0
        for line in self.lines:
            bits |= REACH[line.whose]
        return bits


SUBJECT, PRINCIPAL, APPLICATION = 1, 2, 4
REACH = {Whose.party: SUBJECT, Whose.principal: PRINCIPAL, Whose.application: APPLICATION}


def _count(value: Count, settings: dict[str, SettingValue]) -> int:
    return int(settings[value.removeprefix("setting.")]) if isinstance(value, str) else value  # type: ignore[arg-type]


def rule_effects(pack: RulePack, rule: RuleDef, settings: dict[str, SettingValue]) -> Effects:
    docs = {d: n for n, d in enumerate(pack.documents)}
    stages = list(pack.stages)
    lines = []
    for req in rule.require:
        counts = (_count(req.originals, settings), _count(req.copies, settings))
        where = (stages.index(req.stage), pack.whose(req.whose))
        for doc in req.documents:
            catalog = pack.documents[doc]
            pages = tuple(fill(t, settings) for t in (catalog.pages if req.pages is None else req.pages))
            notes = tuple(dict.fromkeys(fill(t, settings) for t in [*catalog.notes, *req.notes]))
            lines.append(Line(*where, docs[doc], *counts, pages, notes))
        if req.one_of:
            named = [pack.documents[d] for group in req.one_of for d in group]
            pages = tuple(dict.fromkeys(fill(t, settings) for t in (
                [p for d in named for p in d.pages] if req.pages is None else req.pages)))
            notes = tuple(dict.fromkeys(fill(t, settings) for t in [*(n for d in named for n in d.notes), *req.notes]))
            alternatives = tuple(tuple(docs[d] for d in group) for group in req.one_of)
            lines.append(Line(*where, alternatives[0][0], *counts, pages, notes, alternatives,
                              fill(alternatives_label(pack, req.one_of), settings)))
    issue = None
    if rule.issue is not None:
        issue = (SEVERITIES.index(pack.issues[rule.issue].severity), list(pack.issues).index(rule.issue))
    least = None
    if rule.min_copies is not None:
        scope = frozenset(stages.index(s) for s in rule.min_copies.stages) or None
        least = (pack.whose(rule.min_copies.whose), _count(rule.min_copies.copies, settings), scope)
    amount = None
    if rule.amount is not None:
        rate = rule.amount.rate
        value = settings[rate.removeprefix("setting.")] if isinstance(rate, str) else rate
        amount = (rule.amount.name, rule.amount.base, Decimal(str(value)))
    reject = None
    if rule.reject is not None:
        reject = (rule.reject.fact, Text(zh=rule.reject.zh, en=rule.reject.en))
    return Effects(rule.id, tuple(rule.sources), tuple(lines), issue, least, amount, reject, tuple(rule.ask))


def alternatives_label(pack: RulePack, sets: list[list[str]]) -> Text:
    """One checklist line for "one of these sets": "A + B, or C" (zh: "A + B, 或 C")."""
    def joined(lang: str, between: str) -> str:
        return between.join(" + ".join(getattr(pack.documents[d], lang) for d in group) for group in sets)
    return Text(zh=joined("zh", ", 或 "), en=joined("en", ", or "))


@dataclass(frozen=True)
class Share:
    """One party's part of a result (or the application's) as finished result models: its checklist
    lines for each of the pack's stages, and the issues it raises of each severity, in order."""

    items: tuple[tuple[Item, ...], ...]  # by stage
    issues: tuple[tuple[Issue, ...], ...]  # by severity (SEVERITIES)
    # each one's JSON, by stage and by severity (results.Spliced)
    items_json: tuple[tuple[str, ...], ...]
    issues_json: tuple[tuple[str, ...], ...]
