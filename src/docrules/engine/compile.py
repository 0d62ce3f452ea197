"""RulePack + a date → durable-rules ruleset definition. Pure: never imports durable.

Each pack rule compiles to two kinds of engine rule (and, in a traced program, a third):
  fire — the condition holds for certain (a comparison on a missing fact never matches in the engine);
  ask  — the condition could still hold, and a fact it names is missing: the result asks for it;
  test — one test of the condition holds (for coverage and explanations only).
So "unknown" is three-valued without a single negation in the engine: `ask` is the relaxed condition
(each test `t` becomes `t or missing(fact)`) and `any fact missing`.

On the way, derived facts are replaced by their definitions (so chains cost nothing at check time and a
cycle is a load error), settings in force on the date become literals (so `in setting.NAME` with a list
is a plain test, and dated policy is a different compiled program), `not` is pushed down to the
tests, and conditions over several facts are split per fact (the party, with its principal's facts
copied onto it, and the application).
Engine rules with identical conditions are merged: one activation, several pack rules.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date
from itertools import product
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from ..diagnostics import Diagnostic, PackError
from ..facts.vocabulary import Scope, Vocabulary
from ..pack.conditions import And, Cmp, Const, Expr, Known, Literal_, Not, Or, Ref, Truth, parse
from ..pack.model import RuleDef, RulePack, SettingValue
from ..pack.texts import fill
from ..pack.validate import ALIAS_SCOPE, derived_facts
from ..results import Issue, Item, PackInfo, Question, Text
from .effects import Effects, Share, rule_effects
from .memo import Memo

if TYPE_CHECKING:  # readings.py reads programs
    from .readings import Reading

Kind = Literal["fire", "ask", "test"]
ENGINE_ALIAS = {"app": "a", "party": "p", "principal": "b"}
# A party's principal is one fact per party, so the principal's facts that rules name are copied onto
# the party fact under this prefix instead of joining two party facts in the engine: durable-rules
# 2.0.28 loses the join test of an element that also has an `$or` (a party matched another principal's
# facts), and joins are its most expensive nodes. Fact names start with a letter, so none collides.
PRINCIPAL_PREFIX = "_of_"
MAX_ALTERNATIVES = 16  # engine rules one pack rule may become
MAX_OR = 200  # an $or of 600 values makes durable-rules' create_ruleset hang
MAX_VALUES_PER_PROPERTY = 400  # and so do more than 512 children of one alpha node
NEGATE = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">", "in": "not in",
          "not in": "in"}
ENGINE_OP = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}


@dataclass(frozen=True)
class Activation:
    """What an engine rule firing means: pack rule `rule` (index into pack.rules) holds (fire), could
    hold but a fact is missing (ask), or — in a traced program — its `test`-th test holds (test)."""

    rule: int
    kind: Kind
    test: int = -1


class Unknown(NamedTuple):
    """A fact an undecided rule may ask for, as a check finds it: the alias of the engine fact in the
    rule's match that holds it, its property there, whether it is the party's principal's, and its
    place in the vocabulary (-1 for a computed fact: the facts it is computed from are asked instead)."""

    frame: str
    prop: str
    principal: bool
    scope: Scope
    fact: str
    order: int


@dataclass(frozen=True)
class EngineRule:
    kind: Kind
    elements: list[dict[str, Any]]
    test: int = -1


@dataclass(frozen=True)
class Program:
    """A pack compiled for one policy period: it serves every day of that period, so it holds no date."""

    definition: dict[str, Any]
    meanings: dict[str, tuple[Activation, ...]]
    asks: dict[int, tuple[tuple[str, str], ...]]  # rule → (engine alias, fact) it may ask about
    # the same, ready for a check (evaluate._questions), for the rules whose questions a result asks:
    # not derived facts' (they ask through the rules using them), not rules refusing facts
    unknowns: dict[int, tuple[Unknown, ...]]
    tests: dict[int, tuple[Expr, ...]]  # traced programs: rule → the tests its condition joins with `and`
    app_facts: frozenset[str]
    party_facts: frozenset[str]
    principal_facts: frozenset[str]  # facts of a party's principal that rules name
    settings: dict[str, SettingValue]
    # what every result of the program says of its pack and settings, ready (and immutable: shared)
    info: PackInfo
    result_settings: dict[str, int | float | bool | str | tuple[str, ...]]
    effects: dict[int, Effects]  # rule → what firing it adds to the result
    # The catalogs by index, (name, text): built once because validating a model instance into the
    # result costs nothing, while validating the same text as a dict costs it every check.
    documents: tuple[tuple[str, Text], ...]
    issues: tuple[tuple[str, Text], ...]
    # Checks fill these (evaluate.py): parties' shares of results, which hold lines and issues, each
    # kept once with its JSON in `pieces` (by that JSON): shares of different parties' results mostly
    # hold the same few hundred. A share is some 1 KB, a piece some 2.5 KB: at most some 15 MB.
    shares: Memo[Hashable, Share] = field(default_factory=lambda: Memo(4096), compare=False, repr=False)
    pieces: Memo[str, tuple[Item | Issue | Question, str]] = field(default_factory=lambda: Memo(2048),
                                                                    compare=False, repr=False)
    # ... and, by the same key less the party's id, one such share with the id it was made for: a party
    # of another id (ids are often an application's own) gets a copy with its id, not a new share
    templates: Memo[Hashable, tuple[Share, str]] = field(default_factory=lambda: Memo(4096), compare=False,
                                                         repr=False)
    # the questions results ask, with their JSON, by (party, fact, rules); and by (fact, rules), one
    # such question of a party with the id it was made for (as `templates` for shares)
    questions: Memo[Hashable, tuple[Question, str]] = field(
        default_factory=lambda: Memo(2048), compare=False, repr=False)
    question_templates: Memo[Hashable, tuple[tuple[Question, str], str]] = field(
        default_factory=lambda: Memo(2048), compare=False, repr=False)
    # what each subject's engine rules mean (engine/readings.py), by those rules: as many as the engine
    # cache has answers, each some hundreds of bytes
    readings: Memo[tuple[str, ...], Reading] = field(default_factory=lambda: Memo(16_384), compare=False,
                                                     repr=False)


def active(rule: RuleDef, day: date) -> bool:
    return rule.enabled and (rule.from_ is None or rule.from_ <= day) and (
        rule.until is None or day < rule.until)


def settings_on(pack: RulePack, day: date) -> dict[str, SettingValue]:
    out: dict[str, SettingValue] = {}
    missing = []
    for name, setting in pack.settings.items():
        for value in setting.values:
            if value.from_ <= day and (value.until is None or day < value.until):
                out[name] = value.value
                break
        else:
            missing.append(name)
    if missing:
        raise PackError([Diagnostic(code="DR304", message=f"no value of setting '{n}' is in force on {day}",
                                    hint="add a dated value that covers this date") for n in missing])
    return out


def policy_boundaries(pack: RulePack) -> list[date]:
    """Every date on which a setting or a rule starts or stops: two days with the same number of
    boundaries on or before them have the same policy, so they share one compiled program."""
    dates = {d for s in pack.settings.values() for v in s.values for d in (v.from_, v.until) if d}
    dates |= {d for r in pack.rules for d in (r.from_, r.until) if d}
    return sorted(dates)


class Compiler:
    def __init__(self, pack: RulePack, day: date, vocabulary: Vocabulary | None = None) -> None:
        self.pack = pack
        self.vocabulary = vocabulary or Vocabulary(pack)
        self.day = day
        self.settings = settings_on(pack, day)
        self.derived = {key: [r for r in rules if active(r, day)]
                        for key, rules in derived_facts(pack).items()}
        self.app_facts: set[str] = set()
        self.party_facts: set[str] = {"role"}
        self.principal_facts: set[str] = set()

    # derived facts, settings, not ------------------------------------------------------------
    def expand(self, expr: Expr, alias_map: dict[str, str]) -> Expr:
        """Rename aliases, inline derived facts and settings, push `not` down to the tests."""
        if isinstance(expr, And | Or):
            return type(expr)(tuple(self.expand(e, alias_map) for e in expr.items))
        if isinstance(expr, Not):
            return _negate(self.expand(expr.item, alias_map))
        if isinstance(expr, Const):
            return expr
        ref = expr.ref
        if ref.alias == "setting":  # a true/false switch: fixed for the whole policy period
            return Const(bool(self.settings[ref.name]))
        alias = alias_map.get(ref.alias, ref.alias)
        ref = Ref(alias, ref.name, ref.line, ref.column, self.pack.principal if alias == "principal" else alias)
        if (ALIAS_SCOPE[ref.alias], ref.name) in self.derived:
            body = self.derived_body(ref)
            if isinstance(expr, Cmp):  # party.minor == false
                return body if (expr.op == "==") == bool(expr.value) else _negate(body)
            return body
        if isinstance(expr, Truth):
            return Cmp(ref, "==", True)
        if isinstance(expr, Known):
            return Known(ref, expr.present)
        value = expr.value
        if isinstance(value, Ref):
            setting = self.settings[value.name]
            value = tuple(setting) if isinstance(setting, list) else setting
        return Cmp(ref, expr.op, value)

    def derived_body(self, ref: Ref) -> Expr:
        rules = self.derived[(ALIAS_SCOPE[ref.alias], ref.name)]
        # inside a party's derived fact, `party` is whoever it is asked of; the principal stays itself
        alias_map = {"party": ref.alias, "principal": "principal", "app": "app"}
        return simplify(Or(tuple(self.expand(self.parse(r.when), alias_map) for r in rules)))

    def parse(self, text: str) -> Expr:
        return parse(text, self.pack.principal)

    # one pack rule → engine rules ------------------------------------------------------------
    def condition(self, rule: RuleDef) -> Expr:
        """The rule's condition as the engine tests it: derived facts and settings inlined."""
        return simplify(split_in(self.expand(self.parse(rule.when), {})))

    def rule(self, rule: RuleDef, *, trace: bool = False) -> tuple[list[EngineRule], list[Ref], tuple[Expr, ...]]:
        cond = self.condition(rule)
        needed = [r for r in _cmp_refs(cond) if not self.always_known(r)]
        out = [EngineRule("fire", self.elements(alt, rule)) for alt in alternatives(cond, rule)]
        if needed:
            missing = Or(tuple(Known(r, False) for r in _unique(needed)))
            ask = simplify(And((self.relax(cond), missing)))
            out += [EngineRule("ask", self.elements(alt, rule)) for alt in alternatives(ask, rule)]
        tests: tuple[Expr, ...] = ()
        if trace:  # each test on its own, so an explanation can say which held and which did not
            tests = cond.items if isinstance(cond, And) else (cond,)
            for n, test in enumerate(tests):
                out += [EngineRule("test", self.elements(alt, rule), test=n) for alt in alternatives(test, rule)]
        for r in all_refs(cond):
            {"app": self.app_facts, "party": self.party_facts, "principal": self.principal_facts}[r.alias].add(r.name)
        return out, _unique(needed), tests

    def elements(self, alt: dict[str, list[Expr]], rule: RuleDef) -> list[dict[str, Any]]:
        aliases = set(alt)
        aliases.add("party" if rule.for_ == "party" else "app")  # the fact the rule is about
        if "principal" in aliases:
            aliases.add("party")  # the principal's facts ride on the party fact: no join (PRINCIPAL_PREFIX)
        els: list[dict[str, Any]] = []
        for alias in ("app", "party"):
            if alias not in aliases:
                continue
            tests: list[Any] = [{"t": "app" if alias == "app" else "party"}]
            tests += [_engine(e) for e in alt.get(alias, [])]
            if alias == "party":
                tests += [_engine(e, PRINCIPAL_PREFIX) for e in alt.get("principal", [])]
            els.append({ENGINE_ALIAS[alias]: {"$and": tests} if len(tests) > 1 else tests[0]})
        return els

    def relax(self, expr: Expr) -> Expr:
        """Could hold: each test on a fact that may be missing also passes when the fact is missing."""
        if isinstance(expr, And | Or):
            return type(expr)(tuple(self.relax(e) for e in expr.items))
        if isinstance(expr, Cmp) and not self.always_known(expr.ref):
            return Or((expr, Known(expr.ref, False)))
        return expr

    def always_known(self, ref: Ref) -> bool:
        spec = self.vocabulary.spec(ALIAS_SCOPE[ref.alias], ref.name)
        return spec is not None and spec.always_known


def _negate(expr: Expr) -> Expr:
    if isinstance(expr, And):
        return Or(tuple(_negate(e) for e in expr.items))
    if isinstance(expr, Or):
        return And(tuple(_negate(e) for e in expr.items))
    if isinstance(expr, Not):
        return expr.item
    if isinstance(expr, Const):
        return Const(not expr.value)
    if isinstance(expr, Known):
        return Known(expr.ref, not expr.present)
    if isinstance(expr, Truth):
        return Cmp(expr.ref, "==", False)
    return Cmp(expr.ref, NEGATE[expr.op], expr.value)


def split_in(expr: Expr) -> Expr:
    """`x in [a, b]` → `x == a or x == b`; `x not in [a, b]` → `x != a and x != b`."""
    if isinstance(expr, And | Or):
        return type(expr)(tuple(split_in(e) for e in expr.items))
    if isinstance(expr, Cmp) and expr.op in ("in", "not in"):
        values = expr.value if isinstance(expr.value, tuple) else (expr.value,)
        if expr.op == "in":
            return Or(tuple(Cmp(expr.ref, "==", v) for v in values)) if values else Const(False)
        return And(tuple(Cmp(expr.ref, "!=", v) for v in values)) if values else Const(True)
    return expr


def simplify(expr: Expr) -> Expr:
    if isinstance(expr, And | Or):
        unit, zero = (True, False) if isinstance(expr, And) else (False, True)
        items: list[Expr] = []
        for e in (simplify(i) for i in expr.items):
            if isinstance(e, Const):
                if e.value == zero:
                    return Const(zero)
                continue
            items.extend(e.items if isinstance(e, type(expr)) else (e,))
        if not items:
            return Const(unit)
        return items[0] if len(items) == 1 else type(expr)(tuple(items))
    return expr


def _cmp_refs(expr: Expr) -> list[Ref]:
    if isinstance(expr, Cmp):
        return [expr.ref]
    if isinstance(expr, And | Or):
        return [r for e in expr.items for r in _cmp_refs(e)]
    return []


def all_refs(expr: Expr) -> list[Ref]:
    if isinstance(expr, Cmp | Known):
        return [expr.ref]
    if isinstance(expr, And | Or):
        return [r for e in expr.items for r in all_refs(e)]
    return []


def _unique(refs: list[Ref]) -> list[Ref]:
    seen: dict[tuple[str, str], Ref] = {}
    for r in refs:
        seen.setdefault((r.alias, r.name), r)
    return list(seen.values())


def _aliases(expr: Expr) -> set[str]:
    return {r.alias for r in all_refs(expr)}


def alternatives(expr: Expr, rule: RuleDef) -> list[dict[str, list[Expr]]]:
    """Disjunctive form over facts: each alternative maps an alias to the tests on that one fact.
    An `or` within one fact stays an `$or` in the engine; only an `or` across facts splits the rule."""
    if isinstance(expr, Const):
        return [{}] if expr.value else []
    aliases = _aliases(expr)
    if len(aliases) <= 1:
        return [{next(iter(aliases)): [expr]}] if aliases else [{}]
    if isinstance(expr, Or):
        alts = [a for e in expr.items for a in alternatives(e, rule)]
    elif isinstance(expr, And):
        alts = []
        for combo in product(*(alternatives(e, rule) for e in expr.items)):
            merged: dict[str, list[Expr]] = {}
            for part in combo:
                for alias, tests in part.items():
                    merged.setdefault(alias, []).extend(tests)
            alts.append(merged)
            if len(alts) > MAX_ALTERNATIVES:
                break
    else:
        raise AssertionError(f"a test names more than one fact: {expr}")
    if len(alts) > MAX_ALTERNATIVES:
        raise PackError([Diagnostic(
            code="DR305", rule=rule.id,
            message=f"rule '{rule.id}': its condition needs more than {MAX_ALTERNATIVES} engine rules",
            hint="an 'or' between tests on different parties multiplies; split the rule in two")])
    return alts


def _engine(expr: Expr, prefix: str = "") -> Any:
    """One fact's tests as an engine expression; `prefix` names the principal's facts on a party fact."""
    if isinstance(expr, And):
        return {"$and": [_engine(e, prefix) for e in expr.items]}
    if isinstance(expr, Or):
        return {"$or": [_engine(e, prefix) for e in expr.items]}
    name = prefix + expr.ref.name if isinstance(expr, Known | Cmp) else ""
    if isinstance(expr, Known):
        return {"$ex" if expr.present else "$nex": {name: 1}}
    if isinstance(expr, Cmp):
        value = _plain(expr.value)
        if expr.op == "==":
            return {name: value}
        return {ENGINE_OP[expr.op]: {name: value}}
    raise AssertionError(f"not a test: {expr}")


def _plain(value: Literal_ | tuple[Literal_, ...] | Ref) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | Ref):
        raise AssertionError(f"not a single value: {value}")
    return value


def _limits(definition: dict[str, Any], owners: dict[str, str | None]) -> list[Diagnostic]:
    """Refuse what would crash or hang durable-rules' C core, whose fixed limits are not checked there.
    `owners` names the pack rule behind each engine rule, to say where the problem is."""
    values: dict[str, set[str]] = {}
    problems: list[Diagnostic] = []

    def walk(node: Any, owner: str | None) -> None:
        if isinstance(node, dict):
            for key, sub in node.items():
                if key == "$or" and len(sub) > MAX_OR:
                    problem = Diagnostic(code="DR306", rule=owner, message=f"rule '{owner}': a condition lists "
                                         f"more than {MAX_OR} alternatives, more than the engine takes")
                    if problem not in problems:
                        problems.append(problem)
                if not key.startswith("$") and not isinstance(sub, dict | list):
                    values.setdefault(key, set()).add(json.dumps(sub))
                walk(sub, owner)
        elif isinstance(node, list):
            for sub in node:
                walk(sub, owner)

    for name, body in definition.items():
        walk(body, owners[name])
    for prop, seen in values.items():
        if len(seen) > MAX_VALUES_PER_PROPERTY:
            problems.append(Diagnostic(code="DR306", message=f"fact '{prop}' is compared with more than "
                                       f"{MAX_VALUES_PER_PROPERTY} values, more than the engine takes"))
    return problems


def _unknown(vocabulary: Vocabulary, alias: str, fact: str) -> Unknown:
    scope: Scope = "application" if alias == "a" else "party"
    computed = vocabulary.facts[(scope, fact)].computed is not None
    # the principal's facts are on the party fact, prefixed
    return Unknown("p" if alias == "b" else alias, PRINCIPAL_PREFIX + fact if alias == "b" else fact, alias == "b",
                   scope, fact, -1 if computed else vocabulary.order[(scope, fact)])


def compile_pack(pack: RulePack, day: date, *, trace: bool = False, vocabulary: Vocabulary | None = None) -> Program:
    """The engine program for checks whose policy date is `day`. A `trace` program also matches each
    derived fact on its own (for coverage and explanations); its results are the same."""
    compiler = Compiler(pack, day, vocabulary)
    by_condition: dict[str, list[Activation]] = {}
    conditions: dict[str, dict[str, Any]] = {}
    asks: dict[int, tuple[tuple[str, str], ...]] = {}
    effects: dict[int, Effects] = {}
    tests: dict[int, tuple[Expr, ...]] = {}

    def add(body: dict[str, Any], activation: Activation | None) -> None:
        key = json.dumps(body, sort_keys=True, ensure_ascii=False)
        conditions.setdefault(key, body)
        meanings = by_condition.setdefault(key, [])
        if activation is not None and activation not in meanings:
            meanings.append(activation)

    # The sentinel: every check runs at least one action, so deleting its state never frees the
    # uninitialised action context of a fresh state slot (durable-rules 2.0.28 frees it and crashes).
    add({"all": [{"a": {"t": "app"}}]}, None)
    for index, rule in enumerate(pack.rules):
        if not active(rule, day) or (rule.derive is not None and not trace):
            continue
        engine_rules, needed, tests[index] = compiler.rule(rule, trace=trace)
        if rule.derive is None:
            effects[index] = rule_effects(pack, rule, compiler.settings)
        asks[index] = tuple((ENGINE_ALIAS[r.alias], r.name) for r in needed)
        for engine_rule in engine_rules:
            add({"all": engine_rule.elements}, Activation(index, engine_rule.kind, engine_rule.test))
    definition: dict[str, Any] = {}
    meanings: dict[str, tuple[Activation, ...]] = {}
    for n, (key, body) in enumerate(conditions.items()):
        definition[f"r{n}"] = body
        meanings[f"r{n}"] = tuple(by_condition[key])
    problems = _limits(definition, {name: pack.rules[m[0].rule].id if m else None for name, m in meanings.items()})
    if problems:
        raise PackError(problems)
    unknowns = {index: tuple(_unknown(compiler.vocabulary, alias, fact) for alias, fact in pairs)
                for index, pairs in asks.items() if index in effects and effects[index].reject is None}
    return Program(definition=definition, meanings=meanings, asks=asks, unknowns=unknowns, tests=tests,
                   app_facts=frozenset(compiler.app_facts), party_facts=frozenset(compiler.party_facts),
                   principal_facts=frozenset(compiler.principal_facts),
                   settings=compiler.settings, effects=effects,
                   info=PackInfo(name=pack.meta.name, version=pack.meta.version, digest=pack.digest),
                   result_settings={name: tuple(value) if isinstance(value, list) else value
                                    for name, value in compiler.settings.items()},
                   documents=tuple((n, fill(Text(zh=d.zh, en=d.en), compiler.settings))
                                   for n, d in pack.documents.items()),
                   issues=tuple((c, fill(Text(zh=i.zh, en=i.en), compiler.settings)) for c, i in pack.issues.items()))


__all__ = ["Activation", "Program", "Scope", "compile_pack", "policy_boundaries", "settings_on"]
