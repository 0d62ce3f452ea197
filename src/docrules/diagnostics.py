"""Errors as values: a located diagnostic, rendered like ruff, and the one exception that carries them.

Codes are the contract (stable); wording may improve.
  DR1xx  parse and schema: TOML/JSON syntax, unknown keys, wrong types
  DR2xx  references: unknown fact, enum value, document, setting, issue code, derived fact
  DR3xx  logic: cycles, conditions the engine cannot take, engine limits
  DR4xx  governance: sources, labels, dates
  DR5xx  facts: input that is not a valid application
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Severity(StrEnum):
    error = "error"
    warning = "warning"


class Diagnostic(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    message: str
    severity: Severity = Severity.error
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    rule: str | None = None
    hint: str | None = None
    # The message in Chinese, where a clerk may read it (facts errors); `message` is the English.
    zh: str | None = None

    def render(self) -> str:
        """`file:line:col: error[DR203] message` and, when there is one, `help: hint` on the next line."""
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        text = f"{where}{self.severity.value}[{self.code}] {self.message}"
        if self.hint:
            text += f"\n  help: {self.hint}"
        return text


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest known name to a misspelt one, if any is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


class DocrulesError(Exception):
    """Raised at the edge once all problems are collected; `diagnostics` holds every one of them."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        if not diagnostics:
            raise ValueError("DocrulesError needs at least one diagnostic")
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.render() for d in diagnostics))


class PackError(DocrulesError):
    """A rule pack that does not load: it is never used."""


class FactsError(DocrulesError):
    """Input facts that are not a valid application."""


class EngineError(DocrulesError):
    """durable-rules refused or failed a check; the check gives no result."""
