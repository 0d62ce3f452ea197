"""A pack's vocabulary: the facts it declares (given and computed), its roles and stages, with their
words in both languages. Everything a condition, a facts file, a form or a printed checklist names
comes from here, built from the pack's TOML; the code knows no fact of any policy.

It also turns validated facts into the plain values durable-rules is given, computing the pack's
computed facts on the way, and says which given facts a question about a computed fact asks for.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any, Literal

from ..pack.model import CountLinked, FactDef, FactKind, MaxLinked, RulePack, YearsSince
from ..results import Text
from .computed import count_linked, max_known, years_since
from .model import Facts

Scope = Literal["application", "party"]
# Party fields every pack has: which party it is, its role and whom it belongs to. Only `role` may be
# named in conditions (as an enum over the pack's roles).
STRUCTURAL = ("id", "role", "of")


@dataclass(frozen=True)
class FactSpec:
    scope: Scope
    name: str
    kind: FactKind
    values: tuple[str, ...] = ()
    definition: FactDef | None = None  # None for `role`

    @property
    def computed(self) -> YearsSince | CountLinked | MaxLinked | None:
        return None if self.definition is None else self.definition.computed

    @property
    def always_known(self) -> bool:
        return isinstance(self.computed, CountLinked) or self.name == "role"


def _plain(value: Any) -> Any:
    """A fact's value as durable-rules compares it (JSON: dates as ISO text, decimals as numbers)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class Vocabulary:
    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self.principal = pack.principal
        roles = tuple(pack.roles)
        self.facts: dict[tuple[Scope, str], FactSpec] = {
            ("party", "role"): FactSpec("party", "role", "enum", roles)}
        scopes: tuple[tuple[Scope, dict[str, FactDef]], ...] = (
            ("application", pack.facts.application), ("party", pack.facts.party))
        for scope, table in scopes:
            for name, fact in table.items():
                self.facts[(scope, name)] = FactSpec(scope, name, fact.kind, tuple(fact.values), fact)
        self.order = {key: n for n, key in enumerate(self.facts)}
        self.date_fact = pack.meta.date_fact
        self._readers: dict[tuple[Scope, frozenset[str], str], Reader] = {}

    def spec(self, scope: Scope, name: str) -> FactSpec | None:
        return self.facts.get((scope, name))

    def given(self, scope: Scope) -> list[str]:
        """The facts a facts file may hold in `scope` (declared and not computed), in pack order."""
        return [n for (s, n), f in self.facts.items() if s == scope and f.computed is None and n != "role"]

    # values for the engine ----------------------------------------------------------------------
    def reader(self, scope: Scope, used: frozenset[str], prefix: str = "") -> Reader:
        """How to read the facts of `scope` that some rule names (`used`) off validated facts, each
        under `prefix` + its name: prepared once per program."""
        key = (scope, used, prefix)
        found = self._readers.get(key)
        if found is None:
            found = self._readers[key] = Reader(self, scope, used, prefix)
        return found

    # questions ---------------------------------------------------------------------------------
    def inputs(self, scope: Scope, name: str, owner: int, facts: Facts) -> list[tuple[int, str]]:
        """The given facts to ask for when `name` of `owner` (a party's position, -1 the application)
        is unknown: itself, or the given facts a computed fact is worked out from that are missing."""
        computed = self.facts[(scope, name)].computed
        if computed is None:
            return [(owner, name)]
        if isinstance(computed, YearsSince):
            wanted = [(owner, computed.fact)]
            if self.date_fact is not None:
                wanted.append((-1, self.date_fact))
        elif isinstance(computed, MaxLinked):
            me = facts.parties[owner].id
            wanted = [(owner, computed.fact)] + [
                (i, computed.fact) for i, p in enumerate(facts.parties) if p.of == me and p.role in computed.roles]
        else:
            return []
        return [(who, fact) for who, fact in wanted
                if getattr(facts.application if who < 0 else facts.parties[who], fact) is None]

    # words -------------------------------------------------------------------------------------
    def label(self, scope: Scope, name: str) -> Text:
        spec = self.facts.get((scope, name))
        if spec is None or spec.definition is None:
            role = Text(zh="身份角色", en="Role") if name == "role" else None
            return role or Text(zh=name, en=name)
        return Text(zh=spec.definition.zh, en=spec.definition.en)

    def role_label(self, role: str) -> Text:
        found = self.pack.roles.get(role)
        return Text(zh=role, en=role) if found is None else Text(zh=found.zh, en=found.en)

    def stage_label(self, stage: str) -> Text:
        found = self.pack.stages.get(stage)
        return Text(zh=stage, en=stage) if found is None else Text(zh=found.zh, en=found.en)

    def describe(self, gates: dict[tuple[Scope, str], int] | None = None) -> dict[str, Any]:
        """The given facts for forms and question flows (the page, `docrules ask`, `GET /v1/facts`):
        by scope, each fact's kind, allowed values, labels, question and help, limits, group, and
        `gates` (how many rules name it); then the roles, groups and stages. Deterministic."""
        out: dict[str, Any] = {}
        value_words: dict[str, Any] = {}
        scopes: tuple[Scope, ...] = ("application", "party")
        for scope in scopes:
            facts: dict[str, Any] = {}
            if scope == "party":
                facts["id"] = {"kind": "text", "values": None, "label": {"zh": "称呼/编号", "en": "Name or id"}}
                facts["role"] = {"kind": "enum", "values": list(self.pack.roles),
                                 "label": {"zh": "身份角色", "en": "Role"},
                                 "value_labels": {r: {"zh": d.zh, "en": d.en} for r, d in self.pack.roles.items()}}
                facts["of"] = {"kind": "text", "values": None, "label": {"zh": "所属", "en": "Belongs to"}}
            for name in self.given(scope):
                fact = self.facts[(scope, name)]
                d = fact.definition
                assert d is not None
                labels = {v: t.model_dump() for v, t in d.values.items()}
                value_words.update(labels)
                values: list[Any] | None = list(d.values) if d.kind == "enum" else (list(d.choices) or None)
                facts[name] = {
                    "kind": d.kind, "values": values, "label": {"zh": d.zh, "en": d.en},
                    "question": d.question.model_dump() if d.question else None,
                    "help": d.help.model_dump() if d.help else None,
                    "min": d.min, "max": d.max, "max_length": d.max_length, "group": d.group,
                    "gates": (gates or {}).get((scope, name), 0),
                    "value_labels": labels}
            out[scope] = facts
        for role, role_def in self.pack.roles.items():
            value_words.setdefault(role, {"zh": role_def.zh, "en": role_def.en})
        value_words.update({"true": {"zh": "是", "en": "Yes"}, "false": {"zh": "否", "en": "No"}})
        out["values"] = value_words
        out["roles"] = {r: {"zh": d.zh, "en": d.en, "of": d.of} for r, d in self.pack.roles.items()}
        out["principal"] = self.principal
        out["groups"] = {g: t.model_dump() for g, t in self.pack.groups.items()}
        out["stages"] = {s: {"zh": d.zh, "en": d.en} for s, d in self.pack.stages.items()}
        return out


def fact_gates(pack: RulePack, vocabulary: Vocabulary) -> dict[tuple[Scope, str], int]:
    """For each given fact, how many rules decide on it: directly, through a derived fact, or through
    a computed fact worked out from it. A form asks first what decides the most."""
    from ..pack.conditions import ExprError, parse, refs

    scope_of: dict[str, Scope] = {"party": "party", "principal": "party", "app": "application"}
    derived: dict[tuple[Scope, str], list[str]] = {}
    for rule in pack.rules:
        if rule.derive is not None:
            derived.setdefault(("application" if rule.for_ == "application" else "party", rule.derive),
                               []).append(rule.when)

    def given(scope: Scope, name: str, seen: set[tuple[Scope, str]]) -> set[tuple[Scope, str]]:
        if (scope, name) in seen:
            return set()
        seen.add((scope, name))
        if (scope, name) in derived:
            return {g for when in derived[(scope, name)] for g in named(when, seen)}
        spec = vocabulary.spec(scope, name)
        if spec is None:
            return set()
        computed = spec.computed
        if isinstance(computed, YearsSince | MaxLinked):
            found: set[tuple[Scope, str]] = {("party", computed.fact)}
            if isinstance(computed, YearsSince) and vocabulary.date_fact:
                found.add(("application", vocabulary.date_fact))
            return found
        return set() if computed is not None else {(scope, name)}

    def named(when: str, seen: set[tuple[Scope, str]]) -> set[tuple[Scope, str]]:
        try:
            expr = parse(when, pack.principal)
        except ExprError:
            return set()
        return {g for r in refs(expr) if r.alias in scope_of for g in given(scope_of[r.alias], r.name, seen)}

    counts: dict[tuple[Scope, str], int] = {}
    for rule in pack.rules:
        if rule.enabled and rule.derive is None:
            for key in named(rule.when, set()):
                counts[key] = counts.get(key, 0) + 1
    return counts


class Reader:
    """The values of the facts of one scope that a program's rules name, as plain JSON values in rows
    (in the order of `keys`; None: unknown): given facts read with one C call, computed facts worked
    out by their building blocks."""

    def __init__(self, vocabulary: Vocabulary, scope: Scope, used: frozenset[str], prefix: str) -> None:
        specs = [vocabulary.facts[(scope, name)] for name in sorted(used)]
        given = [spec for spec in specs if spec.computed is None]
        dated = [(spec.name, spec.computed) for spec in specs if isinstance(spec.computed, YearsSince)]
        counted = [(spec.name, spec.computed) for spec in specs if isinstance(spec.computed, CountLinked)]
        largest = [(spec.name, spec.computed) for spec in specs if isinstance(spec.computed, MaxLinked)]
        computed = [*dated, *counted, *largest]  # a party's row: given facts, then these in this order
        self.keys = tuple(prefix + name for name in [*(spec.name for spec in given), *(name for name, _ in computed)])
        self._get = _getter(tuple(spec.name for spec in given))
        self._plain = tuple(n for n, spec in enumerate(given) if spec.kind in ("date", "decimal"))
        self._dated = tuple(_computer(fact) for _, fact in dated)
        self._linked = (*(_computer(fact) for _, fact in counted), *(_computer(fact) for _, fact in largest))
        # a party no one names (most): no one counted, and its own value is the largest
        self._none_counted = [0] * len(counted)
        self._own = _getter(tuple(fact.fact for _, fact in largest))
        self._unknown = [None] * len(self.keys)

    def row(self, fact: Any) -> list[Any]:
        """The application's values (or one party's given values)."""
        values = list(self._get(fact))
        for n in self._plain:  # few: dates and decimals
            if values[n] is not None:
                values[n] = _plain(values[n])
        return values

    def rows(self, facts: Facts, day: date | None, linked: list[dict[str, list[int]]],
             only: Collection[int] | None = None) -> list[list[Any]]:
        """Each party's values (computed facts dated `day`, `linked` as `linked_parties` gives it); only
        those of the positions `only`, if given (the others unknown)."""
        parties = facts.parties
        out: list[list[Any]] = []
        for n, party in enumerate(parties):
            if only is not None and n not in only:
                out.append(self._unknown)
                continue
            values = self.row(party)
            for compute in self._dated:
                values.append(compute(parties, n, day, linked[n]))
            if linked[n]:
                for compute in self._linked:
                    values.append(compute(parties, n, day, linked[n]))
            else:
                values += self._none_counted
                values += map(_plain, self._own(party))
            out.append(values)
        return out


def linked_parties(facts: Facts) -> list[dict[str, list[int]]]:
    """For each party, the positions of the parties that name it in `of`, by their role."""
    linked: list[dict[str, list[int]]] = [{} for _ in facts.parties]
    if [p.of for p in facts.parties].count(None) == len(linked):  # most applications: no one is linked
        return linked
    position = {p.id: n for n, p in enumerate(facts.parties)}
    for n, p in enumerate(facts.parties):
        if p.of in position:
            linked[position[p.of]].setdefault(p.role, []).append(n)
    return linked


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A function reading these attributes, always as a tuple."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda fact: (one(fact),)
    return lambda fact: ()


# (the parties, this party's position, the day, this party's linked parties by role) → the value
Compute = Callable[[Sequence[Any], int, date | None, dict[str, list[int]]], int | float | None]


def _computer(computed: YearsSince | CountLinked | MaxLinked) -> Compute:
    """A computed fact's building block, bound to its declaration once."""
    if isinstance(computed, YearsSince):
        fact, on_anniversary = computed.fact, computed.year_counts_on_anniversary

        def years(parties: Sequence[Any], n: int, day: date | None, linked: dict[str, list[int]]) -> int | None:
            start = getattr(parties[n], fact)
            if start is None or day is None:
                return None
            return years_since(start, day, year_counts_on_anniversary=on_anniversary)
        return years
    if isinstance(computed, CountLinked):
        role, excluding = computed.role, computed.excluding

        def count(parties: Sequence[Any], n: int, day: date | None, linked: dict[str, list[int]]) -> int:
            found = linked.get(role)  # most parties have none of a role linked to them
            return count_linked([parties[i] for i in found], excluding) if found else 0
        return count
    fact, roles = computed.fact, computed.roles

    def largest(parties: Sequence[Any], n: int, day: date | None, linked: dict[str, list[int]]) -> int | float | None:
        own: int | float | None = _plain(getattr(parties[n], fact))
        if not linked:  # most parties: the value is its own
            return own
        others = [i for role in roles for i in linked.get(role, ())]
        return max_known([own, *(_plain(getattr(parties[i], fact)) for i in others)]) if others else own
    return largest
