"""Rule conditions: a small, safe expression language, parsed — never evaluated — into a tree.

    party.residency == "resident" and party.months_at_address < setting.address_months
    party.role in ["applicant", "parent"] and not app.fee_paid
    applicant.residency in ["visitor", "tourist"] and missing(party.email)

`party.X` is the party a rule is about, `app.X` the application, `setting.X` a setting, and `NAME.X`
(NAME the pack's principal role, e.g. `applicant`) the principal that party belongs to: it is read as the
alias `principal`, so the rest of the code knows no role name.

Python's own parser reads the text (so precedence and positions are exactly Python's), then only the
node types below are accepted; anything else is an error with its column. Nothing is ever executed.
"""

from __future__ import annotations

import ast
import threading
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

# CPython 3.11's parser is not safe from several threads at once (gh-106905): reloads run in threads.
_PARSE_LOCK = threading.Lock()
Literal_ = bool | int | float | str | date
OPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
       ast.In: "in", ast.NotIn: "not in"}
FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
MAX_LENGTH = 4000  # characters of one condition; the longest real one is a few hundred
MAX_DEPTH = 32  # nested and/or/not: every later pass over a condition recurses
MAX_NUMBER = 2**53 - 1  # JSON's safe integers: what a fact can hold and the engine compares exactly


@dataclass(frozen=True)
class Ref:
    alias: str
    name: str
    line: int = 1
    column: int = 1
    written: str = field(default="", compare=False)  # the alias as written, for messages

    def __str__(self) -> str:
        return f"{self.written or self.alias}.{self.name}"


@dataclass(frozen=True)
class Cmp:
    """`ref op value`; `value` is a literal, a tuple of literals (for in / not in) or a setting."""

    ref: Ref
    op: str
    value: Literal_ | tuple[Literal_, ...] | Ref


@dataclass(frozen=True)
class Truth:
    """A boolean fact (or derived fact) standing alone: `app.fee_paid`, `party.adult`."""

    ref: Ref


@dataclass(frozen=True)
class Known:
    """`known(ref)` (present) or `missing(ref)`: the only tests that look at presence itself."""

    ref: Ref
    present: bool


@dataclass(frozen=True)
class Const:
    value: bool


@dataclass(frozen=True)
class Not:
    item: Expr


@dataclass(frozen=True)
class And:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Expr, ...]


Expr = Cmp | Truth | Known | Const | Not | And | Or


class ExprError(Exception):
    def __init__(self, message: str, line: int, column: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.column, self.hint = message, line, column, hint


@lru_cache(maxsize=4096)
def parse(text: str, principal: str = "") -> Expr:
    """Parse a condition; an empty one always holds. `principal` is the pack's principal role.
    Remembered: validation, lint and the compiler of each policy period all read each condition, and
    the expression is immutable."""
    if not text.strip():
        return Const(True)
    if len(text) > MAX_LENGTH:
        raise ExprError(f"condition is longer than {MAX_LENGTH} characters", 1, 1,
                        "split it into derived facts or several rules")
    try:
        # parenthesised so that a condition may run over several lines, as in a TOML ''' string
        with _PARSE_LOCK:
            tree = ast.parse(f"({text}\n)", mode="eval")
    except (RecursionError, MemoryError):
        raise ExprError(f"condition is nested more than {MAX_DEPTH} levels deep", 1, 1) from None
    except SyntaxError as exc:
        line, column = exc.lineno or 1, exc.offset or 1
        lines = text.split("\n")
        if line > len(lines):  # at the closing parenthesis we added: the text ended too early
            line, column = len(lines), len(lines[-1]) + 2
        raise ExprError(f"condition is not valid: {exc.msg}", line, column - (line == 1)) from None
    _depth(tree.body)
    return _Reader(principal).expr(tree.body)


def _depth(root: ast.expr) -> None:
    """Refuse nesting deeper than MAX_DEPTH before any recursive pass (iterative, so it cannot overflow)."""
    stack: list[tuple[ast.AST, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _fail(node, f"condition is nested more than {MAX_DEPTH} levels deep",
                        "split it into derived facts")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _at(node: ast.AST) -> tuple[int, int]:
    line = getattr(node, "lineno", 1)
    return line, getattr(node, "col_offset", 0) + 1 - (line == 1)  # the added "("


def _fail(node: ast.AST, message: str, hint: str | None = None) -> ExprError:
    return ExprError(message, *_at(node), hint)


class _Reader:
    def __init__(self, principal: str) -> None:
        self.principal = principal

    def expr(self, node: ast.expr) -> Expr:
        if isinstance(node, ast.BoolOp):
            items = tuple(self.expr(v) for v in node.values)
            return And(items) if isinstance(node.op, ast.And) else Or(items)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return Not(self.expr(node.operand))
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):
            return Truth(self.ref(node))
        value = _literal(node, allow_list=False)
        if isinstance(value, bool):
            return Const(value)
        raise _fail(node, "a condition must be a test, such as party.age >= 18")

    def compare(self, node: ast.Compare) -> Expr:
        return _compare(node, self)

    def call(self, node: ast.Call) -> Expr:
        return _call(node, self)

    def ref(self, node: ast.Attribute) -> Ref:
        if not isinstance(node.value, ast.Name):
            raise _fail(node, "a name must be party.X, app.X, setting.X or the principal role's NAME.X")
        line, column = _at(node)
        written = node.value.id
        alias = written
        if written == self.principal:
            alias = "principal"
        elif written == "principal":
            alias = "?principal"  # only the role's own name stands for the principal
        return Ref(alias, node.attr, line, column, written)


def _compare(node: ast.Compare, reader: _Reader) -> Expr:
    if len(node.ops) != 1:
        raise _fail(node, "write one comparison at a time, joined with 'and'")
    op = OPS.get(type(node.ops[0]))
    if op is None:
        raise _fail(node, "unknown comparison", "use ==, !=, <, <=, >, >=, in, not in")
    left, right = node.left, node.comparators[0]
    if _is_fact(left):
        ref = reader.ref(left)  # type: ignore[arg-type]
        other = right
    elif _is_fact(right) and op not in ("in", "not in"):
        ref = reader.ref(right)  # type: ignore[arg-type]
        other, op = left, FLIP[op]
    else:
        raise _fail(node, "a comparison needs a fact on one side (party.X, app.X or the principal's NAME.X)")
    value: Literal_ | tuple[Literal_, ...] | Ref
    if isinstance(other, ast.Attribute):
        value = reader.ref(other)
        if value.alias != "setting":
            raise _fail(other, "compare a fact with a value or a setting, not with another fact")
    elif op in ("in", "not in"):
        # a list literal, or (above) a list-valued setting
        if not isinstance(other, ast.List | ast.Tuple) or not other.elts:
            raise _fail(other, f"'{op}' needs a list of values, such as [\"a\", \"b\"]")
        value = tuple(_literal(e, allow_list=False) for e in other.elts)
    else:
        value = _literal(other, allow_list=False)
    return Cmp(ref, op, value)


def _call(node: ast.Call, reader: _Reader) -> Expr:
    name = node.func.id if isinstance(node.func, ast.Name) else ""
    if name not in ("known", "missing") or len(node.args) != 1 or node.keywords:
        raise _fail(node, "the only functions are known(fact) and missing(fact)")
    arg = node.args[0]
    if not isinstance(arg, ast.Attribute):
        raise _fail(arg, f"{name}() takes a fact, such as {name}(party.phone)")
    return Known(reader.ref(arg), present=name == "known")


def _is_fact(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id != "setting"


def _literal(node: ast.expr, *, allow_list: bool) -> Literal_:
    if isinstance(node, ast.Name) and node.id in ("true", "false"):
        return node.id == "true"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _literal(node.operand, allow_list=False)
        if isinstance(inner, int | float) and not isinstance(inner, bool):
            return -inner
    if isinstance(node, ast.Constant) and isinstance(node.value, bool | int | float | str):
        if isinstance(node.value, int | float) and not isinstance(node.value, bool) and not (
                abs(node.value) <= MAX_NUMBER):  # also NaN and infinity (1e400)
            raise _fail(node, "number out of range", f"numbers are at most {MAX_NUMBER:,} in size, as facts are")
        return node.value
    raise _fail(node, "expected a value: a number, a \"string\", true or false")


def refs(expr: Expr) -> list[Ref]:
    """Every fact or setting the condition names, in reading order."""
    if isinstance(expr, Cmp):
        return [expr.ref, *([expr.value] if isinstance(expr.value, Ref) else [])]
    if isinstance(expr, Truth | Known):
        return [expr.ref]
    if isinstance(expr, Not):
        return refs(expr.item)
    if isinstance(expr, And | Or):
        return [r for item in expr.items for r in refs(item)]
    return []


_WORDS = {"==": "is", "!=": "is not", "<": "is under", "<=": "is at most", ">": "is over", ">=": "is at least"}
_WHOSE = {"party": "", "app": "", "setting": "setting "}


def _whose(ref: Ref) -> str:
    return _WHOSE.get(ref.alias, f"the {ref.written}'s ")


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def describe(expr: Expr) -> str:
    """A test in words a clerk reads: `age is under 18`, `the applicant's residency is one of a, b`."""
    if isinstance(expr, Cmp):
        who = f"{_whose(expr.ref)}{expr.ref.name}"
        if isinstance(expr.value, tuple):
            return f"{who} is {'one' if expr.op == 'in' else 'none'} of {', '.join(map(_value, expr.value))}"
        return f"{who} {_WORDS[expr.op]} {_value(expr.value)}"
    if isinstance(expr, Known):
        return f"{_whose(expr.ref)}{expr.ref.name} is {'given' if expr.present else 'not given'}"
    if isinstance(expr, Truth):
        return f"{_whose(expr.ref)}{expr.ref.name}"
    if isinstance(expr, Const):
        return "always" if expr.value else "never"
    if isinstance(expr, Not):
        return f"not ({describe(expr.item)})"
    same = {(c.ref.alias, c.ref.name) for c in expr.items if isinstance(c, Cmp)}
    if len(same) == 1 and all(isinstance(c, Cmp) for c in expr.items):
        ops = {c.op for c in expr.items if isinstance(c, Cmp)}
        values = tuple(c.value for c in expr.items if isinstance(c, Cmp) and not isinstance(c.value, tuple | Ref))
        if isinstance(expr, Or) and ops == {"=="}:
            return describe(Cmp(next(c.ref for c in expr.items if isinstance(c, Cmp)), "in", values))
        if isinstance(expr, And) and ops == {"!="}:
            return describe(Cmp(next(c.ref for c in expr.items if isinstance(c, Cmp)), "not in", values))
    joined = " and " if isinstance(expr, And) else " or "
    parts = [describe(e) for e in expr.items]
    return joined.join(f"({p})" if " and " in p or " or " in p else p for p in parts)
