"""Deterministic, varied applications for any pack, read off its vocabulary: the benchmark's input and a
source of valid facts for the fuzz tests. Nothing here knows a policy.

Every enum value appears; whole numbers cluster around the numbers the pack's settings hold (so each
threshold is met, missed and passed); dates that ages are computed from cluster around each age a
setting names; principals get linked parties of every role; facts go missing at several rates. The
same seed always gives the same applications. Ids are role names with a number (no personal data).
Facts the pack refuses (its `reject` rules) are dropped from the application, so every one is valid.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import docrules
from docrules.diagnostics import FactsError
from docrules.facts.vocabulary import FactSpec, Vocabulary
from docrules.pack.model import YearsSince

_FROM = date(2026, 1, 1)


class Generator:
    def __init__(self, pack: docrules.Pack, seed: int) -> None:
        self.pack = pack
        self.vocabulary: Vocabulary = pack.vocabulary
        self.rng = random.Random(seed)
        numbers = sorted({int(v.value) for s in pack.rules.settings.values() for v in s.values
                          if isinstance(v.value, int | float) and not isinstance(v.value, bool)})
        self.numbers = sorted({max(n + d, 0) for n in numbers for d in (-1, 0, 1)} | {0, 36})
        # date facts that some computed fact counts years from: dated around each age a setting names
        self.year_sources = {c.fact for (_, _), f in self.vocabulary.facts.items()
                             if isinstance(c := f.computed, YearsSince)}
        self.ages = [n for n in numbers if 0 < n < 120] or [18]

    def maybe(self, value: Any, missing: float) -> Any:
        return None if self.rng.random() < missing else value

    def value(self, spec: FactSpec, day: date) -> Any:
        d = spec.definition
        assert d is not None
        rng = self.rng
        if spec.kind == "enum":
            return rng.choice(list(d.values))
        if spec.kind == "bool":
            return rng.random() < 0.7
        if spec.kind in ("int", "decimal"):
            if d.choices:
                return rng.choice(d.choices)
            low = int(d.min) if d.min is not None else 0
            high = int(d.max) if d.max is not None else 10_000_000
            wide = rng.randrange(low, high + 1)
            near = [n for n in self.numbers if low <= n <= high]
            return rng.choice(near) if near and rng.random() < 0.7 else wide
        if spec.kind == "date":
            if spec.name in self.year_sources:
                if rng.random() < 0.5:  # within days of an age a setting names
                    age = rng.choice(self.ages)
                    try:
                        anniversary = day.replace(year=day.year - age)
                    except ValueError:  # 29 February
                        anniversary = date(day.year - age, 3, 1)
                    return (anniversary + timedelta(days=rng.randint(-3, 3))).isoformat()
                return (day - timedelta(days=rng.randint(1, 70 * 365))).isoformat()
            return (_FROM + timedelta(days=rng.randint(0, 730))).isoformat()
        limit = d.max_length or 20
        return f"t{rng.randint(0, 10 ** min(limit - 1, 8))}"[:limit]

    def facts(self, scope: str, day: date, missing: float) -> dict[str, Any]:
        out = {}
        for name in self.vocabulary.given(scope):  # type: ignore[arg-type]
            if scope == "application" and name == self.vocabulary.date_fact:
                continue
            value = self.maybe(self.value(self.vocabulary.facts[(scope, name)], day), missing)  # type: ignore[index]
            if value is not None:
                out[name] = value
        return out

    def application(self) -> dict[str, Any]:
        rng = self.rng
        missing = rng.choice([0.0, 0.0, 0.1, 0.3, 0.7])
        day = _FROM + timedelta(days=rng.randint(0, 730))
        app = self.facts("application", day, missing)
        date_fact = self.vocabulary.date_fact
        if date_fact is not None and self.maybe(True, missing):
            app[date_fact] = day.isoformat()
        principal = self.vocabulary.principal
        linked = [r for r, d in self.pack.rules.roles.items() if d.of is not None]
        parties: list[dict[str, Any]] = []
        for n in range(1, rng.choice([1, 1, 1, 2]) + 1):
            owner = f"{principal}{n}"
            parties.append({"id": owner, "role": principal, **self.facts("party", day, missing)})
            for role in linked:
                for k in range(rng.choice([0, 0, 1, 1, 2])):
                    parties.append({"id": f"{owner}-{role}{k}", "role": role, "of": owner,
                                    **self.facts("party", day, missing)})
        rng.shuffle(parties)  # linked parties may come before their principal
        return self.valid({"application": app, "parties": parties})

    def valid(self, data: dict[str, Any]) -> dict[str, Any]:
        """Drop each fact the pack refuses until it accepts the application."""
        for _ in range(50):
            try:
                self.pack.check(data, today=_FROM)
                return data
            except FactsError as exc:
                for d in exc.diagnostics:
                    _drop(data, d.path or "")
        raise AssertionError("the pack refuses every variation of a generated application")


def _drop(data: dict[str, Any], path: str) -> None:
    """Remove the fact at `application.X` or `parties[i].X`."""
    head, _, name = path.rpartition(".")
    if head == "application":
        data["application"].pop(name, None)
    elif head.startswith("parties[") and head.endswith("]"):
        data["parties"][int(head[len("parties["):-1])].pop(name, None)
    else:
        raise AssertionError(f"cannot drop {path}")


def applications(count: int, seed: int = 5, pack: docrules.Pack | None = None) -> list[dict[str, Any]]:
    generator = Generator(pack or docrules.load_pack(), seed)
    return [generator.application() for _ in range(count)]


def with_own_ids(data: dict[str, Any], suffix: str) -> dict[str, Any]:
    """`data` with every party id made its own (`suffix` added), as an integrator's database gives ids
    that no other application shares; each `of` and received document follows its party."""
    ids = {p["id"]: f"{p['id']}{suffix}" for p in data["parties"]}
    parties = [{**p, "id": ids[p["id"]], **({"of": ids[p["of"]]} if p.get("of") in ids else {})}
               for p in data["parties"]]
    out = {**data, "parties": parties}
    if data.get("received") is not None:
        out["received"] = [{**r, "party": ids.get(r.get("party"), r.get("party"))} for r in data["received"]]
    return out
