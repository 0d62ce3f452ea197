"""Test cases for rule packs, as data, and the one runner behind `docrules test` and the pytest suite.

A case is either
  - a TOML file with `[facts]` and an `[expect]` table that compliance staff write (partial: only what
    is listed is checked), e.g. `rules/foshan/tests/minor-buyer.toml`; or
  - a facts file (JSON or TOML) with a golden `expected/NAME.result.json` beside it holding the whole
    expected result (the project's own `fixtures/`).
`--update` rewrites the expectation from the current result, for a person to review; a TOML case keeps
its comments and layout (`rewrite.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..api import Pack, Traced
from ..diagnostics import Diagnostic, DocrulesError, FactsError
from ..facts.boundary import parse_bytes, read_bounded, read_data
from ..results import Result, Status
from .rewrite import rewrite_expect


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectItem(_Strict):
    """A line that must be on the checklist; counts are checked only when given. `party` left out
    means the application's own papers. `missing` (when the facts list received documents): whether
    the line is still short of what it asks."""

    stage: str
    document: str
    party: str | None = None
    originals: int | None = None
    copies: int | None = None
    missing: bool | None = None


class ExpectAbsent(_Strict):
    """A document that must not be asked of `party` (the application when left out) at `stage` (any
    stage when left out)."""

    document: str
    party: str | None = None
    stage: str | None = None


class Expect(_Strict):
    status: Status | None = None
    issues: list[str] | None = None  # the exact issue codes, in result order
    items: list[ExpectItem] = []
    absent: list[ExpectAbsent] = []
    amounts: dict[str, int] | None = None


class CaseFile(_Strict):
    description: str = ""
    as_of: date | None = Field(default=None, description="preview the policy of this date")
    today: date | None = Field(default=None, description="policy date when the facts have no signing date")
    facts: dict[str, Any]
    expect: Expect = Expect()


DEFAULT_TODAY = date(2026, 11, 27)  # golden cases with no signing date need a fixed policy date


@dataclass
class Case:
    path: Path
    facts: Any  # plain data: the pack validates it when the case runs
    expect: Expect | None  # None: compare with the golden result file
    golden: Path | None = None
    as_of: date | None = None
    today: date | None = None
    description: str = ""


@dataclass
class Outcome:
    case: Case
    traced: Traced
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def golden_path(facts_file: Path) -> Path:
    # in a folder of their own, so that every file directly in fixtures/ is an application to check
    return facts_file.parent / "expected" / f"{facts_file.stem}.result.json"


def discover(paths: Iterable[Path]) -> list[Path]:
    """Case files under the given files or folders: TOML case files, and facts files with a golden."""
    found: list[Path] = []
    for path in paths:
        candidates = sorted(path.iterdir()) if path.is_dir() else [path]
        for p in candidates:
            if p.suffix not in (".toml", ".json"):
                continue
            found.append(p)
    return found


def load_case(path: Path) -> Case:
    """Read one case; a TOML file with a `[facts]` table is a case file, anything else a facts file."""
    if path.suffix == ".toml":
        # the same boundary as any facts file: bounded read, UTF-8, nesting and numbers within limits
        data = parse_bytes(read_bounded(path), str(path), toml=True)
        if "facts" in data:
            try:
                case = CaseFile.model_validate(data)
            except ValidationError as exc:
                raise DocrulesError([Diagnostic(
                    code="DR602", file=str(path), path=".".join(map(str, e["loc"])),
                    message=f"{'.'.join(map(str, e['loc']))}: {e['msg'].lower()}") for e in exc.errors()]) from None
            return Case(path, case.facts, case.expect, as_of=case.as_of, today=case.today,
                        description=case.description)
    golden = golden_path(path)
    return Case(path, read_data(path), None, golden=golden, today=DEFAULT_TODAY)


def run_case(pack: Pack, case: Case) -> Outcome:
    try:
        traced = pack.traced(case.facts, as_of=case.as_of, today=case.today)
    except FactsError as exc:  # say which case holds the bad facts
        raise FactsError([d.model_copy(update={"file": d.file or str(case.path)}) for d in exc.diagnostics]) \
            from None
    outcome = Outcome(case, traced)
    if case.expect is None:
        outcome.problems = _compare_golden(case, traced.result)
    else:
        outcome.problems = compare(case.expect, traced.result)
    return outcome


def _compare_golden(case: Case, result: Result) -> list[str]:
    assert case.golden is not None
    if not case.golden.exists():
        return [f"no expected result {case.golden.name}: run with --update and review it"]
    expected = Result.model_validate_json(case.golden.read_text(encoding="utf-8"))
    # The digest names the pack version a golden was reviewed with; a change of digest alone (a policy
    # edit that leaves this result as it was) is no difference in the result.
    result = result.model_copy(update={"pack": result.pack.model_copy(update={"digest": expected.pack.digest})})
    if expected == result and render_golden(result) == case.golden.read_text(encoding="utf-8"):
        return []
    return compare(full_expect(expected), result) or ["the result differs from the golden file in detail "
                                                      "(pages, notes, rules or sources)"]


def _line(stage: str | None, party: str | None, document: str) -> str:
    return f"{stage or '*'}/{party or 'application'}/{document}"


def compare(expect: Expect, result: Result) -> list[str]:
    """Expected vs got, one readable line per difference."""
    out: list[str] = []
    if expect.status is not None and expect.status is not result.status:
        out.append(f"status: expected {expect.status.value}, got {result.status.value}")
    if expect.issues is not None:
        got = [i.code for i in result.issues]
        missing = [c for c in expect.issues if c not in got]
        extra = [c for c in got if c not in expect.issues]
        if missing:
            out.append(f"issues: expected but not raised: {', '.join(missing)}")
        if extra:
            out.append(f"issues: raised but not expected: {', '.join(extra)}")
    lines = {(i.stage, i.party, i.document): i for i in result.items}
    for want in expect.items:
        got_item = lines.get((want.stage, want.party, want.document))
        name = _line(want.stage, want.party, want.document)
        if got_item is None:
            out.append(f"item {name}: expected, not on the checklist")
            continue
        for count in ("originals", "copies", "missing"):
            wanted = getattr(want, count)
            if wanted is not None and wanted != getattr(got_item, count):
                out.append(f"item {name}: {count} expected {wanted}, got {getattr(got_item, count)}")
    for absent in expect.absent:
        hits = [k for k in lines if k[2] == absent.document and k[1] == absent.party
                and (absent.stage is None or k[0] == absent.stage)]
        for stage, party, document in hits:
            out.append(f"item {_line(stage, party, document)}: expected absent, but asked for")
    if expect.amounts is not None and expect.amounts != result.amounts:
        out.append(f"amounts: expected {expect.amounts}, got {result.amounts}")
    return out


def full_expect(result: Result) -> Expect:
    """Everything a result says that a case can state: what `--update` writes."""
    return Expect(status=result.status, issues=[i.code for i in result.issues],
                  items=[ExpectItem(stage=i.stage, party=i.party, document=i.document, originals=i.originals,
                                    copies=i.copies, missing=i.missing) for i in result.items],
                  amounts=result.amounts)


def render_golden(result: Result) -> str:
    return result.model_dump_json(indent=2) + "\n"


def update(outcome: Outcome) -> bool:
    """Write the current result as the case's expectation; whether the file changed."""
    case, result = outcome.case, outcome.traced.result
    if case.golden is not None:
        target, text = case.golden, render_golden(result)
    else:
        target = case.path
        expect = full_expect(result).model_dump(mode="json", exclude_defaults=True)
        # what must stay off the list is a person's claim, not a result: keep those that still hold
        kept = [a for a in (case.expect.absent if case.expect else []) if not compare(Expect(absent=[a]), result)]
        if kept:
            expect["absent"] = [a.model_dump(mode="json", exclude_defaults=True) for a in kept]
        text = rewrite_expect(case.path.read_text(encoding="utf-8"), expect)
    if target.exists() and target.read_text(encoding="utf-8") == text:
        return False
    target.write_text(text, encoding="utf-8")
    return True


def keyword_matches(expression: str, text: str) -> bool:
    """pytest's `-k`, without parentheses: words joined by `or` and `and`, each maybe after `not`, every
    word a case-insensitive substring of `text` (`"renewal and not urgent"`)."""
    haystack = text.lower()

    def term(word: str) -> bool:
        parts = word.split()
        negate = len(parts) > 1 and parts[0] == "not"
        found = " ".join(parts[1:] if negate else parts).lower() in haystack
        return found != negate

    return any(all(term(w) for w in conj.split(" and ")) for conj in expression.split(" or "))


def run_cases(pack: Pack, paths: Iterable[Path], keyword: str | None = None) -> list[Outcome]:
    """Every case under `paths`; with `keyword`, only those whose file name or description it matches."""
    cases = [load_case(p) for p in discover(paths)]
    if keyword is not None:
        cases = [c for c in cases if keyword_matches(keyword, f"{c.path.name} {c.description}")]
    return [run_case(pack, case) for case in cases]
