"""A test oracle that knows no policy: it evaluates a compiled program's engine conditions directly in
Python, so that durable-rules' matching can be compared with it on any pack and any facts.

It reads the same JSON ruleset definition the engine is given (`{"all": [{alias: test}, ...]}` with
`$and`, `$or`, `$neq`, `$lt`, `$lte`, `$gt`, `$gte`, `$ex`, `$nex` and plain equality) and reports the
activations the engine would: every engine rule with every combination of asserted facts that passes
its elements. A comparison with a property a fact does not have never holds, as in the engine.
"""

from __future__ import annotations

from itertools import product
from typing import Any

from docrules.engine.rows import Rows

_COMPARE = {
    "$neq": lambda a, b: a != b, "$lt": lambda a, b: a < b, "$lte": lambda a, b: a <= b,
    "$gt": lambda a, b: a > b, "$gte": lambda a, b: a >= b,
}


def holds(test: dict[str, Any], fact: dict[str, Any]) -> bool:
    (key, body), = test.items()
    if key == "$and":
        return all(holds(t, fact) for t in body)
    if key == "$or":
        return any(holds(t, fact) for t in body)
    if key in ("$ex", "$nex"):
        (prop, _), = body.items()
        return (prop in fact) == (key == "$ex")
    if key in _COMPARE:
        (prop, value), = body.items()
        return prop in fact and _COMPARE[key](fact[prop], value)
    return key in fact and fact[key] == body


class DirectMatcher:
    """Stands in for `engine.durable.Ruleset`: the same `run`, without the engine."""

    def __init__(self, definition: dict[str, Any]) -> None:
        self.definition = definition

    def run(self, rows: Rows) -> list[tuple[dict[str, str], tuple[str, ...]]]:
        """Each match as a chunk of its own: the ids of the facts matched by alias, and the rule."""
        facts = rows.dicts()
        out: list[tuple[dict[str, str], tuple[str, ...]]] = []
        for name, body in self.definition.items():
            elements = [next(iter(e.items())) for e in body["all"]]
            candidates = [[f for f in facts if holds(test, f)] for _, test in elements]
            for combo in product(*candidates):
                out.append(({alias: f["id"] for (alias, _), f in zip(elements, combo, strict=True)}, (name,)))
        return out
