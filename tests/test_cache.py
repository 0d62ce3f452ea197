"""The engine-answer cache is exact: a pack with it and a pack without it give byte-identical JSON, on
every fixture and pack test case, on 10,000 generated applications, across a reload and across a change
of policy period. And the cache only ever stands for what the engine can see."""

from __future__ import annotations

import random
import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

import docrules
from bench.generate import applications
from docrules.engine import cache
from docrules.engine.cache import Coder, Signer, Uncacheable, program_shape

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 27)


def _json(pack: docrules.Pack, facts: Any, **kw: Any) -> str:
    """The result's JSON, or the refusal's located lines (the same facts must be refused alike)."""
    try:
        return pack.check(facts, today=TODAY, **kw).model_dump_json()
    except docrules.DocrulesError as exc:
        return "\n".join(d.render() for d in exc.diagnostics)


def _same(cached: docrules.Pack, plain: docrules.Pack, cases: list[Any], **kw: Any) -> None:
    for n, facts in enumerate(cases):
        first = _json(cached, facts, **kw)
        assert first == _json(plain, facts, **kw), f"case {n}"
        assert first == _json(cached, facts, **kw), f"case {n}, from the cache"


@pytest.fixture(scope="module")
def uncached() -> docrules.Pack:
    return docrules.load_pack(cache_size=0)


def test_fixtures_and_pack_cases(uncached: docrules.Pack) -> None:
    cached = docrules.load_pack()
    files = sorted((ROOT / "fixtures").glob("*.toml")) + sorted((ROOT / "fixtures").glob("*.json"))
    cases: list[Any] = [docrules.read_facts(p) for p in files]
    cases += [tomllib.loads(p.read_text(encoding="utf-8"))["facts"]
              for p in sorted((ROOT / "rules" / "foshan" / "tests").glob("*.toml"))]
    assert len(cases) > 30
    _same(cached, uncached, cases)
    _same(cached, uncached, cases, as_of=date(2026, 12, 1))


def test_ten_thousand_generated_applications_across_a_reload(uncached: docrules.Pack) -> None:
    data = applications(10_000, seed=20261129)
    cached = docrules.load_pack(cache_size=1024)  # below the ~2,700 answers it meets: entries are evicted
    _same(cached, uncached, data[:5_000])
    ruleset = cached.program(TODAY)[1]
    stats = ruleset.cache_stats()
    assert stats.hits > 0 and stats.size <= stats.limit == 2 * 1024  # it was used, and it stayed within its bound
    cached.close()
    reloaded = docrules.load_pack(cache_size=1024)
    _same(reloaded, uncached, data[5_000:])
    _same(reloaded, uncached, data[:200])  # what the first pack had seen, asked of the second


def test_repeated_parties_hit_and_stay_exact(uncached: docrules.Pack) -> None:
    """Applications built from a few dozen party profiles: most parties come from the cache."""
    rng = random.Random(7)
    profiles = [p for d in applications(40, seed=3) for p in d["parties"] if p["role"] == "buyer"]
    apps = []
    for n in range(2_000):
        buyers = rng.sample(profiles, rng.choice([1, 2]))
        parties = [{**b, "id": f"b{n}-{i}"} for i, b in enumerate(buyers)]
        parties += [{"id": f"s{n}", "role": "spouse", "of": parties[0]["id"]}] if rng.random() < 0.5 else []
        apps.append({"application": {"signing_date": str(date(2026, 3, 1) + timedelta(days=rng.randint(0, 60))),
                                     "payment": rng.choice(["full", "mortgage"]), "price": rng.randrange(10**6)},
                     "parties": parties})
    cached = docrules.load_pack()
    _same(cached, uncached, apps)
    stats = cached.program(date(2026, 3, 1))[1].cache_stats()
    assert stats.hit_rate > 0.8


def test_across_a_policy_period_boundary(pack_copy: Path) -> None:
    """A setting that changes on 2027-01-01: each period has its own cache, and both stay exact."""
    settings = pack_copy / "settings.toml"
    text = settings.read_text(encoding="utf-8")
    old = "values = [{ from = 2000-01-01, value = 12 }]"
    assert old in text
    settings.write_text(text.replace(old, "values = [{ from = 2000-01-01, until = 2027-01-01, value = 12 }, "
                                          "{ from = 2027-01-01, value = 24 }]", 1), encoding="utf-8")
    cached, plain = docrules.load_pack(pack_copy), docrules.load_pack(pack_copy, cache_size=0)
    data = applications(1_500, seed=11)
    days = [date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 2)]
    changed = 0
    for n, facts in enumerate(data):
        before, after = (_json(cached, facts, as_of=d) for d in (days[n % 2], days[2 + n % 2]))
        assert before == _json(plain, facts, as_of=days[n % 2])
        assert after == _json(plain, facts, as_of=days[2 + n % 2])
        changed += before.replace("2026-12-3", "").replace("2027-01-0", "") != after.replace(
            "2026-12-3", "").replace("2027-01-0", "")
    assert changed  # the boundary changed some answers, so both periods were really asked


def test_the_signature_stands_only_for_what_the_engine_compares() -> None:
    tests: dict[str, tuple[tuple[str, Any], ...]] = {
        "age": (("$lt", 18),), "role": (("==", "buyer"),), "flag": (("==", True),)}
    signer = Signer(tests)

    def same(fact: dict[str, Any]) -> tuple[Any, ...]:
        return Coder(signer, tuple(tests), {prop: n for n, prop in enumerate(tests)}).codes(
            [fact.get(prop) for prop in tests])

    assert same({"age": 3}) == same({"age": 17}) != same({"age": 18}) == same({"age": 90})
    assert same({"role": "spouse"}) == same({"role": "guardian"}) != same({"role": "buyer"})
    assert same({"age": 3}) != same({}) != same({"role": "spouse"})  # presence counts
    # the engine compares a number with text as text: such values key on themselves
    assert same({"age": "9"}) != same({"age": "8"})
    assert same({"flag": 1}) != same({"flag": True}) and same({"flag": 1.0}) != same({"flag": 1})
    assert same({"age": 2**60}) != same({"age": 2**60 + 1})  # not exact as a double
    assert same({"id": "p0", "age": 3}) == same({"id": "p7", "age": 3})  # ids are not tested here


def test_a_coder_never_takes_one_type_for_another() -> None:
    """A row's values are looked up in memos by their own type: True == 1 == 1.0 as dict keys, but a
    remembered True must not answer for 1, in whichever order they come and however often."""
    signer = Signer({"flag": (("==", True),), "age": (("$lt", 18),)})
    coder = Coder(signer, ("age", "flag", "unused"), {"flag": 0, "age": 1})
    rows: list[list[Any]] = [[3, True, "x"], [3, 1, None], [3, 1.0, 5], [None, True, None], [17.5, False, [1]]]
    first = [coder.codes(row) for row in rows]
    assert len({codes[0] for codes in first[:3]}) == 3  # the flag: True, 1 and 1.0 are three codes
    assert first[0][1] == first[1][1] == first[2][1] == first[4][1] != first[3][1]  # age < 18, or absent
    assert [coder.codes(row) for row in reversed(rows)] == first[::-1]  # remembered: the same codes
    assert first[3][1] == cache.ABSENT


def test_a_full_value_memo_still_gives_each_signature_its_one_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server sees a new price in nearly every check: past the memo's bound, values are no longer
    remembered, but a value must still sign as every other value on the same side of each test."""
    monkeypatch.setattr(cache, "_MEMO_LIMIT", 4)
    coder = Coder(Signer({"price": (("$gt", 100),)}), ("price",), {"price": 0})
    first = [coder.codes([n]) for n in (1, 200)]
    later = [coder.codes([n]) for n in range(300, 320)] + [coder.codes([5])]
    assert later[:-1] == [first[1]] * 20 and later[-1] == first[0] != first[1]


@pytest.mark.parametrize("definition", [
    {"r": {"all": [{"a": {"t": "app"}}, {"p": {"$and": [{"t": "party"}, {"pid": {"a": "buyer"}}]}}]}},  # join
    {"r": {"all": [{"p": {"t": "party"}}, {"q": {"t": "party"}}]}},  # two parties in one rule
    {"r": {"all": [{"a": {"t": "app"}}, {"c$not": {"t": "consent"}}]}},  # negation
    {"r": {"any": [{"a": {"t": "app"}}]}},
    {"r": {"all": [{"p": {"$and": [{"t": "party"}, {"$mt": {"name": "a.*"}}]}}]}},  # a regular expression
])
def test_programs_the_cache_cannot_stand_for(definition: dict[str, Any]) -> None:
    with pytest.raises(Uncacheable):
        program_shape(definition)


def test_check_many_gives_what_check_gives(uncached: docrules.Pack) -> None:
    """In order, bad facts as their errors, results byte-identical to one check at a time."""
    data: list[Any] = applications(600, seed=41)
    data[3:3] = [{"application": {}, "parties": []}, {"parties": [{"id": "x", "role": "nobody"}]},
                 {"application": {"signing_date": "1999-01-01"}, "parties": []}]
    for as_of in (None, date(2027, 3, 1)):
        many = list(docrules.load_pack().check_many(data, today=TODAY, as_of=as_of))
        assert len(many) == len(data)
        for facts, got in zip(data, many, strict=True):
            try:
                expected = uncached.check(facts, today=TODAY, as_of=as_of).model_dump_json()
            except docrules.DocrulesError as exc:
                assert isinstance(got, docrules.DocrulesError)
                assert [d.render() for d in got.diagnostics] == [d.render() for d in exc.diagnostics]
                continue
            assert isinstance(got, docrules.Result) and got.model_dump_json() == expected


def test_a_party_never_seen_whole_is_answered_from_its_groups(uncached: docrules.Pack) -> None:
    """Generated applications draw every fact independently, so almost no party repeats as a whole;
    each group of rules tests a few facts, so once those are known the engine is not asked again."""
    cached = docrules.load_pack()
    data = applications(3_000, seed=43)
    for facts in data[:2_000]:
        assert _json(cached, facts) == _json(uncached, facts)
    ruleset = cached.program(TODAY)[1]
    before = ruleset.sessions
    for facts in data[2_000:]:
        assert _json(cached, facts) == _json(uncached, facts)
    assert ruleset.sessions - before < 100  # of 1,000 checks


def test_rules_are_grouped_by_the_largest_footprints_then_merged_while_keys_stay_few(
        monkeypatch: pytest.MonkeyPatch) -> None:
    definition = {
        "a1": {"all": [{"a": {"$and": [{"t": "app"}, {"pay": "cash"}]}}]},
        "a2": {"all": [{"a": {"$and": [{"t": "app"}, {"pay": "loan"}, {"$gt": {"price": 5}}]}}]},
        "p1": {"all": [{"p": {"$and": [{"t": "party"}, {"$lt": {"age": 18}}]}}]},
        "p2": {"all": [{"a": {"$and": [{"t": "app"}, {"pay": "loan"}]}},
                       {"p": {"$and": [{"t": "party"}, {"$lt": {"age": 18}}]}}]},
        "p3": {"all": [{"p": {"$and": [{"t": "party"}, {"id_type": "passport"}]}}]},
    }

    def groups() -> dict[tuple[str, ...], tuple[str | None, tuple[str, ...], tuple[str, ...]]]:
        split = program_shape(definition).split("app")
        assert split is not None
        return {g.rules: (g.member, g.anchor_props, g.member_props) for g in split.groups}

    monkeypatch.setattr(cache, "MERGED_KEYS", 1)  # no merging
    assert groups() == {("a1", "a2"): (None, ("pay", "price"), ()),
                        ("p1", "p2"): ("party", ("pay",), ("age",)),
                        ("p3",): ("party", (), ("id_type",))}
    # pay is tested 2 ways, age and id_type 1 way each: at most 4 x 3 x 3 = 36 keys for the union
    monkeypatch.setattr(cache, "MERGED_KEYS", 36)
    assert groups() == {("a1", "a2"): (None, ("pay", "price"), ()),
                        ("p1", "p2", "p3"): ("party", ("pay",), ("age", "id_type"))}
    monkeypatch.setattr(cache, "MERGED_KEYS", 35)
    assert len(groups()) == 3
