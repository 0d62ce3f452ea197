"""A check's facts as durable-rules is given them, kept as rows: what the engine-answer cache reads
(engine/cache.py codes a row with a few C calls), while the JSON objects the engine itself reads are
made only when it is asked (a fact not remembered) or when a caller wants them."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

Fact = tuple[str, str, Sequence[Any]]  # kind, id, values in the order of the kind's keys (None: absent)


class Rows:
    """Each fact's kind, id and values, in the order of its kind's `keys`; None is a property the fact
    does not have. The first fact is the anchor (the application). Read only: rows are shared with the
    trace of the check."""

    __slots__ = ("_at", "_by_id", "_dicts", "_index", "facts", "keys")

    def __init__(self, keys: dict[str, tuple[str, ...]], facts: list[Fact]) -> None:
        self.keys, self.facts = keys, facts
        self._dicts: list[dict[str, Any]] | None = None
        self._by_id: dict[str, dict[str, Any]] | None = None
        self._at: dict[str, int] | None = None
        self._index: dict[str, dict[str, int]] = {}

    @classmethod
    def of(cls, dicts: Sequence[dict[str, Any]]) -> Rows:
        """Facts given as JSON objects, each with its `id` and its kind `t` (a property whose value is
        None is one the fact does not have)."""
        keys: dict[str, dict[str, None]] = {}
        for fact in dicts:
            keys.setdefault(fact["t"], {}).update(dict.fromkeys(k for k in fact if k not in ("id", "t")))
        ordered = {kind: tuple(found) for kind, found in keys.items()}
        return cls(ordered, [(fact["t"], fact["id"], [fact.get(k) for k in ordered[fact["t"]]]) for fact in dicts])

    def dicts(self) -> list[dict[str, Any]]:
        """The facts as the engine reads them: `id` first (see durable.Ruleset.match), then `t`, then each
        property the fact has. Made once."""
        if self._dicts is None:
            out = []
            for kind, fact_id, values in self.facts:
                fact: dict[str, Any] = {"id": fact_id, "t": kind}
                fact.update((k, v) for k, v in zip(self.keys[kind], values, strict=True) if v is not None)
                out.append(fact)
            self._dicts = out
        return self._dicts

    def value(self, fact_id: str, prop: str) -> Any:
        """One property of one fact (None: the fact does not have it), without making the JSON objects."""
        if self._at is None:
            self._at = {known: n for n, (_, known, _) in enumerate(self.facts)}
            self._index = {kind: _positions(keys) for kind, keys in self.keys.items()}
        kind, _, values = self.facts[self._at[fact_id]]
        n = self._index[kind].get(prop)
        return None if n is None else values[n]

    def by_id(self) -> dict[str, dict[str, Any]]:
        if self._by_id is None:
            self._by_id = {fact["id"]: fact for fact in self.dicts()}
        return self._by_id


@lru_cache(maxsize=256)  # a program's few orders of keys
def _positions(keys: tuple[str, ...]) -> dict[str, int]:
    return {key: n for n, key in enumerate(keys)}
