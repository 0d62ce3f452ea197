"""The facts that rules may name: the input models' fields plus facts computed before matching.

Computed facts are worked out in Python before the facts reach durable-rules, because the engine can
compare but not do date arithmetic or count other facts — and positive counts avoid its order-dependent
negation (research note §8): `linked_spouse == 0` instead of "there is no spouse fact".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from ..facts.model import Application, Facts, Party, Role

Scope = Literal["application", "party"]
Kind = Literal["enum", "bool", "int", "date", "str"]


@dataclass(frozen=True)
class FactSpec:
    scope: Scope
    name: str
    kind: Kind
    values: tuple[str, ...] = ()
    # When this fact is unknown, the input facts a clerk is asked for instead (computed facts).
    asks: tuple[tuple[Scope, str], ...] = ()
    always_known: bool = False


def _kind(annotation: Any) -> tuple[Kind, tuple[str, ...]]:
    args = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)
    for arg in args:
        while get_origin(arg) is not None and get_origin(arg) is not Literal and get_args(arg):
            arg = get_args(arg)[0]  # Annotated[int, ...] → int
        if isinstance(arg, type) and issubclass(arg, Enum):
            return "enum", tuple(str(m.value) for m in arg)
        if arg is bool:
            return "bool", ()
        if arg is int or get_origin(arg) is Literal:
            return "int", ()
        if arg is date:
            return "date", ()
        if arg is str:
            return "str", ()
    raise TypeError(f"no fact kind for {annotation!r}")


def _from_model(scope: Scope, model: type[BaseModel], skip: tuple[str, ...]) -> list[FactSpec]:
    out = []
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        kind, values = _kind(field.annotation)
        out.append(FactSpec(scope, name, kind, values, asks=((scope, name),)))
    return out


def _computed() -> list[FactSpec]:
    asks: tuple[tuple[Scope, str], ...] = (("party", "birth_date"), ("application", "signing_date"))
    # Two ways of counting years, so that the pack, not the code, says which one the policy means.
    ages = [FactSpec("party", "age", "int", asks=asks), FactSpec("party", "age_from_birthday", "int", asks=asks)]
    links = [FactSpec("party", f"linked_{role.value}", "int", always_known=True)
             for role in Role if role is not Role.buyer]
    return [*ages, *links]


FACTS: dict[tuple[Scope, str], FactSpec] = {
    (f.scope, f.name): f
    for f in [*_from_model("application", Application, ()), *_from_model("party", Party, ("id", "of")),
              *_computed()]
}


def age_on(birth: date, day: date, *, from_birthday: bool = False) -> int:
    """Full years (周岁) on `day`: a year counts from the day after the birthday, so a person who turns
    18 on `day` is still 17 here (policy.md §2). `from_birthday` counts it from the birthday itself.
    A 29 February birthday falls on 1 March in other years."""
    years = day.year - birth.year
    try:
        anniversary = birth.replace(year=day.year)
    except ValueError:
        anniversary = date(day.year, 3, 1)
    if day < anniversary or (day == anniversary and not from_birthday):
        years -= 1
    return max(years, 0)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def application_values(facts: Facts, used: frozenset[str]) -> dict[str, Any]:
    """The application's known facts that some rule names, as plain JSON values."""
    app = facts.application
    return {name: _plain(getattr(app, name)) for name in sorted(used) if getattr(app, name) is not None}


def party_values(facts: Facts, day: date | None, used: frozenset[str]) -> list[dict[str, Any]]:
    """Each party's known facts that some rule names, with the computed ones filled in."""
    links: dict[str, dict[str, int]] = {p.id: {} for p in facts.parties}
    for p in facts.parties:
        if p.of in links:
            links[p.of][p.role.value] = links[p.of].get(p.role.value, 0) + 1
    out = []
    names = sorted(used)
    for p in facts.parties:
        values: dict[str, Any] = {}
        for name in names:
            if name in ("age", "age_from_birthday"):
                if p.birth_date is not None and day is not None:
                    values[name] = age_on(p.birth_date, day, from_birthday=name == "age_from_birthday")
            elif name.startswith("linked_"):
                values[name] = links[p.id].get(name.removeprefix("linked_"), 0)
            elif getattr(p, name) is not None:
                values[name] = _plain(getattr(p, name))
        out.append(values)
    return out
