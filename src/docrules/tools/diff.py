"""What a policy change does: the same cases through two versions of a pack, and what changed.

Cases are test case files, facts files, or JSONL files of saved applications (one facts object a line).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..api import Pack
from ..diagnostics import DocrulesError
from ..engine.compile import active, policy_boundaries
from ..facts.boundary import LIMITS, parse_bytes, too_large
from ..pack.model import RulePack
from ..results import Result, Status
from .cases import discover, load_case


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class ItemChange(_Out):
    stage: str
    party: str | None
    document: str
    change: str  # "added" | "removed" | "counts"
    before: str | None = None  # "originals 1, copies 1"
    after: str | None = None


class AmountChange(_Out):
    name: str
    before: int | None  # None: not computed (e.g. the price is unknown)
    after: int | None


class CaseDiff(_Out):
    case: str
    status_before: Status
    status_after: Status
    items: list[ItemChange]
    amounts: list[AmountChange] = []
    issues_added: list[str]
    issues_removed: list[str]
    questions_added: list[str]
    questions_removed: list[str]


class CaseError(_Out):
    case: str
    error: str


class Totals(_Out):
    cases: int
    changed: int
    newly_blocked: int
    newly_ready: int
    errors: int


class Period(_Out):
    """Days `from_` (inclusive) to `until` (exclusive); None: open on that side."""

    from_: date | None = Field(alias="from", serialization_alias="from")
    until: date | None = None


class DiffReport(_Out):
    old: str  # "name version (digest)"
    new: str
    as_of: date | None = None  # every case checked as if signed that day (None: each case's own date)
    touched: list[Period] = []  # the policy periods in which the two packs differ
    untouched: int = 0  # cases checked on a day outside every touched period: the change cannot show there
    changed: list[CaseDiff]
    errors: list[CaseError]
    totals: Totals


def inputs(paths: list[Path]) -> Iterator[tuple[str, Any, date | None]]:
    """(name, facts as plain data or the error reading them, as_of) for every case under `paths`. Each
    pack validates the facts itself: two versions of a pack may declare different facts."""
    for path in paths:
        if path.suffix == ".jsonl":
            with path.open("rb") as lines:
                number = 0
                while line := lines.readline(LIMITS.max_bytes + 1):
                    number += 1
                    name = f"{path}:{number}"
                    if not line.endswith(b"\n") and len(line) > LIMITS.max_bytes:
                        yield name, too_large(file=name), None
                        break  # the rest of that line is no application: stop reading this file
                    if not line.strip():
                        continue
                    try:  # the same boundary as any facts: UTF-8, nesting and numbers within limits
                        yield name, parse_bytes(line, str(path)), None
                    except DocrulesError as exc:  # located at this line of the file (a row is one line)
                        located = [d.model_copy(update={"line": number}) for d in exc.diagnostics]
                        yield name, DocrulesError(located), None
            continue
        for file in discover([path]):
            try:
                case = load_case(file)
            except DocrulesError as exc:
                yield str(file), exc, None
                continue
            yield str(file), case.facts, case.as_of


def _counts(originals: int, copies: int) -> str:
    return f"originals {originals}, copies {copies}"


def compare(name: str, before: Result, after: Result) -> CaseDiff | None:
    old = {(i.stage, i.party, i.document): i for i in before.items}
    new = {(i.stage, i.party, i.document): i for i in after.items}
    items = []
    for key in [*old, *(k for k in new if k not in old)]:
        a, b = old.get(key), new.get(key)
        if a is None and b is not None:
            items.append(ItemChange(stage=key[0], party=key[1], document=key[2], change="added",
                                    after=_counts(b.originals, b.copies)))
        elif b is None and a is not None:
            items.append(ItemChange(stage=key[0], party=key[1], document=key[2], change="removed",
                                    before=_counts(a.originals, a.copies)))
        elif a is not None and b is not None and (a.originals, a.copies) != (b.originals, b.copies):
            items.append(ItemChange(stage=key[0], party=key[1], document=key[2], change="counts",
                                    before=_counts(a.originals, a.copies), after=_counts(b.originals, b.copies)))

    def issue_keys(r: Result) -> list[str]:
        return [f"{i.code}" + (f" ({i.party})" if i.party else "") for i in r.issues]

    def question_keys(r: Result) -> list[str]:
        return [f"{q.party or 'application'}.{q.fact}" for q in r.questions]

    amounts = [AmountChange(name=n, before=before.amounts.get(n), after=after.amounts.get(n))
               for n in [*before.amounts, *(k for k in after.amounts if k not in before.amounts)]
               if before.amounts.get(n) != after.amounts.get(n)]
    ib, ia, qb, qa = issue_keys(before), issue_keys(after), question_keys(before), question_keys(after)
    diff = CaseDiff(case=name, status_before=before.status, status_after=after.status, items=items, amounts=amounts,
                    issues_added=[i for i in ia if i not in ib], issues_removed=[i for i in ib if i not in ia],
                    questions_added=[q for q in qa if q not in qb], questions_removed=[q for q in qb if q not in qa])
    unchanged = (diff.status_before is diff.status_after and not (
        diff.items or diff.amounts or diff.issues_added or diff.issues_removed or diff.questions_added
        or diff.questions_removed))
    return None if unchanged else diff


def _in_force(pack: RulePack, day: date) -> tuple[object, ...]:
    """What of a pack applies on `day`, with the dates taken off: equal for two packs when no check
    signed that day can tell them apart."""
    rules = [r.model_dump(exclude={"from_", "until"}) for r in pack.rules if active(r, day)]
    settings = {name: [v.value for v in s.values if v.from_ <= day and (v.until is None or day < v.until)]
                for name, s in pack.settings.items()}
    return (pack.meta, pack.documents, pack.issues, rules, settings)


def touched_periods(old: RulePack, new: RulePack) -> list[Period]:
    """The policy periods (between the dates either pack changes on) in which the packs differ, adjacent
    ones joined."""
    bounds = sorted(set(policy_boundaries(old)) | set(policy_boundaries(new)))
    starts: list[date | None] = [None, *bounds]
    out: list[Period] = []
    for start, end in zip(starts, [*bounds, None], strict=True):
        day = start if start is not None else (bounds[0] - timedelta(days=1) if bounds else date(2000, 1, 1))
        if _in_force(old, day) == _in_force(new, day):
            continue
        if out and out[-1].until == start:
            out[-1] = Period.model_validate({"from": out[-1].from_, "until": end})
        else:
            out.append(Period.model_validate({"from": start, "until": end}))
    return out


def _inside(day: date, periods: list[Period]) -> bool:
    return any((p.from_ is None or p.from_ <= day) and (p.until is None or day < p.until) for p in periods)


def diff_packs(old: Pack, new: Pack, paths: list[Path], today: date | None = None,
               as_of: date | None = None) -> DiffReport:
    """Every case through both packs. `as_of` checks every case as if signed that day (a case file's own
    `as_of` included); `today` (default: the system date) is the policy date of cases without a signing
    date, the same for both packs."""
    day = today or date.today()
    touched = touched_periods(old.rules, new.rules)
    changed: list[CaseDiff] = []
    errors: list[CaseError] = []
    total = untouched = 0
    for name, facts, case_as_of in inputs(paths):
        total += 1
        if isinstance(facts, DocrulesError):
            errors.append(CaseError(case=name, error=facts.diagnostics[0].render()))
            continue
        when = as_of or case_as_of
        try:
            before, after = old.check(facts, as_of=when, today=day), new.check(facts, as_of=when, today=day)
        except DocrulesError as exc:
            errors.append(CaseError(case=name, error=exc.diagnostics[0].render()))
            continue
        untouched += not _inside(after.as_of, touched)
        found = compare(name, before, after)
        if found is not None:
            changed.append(found)
    blocked = sum(c.status_after is Status.blocked and c.status_before is not Status.blocked for c in changed)
    ready = sum(c.status_after is Status.ready and c.status_before is not Status.ready for c in changed)
    return DiffReport(old=f"{old.name} {old.version} ({old.digest})", new=f"{new.name} {new.version} ({new.digest})",
                      as_of=as_of, touched=touched, untouched=untouched, changed=changed, errors=errors,
                      totals=Totals(cases=total, changed=len(changed), newly_blocked=blocked, newly_ready=ready,
                                    errors=len(errors)))


def _period(p: Period) -> str:
    if p.from_ is None:
        return "until the day before " + str(p.until) if p.until else "on every day"
    return f"from {p.from_}" + (f" to the day before {p.until}" if p.until else "")


def note(report: DiffReport) -> str | None:
    """What a reader should know when some cases were checked on days the change does not touch."""
    checked = report.totals.cases - report.totals.errors
    if not report.untouched:
        return None
    if not report.touched:
        return "The two packs apply the same policy on every day: no case can change."
    where = "; ".join(_period(p) for p in report.touched)
    first = next((p.from_ for p in report.touched if p.from_ is not None), None)
    hint = f" Re-run with `--as-of {first}` to check them under the changed policy." if first else ""
    return (f"The change touches the policy {where}. {report.untouched} of {checked} cases were checked on a day "
            f"it does not touch, so it cannot show in them.{hint}")


def markdown(report: DiffReport) -> str:
    t = report.totals
    out = [f"## Policy change: {report.old} → {report.new}", "",
           f"{t.cases} cases, **{t.changed} changed**: {t.newly_blocked} newly blocked, {t.newly_ready} newly "
           f"ready" + (f"; {t.errors} could not be read" if t.errors else "") + "."]
    if report.as_of is not None:
        out += ["", f"Every case checked as if signed on {report.as_of}."]
    said = note(report)
    if said is not None:
        out += ["", f"> **Note:** {said}"]
    for c in report.changed:
        out += ["", f"### {c.case}", "", f"- status: {c.status_before.value} → {c.status_after.value}"
                if c.status_before is not c.status_after else f"- status: {c.status_after.value} (unchanged)"]
        for i in c.items:
            where = f"{i.stage}/{i.party or 'application'}/{i.document}"
            text = {"added": f"added ({i.after})", "removed": f"removed (was {i.before})",
                    "counts": f"{i.before} → {i.after}"}[i.change]
            out.append(f"- item `{where}`: {text}")
        out += [f"- amount {a.name}: {a.before if a.before is not None else 'none'} → "
                f"{a.after if a.after is not None else 'none'}" for a in c.amounts]
        out += [f"- issue added: {x}" for x in c.issues_added] + [f"- issue removed: {x}" for x in c.issues_removed]
        out += [f"- now asks: {x}" for x in c.questions_added]
        out += [f"- no longer asks: {x}" for x in c.questions_removed]
    for e in report.errors:
        out += ["", f"- could not read {e.case}: {e.error}"]
    return "\n".join(out) + "\n"
