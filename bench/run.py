"""The benchmark: docrules against the hand-coded floor (bench/floor.py), side by side in one run.

The floor is a Foshan policy hand-coded in plain Python with no pydantic: the pack's first reading, kept
in bench/floor_pack/ (the default pack has since taken the second reading, which the floor does not
code). The ratios compare docrules running bench/floor_pack/ with the floor on the same applications:
to the plain floor, the price of the rules engine and of the typed contracts; to the same floor behind
pydantic (facts validated in, `Result` validated out), the price of the engine alone. docrules on the
default pack is timed beside them, on applications generated for that pack, with no floor to compare.

    .venv/bin/python bench/run.py                    # ~1-2 minutes
    .venv/bin/python bench/run.py --checks 1000000 --floor-checks 20000   # flat memory: RSS start and end

Prints per-check p50 and p99 (dict in, JSON out), wall-clock and thread CPU, checks per second, both
ratios, the default pack's figures, pack load+compile time,
`docrules check FILE` as a whole process, RSS, and `docrules batch` throughput on 1 and 2 processes.
Exits 1 if docrules and the floor disagree on any generated application. Timing targets live here,
never in the test suite: the machine is shared.
"""

from __future__ import annotations

import argparse
import compileall
import json
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, overload

if __package__ in (None, ""):  # run as `python bench/run.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docrules
from bench.floor import Floor
from bench.generate import applications, with_own_ids
from docrules.interfaces.batch import default_jobs

TODAY = date(2026, 11, 27)  # the policy date of applications with no signing date: pinned, reproducible
P50_TARGET_US, LOAD_TARGET_MS, PROCESS_TARGET_MS, BATCH_TARGET = 100.0, 200.0, 250.0, 1.8
CHECK_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "local-couple-mortgage.toml"
FLOOR_PACK = Path(__file__).resolve().parent / "floor_pack"


def rss_mib() -> float:
    """The resident set now (Linux), else the peak so far."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return peak_rss_mib()


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB elsewhere


@dataclass
class Timing:
    median_us: float
    p99_us: float
    cpu_median_us: float  # thread CPU time: what the check costs, less what other processes took
    per_second: float
    rss_start: float
    rss_end: float


def check_json(pack: docrules.Pack, data: dict[str, Any]) -> str:
    """docrules, dict in → JSON out, as the service answers."""
    return pack.check(data, today=TODAY).model_dump_json()


def check_process_ms(rounds: int = 5) -> list[float]:
    """`docrules check FILE` as a user runs it: a fresh process, Python start-up and imports included. The
    package's modules are byte-compiled first, as `pip install` leaves them: a checkout edited since its
    last import (or run with PYTHONDONTWRITEBYTECODE) would otherwise compile them in every process."""
    compileall.compile_dir(Path(docrules.__file__).parent, quiet=1)
    command = [sys.executable, "-m", "docrules", "check", str(CHECK_FIXTURE), "--format", "json"]
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        out.append((time.perf_counter() - t) * 1000)
    return out


class _OwnIds(Sequence[dict[str, Any]]):
    """`count` checks of `data` in turn, each made as it is taken (outside the timing) with party ids of
    its own: holding them all would count in the RSS figures."""

    def __init__(self, data: list[dict[str, Any]], count: int) -> None:
        self.data, self.checks = data, count

    def __len__(self) -> int:
        return self.checks

    @overload
    def __getitem__(self, n: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, n: slice) -> Sequence[dict[str, Any]]: ...
    def __getitem__(self, n: int | slice) -> dict[str, Any] | Sequence[dict[str, Any]]:
        if isinstance(n, slice):
            raise TypeError("one check at a time")
        return with_own_ids(self.data[n % len(self.data)], f"-{n}")


def timed(check: Callable[[dict[str, Any]], object], facts: Sequence[dict[str, Any]], count: int) -> Timing:
    times = array("q", bytes(8 * count))  # no object per sample: RSS growth is the checker's own
    cpu = array("q", bytes(8 * count))
    start_rss = rss_mib()
    began = time.perf_counter()
    wall, thread = time.perf_counter_ns, time.thread_time_ns
    for n in range(count):
        one = facts[n % len(facts)]
        t, c = wall(), thread()
        check(one)
        cpu[n] = thread() - c
        times[n] = wall() - t
    elapsed = time.perf_counter() - began
    end_rss = rss_mib()
    ordered = sorted(times)
    return Timing(statistics.median(ordered) / 1000, ordered[int(count * 0.99)] / 1000,
                  statistics.median(cpu) / 1000, count / elapsed, start_rss, end_rss)


def load_compile_ms(rounds: int = 5) -> list[float]:
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        pack = docrules.load_pack()
        pack.program(date(2026, 12, 1))
        out.append((time.perf_counter() - t) * 1000)
        pack.close()
    return out


def batch_rate(source: Path, rows: int, jobs: int) -> float:
    """Rows per second of the `docrules batch` command, as a user runs it: a process of its own (not
    forked from this one, whose memory is full of the benchmark's data), output written to a file,
    Python start, pack loading and worker start included."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "docrules", "batch", str(source), "-o", f"{folder}/out.jsonl",
                   "--jobs", str(jobs)]
        t = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return rows / (time.perf_counter() - t)


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def machine_ceiling() -> float:
    """How much a second process gains on this machine for a pure-Python loop: the best any 2-process
    batch can do here (shared machines and hyperthreads give less than 2x)."""
    n = 4_000_000
    t = time.perf_counter()
    _burn(n)
    _burn(n)
    serial = time.perf_counter() - t
    with multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn").Pool(2) as pool:
        t = time.perf_counter()
        pool.map(_burn, [n, n])
        parallel = time.perf_counter() - t
    return serial / parallel


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checks", type=int, default=20_000, help="timed checks on each side (default 20000)")
    parser.add_argument("--floor-checks", type=int, help="timed checks of the floor (default: --checks)")
    parser.add_argument("--apps", type=int, default=2_000, help="distinct generated applications (default 2000)")
    parser.add_argument("--batch", type=int, default=20_000, help="rows of the batch runs (0: skip; default 20000)")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    rss_start = rss_mib()
    loads = load_compile_ms()
    process = check_process_ms()
    pack = docrules.load_pack(FLOOR_PACK)
    floor = Floor(pack)
    data = applications(args.apps, seed=args.seed, pack=pack)
    disagree = [n for n, d in enumerate(data) if not (
        check_json(pack, d) == floor.result_json(d, TODAY) == floor.check(d, TODAY).model_dump_json())]

    # All take the application as `json.loads` gives it and return the result's JSON text.
    ours = timed(lambda d: check_json(pack, d), data, args.checks)
    floor_checks = args.floor_checks or args.checks
    plain = timed(lambda d: floor.result_json(d, TODAY), data, floor_checks)
    typed = timed(lambda d: floor.check(d, TODAY).model_dump_json(), data, floor_checks)
    default = docrules.load_pack()
    default_data = applications(args.apps, seed=args.seed, pack=default)
    current = timed(lambda d: check_json(default, d), default_data, args.checks)
    caches = []  # the engine caches as those runs left them
    for label, checked in (("floor_pack", pack), ("default pack", default)):
        for key, (_, ruleset) in sorted(checked._programs.items()):
            stats = ruleset.cache_stats()
            caches.append(f"engine-answer cache, {label}, policy period {key[0]}: {stats.size:,}/{stats.limit:,} "
                          f"answers (whole facts and groups), hit rate {stats.hit_rate:.1%} of look-ups; "
                          f"{ruleset.sessions:,} engine sessions for {ruleset.checks:,} checks (the checks cycle "
                          f"through {args.apps:,} applications: each is checked about "
                          f"{args.checks / args.apps:.0f} times)")
    # the same applications, every check's parties with ids of their own (an integrator's database ids)
    owned = timed(lambda d: check_json(default, d), _OwnIds(default_data, args.checks), args.checks)

    print(f"docrules benchmark: {args.apps} generated applications (seed {args.seed}), {args.checks} checks "
          f"(floor {floor_checks}); Python {platform.python_version()}, {default_jobs()} cores")
    print("every column: the application as a dict in, the result's JSON text out")
    print(f"  docrules: running bench/floor_pack/ ({len(pack.rules.rules)} rules: the Foshan first reading, "
          "the policy the floor codes)")
    print("  plain floor: that policy hand-coded in plain Python, NO pydantic (json.dumps out)")
    print("  typed floor: the same behind pydantic (the pack's facts model in, Result.model_validate + "
          "model_dump_json out)")
    print(f"agreement: {args.apps - len(disagree)}/{args.apps} identical JSON (docrules, plain floor, typed floor)")
    print(f"{'':24}{'docrules':>12}{'plain floor':>13}{'typed floor':>13}{'xplain':>9}{'xtyped':>9}")
    for label, field in (("p50 µs/check", "median_us"), ("p99 µs/check", "p99_us"),
                         ("p50 thread CPU µs", "cpu_median_us")):
        a, b, c = getattr(ours, field), getattr(plain, field), getattr(typed, field)
        print(f"{label:24}{a:>12.1f}{b:>13.1f}{c:>13.1f}{a / b:>8.2f}x{a / c:>8.2f}x")
    print(f"{'checks/s':24}{ours.per_second:>12,.0f}{plain.per_second:>13,.0f}{typed.per_second:>13,.0f}")
    print(f"{'RSS MiB, run start→end':24}{f'{ours.rss_start:.1f}→{ours.rss_end:.1f}':>12}"
          f"{f'{plain.rss_start:.1f}→{plain.rss_end:.1f}':>13}"
          f"{f'{typed.rss_start:.1f}→{typed.rss_end:.1f}':>13}")
    print(f"docrules on the default pack ({len(default.rules.rules)} rules, the second reading; no floor codes it), "
          f"its own {args.apps} generated applications: p50 {current.median_us:.1f} µs, p99 {current.p99_us:.1f} µs, "
          f"p50 thread CPU {current.cpu_median_us:.1f} µs, {current.per_second:,.0f} checks/s")
    print(f"  the same, every check's parties with ids of their own (as an integrator's database gives them): "
          f"p50 {owned.median_us:.1f} µs, p99 {owned.p99_us:.1f} µs, {owned.per_second:,.0f} checks/s")
    print("\n".join(caches))
    print(f"pack load+compile: median {statistics.median(loads):.1f} ms, max {max(loads):.1f} ms (of {len(loads)})")
    print(f"`docrules check {CHECK_FIXTURE.name} --format json` as a process: "
          f"median {statistics.median(process):.0f} ms, "
          f"min {min(process):.0f} ms (of {len(process)}; Python start-up included)")
    print(f"RSS: {rss_start:.1f} MiB at start, {rss_mib():.1f} MiB now, peak {peak_rss_mib():.1f} MiB")
    targets = [(f"default pack p50 ≤ {P50_TARGET_US:g} µs", current.median_us <= P50_TARGET_US),
               ("default pack p99 ≤ 3x p50", current.p99_us <= 3 * current.median_us),
               (f"load+compile < {LOAD_TARGET_MS:g} ms", statistics.median(loads) < LOAD_TARGET_MS),
               (f"check process ≤ {PROCESS_TARGET_MS:g} ms", statistics.median(process) <= PROCESS_TARGET_MS)]
    if args.batch:
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / "rows.jsonl"
            source.write_text("".join(json.dumps(d) + "\n" for d in applications(args.batch, seed=7)),
                              encoding="utf-8")
            one, two = batch_rate(source, args.batch, 1), batch_rate(source, args.batch, 2)
        print(f"batch, {args.batch} rows: 1 process {one:,.0f}/s, 2 processes {two:,.0f}/s, "
              f"ratio {two / one:.2f}x (this machine's ceiling, a CPU loop on 2 processes: "
              f"{machine_ceiling():.2f}x)")
        targets.append((f"batch 2 processes ≥ {BATCH_TARGET:g}x 1", two / one >= BATCH_TARGET))
    print("targets: " + "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in targets))
    if disagree:
        print(f"docrules and the floor disagree on applications {disagree[:10]} (seed {args.seed})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
