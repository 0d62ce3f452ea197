"""Exact memoisation of the engine's answers, keyed by what the engine can see of the facts.

durable-rules matches a fact only through the tests the compiled program makes on its properties:
equality with a literal, an order comparison with a literal, presence. Two facts whose properties lie on
the same side of every such test are matched alike: a fact's *signature* is, for each property, which of
the program's tests on that property hold. A program is compiled per pack and policy period, and each
compiled program has its own cache, so the pack's digest and the period are part of every key.

The answers are remembered per fact of a check, and per group of engine rules. In a program where no
rule joins two facts of the same kind (one application fact, any number of party facts, each rule about
the application, one party, or the application and one party) and nothing is negated, a rule's
activations in a check are those of the application alone, or of the application with each party, and
each depends only on the properties that rule tests. Rules are grouped by those properties (their
*footprint*: a group is a footprint that no other contains, with every rule whose footprint it
contains; groups of one fact kind then merge while few keys can come of the union), and the cache keys
each group's answer on the signatures of the group's properties alone: a group tests a handful of
properties, so a party never seen as a whole is mostly made of answers already known. A check asks the
engine only when some group of the application or of a party is new, in one session, and learns every
group of the facts it asked about. In front of the groups, the answer of a whole fact (its signature,
and for a party the application's properties its groups see) is remembered too: one look-up per fact
where facts repeat, as real traffic does.

The abstraction is used only where Python's comparison is the engine's: the value and every literal it
is compared with are of one kind (text with text: byte order of UTF-8 is code-point order; numbers with
numbers, exactly representable as doubles; true/false with true/false). Anything else — a number
compared with text (the engine compares those as text), a list, a huge integer — keys on the value
itself: still exact, only fewer hits. A program with a test this module does not know (joins,
arithmetic, regular expressions, negation) is not cached at all.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

_ORDER = {"$neq", "$lt", "$lte", "$gt", "$gte"}
_EXACT_INT = 2**53  # beyond this a double (the engine's number) is not the integer
_MEMO_LIMIT = 65_536  # (property, value) pairs whose abstraction is remembered
MERGED_KEYS = 1024  # at most this many keys can come of a merged group of rules

Test = tuple[str, Any]  # (operator, literal)


class Uncacheable(Exception):
    """The program makes a test whose outcome the signature cannot stand for."""


def _kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "b"
    if isinstance(value, str):
        return "s"
    if isinstance(value, int):
        return "n" if -_EXACT_INT <= value <= _EXACT_INT else None
    if isinstance(value, float):
        return "n" if math.isfinite(value) else None
    return None


def _holds(op: str, value: Any, literal: Any) -> bool:
    if op == "==":
        return bool(value == literal)
    if op == "$neq":
        return bool(value != literal)
    if op == "$lt":
        return bool(value < literal)
    if op == "$lte":
        return bool(value <= literal)
    if op == "$gt":
        return bool(value > literal)
    return bool(value >= literal)  # $gte


@dataclass(frozen=True)
class Group:
    """Engine rules answered together: about the anchor (the application) alone when `member` is None,
    else about the anchor and one fact of kind `member`; keyed on the signatures of `anchor_props` of
    the anchor and `member_props` of the member."""

    member: str | None
    anchor_props: tuple[str, ...]
    member_props: tuple[str, ...]
    rules: tuple[str, ...]
    # the group's codes out of a fact's codes by position (`Split.index`): a C call per key
    pick_anchor: Callable[[Sequence[Any]], tuple[Any, ...]] = field(compare=False, repr=False,
                                                                        default=lambda codes: ())
    pick_member: Callable[[Sequence[Any]], tuple[Any, ...]] = field(compare=False, repr=False,
                                                                        default=lambda codes: ())


@dataclass(frozen=True)
class Split:
    """How the checks of a program whose anchor is one fact kind split into groups."""

    anchor: str
    shared: frozenset[str]  # the anchor's properties that some member group tests
    alone: tuple[int, ...]  # groups about the anchor alone
    members: dict[str, tuple[int, ...]]  # member kind → its groups
    groups: tuple[Group, ...]
    group_of: dict[str, int]  # engine rule → its group
    index: dict[str, dict[str, int]]  # fact kind → position of each property its groups test
    pick_shared: Callable[[Sequence[Any]], tuple[Any, ...]]  # the anchor's `shared` codes


@dataclass(frozen=True)
class Shape:
    """What the cache needs to know of a compiled program."""

    tests: dict[str, tuple[Test, ...]]  # every test on each property
    aliases: dict[str, dict[str, str]]  # engine rule → {fact kind ("t"): alias}
    kind_aliases: dict[str, tuple[str, ...]]  # fact kind → every alias a rule gives it
    anchors: frozenset[str]  # the fact kinds every rule about two facts is about
    footprints: dict[str, dict[str, frozenset[str]]]  # engine rule → fact kind → properties it tests
    _splits: dict[str, Split] = field(default_factory=dict, compare=False, repr=False)

    def split(self, anchor: str) -> Split | None:
        """How checks whose first fact is of kind `anchor` split; worked out on first use (a program's
        checks all start with the same kind)."""
        found = self._splits.get(anchor)
        if found is None and anchor in self.anchors:
            found = self._splits[anchor] = _split(anchor, self.footprints, self.tests)
        return found


def _kind_of(expr: Any) -> str:
    """The literal fact kind an element tests (every element of a compiled program starts with one)."""
    if isinstance(expr, dict):
        if isinstance(expr.get("t"), str):
            return str(expr["t"])
        for item in expr.get("$and", []):
            if isinstance(item, dict) and isinstance(item.get("t"), str):
                return str(item["t"])
    raise Uncacheable("an element without a literal fact kind")


def program_shape(definition: dict[str, Any]) -> Shape:
    """The tests, fact kinds and rule groups of a ruleset; raises `Uncacheable` for what the signature
    cannot stand for."""
    tests: dict[str, dict[Test, None]] = {}
    aliases: dict[str, dict[str, str]] = {}
    footprints: dict[str, dict[str, frozenset[str]]] = {}  # engine rule → fact kind → properties it tests

    def add(prop: str, op: str, literal: Any, seen: set[str]) -> None:
        if _kind(literal) is None:  # a join ({"alias": "prop"}), arithmetic, a list, null
            raise Uncacheable(f"{prop} {op} {literal!r}")
        tests.setdefault(prop, {})[(op, literal)] = None
        seen.add(prop)

    def walk(expr: Any, seen: set[str]) -> None:
        if not isinstance(expr, dict):
            raise Uncacheable(repr(expr))
        for key, sub in expr.items():
            if key in ("$and", "$or"):
                for item in sub:
                    walk(item, seen)
            elif key in ("$ex", "$nex"):
                for prop in sub:
                    tests.setdefault(prop, {})  # presence is in every signature
                    seen.add(prop)
            elif key in _ORDER:
                for prop, literal in sub.items():
                    add(prop, key, literal, seen)
            elif key.startswith("$"):
                raise Uncacheable(key)
            else:
                add(key, "==", sub, seen)

    for name, body in definition.items():
        if set(body) - {"all", "pri"}:  # "any" would need every element to be split alike
            raise Uncacheable(repr(sorted(body)))
        kinds: dict[str, str] = {}
        props: dict[str, frozenset[str]] = {}
        for element in body["all"]:
            for alias, expr in element.items():
                if "$" in alias:  # $not, nested $all / $any
                    raise Uncacheable(alias)
                kind = _kind_of(expr)
                if kind in kinds:  # two facts of one kind: a join the split cannot see
                    raise Uncacheable(f"rule {name} matches two '{kind}' facts")
                kinds[kind] = alias
                seen: set[str] = set()
                walk(expr, seen)
                props[kind] = frozenset(seen - {"t"})  # the kind is the group's, not a key's
        if len(kinds) > 2:
            raise Uncacheable(f"rule {name} matches {len(kinds)} facts")
        aliases[name] = kinds
        footprints[name] = props
    anchors = frozenset(anchor for anchor in {k for kinds in aliases.values() for k in kinds}
                        if all(len(kinds) < 2 or anchor in kinds for kinds in aliases.values()))
    kind_aliases: dict[str, dict[str, None]] = {}
    for kinds in aliases.values():
        for kind, alias in kinds.items():
            kind_aliases.setdefault(kind, {})[alias] = None
    return Shape({prop: tuple(found) for prop, found in tests.items()}, aliases,
                 {kind: tuple(found) for kind, found in kind_aliases.items()}, anchors, footprints)


def _split(anchor: str, footprints: dict[str, dict[str, frozenset[str]]],
           tests: dict[str, tuple[Test, ...]]) -> Split:
    """Group the rules by footprint: each group a footprint no other of its kind contains, holding every
    rule whose footprint it contains (no more keys per group); then groups merged while few keys can
    come of them (fewer look-ups per check)."""
    empty: frozenset[str] = frozenset()
    wanted: dict[tuple[str | None, frozenset[str], frozenset[str]], None] = {}
    of_rule: dict[str, tuple[str | None, frozenset[str], frozenset[str]]] = {}
    for name, props in footprints.items():
        member = next((k for k in props if k != anchor), None)
        of_rule[name] = (member, props.get(anchor, empty), props[member] if member else empty)
        wanted[of_rule[name]] = None

    def within(small: tuple[str | None, frozenset[str], frozenset[str]],
               large: tuple[str | None, frozenset[str], frozenset[str]]) -> bool:
        return small[0] == large[0] and small[1] <= large[1] and small[2] <= large[2]

    ordered = sorted(wanted, key=lambda f: (f[0] or "", sorted(f[1]), sorted(f[2])))
    tops = _merged([f for f in ordered if not any(f != other and within(f, other) for other in ordered)], tests)
    group_of = {name: next(n for n, top in enumerate(tops) if within(footprint, top))
                for name, footprint in of_rule.items()}
    index: dict[str, dict[str, int]] = {anchor: {}, **{m: {} for m, _, _ in tops if m is not None}}
    for member, a, m in tops:
        for kind, names in ((anchor, a), (member, m)):
            if kind is not None:
                at = index.setdefault(kind, {})
                for prop in sorted(names):
                    at.setdefault(prop, len(at))
    groups = tuple(Group(member, tuple(sorted(a)), tuple(sorted(m)),
                         tuple(name for name, n in group_of.items() if n == number),
                         _pick([index[anchor][p] for p in sorted(a)]),
                         _pick([index[member][p] for p in sorted(m)] if member else []))
                   for number, (member, a, m) in enumerate(tops))
    members: dict[str, list[int]] = {}
    for number, group in enumerate(groups):
        if group.member is not None:
            members.setdefault(group.member, []).append(number)
    shared = frozenset(p for g in groups if g.member is not None for p in g.anchor_props)
    return Split(anchor, shared, tuple(n for n, g in enumerate(groups) if g.member is None),
                 {kind: tuple(found) for kind, found in members.items()}, groups, group_of, index,
                 _pick(sorted(index[anchor][p] for p in shared)))


Footprint = tuple[str | None, frozenset[str], frozenset[str]]  # member kind, anchor and member properties


def _merged(footprints: list[Footprint], tests: dict[str, tuple[Test, ...]]) -> list[Footprint]:
    """Merge footprints of one member kind, smallest union first, while the union's keys stay few: a
    property tested k ways has at most k + 2 signatures (each way's outcome, absent, and a rare value
    keyed on itself), and a footprint at most the product of its properties'."""
    def keys(footprint: Footprint) -> int:
        return math.prod(len(tests.get(p, ())) + 2 for props in footprint[1:] for p in props)

    out = list(footprints)
    while True:
        best: tuple[int, int, int, Footprint] | None = None
        for i, first in enumerate(out):
            for j in range(i + 1, len(out)):
                second = out[j]
                if first[0] != second[0]:
                    continue
                union = (first[0], first[1] | second[1], first[2] | second[2])
                size = keys(union)
                if size <= MERGED_KEYS and (best is None or size < best[0]):
                    best = (size, i, j, union)
        if best is None:
            return out
        _, i, j, union = best
        out[i] = union
        del out[j]


def _pick(positions: list[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A function taking these positions of a list, always as a tuple."""
    if len(positions) > 1:
        return itemgetter(*positions)
    if positions:
        at = positions[0]
        return lambda codes: (codes[at],)
    return lambda codes: ()


ABSENT = -1  # the code of a property a fact does not have (codes of values are 0, 1, ...)


class Signer:
    """Signatures of engine facts for one compiled program: per property, a small code standing for
    which of the program's tests on it hold."""

    def __init__(self, tests: dict[str, tuple[Test, ...]]) -> None:
        self._tests = tests
        # (property, type) → value → its code. One dict per type: True == 1 == 1.0 in Python, and the
        # engine may see them differently, so a dict never holds keys of two types.
        self._memos: dict[tuple[str, type], dict[Any, Hashable]] = {}
        self._remembered = 0
        self._codes: dict[Hashable, int] = {}
        self._lock = threading.Lock()  # two abstractions must never get one code

    def memo(self, prop: str, kind: type) -> dict[Any, Hashable]:
        """The remembered codes of `prop`'s values of type `kind` (None: absent)."""
        found = self._memos.get((prop, kind))
        if found is None:
            found = self._memos.setdefault((prop, kind), {None: ABSENT} if kind is type(None) else {})
        return found

    def code(self, prop: str, value: Any, memo: dict[Any, Hashable]) -> Hashable:
        """The code of one value of `prop`, remembered in `memo` (the value's type's) while the bound allows."""
        kind = _kind(value)
        tests = self._tests.get(prop, ())
        if kind is None or any(_kind(literal) != kind for _, literal in tests):
            exact = (prop, "=", type(value).__name__, json.dumps(value, sort_keys=True, ensure_ascii=False))
            if kind is None:
                return exact  # not hashable as such, or not worth remembering
            abstract: Hashable = exact
        else:
            abstract = (prop, kind, tuple(_holds(op, value, literal) for op, literal in tests))
        with self._lock:
            code = self._codes.get(abstract)
            if code is None:
                if len(self._codes) >= _MEMO_LIMIT:
                    return abstract  # never given a code, so always itself: a key stays one key
                code = self._codes[abstract] = len(self._codes)
            # a full memo only stops remembering values: a new price is worked out again, to the same code
            if self._remembered < _MEMO_LIMIT:
                memo[value] = code
                self._remembered += 1
        return code


class Coder:
    """Codes of one fact kind's rows — its values in the order of `keys`, None where the fact has none —
    at the positions of the split's `index` (ABSENT where the fact has none). Only the properties of the
    index count: an id counts only where a rule tests it, as the cache rebuilds each activation with the
    ids of the facts of the check."""

    def __init__(self, signer: Signer, keys: tuple[str, ...], index: dict[str, int]) -> None:
        used = [n for n, prop in enumerate(keys) if prop in index]
        self._take = None if len(used) == len(keys) else _pick(used)
        self._signer, self._keys = signer, tuple(keys[n] for n in used)
        ordered = sorted(index, key=index.__getitem__)
        self._reorder = _pick([self._keys.index(p) if p in self._keys else len(self._keys) for p in ordered])
        self._memos: dict[tuple[type, ...], list[dict[Any, Hashable]]] = {}  # by the types of a row's values

    def codes(self, row: Sequence[Any]) -> tuple[Hashable, ...]:
        """A row's codes: each value looked up in the memo of its property and type (C calls, no loop
        in Python), worked out only when not seen before."""
        if self._take is not None:
            row = self._take(row)
        types = tuple(map(type, row))
        memos = self._memos.get(types)
        if memos is None:
            if len(self._memos) >= _MEMO_LIMIT // 16:  # a row's types vary with which facts are known
                self._memos.clear()
            memos = self._memos[types] = [self._signer.memo(prop, kind) for prop, kind in
                                          zip(self._keys, types, strict=True)]
        try:
            found = list(map(dict.get, memos, row))
        except TypeError:  # an unhashable value: each is worked out
            found = [None] * len(row)
        if None in found:
            code = self._signer.code
            for n, value in enumerate(found):
                if value is None:
                    found[n] = code(self._keys[n], row[n], memos[n])
        found.append(ABSENT)  # for the index's properties the rows do not have
        return self._reorder(found)
