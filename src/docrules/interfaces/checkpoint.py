"""`OUT.progress.json`: how far a batch writing OUT got, so a stopped run says so and `--resume` goes on.

Written beside the output when the run starts, after the output is flushed (at most once a second),
and when it ends: `complete` is true only once every row was written. The output's length is
recorded with the rows done, so a resume cuts whatever was written after the last record (a parent
killed with SIGKILL may leave a part of a line) and goes on from the next row.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic, DocrulesError


def sidecar(output: Path) -> Path:
    return output.with_name(output.name + ".progress.json")


@dataclass
class Checkpoint:
    input: str
    input_sha256: str
    pack_digest: str
    today: str
    as_of: str | None
    shard: str | None
    only_changed: str | None
    complete: bool = False
    stopped: str | None = None
    rows_done: int = 0
    rows_written: int = 0
    output_bytes: int = 0
    next_line: int | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")
        os.replace(temporary, path)  # a reader sees the old record or the new one, never half of one

    @classmethod
    def read(cls, path: Path) -> Checkpoint:
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except FileNotFoundError:
            raise _error(path, "no progress record: nothing to resume (run without --resume)") from None
        except (ValueError, TypeError) as exc:
            raise _error(path, f"not a docrules progress record: {exc}") from None

    def same_run(self, other: Checkpoint, path: Path) -> None:
        """Refuse to resume a run whose input, pack or options were not these."""
        for name in ("input_sha256", "pack_digest", "shard", "only_changed", "as_of"):
            before, now = getattr(self, name), getattr(other, name)
            if before != now:
                raise _error(path, f"cannot resume: {name} was {before!r} and is now {now!r}; "
                                   "start again without --resume")


def _error(path: Path, message: str) -> DocrulesError:
    return DocrulesError([Diagnostic(code="DR541", file=str(path), message=message)])
