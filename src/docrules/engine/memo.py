"""A bounded map that keeps what is used, for the memos of the hot path: the engine's answers
(engine/durable.py) and the finished pieces of results (engine/evaluate.py)."""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass
class Stats:
    size: int
    limit: int
    hits: int
    misses: int

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class Memo(Generic[K, V]):
    """A bounded map, safe to share between threads, that keeps what is used: entries live in a young
    and an old generation of at most half the limit each; a full young generation becomes the old one
    (the old one is dropped), and an old entry that is read again moves to the young one. Reads of young
    entries take no lock (a dict read is atomic); the counts are for reporting, and a count lost between
    two threads changes no answer."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._young: dict[K, V] = {}
        self._old: dict[K, V] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self._asked: set[int] = set()  # hashes of keys put only if asked again

    def get(self, key: K) -> V | None:
        found = self._young.get(key)
        if found is None:
            found = self._old.get(key)
            if found is None:
                self.misses += 1
                return None
            self.put(key, found)
        self.hits += 1
        return found

    def get_all(self, keys: list[K]) -> list[V | None]:
        """The answer of each key, or None."""
        found = list(map(self._young.get, keys))
        if None not in found:
            self.hits += len(found)
            return found
        for n, value in enumerate(found):
            if value is None:
                found[n] = self.get(key=keys[n])  # counts, and looks in the old generation
            else:
                self.hits += 1
        return found

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._young[key] = value
            if len(self._young) >= max(self.limit // 2, 1):
                self._old, self._young = self._young, {}

    def put_if_asked_again(self, key: K, value: V) -> None:
        """`put`, but only for a key asked for before (whose last answer was not kept): what is asked
        once, as an application's own party ids are, never takes the place of what is asked again."""
        asked = hash(key)
        if asked in self._asked:
            self.put(key, value)
        else:
            if len(self._asked) >= self.limit:
                self._asked.clear()
            self._asked.add(asked)

    def stats(self) -> Stats:
        return Stats(len(self._young) + len(self._old), self.limit, self.hits, self.misses)
