"""The input boundary: bytes from a file, standard input, a request body or a batch row → plain data, or
located errors. Every entry point (CLI, batch, HTTP) passes through here before facts are validated, so
the limits below are declared once and hold everywhere.

What it refuses, and why it refuses it here rather than later:
  - more than `max_bytes` (read bounded: `/dev/zero` or `/dev/urandom` end at the limit, not in memory);
  - bytes that are not UTF-8 (a byte order mark is accepted: Excel's "CSV UTF-8" and Notepad write one),
    located by line, column and byte offset;
  - arrays and tables nested deeper than `max_depth`, found by scanning the text *before* parsing, since
    Python's JSON and TOML parsers recurse and would raise `RecursionError` a thousand levels down;
  - numbers outside JSON's safe integer range (a price of 10^30 overflows the decimal arithmetic of
    amounts; a 5,000-digit integer trips Python's int conversion limit) and non-finite numbers;
  - text longer than `max_string` and lists longer than `max_parties` / `max_items`: a 3,000-party body
    costs seconds of engine time, and a 10 MB id would otherwise become a 10 MB error line.
Messages quote at most a short prefix of a bad value.

Good facts do not need the walk of `check_data`: a pack's facts model has a bounded validator
(`facts.model.bounded_validator`) that proves them within these limits in the same pydantic-core pass
that validates them, and `facts.read.parse_facts` walks only what it refuses, so that the problems are
named here, as ever.
"""

from __future__ import annotations

import json
import math
import re
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..diagnostics import Diagnostic, FactsError
from ..tomlsource import syntax_error


@dataclass(frozen=True)
class Limits:
    """How much one application may be. A large family's facts are a few KiB, a dozen parties and
    ids of a few dozen characters; these leave room for that many times over."""

    max_bytes: int = 256 * 1024
    max_depth: int = 16
    max_parties: int = 64
    max_items: int = 1000
    max_string: int = 256
    # JSON's safe integer range: every JSON reader holds these exactly, even one that reads doubles
    max_integer: int = 2**53 - 1
    max_problems: int = 20


LIMITS = Limits()
QUOTE = 40  # characters of a bad value quoted in a message


def quote(value: object, limit: int = QUOTE) -> str:
    """`repr` of a value, cut to a short prefix with its full length when it is long."""
    if isinstance(value, str | bytes) and len(value) > limit:
        return f"{value[:limit]!r}… ({len(value):,} {'characters' if isinstance(value, str) else 'bytes'})"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…"


def _number(text: str) -> str:
    return text if len(text) <= QUOTE else f"{text[:QUOTE]}… ({len(text):,} characters)"


def _error(code: str, message: str, file: str | None = None, *, path: str | None = None,
           line: int | None = None, column: int | None = None, hint: str | None = None) -> FactsError:
    return FactsError([Diagnostic(code=code, file=file, path=path, line=line, column=column, message=message,
                                  hint=hint)])


def too_large(limits: Limits = LIMITS, file: str | None = None) -> FactsError:
    return _error("DR520", f"the input is larger than {limits.max_bytes:,} bytes", file,
                  hint="one application is a few KiB; for many applications use docrules batch")


def read_bounded(source: str | Path, limits: Limits = LIMITS) -> bytes:
    """The bytes of a file (or `-`, standard input), reading at most one byte over the limit."""
    name = str(source)
    try:
        if name == "-":
            return _bounded(sys.stdin.buffer, limits, name)
        with open(source, "rb") as stream:
            return _bounded(stream, limits, name)
    except OSError as exc:
        raise _error("DR501", f"cannot read: {exc.strerror or exc}", name) from None


def _bounded(stream: BinaryIO, limits: Limits, name: str) -> bytes:
    raw = stream.read(limits.max_bytes + 1)
    if len(raw) > limits.max_bytes:
        raise too_large(limits, name)
    return raw


def decode(raw: bytes, file: str | None = None) -> str:
    """UTF-8 text, with or without a byte order mark; anything else is located at its first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start
        line = raw.count(b"\n", 0, start) + 1
        column = start - (raw.rfind(b"\n", 0, start) + 1) + 1
        hint = "save the file as UTF-8"
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            hint = "this looks like UTF-16 (Excel's \"Unicode text\"); save it as UTF-8 (\"CSV UTF-8\")"
        raise _error("DR526", f"not UTF-8 text: byte 0x{raw[start]:02x} at byte offset {start}", file,
                     line=line, column=column, hint=hint) from None


# Each string pattern also ends at the end of the text (and a one-line TOML string at the end of its line),
# so that a string left open matches once instead of failing and being tried again at every later quote,
# which made the scan quadratic ('"' followed by 100,000 '\\"' took minutes).
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\\?\Z)|[\[\]{}]', re.DOTALL)
_TOML_TOKENS = re.compile(
    r'"""(?:[^\\]|\\.)*?(?:"""|\\?\Z)|\'\'\'.*?(?:\'\'\'|\Z)|"(?:[^"\\\n]|\\.)*(?:"|\n|\\?\Z)'
    r"|'[^'\n]*(?:'|\n|\Z)|#[^\n]*|[\[\]{}]", re.DOTALL)


def too_deep(text: str, *, toml: bool, max_depth: int) -> tuple[int, int] | None:
    """Where (line, column) JSON or TOML text first opens an array or table deeper than `max_depth`, from
    the text alone (strings and comments skipped), or None. Run before parsing: Python's parsers recurse."""
    if text.count("[") + text.count("{") <= max_depth:
        return None  # the common case, in a few microseconds: too few brackets to nest that deep
    depth = 0
    for match in (_TOML_TOKENS if toml else _JSON_TOKENS).finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                at = match.start()
                return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
        elif token in "]}":
            depth -= 1
    return None


def _nesting(text: str, toml: bool, limits: Limits, file: str | None) -> None:
    found = too_deep(text, toml=toml, max_depth=limits.max_depth)
    if found is not None:
        raise _error("DR522", f"nested deeper than {limits.max_depth} levels", file, line=found[0],
                     column=found[1])


class _OutOfRange:
    """A number the JSON reader met that is kept as text, so the walk can name its path."""

    def __init__(self, text: str) -> None:
        self.text = text


def _json_int(text: str) -> int | _OutOfRange:
    # compare digits before converting: int() of 5,000 digits raises ValueError (and is slow)
    return int(text) if len(text.lstrip("-")) <= 16 else _OutOfRange(text)


def _json_float(text: str) -> float | _OutOfRange:
    value = float(text)
    return value if math.isfinite(value) else _OutOfRange(text)


def parse_json(text: str, file: str | None = None, limits: Limits = LIMITS) -> Any:
    """JSON text → plain data within the limits, or a located `FactsError`."""
    _nesting(text, False, limits, file)
    try:
        try:
            data = json.loads(text)
        except ValueError as exc:
            if isinstance(exc, json.JSONDecodeError):
                raise
            # an integer over Python's 4,300-digit conversion limit: read again keeping numbers as text,
            # so that the walk can name where it is
            data = json.loads(text, parse_int=_json_int, parse_float=_json_float, parse_constant=_OutOfRange)
    except json.JSONDecodeError as exc:
        raise _error("DR502", f"invalid JSON: {exc.msg}", file, line=exc.lineno, column=exc.colno) from None
    check_data(data, file, limits)
    return data


_LONG_DIGITS = re.compile(r"[0-9_]{100,}")


def long_number(text: str) -> tuple[int, int] | None:
    """Where the first number of 100 digits or more stands in `text` (line, column), if anywhere."""
    found = _LONG_DIGITS.search(text)
    if found is None:
        return None
    return text.count("\n", 0, found.start()) + 1, found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1


def parse_toml(text: str, file: str | None = None, limits: Limits = LIMITS) -> Any:
    """TOML text → plain data within the limits, or a located `FactsError`."""
    _nesting(text, True, limits, file)
    try:
        data = tomllib.loads(text, parse_float=_json_float)
    except tomllib.TOMLDecodeError as exc:
        raise FactsError([syntax_error("DR502", file or "-", exc)]) from None
    except ValueError:  # tomllib converts integers itself, and Python refuses more than 4,300 digits
        line, column = long_number(text) or (None, None)
        raise _error("DR524", "a number has too many digits", file, line=line, column=column) from None
    check_data(data, file, limits)
    return data


def parse_bytes(raw: bytes, file: str | None = None, *, toml: bool = False, limits: Limits = LIMITS) -> Any:
    """Bytes (a request body, a batch row, a file's content) → plain data, or a located `FactsError`."""
    if len(raw) > limits.max_bytes:
        raise too_large(limits, file)
    text = decode(raw, file)
    return parse_toml(text, file, limits) if toml else parse_json(text, file, limits)


def read_data(source: str | Path, limits: Limits = LIMITS) -> Any:
    """A facts file (`.toml` as TOML, anything else and `-` as JSON) → plain data within the limits."""
    name = str(source)
    return parse_bytes(read_bounded(source, limits), name, toml=name.endswith(".toml"), limits=limits)


def _path(parts: tuple[str | int, ...]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "facts"


def _within(data: Any, limits: Limits) -> bool:
    """Whether plain data is within the limits: the fast pass, without paths."""
    return _all_within((data,), 0, limits)


def _all_within(values: Iterable[Any], depth: int, limits: Limits) -> bool:
    """Whether `values`, at `depth`, and all they hold are within the limits. It recurses, but a list or
    table past `max_depth` is refused before its contents are looked at."""
    text, number = limits.max_string, limits.max_integer
    for value in values:
        kind = type(value)
        if kind is str:
            if len(value) > text:
                return False
        elif kind is int:
            if not -number <= value <= number:
                return False
        elif kind is dict:
            if depth >= limits.max_depth or (value and max(map(len, value)) > text) or (
                    not _all_within(value.values(), depth + 1, limits)):
                return False
        elif kind is list:
            if depth >= limits.max_depth or len(value) > limits.max_items or (
                    depth == 1 and len(value) > limits.max_parties) or not _all_within(value, depth + 1, limits):
                return False
        elif kind is float:
            if not math.isfinite(value):
                return False
        elif kind is _OutOfRange:
            return False
    return True


def check_data(data: Any, file: str | None = None, limits: Limits = LIMITS) -> None:
    """Raise `FactsError` with every problem of size or range in plain data (depth, text length, list
    length, numbers), by path."""
    if _within(data, limits):
        return
    problems = data_problems(data, file, limits)
    if problems:
        raise FactsError(problems)


def data_problems(data: Any, file: str | None = None, limits: Limits = LIMITS) -> list[Diagnostic]:
    """Every problem of size or range in plain data, by path. Iterative, so that depth itself cannot
    exhaust the stack."""
    problems: list[Diagnostic] = []

    def problem(code: str, parts: tuple[str | int, ...], message: str, hint: str | None = None) -> None:
        if len(problems) < limits.max_problems:
            path = _path(parts)
            problems.append(Diagnostic(code=code, file=file, path=path, message=f"{path}: {message}", hint=hint))

    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while stack:
        parts, value = stack.pop()
        if len(parts) > limits.max_depth:
            problem("DR522", parts, f"nested deeper than {limits.max_depth} levels")
            continue
        if isinstance(value, dict):
            for key, item in reversed(value.items()):
                if len(key) > limits.max_string:
                    problem("DR523", parts, f"a field name is longer than {limits.max_string} characters "
                                            f"(got {quote(key)})")
                    continue
                stack.append(((*parts, key), item))
        elif isinstance(value, list):
            most = limits.max_parties if parts == ("parties",) else limits.max_items
            if len(value) > most:
                what = "parties" if parts == ("parties",) else "items"
                problem("DR525", parts, f"more than {most} {what} (got {len(value):,})")
                continue
            stack.extend(((*parts, i), item) for i, item in reversed(list(enumerate(value))))
        elif isinstance(value, str):
            if len(value) > limits.max_string:
                problem("DR523", parts, f"text longer than {limits.max_string} characters (got {quote(value)})")
        elif isinstance(value, _OutOfRange):
            problem("DR524", parts, f"number out of range (got {_number(value.text)})",
                    f"numbers are whole and at most {limits.max_integer:,} in size")
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if abs(value) > limits.max_integer:
                problem("DR524", parts, f"number out of range (got {quote(value)})",
                        f"numbers are whole and at most {limits.max_integer:,} in size")
        elif isinstance(value, float) and not math.isfinite(value):
            problem("DR524", parts, f"number out of range (got {quote(value)})")
    return problems
