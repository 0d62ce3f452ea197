"""The input contract: an application and its parties, with the facts the pack declares.

The fields every pack shares are here (a party's id, role and whom it belongs to; received documents);
the facts themselves are declared in the pack and become a pydantic model per pack (`build_model`), so
a pack that adds a fact, a value or a role changes the contract without a release. Every declared fact
may be absent, which means *unknown*: a rule that needs it does not fire and the result asks for it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

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

from ..pack.model import FactDef, RulePack

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
    return create_model("Facts", __base__=Facts,
                        application=(application, Field(default_factory=application)),
                        parties=(list[party], ...))  # type: ignore[valid-type]
