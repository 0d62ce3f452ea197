"""`docrules batch`: check many applications at once (a re-check of every open file after a policy change).

JSONL (one application per line) or CSV in, JSONL out in input order: `{"line": n, "result": {...}}` or,
for a row that is not a valid application, `{"line": n, "error": [{"code", "path", "message"}]}` — the
batch goes on. Rows are checked in worker processes (the engine serialises all calls of a process under
one lock, so threads would not help); each worker loads and compiles the pack once. The policy `today`
is pinned once for the whole batch, so re-running a batch gives the same output.

CSV: a header row names each column by its path in the facts, `application.price`,
`parties.0.role`, `parties.1.of`, ...; an empty cell is an unknown fact, a party whose cells are all
empty is left out, numbers and true/false are converted by the fact's type.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from ..api import Pack, load_pack
from ..diagnostics import Diagnostic, DocrulesError
from ..facts.vocabulary import Vocabulary
from ..results import Status

CHUNK = 64  # rows per task: large enough that inter-process traffic is a small part of the cost
# A row: its line number in the input, and its raw bytes (JSONL: decoded in the worker, so a line that is
# not UTF-8 is one bad row) or its cells by header (CSV).
Row = tuple[int, bytes | dict[str, str]]
OUTCOMES = (*(s.value for s in Status), "errors")


@dataclass
class Summary:
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        return f"{self.total} applications: " + ", ".join(f"{self.counts[k]} {k}" for k in OUTCOMES)


def _kind(vocabulary: Vocabulary, scope: str, name: str) -> str:
    spec = vocabulary.spec("application" if scope == "application" else "party", name)
    return spec.kind if spec is not None else "text"


def _cell(kind: str, text: str) -> Any:
    """A CSV cell as the fact's JSON type; left as text when it is not one, so validation names it."""
    if kind in ("int", "decimal"):
        try:
            return int(text) if kind == "int" else Decimal(text)
        except (ValueError, ArithmeticError):
            return text
    if kind == "bool" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def csv_facts(cells: dict[str, str], vocabulary: Vocabulary) -> dict[str, Any]:
    """Cells by header (`application.price`, `parties.0.role`) → facts as plain data, each cell typed
    by the kind the pack declares for that fact."""
    out: dict[str, Any] = {}
    parties: dict[int, dict[str, Any]] = {}
    for header, text in cells.items():
        if text == "":
            continue
        scope, _, rest = header.partition(".")
        if scope == "parties":
            number, _, name = rest.partition(".")
            if number.isdigit() and name:
                parties.setdefault(int(number), {})[name] = _cell(_kind(vocabulary, "party", name), text)
                continue
        elif scope == "application" and rest:
            out.setdefault("application", {})[rest] = _cell(_kind(vocabulary, "application", rest), text)
            continue
        out[header] = text  # not a fact path: validation reports it as an unknown field
    out["parties"] = [parties[n] for n in sorted(parties)]
    return out


def read_rows(source: BinaryIO, csv_input: bool) -> Iterator[Row]:
    if csv_input:
        text = io.TextIOWrapper(source, encoding="utf-8", newline="")
        try:
            # cells beyond the header's columns land under a name that validation reports as unknown
            reader = csv.DictReader(text, restkey="(cells beyond the header)", restval="")
            if reader.fieldnames is None:
                return
            start = reader.line_num + 1
            for cells in reader:
                yield start, cells
                start = reader.line_num + 1
        finally:
            text.detach()  # the caller closes `source`
        return
    for number, line in enumerate(source, 1):
        if line.strip():
            yield number, line


_pack: Pack | None = None
_today: date = date.min
_as_of: date | None = None


def _init(pack_path: str | None, today: date, as_of: date | None) -> None:
    global _pack, _today, _as_of
    _pack, _today, _as_of = load_pack(pack_path), today, as_of


def _error(number: int, diagnostics: list[Diagnostic]) -> str:
    return json.dumps({"line": number, "error": [{"code": d.code, "path": d.path, "message": d.message}
                                                 for d in diagnostics]}, ensure_ascii=False)


def check_row(pack: Pack, row: Row, today: date, as_of: date | None) -> tuple[str, str]:
    """(outcome, output line) for one row; a row that is not a valid application is an error record."""
    number, payload = row
    try:
        data = csv_facts(payload, pack.vocabulary) if isinstance(payload, dict) else json.loads(payload)
    except json.JSONDecodeError as exc:
        return "errors", _error(number, [Diagnostic(code="DR502", message=f"invalid JSON: {exc.msg} "
                                                    f"(column {exc.colno})")])
    except UnicodeDecodeError:
        return "errors", _error(number, [Diagnostic(code="DR502", message="invalid JSON: not UTF-8 text")])
    except RecursionError:
        return "errors", _error(number, [Diagnostic(code="DR502", message="invalid JSON: nested too deeply")])
    try:
        result = pack.check(data, as_of=as_of, today=today)
    except DocrulesError as exc:
        return "errors", _error(number, exc.diagnostics)
    return result.status.value, f'{{"line": {number}, "result": {result.model_dump_json()}}}'


def _check_chunk(rows: list[Row]) -> list[tuple[str, str]]:
    assert _pack is not None, "worker not initialised"
    return [check_row(_pack, row, _today, _as_of) for row in rows]


def _chunks(rows: Iterable[Row]) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Progress:
    """A one-line bar with rate and ETA on a terminal; nothing at all otherwise. Counts only: no facts."""

    def __init__(self, stream: TextIO, total: int | None) -> None:
        self.stream, self.total = stream, total
        self.enabled = stream.isatty()
        self.start = self.last = time.monotonic()

    def update(self, done: int, final: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.2 and not final):
            return
        self.last = now
        rate = done / max(now - self.start, 1e-9)
        text = f"{done} checked, {rate:,.0f}/s"
        if self.total:
            share = min(done / self.total, 1.0)
            bar = "#" * int(share * 30)
            eta = max(self.total - done, 0) / rate if rate else 0.0
            text = f"[{bar:<30}] {done}/{self.total} {share:4.0%} {rate:,.0f}/s ETA {eta:4.0f}s"
        self.stream.write("\r" + text + ("\n" if final else ""))
        self.stream.flush()


def count_rows(path: Path, csv_input: bool) -> int:
    """A quick estimate of the rows of a file for the progress bar (lines, less the CSV header)."""
    with path.open("rb") as f:
        lines = sum(1 for line in f if line.strip())
    return max(lines - 1, 0) if csv_input else lines


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_batch(rows: Iterable[Row], out: TextIO, *, pack_path: str | None = None, jobs: int | None = None,
              today: date | None = None, as_of: date | None = None, progress: Progress | None = None) -> Summary:
    """Check every row, write one JSONL line per row in input order; raises `PackError` before
    writing anything if the pack does not load."""
    pinned = today or date.today()
    pack = load_pack(pack_path)  # in this process too: a bad pack fails here, once, with its diagnostics
    jobs = jobs or default_jobs()
    summary = Summary()
    if jobs == 1:
        results: Iterable[list[tuple[str, str]]] = (
            [check_row(pack, row, pinned, as_of) for row in chunk] for chunk in _chunks(rows))
        _write(results, out, summary, progress)
    else:
        pack.close()
        # fork where there is one: the workers inherit the imported modules instead of starting
        # Python again (~0.5 s each), and each still loads and compiles its own pack
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        with context.Pool(jobs, initializer=_init, initargs=(pack_path, pinned, as_of)) as pool:
            _write(pool.imap(_check_chunk, _chunks(rows)), out, summary, progress)
    if progress is not None:
        progress.update(summary.total, final=True)
    return summary


def _write(results: Iterable[list[tuple[str, str]]], out: TextIO, summary: Summary,
           progress: Progress | None) -> None:
    for chunk in results:
        for outcome, line in chunk:
            summary.counts[outcome] += 1
            out.write(line + "\n")
        if progress is not None:
            progress.update(summary.total)


def main(source: str, output: str | None, *, pack_path: str | None, jobs: int | None, as_of: date | None,
         stdout: TextIO, stderr: TextIO) -> Summary:
    """The CLI's `batch`: `source` is a file (CSV if it ends in .csv) or - for JSONL on standard input."""
    csv_input = source.endswith(".csv")
    total = None if source == "-" else count_rows(Path(source), csv_input)
    progress = Progress(stderr, total)
    with ExitStack() as files:
        inp = sys.stdin.buffer if source == "-" else files.enter_context(open(source, "rb"))
        out = stdout if output in (None, "-") else files.enter_context(open(output, "w", encoding="utf-8"))
        return run_batch(read_rows(inp, csv_input), out, pack_path=pack_path, jobs=jobs, as_of=as_of,
                         progress=progress)
