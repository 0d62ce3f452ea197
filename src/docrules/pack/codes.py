"""Every code `docrules lint` can report, with a one-line summary: what `--select` and `[lint]` may name,
and the rule list of a SARIF report. Codes are the contract; messages may change.

Opt-in codes are reported only when selected by their full code: a prefix such as `DR4` or `ALL` does not
turn them on, so a pack's lint result stays the same from one day to the next unless someone asks.
"""

from __future__ import annotations

LINT_CODES: dict[str, str] = {
    "DR100": "the rule pack folder cannot be read",
    "DR101": "a file is not valid TOML",
    "DR102": "a key or value does not fit the pack schema",
    "DR103": "the pack has no [pack] table",
    "DR104": "a definition is given twice",
    "DR201": "a condition cannot be parsed",
    "DR202": "an unknown fact",
    "DR203": "an unknown document",
    "DR204": "an unknown setting",
    "DR205": "an unknown issue code",
    "DR206": "a value the fact cannot take",
    "DR207": "a comparison of the wrong kind",
    "DR208": "a fact or effect that does not fit the rule's scope",
    "DR209": "a derived fact that is already a fact",
    "DR210": "an amount whose base the condition does not test",
    "DR211": "an unknown stage",
    "DR212": "a whose that names no one",
    "DR213": "an unknown role, or a role that belongs to no principal",
    "DR214": "a fact or role declared wrongly (reserved name, values on a non-enum, ...)",
    "DR215": "not exactly one principal role",
    "DR216": "an unknown fact group",
    "DR217": "a date_fact that is not a date fact of the application",
    "DR301": "derived facts that depend on each other in a cycle",
    "DR302": "a rule with no effect, or with too many kinds of effect",
    "DR303": "dates that end before they start, or overlap",
    "DR304": "a setting with no value in force on a date checks may use",
    "DR305": "a condition too wide for the engine",
    "DR306": "a condition with more alternatives or values than the engine takes",
    "DR307": "durable-rules refused the compiled pack",
    "DR310": "a condition that can never hold",
    "DR311": "a value excluded twice in one condition",
    "DR313": "a document no rule can require",
    "DR314": "an issue code no rule raises",
    "DR401": "a rule that cites no source section",
    "DR402": "a gap between a setting's dated values",
    "DR403": "a label missing in zh or en",
    "DR404": "[lint] names a code that does not exist",
    "DR405": "a rule or setting that has expired (opt-in; reads the date)",
    "DR406": "a text states a number that a setting owns, and the value in force differs",
}

# Reported only when selected by full code (see the module docstring).
OPT_IN: frozenset[str] = frozenset({"DR405"})


def known_pattern(pattern: str) -> bool:
    """Whether a selector names at least one code: ALL, a full code, or a prefix of one."""
    return pattern == "ALL" or any(code.startswith(pattern) for code in LINT_CODES)
