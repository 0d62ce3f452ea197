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

import codecs
import csv
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
from ..facts.boundary import LIMITS, Limits, check_data, parse_bytes, too_large
from ..facts.vocabulary import Vocabulary
from ..results import Status

CHUNK = 64  # rows per task: large enough that inter-process traffic is a small part of the cost
# A row: its line number in the input, and its raw bytes (JSONL: decoded in the worker, so a line that is
# not UTF-8 is one bad row), its cells by header (CSV), or why it could not be read (too large).
Row = tuple[int, bytes | dict[str, str] | Diagnostic]
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


def read_rows(source: BinaryIO, csv_input: bool, limits: Limits = LIMITS) -> Iterator[Row]:
    """Rows with their line numbers. Lines are read bounded: a line over the size limit becomes an error
    row and the rest of it is skipped unread into memory."""
    if csv_input:
        yield from _csv_rows(source, limits)
        return
    number = 0
    while line := source.readline(limits.max_bytes + 1):
        number += 1
        if len(line) > limits.max_bytes:
            _skip_line(source, line, number, limits)
            yield number, _too_large(limits)
        elif line.strip():
            yield number, line


SKIP_LIMIT = 64  # times the size limit: a "line" longer than this is no row (/dev/zero has no line end)


def _skip_line(source: BinaryIO, line: bytes, number: int, limits: Limits) -> None:
    """Read past the rest of a line that is too large, bounded: a line without end stops the batch."""
    skipped = len(line)
    while line and not line.endswith(b"\n"):
        if skipped > SKIP_LIMIT * limits.max_bytes:
            raise DocrulesError([Diagnostic(
                code="DR520", line=number, message=f"line {number} is longer than {skipped:,} bytes and goes on; "
                                                    "stopped reading", hint="is this a JSONL or CSV file?")])
        line = source.readline(limits.max_bytes)
        skipped += len(line)


def _too_large(limits: Limits) -> Diagnostic:
    return too_large(limits).diagnostics[0]


def _csv_rows(source: BinaryIO, limits: Limits) -> Iterator[Row]:
    """CSV rows, decoded line by line so that a line that is too large or not UTF-8 is one error row."""
    seen = 0  # physical lines handed to the CSV reader (its own line_num goes stale after an error)
    starts: list[int] = []  # the first line of each row the reader is reading (it skips empty lines)
    bad: list[tuple[int, Diagnostic]] = []

    def lines() -> Iterator[str]:
        nonlocal seen
        while raw := source.readline(limits.max_bytes + 1):
            seen += 1
            if len(raw) > limits.max_bytes:
                _skip_line(source, raw, seen, limits)
                bad.append((seen, _too_large(limits)))
                yield "\n"  # an empty line, which the reader skips; the error row stands for it
                continue
            if seen == 1 and raw.startswith(codecs.BOM_UTF8):
                # Excel's "CSV UTF-8" starts with a byte order mark, which would otherwise stick to the
                # first header and make every row's first column an unknown field
                raw = raw[len(codecs.BOM_UTF8):]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad.append((seen, Diagnostic(code="DR526", column=exc.start + 1,
                                             message=f"not UTF-8 text: byte 0x{raw[exc.start]:02x}")))
                yield "\n"
                continue
            if not starts and line.strip():
                starts.append(seen)
            yield line

    # a cell may be as large as a whole application; the boundary then says which cell is too long
    csv.field_size_limit(max(csv.field_size_limit(), limits.max_bytes))
    # cells beyond the header's columns land under a name that validation reports as unknown
    reader = csv.DictReader(lines(), restkey="(cells beyond the header)", restval="")
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise DocrulesError([Diagnostic(code="DR502", line=seen, message=f"invalid CSV header: {exc}")]) from None
    if bad and bad[0][0] == 1:
        raise DocrulesError([bad[0][1].model_copy(update={"line": 1, "message": "header: " + bad[0][1].message})])
    if header is None:
        return
    starts.clear()
    while True:
        payload: dict[str, str] | Diagnostic
        try:
            payload = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # the reader goes on with the next line
            payload = Diagnostic(code="DR502", message=f"invalid CSV: {exc}")
        while bad:
            yield bad.pop(0)
        yield (starts.pop() if starts else seen), payload
    while bad:
        yield bad.pop(0)


_pack: Pack | None = None
_today: date = date.min
_as_of: date | None = None


def _init(pack_path: str | None, today: date, as_of: date | None) -> None:
    global _pack, _today, _as_of
    _pack, _today, _as_of = load_pack(pack_path), today, as_of


def _error(number: int, diagnostics: list[Diagnostic]) -> str:
    # a position inside the row (a JSON syntax error, a byte that is not UTF-8) goes into the message: the
    # record's own `line` is the row's line in the input
    return json.dumps({"line": number, "error": [
        {"code": d.code, "path": d.path,
         "message": d.message + (f" (column {d.column})" if d.column is not None else "")}
        for d in diagnostics]}, ensure_ascii=False)


def check_row(pack: Pack, row: Row, today: date, as_of: date | None) -> tuple[str, str]:
    """(outcome, output line) for one row; a row that is not a valid application is an error record."""
    number, payload = row
    if isinstance(payload, Diagnostic):
        return "errors", _error(number, [payload])
    try:  # the same input boundary as a single check: sizes, depth, encoding and number ranges
        if isinstance(payload, dict):
            data = csv_facts(payload, pack.vocabulary)
            check_data(data)
        else:
            data = parse_bytes(payload)
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
    # only a regular file is counted ahead: a pipe or a device (/dev/zero) would be read to no end
    total = count_rows(Path(source), csv_input) if source != "-" and Path(source).is_file() else None
    progress = Progress(stderr, total)
    with ExitStack() as files:
        inp = sys.stdin.buffer if source == "-" else files.enter_context(open(source, "rb"))
        out = stdout if output in (None, "-") else files.enter_context(open(output, "w", encoding="utf-8"))
        return run_batch(read_rows(inp, csv_input), out, pack_path=pack_path, jobs=jobs, as_of=as_of,
                         progress=progress)
