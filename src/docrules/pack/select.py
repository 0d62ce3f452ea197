"""Which lint findings are reported: ruff-style selection (`select`, `extend_select`, `ignore` from the
command line or a pack's `[lint]` table) and inline `# docrules: ignore[DR401]` comments on a definition.

Only warnings can be left out. An error refuses the load, so hiding it would make lint pass a pack that
cannot be used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import Diagnostic, Severity
from .codes import OPT_IN, known_pattern
from .model import LintSettings


def _matches(pattern: str, code: str) -> bool:
    if code in OPT_IN:
        return pattern == code
    return pattern == "ALL" or code.startswith(pattern)


def _specificity(patterns: Iterable[str], code: str) -> int:
    """How closely the best of `patterns` names `code` (-1: not at all); ALL is the loosest."""
    return max((0 if p == "ALL" else len(p) for p in patterns if _matches(p, code)), default=-1)


@dataclass(frozen=True)
class Selection:
    select: tuple[str, ...] = ("ALL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    @classmethod
    def of(cls, config: LintSettings, select: Sequence[str] | None = None,
           extend_select: Sequence[str] = (), ignore: Sequence[str] = ()) -> Selection:
        """The caller's choices layered on the pack's `[lint]` table, as ruff layers its command line on
        its configuration: a `select` given starts afresh (the pack's select, extend_select and ignore are
        dropped); otherwise `extend_select` and `ignore` add to the pack's. Raises ValueError for a
        selector that names no code."""
        for pattern in (*(select or ()), *extend_select, *ignore):
            if not known_pattern(pattern):
                raise ValueError(f"'{pattern}' is not a lint code or a prefix of one (e.g. DR405 or DR4)")
        if select is not None:
            return cls(select=tuple(select), extend_select=tuple(extend_select), ignore=tuple(ignore))
        return cls(select=tuple(config.select) if config.select is not None else ("ALL",),
                   extend_select=(*config.extend_select, *extend_select), ignore=(*config.ignore, *ignore))

    def enabled(self, code: str) -> bool:
        """Selected, and not ignored by a pattern at least as specific (`--select DR4 --ignore DR401`
        leaves DR401 out; `--ignore DR4 --select DR405` keeps DR405)."""
        chosen = _specificity((*self.select, *self.extend_select), code)
        return chosen >= 0 and chosen > _specificity(self.ignore, code)


_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_IGNORE = re.compile(r"#\s*docrules:\s*ignore\[([^\]]*)\]")


@dataclass(frozen=True)
class Block:
    """The lines of one definition (a `[[rules]]` entry with its sub-tables, a `[settings.NAME]` table,
    ...) and the codes its inline comments ignore."""

    first: int
    last: int
    codes: tuple[str, ...]


def _names(header: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in header.split("."))


def blocks(text: str) -> list[Block]:
    """The definitions of a TOML text that carry `# docrules: ignore[...]`. A definition runs from its
    table header to the next header that is not one of its sub-tables; comment lines right above a header
    (no blank line between) belong to the definition below them, as a reader takes them."""
    out: list[Block] = []
    start, path, codes = 1, tuple[str, ...](), list[str]()
    above = list[str]()  # codes on the comment-only lines just read
    closing: str | None = None
    lines = text.splitlines()

    def close(last: int) -> None:
        if codes:
            out.append(Block(start, last, tuple(codes)))

    for number, line in enumerate(lines, start=1):
        if closing is not None:  # inside a multi-line string: no header, no comment
            if line.count(closing) % 2 == 1:
                closing = None
            continue
        found = _IGNORE.search(line)
        named = [c.strip() for c in found.group(1).split(",") if c.strip()] if found else []
        if line.lstrip().startswith("#"):
            above.extend(named)
            continue
        header = _HEADER.match(line)
        if header:
            names = _names(header.group(1))
            if not path or len(names) <= len(path) or names[:len(path)] != path:
                close(number - 1)
                start, path, codes = number, names, []
        codes.extend(above)
        above = []
        codes.extend(named)
        for delim in ('"""', "'''"):
            if line.count(delim) % 2 == 1:
                closing = delim
    codes.extend(above)
    close(len(lines))
    return out


def inline_ignored(diagnostic: Diagnostic, found: list[Block]) -> bool:
    return diagnostic.line is not None and any(
        b.first <= diagnostic.line <= b.last and any(_matches(c, diagnostic.code) for c in b.codes) for b in found)


def report(diagnostics: list[Diagnostic], selection: Selection) -> list[Diagnostic]:
    """The diagnostics to show: every error; the warnings that are selected and not ignored inline."""
    cache: dict[str, list[Block]] = {}

    def blocks_of(file: str) -> list[Block]:
        if file not in cache:
            try:
                cache[file] = blocks(Path(file).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):  # gone or changed since it was read: nothing to honour
                cache[file] = []
        return cache[file]

    out = []
    for d in diagnostics:
        if d.severity is Severity.warning and (
                not selection.enabled(d.code) or (d.file is not None and inline_ignored(d, blocks_of(d.file)))):
            continue
        out.append(d)
    return out


def unknown_codes(config: LintSettings) -> list[str]:
    """Selectors in `[lint]` that name no code (the schema only checks their shape)."""
    return [p for p in (*(config.select or ()), *config.extend_select, *config.ignore) if not known_pattern(p)]

