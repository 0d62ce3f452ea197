"""`docrules lint`: every problem of a pack folder, narrowed to what the caller and the pack select.

The result depends on the files alone, never on the day it runs, unless the opt-in DR405 (expired
policy) is selected: then `today` (default: the system date) is the day it measures against.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from ..diagnostics import Diagnostic, Severity
from ..pack.lint import expired, locate
from ..pack.load import read_rule_pack
from ..pack.select import Selection, report, unknown_codes
from ..pack.stale import stale_numbers


def lint_folder(folder: str | Path, *, today: date | None = None, select: Sequence[str] | None = None,
                extend_select: Sequence[str] = (), ignore: Sequence[str] = ()) -> list[Diagnostic]:
    """Errors always; warnings as selected. Raises ValueError for a selector that names no code."""
    pack, found = read_rule_pack(folder)
    if pack is None:
        return found
    selection = Selection.of(pack.lint, select, extend_select, ignore)
    if any(d.severity is Severity.error for d in found):
        return report(found, selection)
    found = found + [locate(pack, "lint", "", Severity.warning, "DR404",
                            f"[lint] names '{p}', which is not a lint code or a prefix of one")
                     for p in unknown_codes(pack.lint)]
    if selection.enabled("DR406"):
        found += stale_numbers(pack)
    if selection.enabled("DR405"):
        found += expired(pack, today or date.today())
    return report(found, selection)
