"""docrules: which documents each person must bring, and what stops the application, from a rule pack.

    import docrules
    result = docrules.check({"application": {...}, "parties": [...]})
"""

from .api import Pack, check, default_pack_path, lint, load_pack, parse_facts, read_facts
from .diagnostics import Diagnostic, DocrulesError, EngineError, FactsError, PackError
from .facts.model import Application, Facts, Party, Received
from .results import Counts, DocumentRef, Issue, IssueSeverity, Item, PackInfo, Question, Result, Status, Text
from .tools.explain import Explanation, explain

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
