"""Results share finished pieces: each program keeps every party's share of a result (its lines and
issues, engine/evaluate.py) by the rules that fired on it, and each line and issue once. A check built
from remembered shares gives byte-identical JSON to the same check built from nothing, and nothing
shared can be changed through a result."""

from __future__ import annotations

import dataclasses
import random
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import docrules
from bench.generate import Generator, applications, with_own_ids
from docrules.engine.compile import Program
from docrules.engine.evaluate import build, match
from docrules.engine.memo import Memo
from docrules.results import Piece, Spliced, for_party

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 27)
PACK = docrules.load_pack()


def _both(pack: docrules.Pack, data: Any) -> tuple[str, str]:
    """The JSON of one check with the program's shares (as earlier checks left them), and with none."""
    facts = pack.facts(data)
    signing = pack.facts_date(facts)
    day = signing or TODAY
    program, ruleset = pack.program(day)
    trace = match(program, ruleset, pack.vocabulary, facts, signing)

    def json_of(with_shares: Program) -> str:
        try:
            return build(pack.rules, with_shares, pack.vocabulary, facts, trace, day).model_dump_json()
        except docrules.DocrulesError as exc:
            return "\n".join(d.render() for d in exc.diagnostics)

    return json_of(program), json_of(dataclasses.replace(
        program, shares=_Forgetful(), pieces=_Forgetful(), questions=_Forgetful(), templates=_Forgetful(),
        question_templates=_Forgetful()))


class _Forgetful(Memo[Any, Any]):
    """A memo that remembers nothing: a check built with it is built from nothing."""

    def __init__(self) -> None:
        super().__init__(16)

    def get(self, key: Any) -> None:
        return None


def _same(pack: docrules.Pack, cases: list[Any]) -> None:
    for n, data in enumerate(cases):
        remembered, fresh = _both(pack, data)
        assert remembered == fresh, f"case {n}"


def test_fixtures_and_pack_cases() -> None:
    files = sorted((ROOT / "fixtures").glob("*.toml")) + sorted((ROOT / "fixtures").glob("*.json"))
    cases: list[Any] = [docrules.read_facts(p) for p in files]
    cases += [tomllib.loads(p.read_text(encoding="utf-8"))["facts"]
              for p in sorted((ROOT / "rules" / "foshan" / "tests").glob("*.toml"))]
    assert len(cases) > 30
    _same(PACK, cases + cases)  # the second time round, from what the first left


def test_generated_applications_and_their_parties_reordered() -> None:
    """Thousands of applications, then the same with their parties in another order: a share is the
    party's wherever it stands, and the result's order follows the positions of this application."""
    pack = docrules.load_pack()
    data = applications(3_000, seed=20261130)
    rng = random.Random(11)
    shuffled = [{**d, "parties": rng.sample(d["parties"], len(d["parties"]))} for d in data[:1_000]]
    _same(pack, data + shuffled)
    program = pack.program(TODAY)[0]
    assert 0 < program.shares.stats().size <= program.shares.limit


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32))
def test_fuzzed_applications(seed: int) -> None:
    data = Generator(PACK, seed).application()
    _same(PACK, [data, data])


def test_the_memo_is_bounded_and_keeps_what_is_used() -> None:
    memo: Memo[tuple[str], str] = Memo(4)  # two generations of two
    memo.put(("a",), "A")
    memo.put(("b",), "B")  # the young generation is full: it becomes the old one
    assert memo.get(("a",)) == "A"  # read again: young once more
    memo.put(("c",), "C")  # full again: the old generation, with b, is dropped
    assert (memo.get(("a",)), memo.get(("b",)), memo.get(("c",))) == ("A", None, "C")
    assert memo.stats().size <= 4


def test_what_is_asked_once_is_not_kept() -> None:
    memo: Memo[tuple[str], str] = Memo(4)
    memo.put_if_asked_again(("once",), "1")
    assert memo.get(("once",)) is None and memo.stats().size == 0
    memo.put_if_asked_again(("twice",), "2")
    memo.put_if_asked_again(("twice",), "2")
    assert memo.get(("twice",)) == "2"
    for n in range(10):  # what it remembers of keys asked once is bounded too
        memo.put_if_asked_again((str(n),), "n")
    assert len(memo._asked) <= 4


def test_shared_pieces_cannot_be_changed_through_a_result() -> None:
    facts = docrules.read_facts(ROOT / "fixtures" / "local-couple-mortgage.toml")
    first, second = PACK.check(facts, today=TODAY), PACK.check(facts, today=TODAY)
    assert first.items and all(a is b for a, b in zip(first.items, second.items, strict=True))  # shared
    sequences: list[tuple[object, ...]] = [first.items, first.issues, first.questions]
    for item in first.items:
        sequences += [item.pages, item.notes, item.rules, item.sources, *(item.alternatives or ())]
    for issue in first.issues:
        sequences += [issue.rules, issue.sources, issue.documents or ()]
    assert all(isinstance(s, tuple) for s in sequences)
    with pytest.raises(pydantic.ValidationError):
        first.items[0].copies = 99
    with pytest.raises(pydantic.ValidationError):
        first.items[0].label.en = "changed"


def _pydantic(result: docrules.Result) -> str:
    """pydantic's serialization of every field: any option turns the splicing of kept JSON off."""
    return result.model_dump_json(indent=None)


def test_a_share_made_for_one_party_serves_a_party_of_another_id() -> None:
    """Integrators often give parties ids of their own, unique to each application: a share made for
    one id is copied for another (Program.templates), and the result is the one built from nothing."""
    pack = docrules.load_pack()
    data = applications(300, seed=21)
    for n, facts in enumerate(data):
        _same(pack, [with_own_ids(facts, f"-a{n}"), with_own_ids(facts, f"-b{n}")])
    _same(pack, [with_own_ids(facts, ' "quoted" \\ 名字 \n') for facts in data[:20]])  # JSON escapes the ids
    program = pack.program(TODAY)[0]
    assert program.templates.stats().hits > 300 and program.question_templates.stats().hits > 100


def test_the_kept_json_of_items_issues_and_questions_is_pydantics_own() -> None:
    files = sorted((ROOT / "fixtures").glob("*.toml")) + sorted((ROOT / "fixtures").glob("*.json"))
    cases: list[Any] = [docrules.read_facts(p) for p in files] + applications(1_000, seed=5)
    cases += [with_own_ids(data, f' "{n}" \\ 名字') for n, data in enumerate(applications(200, seed=6))]
    checked = 0
    for data in cases:
        try:
            result = PACK.check(data, today=TODAY)
        except docrules.DocrulesError:
            continue
        assert result.model_dump_json() == _pydantic(result)
        checked += 1
    assert checked > 500


def test_a_copy_with_other_items_issues_or_questions_is_serialized_in_full() -> None:
    result = PACK.check(docrules.read_facts(ROOT / "fixtures" / "minor-loan-no-guardian.toml"), today=TODAY)
    asking = PACK.check(docrules.read_facts(ROOT / "fixtures" / "first-visit-unknowns.json"),
                        today=TODAY)
    assert len(result.items) > 1 and result.issues and asking.questions
    for copy, original in ((result.model_copy(update={"items": result.items[1:]}), result),
                           (result.model_copy(update={"issues": ()}), result),
                           (asking.model_copy(update={"questions": asking.questions[1:]}), asking)):
        assert copy.model_dump_json() == _pydantic(copy) != original.model_dump_json()
    same = result.model_copy(update={"status": docrules.Status.ready})
    assert same.model_dump_json() == _pydantic(same)


def test_the_kept_json_never_makes_results_unequal() -> None:
    result = PACK.check(docrules.read_facts(ROOT / "fixtures" / "local-couple-mortgage.toml"), today=TODAY)
    again = docrules.Result.model_validate_json(result.model_dump_json())  # keeps no JSON
    assert again == result and result == again and again.model_dump_json() == result.model_dump_json()


def test_an_assembled_result_is_what_model_construct_makes() -> None:
    """`Result.assembled` skips model_construct's walk over aliases and defaults: it must leave the
    instance exactly as model_construct does (a pydantic upgrade that changes that fails here)."""
    result = PACK.check(docrules.read_facts(ROOT / "fixtures" / "minor-loan-no-guardian.toml"), today=TODAY)
    private = result.__pydantic_private__
    assert private is not None and isinstance(private["_spliced"], Spliced)
    fields = {name: getattr(result, name) for name in docrules.Result.model_fields}
    constructed = docrules.Result.model_construct(**fields, _spliced=private["_spliced"])
    for attribute in ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__"):
        assert getattr(result, attribute) == getattr(constructed, attribute), attribute
    assert list(result.__dict__) == list(constructed.__dict__)
    assert result.model_dump_json() == constructed.model_dump_json() == _pydantic(result)


def test_a_piece_for_another_party_is_what_model_copy_makes() -> None:
    """`for_party` skips model_copy's generic copy: it must leave the instance exactly as model_copy
    does (a pydantic upgrade that changes that fails here)."""
    result = PACK.check(docrules.read_facts(ROOT / "fixtures" / "minor-loan-no-guardian.toml"), today=TODAY)
    asking = PACK.check(docrules.read_facts(ROOT / "fixtures" / "first-visit-unknowns.json"), today=TODAY)
    assert result.items and result.issues and asking.questions
    for piece in result.items:
        _copied_alike(piece)
    for issue in result.issues:
        _copied_alike(issue)
    for question in asking.questions:
        _copied_alike(question)


def _copied_alike(piece: Piece) -> None:
    copied, made = piece.model_copy(update={"party": "other"}), for_party(piece, "other")
    for attribute in ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__"):
        assert getattr(made, attribute) == getattr(copied, attribute), attribute
    assert list(made.__dict__) == list(copied.__dict__) and type(made) is type(copied)
    assert made == copied and made.model_dump_json() == copied.model_dump_json()


def test_the_minimums_of_copies_that_apply_are_part_of_a_share(mini_copy: Path) -> None:
    """A rule that only raises copies adds no line of its own: the same rules give the applicant's lines
    with and without it, so the share kept without it must not serve a check with it."""
    with (mini_copy / "rules.toml").open("a", encoding="utf-8") as f:
        f.write('\n[[rules]]\nid = "copies-by-email"\ntitle = "Papers sent by email need more copies"\n'
                'sources = ["S3"]\nfor = "party"\nwhen = \'party.role == "applicant" and known(party.email)\'\n'
                'min_copies = { copies = 4 }\n')
    pack = docrules.load_pack(mini_copy)
    applicant = {"id": "a", "role": "applicant", "residency": "resident", "birth_date": "1990-01-01"}
    plain: dict[str, Any] = {"application": {"apply_date": "2026-06-01"}, "parties": [applicant]}
    emailed = {**plain, "parties": [{**applicant, "email": "x"}]}

    def copies(data: dict[str, Any]) -> set[int]:
        return {i.copies for i in pack.check(data).items if i.document == "photo_id"}

    assert [copies(d) for d in (plain, emailed, plain, emailed)] == [{1}, {4}, {1}, {4}]
