"""The input contract: an application and its parties, with the facts the pack declares.

The fields every pack shares are here (a party's id, role and whom it belongs to; received documents);
the facts themselves are declared in the pack and become a pydantic model per pack (`build_model`), so
a pack that adds a fact, a value or a role changes the contract without a release. Every declared fact
may be absent, which means *unknown*: a rule that needs it does not fire and the result asks for it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    create_model,
)
from pydantic_core import SchemaValidator

from ..pack.model import FactDef, RulePack
from .boundary import LIMITS, Limits

Count = Annotated[StrictInt, Field(ge=0, le=99)]
PartyId = Annotated[StrictStr, Field(min_length=1, max_length=64)]
# Text facts without a declared limit still have one: a facts file is no place for a novel.
DEFAULT_MAX_LENGTH = 1000


class FactsModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Received(FactsModel):
    """What has been handed in of one document: originals seen and copies received. `party` is a
    party id, or null for the application's own papers (the pack's checklist lines with party null)."""

    party: StrictStr | None = None
    document: Annotated[StrictStr, Field(min_length=1, max_length=64)]
    # The stage it was handed in for: each stage's office keeps its own papers. Left out: the pack's
    # first stage whose papers it tracks (`[pack] missing_documents`), or every stage if it has none.
    stage: Annotated[StrictStr, Field(min_length=1, max_length=64)] | None = None
    originals: Count = 0
    copies: Count = 0


class Application(FactsModel):
    """The application's facts; each pack's model adds the facts it declares."""


class Party(FactsModel):
    """A person in the application. A party of a role that belongs to another (`of` in the pack's
    roles) names in `of` the party it belongs to. Each pack's model adds the facts it declares."""

    id: PartyId
    role: StrictStr
    of: StrictStr | None = None


class Facts(FactsModel):
    """What a check takes: the application and its parties, in the order they are listed.

    `received` is optional: absent means the documents handed in are not tracked (items carry no
    received/missing marks); a list, even empty, means every item is marked received or missing."""

    application: Application = Application()
    parties: list[Party]
    received: list[Received] | None = None
    # This model's validator held to the input boundary's limits too (`bounded_validator`), set by
    # `build_model`; None: plain data always takes the boundary's walk, then the model.
    bounded: ClassVar[SchemaValidator | None] = None


def _date_only(value: Any) -> Any:
    # pydantic reads a number as seconds since 1970; a facts file means a date only when it writes one
    if isinstance(value, int | float | bool):
        raise ValueError("must be a date YYYY-MM-DD")
    return value


def _no_text(value: Any) -> Any:
    # A decimal fact takes JSON numbers; "12.5" as text is a wrong type, as it is for whole numbers.
    if isinstance(value, str | bool):
        raise ValueError("must be a number")
    return value


def fact_type(fact: FactDef) -> Any:
    """The pydantic type of one declared fact (without `| None`)."""
    bounds: dict[str, Any] = {k: v for k, v in (("ge", fact.min), ("le", fact.max)) if v is not None}
    if fact.kind == "bool":
        return StrictBool
    if fact.kind == "int":
        if fact.choices:
            return Literal[tuple(fact.choices)]
        return Annotated[StrictInt, Field(**bounds)]
    if fact.kind == "decimal":
        return Annotated[Decimal, BeforeValidator(_no_text), Field(allow_inf_nan=False, **bounds)]
    if fact.kind == "enum":
        return Literal[tuple(fact.values)]
    if fact.kind == "date":
        return Annotated[date, BeforeValidator(_date_only)]
    return Annotated[StrictStr, Field(min_length=1, max_length=fact.max_length or DEFAULT_MAX_LENGTH)]


def build_model(pack: RulePack) -> type[Facts]:
    """The facts model of `pack`: strict types, unknown keys refused, every fact optional."""
    def fields(table: dict[str, FactDef]) -> dict[str, Any]:
        return {name: (fact_type(fact) | None, None) for name, fact in table.items() if fact.computed is None}

    # the schema's names are the contract's (Application, Party, Facts), whichever pack declares them
    application = create_model("Application", __base__=Application,
                               **fields(pack.facts.application))
    roles: Any = Literal[tuple(pack.roles)] if pack.roles else StrictStr
    party = create_model("Party", __base__=Party, role=(roles, ...), **fields(pack.facts.party))
    facts = create_model("Facts", __base__=Facts,
                         application=(application, Field(default_factory=application)),
                         parties=(list[party], ...))  # type: ignore[valid-type]
    facts.bounded = bounded_validator(facts, own=(facts, application, party))  # no one else has them yet
    return facts


class _Unbounded(Exception):
    """A part of a model whose inputs `bounded_validator` cannot bound."""


def bounded_validator(model: type[Facts], limits: Limits = LIMITS, *,
                      own: Collection[type[BaseModel]] = ()) -> SchemaValidator | None:
    """A validator that gives exactly what `model` gives but refuses more: whatever the input boundary
    (`check_data` with `limits`) would refuse, such as text over `max_string` in a fact that allows
    1,000 characters or a whole number over `max_integer` in a decimal fact. A success therefore proves
    the data within the limits without a walk in Python and is the model's own answer, built by
    pydantic-core in one pass; on a failure, take the exact path (the boundary's walk, then the model),
    which names every problem. It may refuse good data too (a float price over `max_integer`, a
    `datetime` for a date): that only costs the exact path. None when the model has a part whose inputs
    this cannot bound (a lax type, a validator of its own, an alias, a recursive model).

    pydantic-core takes a complete model class's own validator for its part of any schema. The classes
    in `own`, which no other thread may use yet (`build_model` passes those it has just made), are
    marked incomplete while the validator is built, so that their parts are the bounded ones. Any other
    class (`Received`, shared by every pack) gets its input checked against its bounded fields first,
    then validated by its own validator."""
    classes: list[type[BaseModel]] = []
    try:
        schema = _bound(model.__pydantic_core_schema__, limits, 0, (), own, classes)
    except _Unbounded:
        return None
    complete = [cls.__pydantic_complete__ for cls in classes]
    for cls in classes:
        cls.__pydantic_complete__ = False
    try:
        return SchemaValidator(schema)
    finally:
        for cls, was in zip(classes, complete, strict=True):
            cls.__pydantic_complete__ = was


def _bound(node: Any, limits: Limits, depth: int, at: tuple[str | None, ...], own: Collection[type[BaseModel]],
           classes: list[type[BaseModel]]) -> Any:
    """`node` of a core schema, held to `limits`, for input at `depth` (the boundary counts the top object
    as 0) under the field names `at` (None for a list's item); the classes of `own` it builds on go in
    `classes`."""
    kind = node["type"]
    most = limits.max_integer
    if kind in ("model", "model-fields", "list") and depth >= limits.max_depth:
        raise _Unbounded(kind)
    if kind == "model":
        config = node.get("config", {})
        if config.get("extra_fields_behavior") != "forbid" or config.get("str_strip_whitespace"):
            raise _Unbounded("a model that takes unknown keys or shortens text")  # it would go unchecked
        fields = _bound(node["schema"], limits, depth, at, own, classes)
        if node["cls"] in own:
            classes.append(node["cls"])
            return {**node, "schema": fields}
        return {"type": "chain", "steps": [_checked(fields), node]}
    if kind == "model-fields":
        fields = {}
        for name, field in node["fields"].items():
            if len(name) > limits.max_string or field.get("validation_alias") is not None:
                raise _Unbounded(name)
            fields[name] = {**field,
                            "schema": _bound(field["schema"], limits, depth + 1, (*at, name), own, classes)}
        return {**node, "fields": fields}
    if kind in ("default", "nullable", "function-after"):  # an after-validator sees only the inner's output
        return {**node, "schema": _bound(node["schema"], limits, depth, at, own, classes)}
    if kind == "list":
        # the boundary counts the top object's `parties` against max_parties, every other list max_items
        cap = limits.max_parties if at == ("parties",) else limits.max_items
        return {**node, "max_length": _at_most(node.get("max_length"), cap),
                "items_schema": _bound(node["items_schema"], limits, depth + 1, (*at, None), own, classes)}
    if kind == "str" and not node.get("strip_whitespace"):
        return {**node, "max_length": _at_most(node.get("max_length"), limits.max_string)}
    if kind == "int" and node.get("strict"):  # lax, it would read a long text of digits
        return _in_range(node, most)
    if kind == "bool" and node.get("strict"):
        return node
    if kind == "literal" and all(
            len(v) <= limits.max_string if isinstance(v, str) else isinstance(v, bool) or (
                isinstance(v, int) and abs(v) <= most) for v in node["expected"]):
        return node  # it takes only its values (or a float or bool equal to one), all within the limits
    if kind == "function-before" and node["function"]["function"] is _no_text:
        # a decimal of an int, float or Decimal: the int within range, the float finite
        return {**node, "schema": {**_in_range(node["schema"], most), "allow_inf_nan": False}}
    if kind == "function-before" and node["function"]["function"] is _date_only:
        # pydantic reads a date from a text of any length ('2026-01-01T00:00:00.000…'): a date object
        # as it is (not a datetime: strict), or a text within the limit read as the model reads it;
        # neither takes a number, so `_date_only` has nothing left to refuse
        inner = node["schema"]
        return {"type": "union", "mode": "left_to_right", "choices": [
            {"type": "chain", "steps": [{"type": "str", "strict": True, "max_length": limits.max_string}, inner]},
            {**inner, "strict": True}]}
    raise _Unbounded(kind)


def _checked(fields: Any) -> Any:
    """A typed dict of a model's bounded `fields` that adds no default: the model's own validator after it
    sees the keys that came (the fields set), with their values checked."""
    return {"type": "typed-dict", "extra_behavior": "forbid", "fields": {
        name: {"type": "typed-dict-field", "required": False,
               "schema": field["schema"]["schema"] if field["schema"]["type"] == "default" else field["schema"]}
        for name, field in fields["fields"].items()}}


def _at_most(value: int | None, cap: int) -> int:
    return cap if value is None else min(value, cap)


def _in_range(node: Any, most: int) -> Any:
    """A number's `node`, also between -most and most."""
    ge, le = node.get("ge"), node.get("le")
    return {**node, "ge": -most if ge is None else max(ge, -most), "le": most if le is None else min(le, most)}
