"""docrules: which documents each person must bring, and what blocks signing.

    import docrules
    result = docrules.check({"application": {...}, "parties": [...]})
"""

from .api import Pack, check, default_pack_path, lint, load_pack
from .diagnostics import Diagnostic, DocrulesError, EngineError, FactsError, PackError
from .facts.model import (
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
from .facts.read import parse_facts, read_facts
from .results import Counts, DocumentRef, Issue, IssueSeverity, Item, PackInfo, Question, Result, Stage, Status, Text
from .tools.explain import Explanation, explain

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
