"""Worker processes that run chunks of work in order and survive a worker's death.

`multiprocessing.Pool` waits forever for the result of a task whose worker was killed (SIGKILL, the
OOM killer). Here each worker holds at most one chunk at a time, so when a worker dies the pool knows
exactly which chunk died with it: the chunk is given to a fresh worker, and after `attempts` deaths
the run stops with `ChunkFailed` naming it. Results come back in submission order, each chunk once.

A stop request (a signal handler setting `Stop.reason`) is honoured between results: the pool stops
handing out work, ends its workers and returns; what was returned before is complete.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Out = TypeVar("Out")
POLL = 0.2  # seconds between looks at the stop flag while waiting for workers


@dataclass
class Stop:
    """Set `reason` (from a signal handler, say) to end a run at the next chunk boundary."""

    reason: str | None = None


class ChunkFailed(Exception):
    """A chunk could not be done: its worker died `attempts` times, or the work raised."""

    def __init__(self, index: int, chunk: Any, why: str) -> None:
        self.index, self.chunk, self.why = index, chunk, why
        super().__init__(why)


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    job: tuple[int, Any] | None = None


@dataclass
class Supervisor(Generic[Item, Out]):
    """Run `work(chunk)` for each chunk in `jobs` worker processes, each set up once by `init(*args)`."""

    work: Callable[[Item], Out]
    init: Callable[..., None]
    init_args: tuple[Any, ...]
    jobs: int
    attempts: int = 3
    window: int = 0  # chunks done but not yet returned, at most; 0: 8 per worker
    stop: Stop = field(default_factory=Stop)
    deaths: int = 0  # workers that died during the run (for the summary and the tests)

    def run(self, chunks: Iterable[Item]) -> Iterator[Out]:
        # fork where there is one: workers inherit the imported modules instead of starting Python
        # again (~0.5 s each); each still sets itself up with `init`.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        source = enumerate(chunks)
        retry: deque[tuple[int, Item]] = deque()
        tries: dict[int, int] = {}
        done: dict[int, Out] = {}
        next_out = 0
        window = self.window or 8 * self.jobs
        workers: list[_Worker] = []
        exhausted = False
        try:
            workers = [self._start(context) for _ in range(self.jobs)]
            while True:
                if self.stop.reason is not None:
                    return
                for worker in workers:
                    if worker.job is not None:
                        continue
                    job: tuple[int, Item] | None = None
                    if retry:
                        job = retry.popleft()
                    elif not exhausted and len(done) < window:
                        job = next(source, None)
                        exhausted = job is None
                    if job is None:
                        break
                    worker.job = job
                    with suppress(OSError):  # it died since its last answer: its sentinel says so below
                        worker.conn.send(job)
                busy = [w for w in workers if w.job is not None]
                if not busy:
                    return  # nothing left: every chunk was returned below
                ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=POLL)
                for worker in busy:
                    if worker.conn in ready or worker.process.sentinel in ready:
                        self._collect(worker, context, workers, retry, tries, done)
                while next_out in done:
                    yield done.pop(next_out)
                    next_out += 1
        finally:
            for worker in workers:
                _end(worker)

    def _start(self, context: Any) -> _Worker:
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child, parent, self.work, self.init, self.init_args),
                                  daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def _collect(self, worker: _Worker, context: Any, workers: list[_Worker], retry: deque[tuple[int, Item]],
                 tries: dict[int, int], done: dict[int, Out]) -> None:
        assert worker.job is not None
        index, chunk = worker.job
        try:
            kind, payload = worker.conn.recv()
        except (EOFError, OSError):
            kind, payload = "died", None
        if kind == "done":
            worker.job = None
            done[index] = payload
            return
        if kind == "raised":
            raise ChunkFailed(index, chunk, f"a worker failed: {payload}")
        # the worker is gone (killed, or out of memory): a fresh one takes its place and the chunk again
        self.deaths += 1
        _end(worker)
        workers[workers.index(worker)] = self._start(context)
        tries[index] = tries.get(index, 0) + 1
        if tries[index] >= self.attempts:
            code = worker.process.exitcode
            raise ChunkFailed(index, chunk, f"a worker process died {tries[index]} times on it (last exit code "
                              f"{code})")
        retry.append((index, chunk))


def _end(worker: _Worker) -> None:
    if worker.process.is_alive():
        worker.process.kill()
    worker.process.join()
    worker.conn.close()


def _serve(conn: Connection, parent_end: Connection, work: Callable[[Any], Any], init: Callable[..., None],
           init_args: tuple[Any, ...]) -> None:
    # A forked worker holds copies of the parent's ends of the pipes (its own and earlier workers'), so
    # a dead parent is not always an end of file here: the worker also watches its parent's pid.
    parent_end.close()
    parent = os.getppid()
    # Ctrl-C reaches the whole process group: the parent decides how to stop, the workers go on until
    # it ends them. A forked child inherits the parent's handlers, which would only set its copy of a flag.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        init(*init_args)
    except BaseException as exc:  # reported on the first chunk, so the parent names it
        failure = _one_line(exc)
        while True:
            try:
                while not conn.poll(1.0):
                    if os.getppid() != parent:
                        return
                conn.recv()
                conn.send(("raised", failure))
            except (EOFError, OSError):
                return
    while True:
        try:
            while not conn.poll(1.0):
                if os.getppid() != parent:
                    return
            _, chunk = conn.recv()
        except (EOFError, OSError):
            return
        try:
            out = work(chunk)
        except Exception as exc:
            conn.send(("raised", _one_line(exc)))
            continue
        conn.send(("done", out))


def _one_line(exc: BaseException) -> str:
    """The exception as the user sees it: its type and message, no traceback."""
    return " ".join("".join(traceback.format_exception_only(exc)).split())
