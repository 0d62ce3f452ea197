"""Where each key of a TOML document stands: tomllib keeps no positions, so diagnostics need this map.

A line scanner, not a second parser: tomllib has already accepted the text, so only table headers,
`key = value` lines and multi-line strings need recognising. Keys inside inline tables and arrays take the
position of the key that holds them (`SourceMap.find` walks up the path).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .diagnostics import Diagnostic

Path = tuple[str | int, ...]

_BARE = r"[A-Za-z0-9_-]+"
_KEY = rf"(?:{_BARE}|\"[^\"]*\"|'[^']*')"
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(rf"^(\s*)({_DOTTED})\s*=\s*")
_PART = re.compile(_KEY)


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(p.strip("\"'") for p in _PART.findall(dotted))


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass
class SourceMap:
    keys: dict[Path, Position] = field(default_factory=dict)
    values: dict[Path, Position] = field(default_factory=dict)
    multiline: set[Path] = field(default_factory=set)
    lines: list[str] = field(default_factory=list)

    def find(self, path: Path) -> Position | None:
        """The position of `path`, or of the nearest key above it that was written out."""
        for end in range(len(path), 0, -1):
            pos = self.keys.get(path[:end])
            if pos is not None:
                return pos
        return None

    def find_text(self, path: Path, needle: str) -> Position | None:
        """Where `needle` stands on the line of `path`'s value (e.g. one name in a list)."""
        start = self.values.get(path)
        if start is None or start.line > len(self.lines):
            return None
        at = self.lines[start.line - 1].find(needle, start.column - 1)
        return Position(start.line, at + 1) if at >= 0 else start

    def value_offset(self, path: Path, line: int, column: int) -> Position | None:
        """Where line/column of a string value (1-based, within the string) stand in the file."""
        start = self.values.get(path)
        if start is None:
            return None
        if path in self.multiline:  # TOML drops the newline right after the opening quotes
            return Position(start.line + line, column)
        return Position(start.line, start.column + column)  # + 1 for the quote, - 1 for 1-based


class SourceMaps(Mapping[str, SourceMap]):
    """The source maps of a pack's files by name, each made from its text when first asked for: only a
    diagnostic needs one, and a pack that loads cleanly has none."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._maps: dict[str, SourceMap] = {}

    def add(self, file: str, text: str) -> None:
        self._texts[file] = text

    def __getitem__(self, file: str) -> SourceMap:
        found = self._maps.get(file)
        if found is None:
            found = self._maps[file] = source_map(self._texts[file])
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


def source_map(text: str) -> SourceMap:
    out = SourceMap(lines=text.splitlines())
    table: Path = ()
    counts: dict[Path, int] = {}
    closing: str | None = None  # inside a multi-line string: the delimiter that ends it
    for number, line in enumerate(text.splitlines(), start=1):
        if closing is not None:
            if line.count(closing) % 2 == 1:
                closing = None
            continue
        header = _HEADER.match(line)
        if header:
            names = _parts(header.group(2))
            if header.group(1) == "[[":
                # an array of tables: its index is counted per parent element ([[rules.require]] per rule)
                parent = _resolve(names[:-1], table, counts)
                key = (*parent, names[-1])
                counts[key] = counts.get(key, -1) + 1
                table = (*key, counts[key])
            else:
                table = _resolve(names, table, counts)
            out.keys.setdefault(table, Position(number, line.index("[") + 1))
            continue
        assign = _ASSIGN.match(line)
        if not assign:
            continue
        path = (*table, *_parts(assign.group(2)))
        out.keys[path] = Position(number, len(assign.group(1)) + 1)
        out.values[path] = Position(number, assign.end() + 1)
        rest = line[assign.end():]
        for delim in ('"""', "'''"):
            if rest.startswith(delim) and rest.count(delim) == 1:
                closing = delim
                out.multiline.add(path)
    return out


def _resolve(names: tuple[str, ...], table: Path, counts: dict[Path, int]) -> Path:
    """A header's path, with the current index of every array of tables it passes through."""
    path: Path = ()
    for name in names:
        path = (*path, name)
        if path in counts:
            path = (*path, counts[path])
    return path


def syntax_error(code: str, file: str, exc: tomllib.TOMLDecodeError) -> Diagnostic:
    """A TOML syntax error as a located diagnostic. Python 3.11's tomllib keeps the position only in its
    message ("Expected '=' ... (at line 3, column 7)")."""
    message = str(exc)
    line = column = None
    if message.endswith(")") and "(at line " in message:
        message, _, pos = message.rpartition(" (at line ")
        line_s, _, col_s = pos.rstrip(")").partition(", column ")
        line, column = int(line_s), int(col_s)
    return Diagnostic(code=code, file=file, line=line, column=column, message=f"invalid TOML: {message}")
