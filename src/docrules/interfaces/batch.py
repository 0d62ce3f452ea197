"""`docrules batch`: check many applications at once (a re-check of every open file after a policy change).

JSONL (one application per line) or CSV in, JSONL out in input order: `{"line": n, "result": {...}}` or,
for a row that is not a valid application, `{"line": n, "error": [{"code", "path", "message"}]}` — the
batch goes on. Rows are checked in worker processes (the engine serialises all calls of a process under
one lock, so threads would not help); each worker loads and compiles the pack once and refuses a pack
whose digest is not the one the batch began with. The policy `today` (in the pack's time zone) is
pinned once for the whole batch, so re-running a batch gives the same output.

A worker that dies has its rows checked again by a fresh one (see `pool`); SIGINT and SIGTERM end the
run at a chunk boundary with whole lines only, and `OUT.progress.json` says how far it got, so
`--resume` goes on from there (see `checkpoint`). `--shard I/N` checks one of N contiguous parts
(see `ranges`); `--only-changed PREVIOUS` writes only rows whose status, items or issues differ from
an earlier output.

CSV: a header row names each column by its path in the facts, `application.price`,
`parties.0.role`, `parties.1.of`, ...; an empty cell is an unknown fact, a party whose cells are all
empty is left out, numbers and true/false are converted by the fact's type.
"""

from __future__ import annotations

import codecs
import csv
import json
import os
import re
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from ..api import Pack, load_pack
from ..diagnostics import Diagnostic, DocrulesError, PackError
from ..facts.boundary import LIMITS, Limits, parse_bytes, too_large
from ..facts.vocabulary import Vocabulary
from ..results import Status
from .checkpoint import Checkpoint, sidecar
from .pool import ChunkFailed, Stop, Supervisor
from .ranges import Row, Shard, jsonl_range, scan

CHUNK = 64  # rows per task: large enough that inter-process traffic is a small part of the cost
# A row (ranges.Row): its line number in the input, and its raw bytes (JSONL: decoded in the worker, so a
# line that is not UTF-8 is one bad row) or its cells by header (CSV).
OUTCOMES = (*(s.value for s in Status), "errors")


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



# A task: rows, and with --only-changed the previous output line of each row (None: it had none).
Task = tuple[list[Row], list[bytes | None] | None]
# What a task gives back, per row: (input line, outcome, the output line, or None when unchanged).
Done = list[tuple[int, str, str | None]]
_PREVIOUS_LINE = re.compile(rb'^\{"line": ?(\d+),')

_worker_pack: Pack | None = None
_today: date = date.min
_as_of: date | None = None


def _init(pack_path: str | None, digest: str, today: date, as_of: date | None) -> None:
    global _worker_pack, _today, _as_of
    pack = load_pack(pack_path)
    if pack.digest != digest:  # the files changed since the batch began: mixed results would be wrong
        raise PackError([Diagnostic(code="DR544", file=pack_path, message=f"the pack is now {pack.digest}, "
                                    f"the batch began with {digest}")])
    _worker_pack, _today, _as_of = pack, today, as_of


def _error(number: int, diagnostics: list[Diagnostic]) -> str:
    # a position inside the row (a JSON syntax error, a byte that is not UTF-8) goes into the message: the
    # record's own `line` is the row's line in the input
    return json.dumps({"line": number, "error": [
        {"code": d.code, "path": d.path,
         "message": d.message + (f" (column {d.column})" if d.column is not None else "")}
        for d in diagnostics]}, ensure_ascii=False)


def check_rows(pack: Pack, rows: Sequence[Row], today: date, as_of: date | None) -> list[tuple[str, str]]:
    """(outcome, output line) for each row, in order; a row that is not a valid application is an error
    record. The valid rows are checked together (`Pack.check_many`: the engine is asked about what
    the chunk has not seen in a few sessions)."""
    out: list[tuple[str, str] | None] = []
    valid: list[Any] = []
    for number, payload in rows:
        if isinstance(payload, Diagnostic):
            out.append(("errors", _error(number, [payload])))
            continue
        try:  # the same input boundary as a single check: sizes, depth, encoding and number ranges
            valid.append(csv_facts(payload, pack.vocabulary) if isinstance(payload, dict) else parse_bytes(payload))
        except DocrulesError as exc:
            out.append(("errors", _error(number, exc.diagnostics)))
            continue
        out.append(None)
    checked = iter(pack.check_many(valid, as_of=as_of, today=today))
    lines: list[tuple[str, str]] = []
    for (number, _), done in zip(rows, out, strict=True):
        if done is None:
            result = next(checked)
            if isinstance(result, DocrulesError):
                done = ("errors", _error(number, result.diagnostics))
            else:
                done = (result.status.value, f'{{"line": {number}, "result": {result.model_dump_json()}}}')
        lines.append(done)
    return lines


def _compared(record: dict[str, Any]) -> Any:
    """What --only-changed compares: the status, items and issues of a result, or an error record."""
    if "result" in record:
        return [record["result"].get(k) for k in ("status", "items", "issues")]
    return record.get("error")


def check_task(pack: Pack, task: Task, today: date, as_of: date | None) -> Done:
    rows, previous = task
    done: Done = []
    for i, (row, (outcome, line)) in enumerate(zip(rows, check_rows(pack, rows, today, as_of), strict=True)):
        if previous is not None:
            before = previous[i]
            if before is not None and _compared(json.loads(before)) == _compared(json.loads(line)):
                done.append((row[0], outcome, None))
                continue
        done.append((row[0], outcome, line))
    return done


def _check_in_worker(task: Task) -> Done:
    assert _worker_pack is not None, "worker not initialised"
    return check_task(_worker_pack, task, _today, _as_of)


def _tasks(rows: Iterable[Row], previous: Iterator[bytes] | None) -> Iterator[Task]:
    paired = _pair(rows, previous) if previous is not None else ((row, None) for row in rows)
    chunk: list[Row] = []
    before: list[bytes | None] = []
    for row, line in paired:
        chunk.append(row)
        before.append(line)
        if len(chunk) == CHUNK:
            yield chunk, (before if previous is not None else None)
            chunk, before = [], []
    if chunk:
        yield chunk, (before if previous is not None else None)


def _pair(rows: Iterable[Row], previous: Iterator[bytes]) -> Iterator[tuple[Row, bytes | None]]:
    """Each row with the previous output's line for the same input line (both are in input order)."""
    held: tuple[int, bytes] | None = None
    count = 0
    for row in rows:
        while held is None or held[0] < row[0]:
            line = next(previous, None)
            if line is None:
                held = (sys.maxsize, b"")
                break
            count += 1
            if not line.strip():
                continue
            found = _PREVIOUS_LINE.match(line)
            if found is None:
                raise DocrulesError([Diagnostic(code="DR543", file="--only-changed", line=count,
                                                message="not a line of docrules batch output")])
            held = (int(found.group(1)), line)
        yield row, (held[1] if held[0] == row[0] else None)


@dataclass
class Summary:
    counts: Counter[str] = field(default_factory=Counter)
    written: int = 0
    last_line: int | None = None  # the input line of the last row done
    stopped: str | None = None  # a signal's name when one ended the run early
    failed: str | None = None  # the rows that could not be checked, and why
    deaths: int = 0  # worker processes that died and whose rows were checked again

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def complete(self) -> bool:
        return self.stopped is None and self.failed is None

    def line(self) -> str:
        text = f"{self.total} applications: " + ", ".join(f"{self.counts[k]} {k}" for k in OUTCOMES)
        if self.written != self.total:
            text += f"; {self.written} written, {self.total - self.written} unchanged"
        if self.deaths:
            text += f"; {self.deaths} worker process(es) died and their rows were checked again"
        return text


def run_batch(rows: Iterable[Row], out: TextIO, *, pack_path: str | None = None, pack: Pack | None = None,
              jobs: int | None = None, today: date | None = None, as_of: date | None = None,
              progress: Progress | None = None, previous: Iterator[bytes] | None = None,
              stop: Stop | None = None, summary: Summary | None = None,
              checkpoint: Callable[[Summary], None] | None = None) -> Summary:
    """Check every row, write one JSONL line per row in input order (with `previous`, the lines of an
    earlier output, only rows whose status, items or issues differ). Raises `PackError` before writing
    anything if the pack does not load. Ends early, with every line written whole, when `stop.reason`
    is set; `checkpoint(summary)` is called after lines were written, at most once a second."""
    pack = pack or load_pack(pack_path)  # in this process too: a bad pack fails here, once, with its diagnostics
    pinned = today or pack.today()
    jobs = jobs or default_jobs()
    stop = stop or Stop()
    summary = summary or Summary()
    tasks = _tasks(rows, previous)
    supervisor = None
    if jobs == 1:
        results: Iterable[Done] = _local(pack, tasks, pinned, as_of, stop)
    else:
        digest = pack.digest
        pack.close()
        supervisor = Supervisor(_check_in_worker, _init, (pack_path, digest, pinned, as_of), jobs, stop=stop)
        results = supervisor.run(tasks)
    try:
        _write(results, out, summary, progress, checkpoint)
    except ChunkFailed as exc:
        rows_failed = exc.chunk[0]
        summary.failed = f"lines {rows_failed[0][0]}-{rows_failed[-1][0]}: {exc.why}"
    summary.stopped = stop.reason
    if supervisor is not None:
        summary.deaths = supervisor.deaths
    if progress is not None:
        progress.update(summary.total, final=True)
    return summary


def _local(pack: Pack, tasks: Iterable[Task], today: date, as_of: date | None, stop: Stop) -> Iterator[Done]:
    for task in tasks:
        if stop.reason is not None:
            return
        yield check_task(pack, task, today, as_of)


def _write(results: Iterable[Done], out: TextIO, summary: Summary, progress: Progress | None,
           checkpoint: Callable[[Summary], None] | None) -> None:
    last = time.monotonic()
    for done in results:
        for number, outcome, line in done:
            summary.counts[outcome] += 1
            if line is not None:
                out.write(line + "\n")
                summary.written += 1
            summary.last_line = number
        if progress is not None:
            progress.update(summary.total)
        if checkpoint is not None and time.monotonic() - last >= 1.0:
            checkpoint(summary)
            last = time.monotonic()


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def shard_rows(path: Path, f: BinaryIO, csv_input: bool, shard: Shard | None) -> Iterator[Row]:
    """The rows of one shard of the file (all of them without a shard)."""
    if shard is None:
        return read_rows(f, csv_input)
    if not csv_input:
        return jsonl_range(f, *shard.bounds(path.stat().st_size))
    total = sum(1 for _ in read_rows(f, csv_input))
    f.seek(0)
    return islice(read_rows(f, csv_input), *shard.bounds(total))


@contextmanager
def stopping_on_signals(stop: Stop) -> Iterator[None]:
    """SIGINT and SIGTERM ask the batch to stop at the next chunk (only from the main thread)."""
    def handler(signum: int, frame: Any) -> None:
        stop.reason = signal.Signals(signum).name

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, old in saved.items():
            signal.signal(s, old)


def _usage(message: str) -> DocrulesError:
    return DocrulesError([Diagnostic(code="DR542", message=message)])


def main(source: str, output: str | None, *, pack_path: str | None, jobs: int | None, as_of: date | None,
         stdout: TextIO, stderr: TextIO, shard: Shard | None = None, resume: bool = False,
         only_changed: str | None = None, stop: Stop | None = None) -> Summary:
    """The CLI's `batch`: `source` is a file (CSV if it ends in .csv) or - for JSONL on standard input.
    SIGINT and SIGTERM stop it from here on (a stop before the first row writes no row)."""
    stop = stop or Stop()
    with stopping_on_signals(stop):
        return _main(source, output, pack_path=pack_path, jobs=jobs, as_of=as_of, stdout=stdout, stderr=stderr,
                     shard=shard, resume=resume, only_changed=only_changed, stop=stop)


def _main(source: str, output: str | None, *, pack_path: str | None, jobs: int | None, as_of: date | None,
          stdout: TextIO, stderr: TextIO, shard: Shard | None, resume: bool, only_changed: str | None,
          stop: Stop) -> Summary:
    csv_input = source.endswith(".csv")
    to_file = output not in (None, "-")
    if resume and not to_file:
        raise _usage("--resume needs the output file of the run to resume (-o OUT)")
    pack = load_pack(pack_path)
    # only a regular file is counted and hashed ahead: a pipe or a device (/dev/zero) would be read to no end
    regular = source != "-" and Path(source).is_file()
    if (shard or resume) and not regular:
        raise _usage("--shard and --resume need an input file, not standard input or a device")
    total, input_sha = scan(Path(source)) if regular else (None, "not a regular file")
    record = Checkpoint(input=source, input_sha256=input_sha, pack_digest=pack.digest,
                        today=pack.today().isoformat(), as_of=None if as_of is None else as_of.isoformat(),
                        shard=None if shard is None else str(shard), only_changed=only_changed)
    summary = Summary()
    skip = 0
    with ExitStack() as files:
        record_path = sidecar(Path(output)) if to_file and output else None
        if resume and record_path is not None and output is not None:
            before = Checkpoint.read(record_path)
            record.today = before.today
            before.same_run(record, record_path)
            record = before
            summary.counts.update(before.counts)
            summary.written = before.rows_written
            if before.complete:
                return summary
            os.truncate(output, before.output_bytes)
            skip = before.rows_done
            out: TextIO = files.enter_context(open(output, "a", encoding="utf-8"))
        elif to_file and output is not None:
            out = files.enter_context(open(output, "w", encoding="utf-8"))
        else:
            out = stdout
        inp = sys.stdin.buffer if source == "-" else files.enter_context(open(source, "rb"))
        rows = read_rows(inp, csv_input) if source == "-" else shard_rows(Path(source), inp, csv_input, shard)
        if skip:
            rows = islice(rows, skip, None)
        previous = None
        if only_changed is not None:
            previous = iter(files.enter_context(open(only_changed, "rb")))
        progress = Progress(stderr, None if total is None or shard else max(total - skip - csv_input, 0))

        def save(summary: Summary, *, ended: bool = False) -> None:
            """Record how far the run got; complete only once it ended with every row done."""
            if record_path is None:
                return
            out.flush()
            record.rows_done = summary.total
            record.rows_written = summary.written
            record.output_bytes = os.fstat(out.fileno()).st_size
            record.counts = dict(summary.counts)
            record.next_line = None if summary.last_line is None else summary.last_line + 1
            record.stopped = summary.stopped or summary.failed
            record.complete = ended and summary.complete
            record.save(record_path)

        save(summary)
        run_batch(rows, out, pack_path=pack_path, pack=pack, jobs=jobs, today=date.fromisoformat(record.today),
                  as_of=as_of, progress=progress, previous=previous, stop=stop, summary=summary, checkpoint=save)
        save(summary, ended=True)
    return summary
