"""docrules: which documents each person must bring, and what blocks signing.

    import docrules
    result = docrules.check({"application": {...}, "parties": [...]})
"""

from ._explain import Explanation, explain
from ._facts_input import parse_facts, read_facts
from .checker import Pack, check, default_pack_path, lint, load_pack
from .diagnostics import Diagnostic, DocrulesError, EngineError, FactsError, PackError
from .facts import (
    Application,
    CreditCheck,
    Facts,
    Hukou,
    Identity,
    MaritalStatus,
    MortgageBank,
    Party,
    Payment,
    Received,
    Role,
)
from .results import Counts, DocumentRef, Issue, IssueSeverity, Item, PackInfo, Question, Result, Stage, Status, Text

__all__ = [
    "Application",
    "Counts",
    "CreditCheck",
    "Diagnostic",
    "DocrulesError",
    "DocumentRef",
    "EngineError",
    "Explanation",
    "Facts",
    "FactsError",
    "Hukou",
    "Identity",
    "Issue",
    "IssueSeverity",
    "Item",
    "MaritalStatus",
    "MortgageBank",
    "Pack",
    "PackError",
    "PackInfo",
    "Party",
    "Payment",
    "Question",
    "Received",
    "Result",
    "Role",
    "Stage",
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
