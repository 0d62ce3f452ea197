"""The input contract: an application and its parties (policy.md §2).

Every fact may be absent, which means *unknown*: a rule that needs it does not fire and the result asks
for it. The names and enum values are a public contract that other applications send.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from pydantic_core import PydanticCustomError


class Payment(StrEnum):
    full = "full"
    mortgage = "mortgage"
    provident_fund = "provident_fund"
    combination = "combination"


class CreditCheck(StrEnum):
    not_checked = "not_checked"
    passed = "passed"
    failed = "failed"


class MortgageBank(StrEnum):
    abc = "abc"
    ccb = "ccb"
    rural_commercial = "rural_commercial"
    other = "other"


class Role(StrEnum):
    buyer = "buyer"
    spouse = "spouse"
    guardian = "guardian"
    guarantor = "guarantor"
    contact_person = "contact_person"


class Identity(StrEnum):
    mainland = "mainland"
    hong_kong = "hong_kong"
    macau = "macau"
    taiwan = "taiwan"
    foreign = "foreign"


class Hukou(StrEnum):
    local = "local"
    nonlocal_ = "nonlocal"


class MaritalStatus(StrEnum):
    unmarried = "unmarried"
    married = "married"
    divorced = "divorced"
    widowed = "widowed"


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day_only(value: object) -> object:
    # pydantic's lax dates take a number as a Unix time (0 → 1970-01-01) and a midnight datetime as its
    # day: a birth date of 0 must be refused, not read as 1970
    if type(value) is date or (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        return value
    if isinstance(value, str):
        raise PydanticCustomError("date_parsing", "Input should be a valid date YYYY-MM-DD")
    raise PydanticCustomError("date_type", "Input should be a valid date")


Day = Annotated[date, BeforeValidator(_day_only)]
Months = Annotated[StrictInt, Field(ge=0, le=1200)]
Yuan = Annotated[StrictInt, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Application(_Model):
    """One purchase. `price` is in whole yuan."""

    signing_date: Day | None = None
    price: Yuan | None = None
    payment: Payment | None = None
    credit_check: CreditCheck | None = None
    mortgage_bank: MortgageBank | None = None
    mortgage_contract_signed: StrictBool | None = None
    mortgage_eligibility_confirmed: StrictBool | None = None
    eligibility_verified: StrictBool | None = None
    deposit_paid: StrictBool | None = None
    down_payment_paid: StrictBool | None = None
    maintenance_fund_paid: StrictBool | None = None
    special_clauses: StrictBool | None = None
    signed_by_agent: StrictBool | None = None


class Party(_Model):
    """A person in the application. A spouse, guardian, guarantor or contact person names in `of`
    the buyer it belongs to."""

    id: Annotated[StrictStr, Field(min_length=1, max_length=64)]
    role: Role
    of: StrictStr | None = None
    identity: Identity | None = None
    hukou: Hukou | None = None
    marital_status: MaritalStatus | None = None
    birth_date: Day | None = None
    social_security_months: Months | None = None
    tax_months: Months | None = None
    local_residence_months: Months | None = None
    id_card_digits: Literal[15, 18] | None = None
    phone: Annotated[StrictStr, Field(min_length=1, max_length=32)] | None = None


Count = Annotated[StrictInt, Field(ge=0, le=99)]


class Received(_Model):
    """What the buyer has handed in of one document: originals seen and copies received. `party` is a
    party id, or null for the application's own papers (the pack's checklist lines with party null)."""

    party: StrictStr | None = None
    document: Annotated[StrictStr, Field(min_length=1, max_length=64)]
    originals: Count = 0
    copies: Count = 0


class Facts(_Model):
    """What a check takes: the application and its parties, in the order they are listed.

    `received` is optional: absent means the documents handed in are not tracked (items carry no
    received/missing marks); a list, even empty, means every item is marked received or missing."""

    application: Application = Application()
    parties: list[Party]
    received: list[Received] | None = None
