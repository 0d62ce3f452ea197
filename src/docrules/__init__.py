"""docrules: which documents each person must bring, and what stops the application, from a rule pack.

    import docrules
    result = docrules.check({"application": {...}, "parties": [...]})
"""

from typing import TYPE_CHECKING, Any

from .api import Pack, check, default_pack_path, lint, load_pack, parse_facts, read_facts
from .diagnostics import Diagnostic, DocrulesError, EngineError, FactsError, PackError
from .facts.model import Application, Facts, Party, Received
from .results import Counts, DocumentRef, Issue, IssueSeverity, Item, PackInfo, Question, Result, Status, Text

if TYPE_CHECKING:
    from .tools.explain import Explanation, explain


def __getattr__(name: str) -> Any:
    """`explain` and `Explanation` are imported on first use: a check does not need them."""
    if name in ("explain", "Explanation"):
        from .tools import explain as module

        return getattr(module, name)
    raise AttributeError(f"module 'docrules' has no attribute {name!r}")

__all__ = [
    "Application",
    "Counts",
    "Diagnostic",
    "DocrulesError",
    "DocumentRef",
    "EngineError",
    "Explanation",
    "Facts",
    "FactsError",
    "Issue",
    "IssueSeverity",
    "Item",
    "Pack",
    "PackError",
    "PackInfo",
    "Party",
    "Question",
    "Received",
    "Result",
    "Status",
    "Text",
    "check",
    "default_pack_path",
    "explain",
    "lint",
    "load_pack",
    "parse_facts",
    "read_facts",
]
