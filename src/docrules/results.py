"""The output contract: what a check returns: checklist items, issues, questions, amounts and status.

Field order is the JSON order; lists are sorted by the evaluator, so the same facts and pack give
byte-identical JSON. Lists are tuples: the evaluator shares finished items and issues between results
(engine/evaluate.py), so nothing in a result may be changed in place; the JSON and its schema are the
same as for lists.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr


class IssueSeverity(StrEnum):
    block = "block"
    escalate = "escalate"
    warn = "warn"
    info = "info"


class Status(StrEnum):
    ready = "ready"
    blocked = "blocked"
    needs_escalation = "needs_escalation"
    incomplete = "incomplete"


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Out):
    """One phrase in both languages of the pack."""

    zh: str
    en: str


class Counts(_Out):
    originals: int
    copies: int


class DocumentRef(_Out):
    """One checklist line named by whose it is (party id, or null for the application) and document."""

    party: str | None
    document: str


class Item(_Out):
    """One line of the checklist: a document that one party (or the application, `party` null) brings
    at one stage. `rules` and `sources` are every rule and source section that asked for it.

    `received` and `missing` are null when the facts do not track received documents; otherwise
    `received` is what was handed in and `missing` is true unless both counts reach what is asked."""

    stage: str  # one of the pack's stages
    party: str | None
    document: str
    label: Text
    originals: int
    copies: int
    pages: tuple[Text, ...]
    notes: tuple[Text, ...]
    rules: tuple[str, ...]
    sources: tuple[str, ...]
    received: Counts | None = None
    missing: bool | None = None
    alternatives: tuple[tuple[str, ...], ...] | None = Field(default=None, description=(
        "A line of alternatives ('A + B, or C'): the sets of documents, any complete one of which will do; "
        "`document` is the first set's first document and `label` names them all. Null for a line of one "
        "document. Clients that ignore it still show one correct line."))


class Issue(_Out):
    """`documents` lists the checklist lines an issue is about (the pack's missing-documents issue);
    null for others."""

    code: str
    severity: IssueSeverity
    party: str | None
    message: Text
    rules: tuple[str, ...]
    sources: tuple[str, ...]
    documents: tuple[DocumentRef, ...] | None = None


class Question(_Out):
    """A fact still unknown that a rule needs to decide; `party` null for the application's facts."""

    party: str | None
    fact: str
    rules: tuple[str, ...]


Piece = TypeVar("Piece", Item, Issue, Question)


def for_party(piece: Piece, party: str) -> Piece:
    """`piece` (a checklist line, an issue or a question) of another party: what
    `model_copy(update={"party": party})` makes, without its generic copy (tests/test_results_shared.py
    holds the two equal)."""
    copy = type(piece).__new__(type(piece))
    object.__setattr__(copy, "__dict__", {**piece.__dict__, "party": party})
    object.__setattr__(copy, "__pydantic_fields_set__", {*piece.__pydantic_fields_set__, "party"})
    object.__setattr__(copy, "__pydantic_extra__", None)
    object.__setattr__(copy, "__pydantic_private__", None)
    return copy


class PackInfo(_Out):
    name: str
    version: str
    digest: str


class Spliced:
    """The JSON of each of a result's items, issues and questions, as the evaluator keeps it with the
    finished pieces it shares between results (engine/evaluate.py). It belongs to the very tuples it
    was made for: a copy of the result with other items, issues or questions is serialized in full. A
    cache, it never makes two results unequal (pydantic compares private attributes)."""

    __slots__ = ("issues", "issues_json", "items", "items_json", "questions", "questions_json")

    def __init__(self, items: tuple[Item, ...], issues: tuple[Issue, ...], questions: tuple[Question, ...],
                 items_json: list[str], issues_json: list[str], questions_json: list[str]) -> None:
        # the pieces' JSON, joined only when the result is serialized: many callers never do
        self.items, self.issues, self.questions = items, issues, questions
        self.items_json, self.issues_json, self.questions_json = items_json, issues_json, questions_json

    def __eq__(self, other: object) -> bool:
        return other is None or isinstance(other, Spliced)

    __hash__ = None  # type: ignore[assignment]  # equal to everything of its kind: not a key


class Result(_Out):
    status: Status
    items: tuple[Item, ...]
    issues: tuple[Issue, ...]
    questions: tuple[Question, ...]
    amounts: dict[str, int]
    pack: PackInfo
    as_of: date
    settings: dict[str, int | float | bool | str | tuple[str, ...]]
    _spliced: Spliced | None = PrivateAttr(default=None)

    @classmethod
    def assembled(cls, spliced: Spliced, *, status: Status, amounts: dict[str, int], pack: PackInfo, as_of: date,
                  settings: dict[str, int | float | bool | str | tuple[str, ...]]) -> Result:
        """A result of parts validated already, with the JSON of its items, issues and questions: what
        `model_construct` makes when given every field and the private `_spliced`, without its walk
        over the fields' aliases and defaults, which costs a check more than the rest of this
        (tests/test_results_shared.py holds the two equal)."""
        result = cls.__new__(cls)
        fields = {"status": status, "items": spliced.items, "issues": spliced.issues, "questions": spliced.questions,
                  "amounts": amounts, "pack": pack, "as_of": as_of, "settings": settings}
        object.__setattr__(result, "__dict__", fields)
        object.__setattr__(result, "__pydantic_fields_set__", set(fields))
        object.__setattr__(result, "__pydantic_extra__", None)
        object.__setattr__(result, "__pydantic_private__", {"_spliced": spliced})
        return result

    def model_dump_json(self, **kwargs: Any) -> str:
        """Pydantic's JSON of the result. Called as the service and batch call it (no options), the
        items', issues' and questions' JSON kept by the evaluator is spliced in instead of serializing
        the most of the result again: the same bytes, as each piece's JSON is pydantic's own."""
        private = self.__pydantic_private__  # not `self._spliced`: pydantic's look-up of it costs more than a splice
        spliced = private.get("_spliced") if private else None
        if (kwargs or spliced is None or spliced.items is not self.items or spliced.issues is not self.issues
                or spliced.questions is not self.questions):
            return super().model_dump_json(**kwargs)
        rest = super().model_dump_json(exclude=_SPLICED)
        after_status = rest.index(",")  # the first field, one word: the items, issues and questions follow it
        return "".join((rest[:after_status], ',"items":[', ",".join(spliced.items_json), '],"issues":[',
                        ",".join(spliced.issues_json), '],"questions":[', ",".join(spliced.questions_json), "]",
                        rest[after_status:]))


_SPLICED = {"items", "issues", "questions"}
