"""Plain data (JSON, TOML, dict) → `Facts`, or every problem as a located diagnostic.

pydantic's own wording is replaced where a clerk or an integrator would not understand it; paths read
like the input (`parties[1].marital_status`).
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections.abc import Collection, Mapping, Sequence
from enum import Enum
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from ..diagnostics import Diagnostic, FactsError, did_you_mean
from ..facts.model import Application, Facts, Party, Received, Role
from ..tomlsource import syntax_error

_MODELS: dict[str, type[BaseModel]] = {"": Facts, "application": Application, "parties": Party,
                                       "received": Received}


def read_facts(source: str | Path) -> Facts:
    """Read a facts file: `.toml` as TOML, anything else (and `-`, standard input) as JSON."""
    name = str(source)
    try:
        text = sys.stdin.read() if name == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise FactsError([Diagnostic(code="DR501", file=name, message=f"cannot read: {exc.strerror}")]) from None
    data: Any
    if name.endswith(".toml"):
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise FactsError([syntax_error("DR502", name, exc)]) from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FactsError(
                [Diagnostic(code="DR502", file=name, line=exc.lineno, column=exc.colno,
                            message=f"invalid JSON: {exc.msg}")]
            ) from None
    return parse_facts(data, file=None if name == "-" else name)


def parse_facts(data: object, *, file: str | None = None) -> Facts:
    """Validate plain data into `Facts`; raise `FactsError` listing every problem."""
    if isinstance(data, Facts):
        facts = data
    else:
        if not isinstance(data, Mapping):
            raise FactsError([Diagnostic(code="DR503", file=file,
                                         message="facts must be an object with 'application' and 'parties'")])
        try:
            facts = Facts.model_validate(data)
        except ValidationError as exc:
            raise FactsError([_from_pydantic(err, file) for err in exc.errors()]) from None
    problems = relation_problems(facts, file)
    if problems:
        raise FactsError(problems)
    return facts


def relation_problems(facts: Facts, file: str | None = None) -> list[Diagnostic]:
    """What one party cannot say about itself: unique ids, `of` naming a buyer, hukou only for mainland;
    and received documents naming a party of this application, each (party, document) once."""
    out: list[Diagnostic] = []
    seen: set[str] = set()
    buyers = {p.id for p in facts.parties if p.role is Role.buyer}
    if not buyers:
        out.append(Diagnostic(code="DR510", file=file, path="parties",
                              message="parties: at least one party with role 'buyer' is required"))
    for i, party in enumerate(facts.parties):
        at = f"parties[{i}]"
        if party.id in seen:
            out.append(Diagnostic(code="DR511", file=file, path=f"{at}.id",
                                  message=f"{at}.id: another party already has id {party.id!r}"))
        seen.add(party.id)
        if party.role is Role.buyer and party.of is not None:
            out.append(Diagnostic(code="DR512", file=file, path=f"{at}.of",
                                  message=f"{at}.of: a buyer belongs to no one; remove 'of'"))
        elif party.role is not Role.buyer and party.of is None:
            out.append(Diagnostic(code="DR512", file=file, path=f"{at}.of",
                                  message=f"{at}.of: a {party.role.value} must name the buyer it belongs to",
                                  hint=f"one of: {', '.join(sorted(buyers)) or '(no buyer yet)'}"))
        elif party.of is not None and party.of not in buyers:
            out.append(Diagnostic(code="DR512", file=file, path=f"{at}.of",
                                  message=f"{at}.of: names no buyer (got {party.of!r})",
                                  hint=f"one of: {', '.join(sorted(buyers)) or '(no buyer yet)'}"))
        if party.hukou is not None and party.identity is not None and party.identity.value != "mainland":
            out.append(Diagnostic(code="DR513", file=file, path=f"{at}.hukou",
                                  message=f"{at}.hukou: only mainland parties have a hukou "
                                          f"(identity is {party.identity.value!r})"))
    handed: set[tuple[str | None, str]] = set()
    for i, got in enumerate(facts.received or ()):
        at = f"received[{i}]"
        if got.party is not None and got.party not in seen:
            out.append(Diagnostic(code="DR514", file=file, path=f"{at}.party",
                                  message=f"{at}.party: names no party (got {got.party!r})",
                                  hint=f"one of: {', '.join(sorted(seen))}, or null for the application"))
        if (got.party, got.document) in handed:
            out.append(Diagnostic(code="DR515", file=file, path=f"{at}.document",
                                  message=f"{at}.document: {got.document!r} of {got.party or 'the application'} "
                                          "is listed twice; give one entry with the totals"))
        handed.add((got.party, got.document))
    return out


def unknown_documents(facts: Facts, documents: Collection[str]) -> list[Diagnostic]:
    """Received documents that the pack's catalog does not have (facts alone cannot know them)."""
    out = []
    for i, got in enumerate(facts.received or ()):
        if got.document not in documents:
            at = f"received[{i}].document"
            out.append(Diagnostic(code="DR516", path=at, message=f"{at}: the pack has no document {got.document!r}",
                                  hint=did_you_mean(got.document, documents)))
    return out


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _model_at(loc: Sequence[int | str]) -> type[BaseModel] | None:
    names = [p for p in loc if isinstance(p, str)]
    return _MODELS.get(names[0] if names else "")


def _field_type(loc: Sequence[int | str]) -> Any:
    model = _model_at(loc[:-1])
    if model is None or not isinstance(loc[-1], str):
        return None
    field = model.model_fields.get(loc[-1])
    return None if field is None else field.annotation


def allowed_values(annotation: Any) -> list[str] | None:
    """The values an enum or Literal field accepts, unwrapping `X | None`."""
    args = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)
    for arg in args:
        if isinstance(arg, type) and issubclass(arg, Enum):
            return [str(m.value) for m in arg]
        if get_origin(arg) is Literal:
            return [str(v) for v in get_args(arg)]
    return None


_KIND = {
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "bool_type": "true or false", "bool_parsing": "true or false",
    "string_type": "a string", "date_type": "a date YYYY-MM-DD", "date_parsing": "a date YYYY-MM-DD",
    "date_from_datetime_parsing": "a date YYYY-MM-DD", "date_from_datetime_inexact": "a date YYYY-MM-DD",
    "list_type": "a list", "model_type": "an object", "model_attributes_type": "an object",
}


def _from_pydantic(err: Any, file: str | None) -> Diagnostic:
    loc = tuple(err["loc"])
    path = _path(loc) or "facts"
    kind = err["type"]
    got = err.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        known = ", ".join(model.model_fields) if model else ""
        message = f"{path}: unknown field"
        return Diagnostic(code="DR504", file=file, path=path, message=message,
                          hint=f"allowed fields: {known}" if known else None)
    if kind == "missing":
        return Diagnostic(code="DR505", file=file, path=path, message=f"{path}: is required")
    allowed = allowed_values(_field_type(loc))
    if kind in ("enum", "literal_error") and allowed:
        message = f"{path}: must be one of {', '.join(allowed)} (got {got!r})"
    elif kind in _KIND:
        message = f"{path}: must be {_KIND[kind]} (got {got!r})"
    elif kind in ("greater_than_equal", "less_than_equal", "string_too_short", "string_too_long"):
        message = f"{path}: {err['msg'].lower()} (got {got!r})"
    else:
        message = f"{path}: {err['msg']} (got {got!r})"
    return Diagnostic(code="DR506", file=file, path=path, message=message)
