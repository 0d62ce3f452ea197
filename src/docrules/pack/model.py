"""A rule pack as data: the models that rule files are validated against, and the merged pack.

One TOML file may hold any of the sections below; a pack is a folder of them (plus `pack.toml` with
`[pack]`). Models reject unknown keys, so a typo in a rule file is an error, not a silently ignored line.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from ..results import IssueSeverity, Stage, Text

Id = Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_]*(-[a-z0-9_]+)*$", max_length=64)]
Code = Annotated[StrictStr, Field(pattern=r"^[A-Z][A-Z0-9_]*$", max_length=64)]
SettingRef = Annotated[StrictStr, Field(pattern=r"^setting\.[a-z][a-z0-9_]*$")]
# A count or rate in a rule: a number, or "setting.NAME" for a value that changes with policy.
Count = Annotated[StrictInt, Field(ge=0, le=99)] | SettingRef
SettingValue = StrictBool | StrictInt | StrictFloat | StrictStr | list[StrictStr]


class _Def(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Whose(StrEnum):
    """Whose line a required document is: the party the rule is about, the buyer that party belongs
    to, or the application as a whole."""

    party = "party"
    buyer = "buyer"
    application = "application"


class MissingDocuments(_Def):
    """Which issue code a check raises, listing them, when the facts track received documents and
    lines of these stages are not fully handed in."""

    issue: Code
    stages: Annotated[list[Stage], Field(min_length=1)]


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"not a time zone name (an IANA name such as 'Europe/Paris'): {name!r}") from None
    return name


class PackMeta(_Def):
    name: Id
    version: Annotated[StrictStr, Field(min_length=1, max_length=32)]
    description: StrictStr = ""
    missing_documents: MissingDocuments | None = None
    # Where the policy applies: "today" (for applications with no signing date) is the date there,
    # not on the server's clock.
    timezone: Annotated[StrictStr, AfterValidator(_zone)] = "UTC"


class DocumentDef(_Def):
    zh: StrictStr
    en: StrictStr
    pages: list[Text] = []
    notes: list[Text] = []


class DatedValue(_Def):
    """A value in force from `from` (inclusive) until `until` (exclusive; open if absent)."""

    from_: date = Field(alias="from")
    until: date | None = None
    value: SettingValue


class SettingDef(_Def):
    zh: StrictStr
    en: StrictStr
    values: Annotated[list[DatedValue], Field(min_length=1)]


class IssueDef(_Def):
    severity: IssueSeverity
    zh: StrictStr
    en: StrictStr


class Require(_Def):
    documents: Annotated[list[Id], Field(min_length=1)]
    stage: Stage
    whose: Whose = Whose.party
    originals: Count = 0
    copies: Count = 0
    pages: list[Text] | None = None  # None: the catalog's pages
    notes: list[Text] = []


class MinCopies(_Def):
    """Every document line of `whose` gets at least `copies` copies (policy.md §4.10: minors)."""

    copies: Count
    whose: Whose = Whose.party


class Amount(_Def):
    """An amount in whole yuan: `base` (an application fact) times `rate`, rounded half up (四舍五入)."""

    name: Id
    base: Id
    rate: Annotated[StrictFloat | StrictInt, Field(ge=0)] | SettingRef


class RuleDef(_Def):
    id: Id
    title: Annotated[StrictStr, Field(min_length=1)]
    sources: list[StrictStr] = []
    for_: Literal["application", "party"] = Field(alias="for")
    when: StrictStr = ""
    from_: date | None = Field(default=None, alias="from")
    until: date | None = None
    enabled: StrictBool = True
    require: list[Require] = []
    issue: Code | None = None
    derive: Id | None = None
    min_copies: MinCopies | None = None
    amount: Amount | None = None


class PackFile(_Def):
    """What one TOML file of a pack may contain."""

    pack: PackMeta | None = None
    documents: dict[Id, DocumentDef] = {}
    settings: dict[Id, SettingDef] = {}
    issues: dict[Code, IssueDef] = {}
    rules: list[RuleDef] = []


class Origin(BaseModel):
    """Where a definition was written: used to locate diagnostics after the files are merged."""

    model_config = ConfigDict(frozen=True)

    file: str
    path: tuple[str | int, ...]


class RulePack(_Def):
    """A whole pack, merged from its files, in the order written (files by name, then by position)."""

    meta: PackMeta
    documents: dict[str, DocumentDef]
    settings: dict[str, SettingDef]
    issues: dict[str, IssueDef]
    rules: list[RuleDef]
    digest: str
    origins: dict[str, Origin] = {}

    def origin(self, kind: str, key: str) -> Origin | None:
        return self.origins.get(f"{kind}:{key}")
