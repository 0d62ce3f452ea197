"""Exact memoisation of the engine's answers, keyed by what the engine can see of the facts.

durable-rules matches a fact only through the tests the compiled program makes on its properties:
equality with a literal, an order comparison with a literal, presence. Two facts whose properties lie on
the same side of every such test are matched alike: a fact's *signature* is, for each property, which of
the program's tests on that property hold. A program is compiled per pack and policy period, and each
compiled program has its own cache, so the pack's digest and the period are part of every key.

The answers are remembered per fact, not per check. In a program where no rule joins two facts of the
same kind (one application fact, any number of party facts, each rule about the application, one
party, or the application and one party) and nothing is negated, the engine's activations for a check
are those of the application alone plus, for each party, those of the application with that party: a
party's activations depend only on its own signature and on the application's properties that rules
about both test. A check asks the engine only about the parties whose signatures it has not seen,
in one session.

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
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

_ORDER = {"$neq", "$lt", "$lte", "$gt", "$gte"}
_EXACT_INT = 2**53  # beyond this a double (the engine's number) is not the integer
_MEMO_LIMIT = 65_536  # (property, value) pairs whose abstraction is remembered

Test = tuple[str, Any]  # (operator, literal)
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


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
class Shape:
    """What the cache needs to know of a compiled program."""

    tests: dict[str, tuple[Test, ...]]  # every test on each property
    aliases: dict[str, dict[str, str]]  # engine rule → {fact kind ("t"): alias}
    shared: dict[str, frozenset[str]]  # anchor kind → its properties that rules about two facts test

    def anchors(self, kind: str) -> bool:
        """Whether checks whose facts are one `kind` fact and others can be split per other fact."""
        return kind in self.shared


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
    """The tests and fact kinds of a ruleset; raises `Uncacheable` for what the signature cannot stand for."""
    tests: dict[str, dict[Test, None]] = {}
    aliases: dict[str, dict[str, str]] = {}
    element_props: dict[str, list[tuple[str, set[str]]]] = {}

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
        props: list[tuple[str, set[str]]] = []
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
                props.append((kind, seen))
        if len(kinds) > 2:
            raise Uncacheable(f"rule {name} matches {len(kinds)} facts")
        aliases[name] = kinds
        element_props[name] = props
    shared: dict[str, frozenset[str]] = {}
    for anchor in {k for kinds in aliases.values() for k in kinds}:
        if all(len(kinds) < 2 or anchor in kinds for kinds in aliases.values()):
            shared[anchor] = frozenset(p for props in element_props.values() if len(props) == 2
                                       for kind, seen in props if kind == anchor for p in seen)
    return Shape({prop: tuple(found) for prop, found in tests.items()}, aliases, shared)


class Signer:
    """Signatures of engine facts for one compiled program."""

    def __init__(self, tests: dict[str, tuple[Test, ...]]) -> None:
        self._tests = tests
        self._id_tested = "id" in tests
        # (property, type, value) → a small int standing for its abstraction; the type is in the key
        # because True == 1 == 1.0 in Python, and the engine may see them differently.
        self._memo: dict[tuple[str, type, Any], Hashable] = {}
        self._codes: dict[Hashable, int] = {}
        self._lock = threading.Lock()  # two abstractions must never get one code

    def _abstract(self, prop: str, value: Any) -> Hashable:
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
            if len(self._memo) >= _MEMO_LIMIT:
                return abstract
            code = self._codes.get(abstract)
            if code is None:
                code = self._codes[abstract] = len(self._codes)
            self._memo[(prop, type(value), value)] = code
        return code

    def fact(self, fact: dict[str, Any], only: frozenset[str] | None = None) -> Hashable:
        """The signature of one fact (of its properties in `only`, if given). Its id counts only where
        a rule tests it: the cache rebuilds each activation with the ids of the facts of the check."""
        memo = self._memo
        out = []
        for prop, value in fact.items():
            if (prop == "id" and not self._id_tested) or (only is not None and prop not in only):
                continue
            try:
                out.append(memo[(prop, value.__class__, value)])
            except (KeyError, TypeError):  # not seen yet, or not hashable
                out.append(self._abstract(prop, value))
        return tuple(out)


@dataclass
class Stats:
    size: int
    limit: int
    hits: int
    misses: int

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class Memo(Generic[K, V]):
    """A bounded least-recently-used map, safe to share between threads."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.limit:
                self._items.popitem(last=False)

    def stats(self) -> Stats:
        with self._lock:
            return Stats(len(self._items), self.limit, self.hits, self.misses)
