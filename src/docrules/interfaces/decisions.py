"""Decision records: one JSON line per check or explanation the service answers, for audits and
dashboards. A record holds what was decided and how long it took, never what it was decided about:
request id (made by the server), route, pack digest, HTTP status, result status, issue and error codes,
durations. No facts, ids, names, phones, query values or paths into the facts.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..results import Result
from ..tools.explain import Explanation

LOGGER = "docrules.decisions"


@dataclass
class Decision:
    request_id: str
    route: str
    digest: str | None = None
    http_status: int | None = None
    status: str | None = None
    issues: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    check_ms: float | None = None
    total_ms: float | None = None
    started: float = field(default_factory=time.perf_counter, repr=False)

    def record(self, answer: Any) -> None:
        """The status and issue codes of a result or an explanation (codes only: no facts)."""
        if isinstance(answer, Result):
            self.status, self.issues = answer.status.value, [i.code for i in answer.issues]
        elif isinstance(answer, Explanation):
            self.status, self.issues = answer.status.value, [i.issue.code for i in answer.issues]

    def finish(self, http_status: int) -> None:
        self.http_status = http_status
        self.total_ms = (time.perf_counter() - self.started) * 1000

    def line(self) -> str:
        record = {"request_id": self.request_id, "route": self.route, "pack_digest": self.digest,
                  "http_status": self.http_status, "status": self.status, "issues": self.issues,
                  "errors": self.errors,
                  "check_ms": None if self.check_ms is None else round(self.check_ms, 3),
                  "total_ms": None if self.total_ms is None else round(self.total_ms, 3)}
        return json.dumps(record, separators=(",", ":"))


def decision_log(logger: logging.Logger | None = None) -> Callable[[Decision], None]:
    """A function writing each decision as one line at INFO to `logger` (default `docrules.decisions`)."""
    target = logger or logging.getLogger(LOGGER)

    def write(decision: Decision) -> None:
        target.info("%s", decision.line())

    return write
