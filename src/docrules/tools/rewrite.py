"""Rewrite the `[expect]` table of a TOML case file and keep everything else as the author wrote it:
the `#:schema` line, comments, key order, blank lines. tomlkit parses into a document that remembers its
layout; values that did not change are left untouched, so their comments stay on their lines.
"""

from __future__ import annotations

from typing import Any

import tomlkit
from tomlkit.items import AoT, Table, Whitespace
from tomlkit.toml_document import TOMLDocument


def _identity(entry: dict[str, Any] | Table) -> tuple[Any, Any, Any]:
    return entry.get("stage"), entry.get("party"), entry.get("document")


def _plain(value: Any) -> Any:
    return value.unwrap() if hasattr(value, "unwrap") else value


def _set(table: Table | TOMLDocument, key: str, value: Any) -> None:
    """Assign only what changed: an untouched value keeps its comment and formatting."""
    if key in table and _plain(table[key]) == value:
        return
    if isinstance(value, dict) and key in table and isinstance(table[key], Table):
        _update_table(table[key], value)
        return
    if key not in table and isinstance(table, Table) and not isinstance(value, dict):
        _add_scalar(table, key, value)
        return
    table[key] = _item(value)


def _update_table(table: Table, values: dict[str, Any]) -> None:
    for key in [k for k in table if k not in values]:
        del table[key]
    for key, value in values.items():
        _set(table, key, value)


def _item(value: Any) -> Any:
    if isinstance(value, dict):
        table = tomlkit.table()
        for key, inner in value.items():
            table[key] = _item(inner)
        return table
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return _aot([_item(v) for v in value])
    return value


def _strip_blank_lines(table: Table) -> list[Any]:
    """Take the blank lines off the end of a table; return them."""
    body, taken = table.value.body, list[Any]()
    while body and isinstance(body[-1][1], Whitespace):
        taken.insert(0, body.pop()[1])
    table.trivia.indent = ""
    return taken


def _aot(tables: list[Table], tail: list[Any] | None = None) -> AoT:
    """Tables of one array with a blank line between them, as tomlkit lays out tables it appends itself
    (reused tables bring their own blank lines, so those are taken off first); `tail` is what followed
    the array's last table before, and now follows the new last one."""
    out = tomlkit.aot()
    for table in tables:
        _strip_blank_lines(table)
        out.append(table)
    for item in tail or []:
        tables[-1].value.body.append((None, item))
    return out


def _add_scalar(table: Table, key: str, value: Any) -> None:
    """A new plain key goes right after the table's last plain key, not after the comments that head
    its sub-tables."""
    last = None
    for name, item in table.value.body:
        if name is not None and not isinstance(item, Table | AoT):
            last = name
    if last is None:
        table.value._insert_at(0, key, value)
    else:
        table.value._insert_after(last, key, value)


def _update_entries(expect: Table, key: str, entries: list[dict[str, Any]]) -> None:
    """An array of tables (`[[expect.items]]`): entries already there (same stage, party, document) are
    updated in place and keep their comments; the array is rebuilt only when entries come or go."""
    old = expect.get(key)
    if not entries:
        if key in expect:
            del expect[key]
        return
    if not isinstance(old, AoT):
        expect[key] = _item(entries)
        return
    if [_identity(t) for t in old] == [_identity(e) for e in entries]:
        for table, entry in zip(old, entries, strict=True):
            _update_table(table, entry)
        return
    tail = _strip_blank_lines(old[-1])
    by_identity = {_identity(t): t for t in old}
    rebuilt = []
    for entry in entries:
        table = by_identity.get(_identity(entry))
        if table is None:
            table = _item(entry)
        else:
            _update_table(table, entry)
        rebuilt.append(table)
    expect[key] = _aot(rebuilt, tail)


def rewrite_expect(text: str, expect: dict[str, Any]) -> str:
    """`text` (a TOML case file) with its `[expect]` table holding `expect` (plain values; lists of
    tables under `items` and `absent`)."""
    doc = tomlkit.parse(text)
    if "expect" not in doc or not isinstance(doc["expect"], Table):
        doc["expect"] = _item(expect)
        return tomlkit.dumps(doc)
    table = doc["expect"]
    for key in [k for k in table if k not in expect]:
        del table[key]
    for key, value in expect.items():
        if key in ("items", "absent"):
            _update_entries(table, key, value)
        else:
            _set(table, key, value)
    return tomlkit.dumps(doc)
