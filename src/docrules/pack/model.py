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

from ..results import IssueSeverity, Text

Id = Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_]*(-[a-z0-9_]+)*$", max_length=64)]
# A fact's name: what facts files and conditions write (party.NAME), so no dashes.
FactName = Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
# An enum fact's value as facts files send it.
ValueName = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]
Code = Annotated[StrictStr, Field(pattern=r"^[A-Z][A-Z0-9_]*$", max_length=64)]
SettingRef = Annotated[StrictStr, Field(pattern=r"^setting\.[a-z][a-z0-9_]*$")]
# A count or rate in a rule: a number, or "setting.NAME" for a value that changes with policy.
Count = Annotated[StrictInt, Field(ge=0, le=99)] | SettingRef
SettingValue = StrictBool | StrictInt | StrictFloat | StrictStr | list[StrictStr]


class _Def(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Whose(StrEnum):
    """Whose line a required document is: the party the rule is about, the principal that party
    belongs to (written in rule files as the principal role's name), or the application as a whole."""

    party = "party"
    principal = "principal"
    application = "application"


class MissingDocuments(_Def):
    """Which issue code a check raises, listing them, when the facts track received documents and
    lines of these stages are not fully handed in."""

    issue: Code
    stages: Annotated[list[Id], Field(min_length=1)]


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
    # The application fact that dates a check: the policy in force and every computed age are taken
    # on that day. Without one, a check uses its `as_of` date or today.
    date_fact: FactName | None = None
    missing_documents: MissingDocuments | None = None
    # Where the policy applies: "today" (for applications with no signing date) is the date there,
    # not on the server's clock.
    timezone: Annotated[StrictStr, AfterValidator(_zone)] = "UTC"


class RoleDef(_Def):
    """A role a party may have. A role with `of` belongs to a party of that role (the principal,
    named in `of` of the facts); a role without `of` is the principal role."""

    zh: StrictStr
    en: StrictStr
    of: Id | None = None


class YearsSince(_Def):
    """Full years from a date fact of the party to the check's date. On the anniversary itself the
    year counts only if `year_counts_on_anniversary` (Chinese law counts full years from the day after)."""

    function: Literal["years_since"]
    fact: FactName
    year_counts_on_anniversary: StrictBool = False


class Excluding(_Def):
    """Parties whose `fact` is known and one of `values` are left out of a count."""

    fact: FactName
    values: Annotated[list[ValueName], Field(min_length=1)]


class CountLinked(_Def):
    """How many parties of `role` name this party in `of` (less those `excluding` names). Always known."""

    function: Literal["count_linked"]
    role: Id
    excluding: Excluding | None = None


class MaxLinked(_Def):
    """The largest value of `fact` over this party and the parties of `roles` that name it in `of`;
    unknown while any of them lacks the fact."""

    function: Literal["max_linked"]
    fact: FactName
    roles: Annotated[list[Id], Field(min_length=1)]


Computed = Annotated[YearsSince | CountLinked | MaxLinked, Field(discriminator="function")]
FactKind = Literal["bool", "int", "decimal", "enum", "date", "text"]


class FactDef(_Def):
    """A fact that facts files may give and rules may name. `values` (enum) keeps the file's order;
    `choices` limits a whole number to a few values; `computed` facts are worked out before matching
    and are never given."""

    kind: FactKind
    zh: StrictStr
    en: StrictStr
    question: Text | None = None
    help: Text | None = None
    values: dict[ValueName, Text] = {}
    choices: list[StrictInt] = []
    min: StrictInt | StrictFloat | None = None
    max: StrictInt | StrictFloat | None = None
    max_length: Annotated[StrictInt, Field(ge=1, le=100_000)] | None = None
    group: Id | None = None
    computed: Computed | None = None


class FactsDecl(_Def):
    application: dict[FactName, FactDef] = {}
    party: dict[FactName, FactDef] = {}


class StageDef(_Def):
    zh: StrictStr
    en: StrictStr


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
    """Documents a rule asks for: each of `documents`, or one complete set of `one_of` (shown as one
    checklist line: "A + B, or C"). Counts apply to every document of the line."""

    documents: list[Id] = []
    one_of: list[Annotated[list[Id], Field(min_length=1)]] = []
    stage: Id
    whose: Id = "party"  # party, application, or the principal role's name
    originals: Count = 0
    copies: Count = 0
    pages: list[Text] | None = None  # None: the catalog's pages
    notes: list[Text] = []

    @property
    def named(self) -> list[str]:
        """Every document it names, in `documents` or any set of `one_of`."""
        return [*self.documents, *(d for group in self.one_of for d in group)]


class MinCopies(_Def):
    """Every document line of `whose` that asks for copies gets at least `copies` of them (a policy may
    ask more copies of every paper of some owners, e.g. minors); a line of originals only stays so."""

    copies: Count
    whose: Id = "party"
    stages: list[Id] = []  # the stages whose lines it applies to; empty: every stage


class Amount(_Def):
    """An amount in whole units of money: `base` (an application fact) times `rate`, rounded half up."""

    name: Id
    base: Id
    rate: Annotated[StrictFloat | StrictInt, Field(ge=0)] | SettingRef


class Reject(_Def):
    """Facts that cannot be true: a check whose facts make the rule hold is refused, naming `fact`
    of the party (or the application) the rule is about."""

    fact: FactName
    zh: StrictStr
    en: StrictStr


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
    reject: Reject | None = None
    # Facts of the party (or application) the rule is about that must be known once it holds: each one
    # missing is a question, as for a condition that cannot be decided; nothing else follows.
    ask: list[FactName] = []


# A diagnostic code ("DR405") or a prefix of codes ("DR4"), or ALL, as ruff selects its rules.
LintCode = Annotated[StrictStr, Field(pattern=r"^(ALL|DR[0-9]{0,3})$")]


class LintSettings(_Def):
    """Which warnings `docrules lint` reports for this pack. `select` replaces the default set (every
    code but the opt-in ones), `extend_select` adds to it, `ignore` takes away; the most specific
    pattern wins. Errors are always reported: they refuse the load."""

    select: list[LintCode] | None = None
    extend_select: list[LintCode] = []
    ignore: list[LintCode] = []


class PackFile(_Def):
    """What one TOML file of a pack may contain."""

    pack: PackMeta | None = None
    facts: FactsDecl = FactsDecl()
    roles: dict[Id, RoleDef] = {}
    groups: dict[Id, Text] = {}
    stages: dict[Id, StageDef] = {}
    # Words the printed checklist uses for the pack's own things: a status (ready, blocked, ...), a
    # severity, "application" (the application's own papers), an amount's name.
    words: dict[Id, Text] = {}
    lint: LintSettings | None = None
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
    facts: FactsDecl
    roles: dict[str, RoleDef]
    groups: dict[str, Text]
    stages: dict[str, StageDef]
    words: dict[str, Text]
    documents: dict[str, DocumentDef]
    settings: dict[str, SettingDef]
    issues: dict[str, IssueDef]
    rules: list[RuleDef]
    digest: str
    origins: dict[str, Origin] = {}
    lint: LintSettings = LintSettings()

    def origin(self, kind: str, key: str) -> Origin | None:
        return self.origins.get(f"{kind}:{key}")

    @property
    def principal(self) -> str:
        """The principal role's name (the role without `of`): conditions name its facts as NAME.X."""
        return next((name for name, role in self.roles.items() if role.of is None), "")

    def whose(self, written: str) -> Whose:
        return Whose.principal if written == self.principal else Whose(written)
