"""Outcome coverage of a pack by its test cases: each rule seen holding and seen not holding (false,
or undecided for want of a fact; a rule with no condition always holds), each document line and each
issue code produced. What is not covered is reported like a lint finding, at the
line that defines it."""

from __future__ import annotations

from dataclasses import dataclass

from ..diagnostics import Diagnostic, Severity
from ..pack.lint import locate
from ..pack.model import RulePack
from .cases import Outcome


@dataclass(frozen=True)
class Coverage:
    covered: int
    total: int
    gaps: list[Diagnostic]

    @property
    def percent(self) -> float:
        return 100.0 if self.total == 0 else 100.0 * self.covered / self.total


def measure(pack: RulePack, outcomes: list[Outcome]) -> Coverage:
    seen_true: set[int] = set()
    seen_false: set[int] = set()
    documents: set[str] = set()
    codes: set[str] = set()
    for outcome in outcomes:
        traced = outcome.traced
        subjects = range(len(traced.facts.parties))
        for rule_index in traced.program.asks:
            rule = pack.rules[rule_index]
            for subject in (subjects if rule.for_ == "party" else [-1]):
                key = (rule_index, subject)
                (seen_true if key in traced.trace.fires else seen_false).add(rule_index)
        documents |= {d for i in traced.result.items for d in ([i.document] if i.alternatives is None else
                                                                [d for group in i.alternatives for d in group])}
        codes |= {i.code for i in traced.result.issues}

    gaps: list[Diagnostic] = []
    total = covered = 0

    def record(ok: bool, kind: str, key: str, message: str) -> None:
        nonlocal total, covered
        total += 1
        covered += ok
        if not ok:
            gaps.append(locate(pack, kind, key, Severity.warning, "DR603", message))

    for index, rule in enumerate(pack.rules):
        if not rule.enabled:
            continue
        # a rule that refuses facts holds only for facts no check accepts: the facts tests show it
        if rule.reject is None:
            record(index in seen_true, "rule", rule.id, f"no case makes rule '{rule.id}' hold")
        if rule.when.strip():
            record(index in seen_false, "rule", rule.id, f"no case makes rule '{rule.id}' fail")
    required = dict.fromkeys(d for r in pack.rules if r.enabled for req in r.require for d in req.named)
    for doc in (d for d in pack.documents if d in required):
        record(doc in documents, "document", doc, f"no case asks for document '{doc}'")
    raised = {r.issue for r in pack.rules if r.enabled and r.issue}
    for code in (c for c in pack.issues if c in raised):
        record(code in codes, "issue", code, f"no case raises issue {code}")
    return Coverage(covered, total, gaps)
