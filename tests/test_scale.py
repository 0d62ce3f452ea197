"""Threads, sessions and memory at scale (issue #5 §3). Timing targets live in bench/run.py, not here."""

from __future__ import annotations

import gc
import threading
from datetime import date
from pathlib import Path

import pytest

import docrules
from bench.generate import applications
from bench.run import rss_mib

from .conftest import FIXTURES

TODAY = date(2026, 11, 27)
# Fixtures and generated applications: every identity, both hukou, missing facts, minors, linked parties.
CASES = [docrules.read_facts(p) for p in sorted(FIXTURES.glob("*.toml"))] + [
    docrules.parse_facts(a) for a in applications(20, seed=3)]
# 8 threads x 10,000 checks, as issue #5 asks: about two minutes here, within its five-minute budget for
# the thread, memory and fuzz tests together.
THREADS = 8
PER_THREAD = 10_000


def test_threads_give_the_serial_results(pack: docrules.Pack) -> None:
    """8 threads x PER_THREAD checks, each compared with the same check run serially."""
    expected = [pack.check(f, today=TODAY).model_dump_json() for f in CASES]
    failures: list[tuple[int, int]] = []

    def worker(offset: int) -> None:
        for n in range(PER_THREAD):
            i = (n + offset) % len(CASES)  # threads are at different cases at the same moment
            if pack.check(CASES[i], today=TODAY).model_dump_json() != expected[i]:
                failures.append((offset, n))

    threads = [threading.Thread(target=worker, args=(k * 7,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    _, ruleset = pack.program(date(2026, 12, 1))
    assert ruleset.live_sessions == 0


def test_no_session_outlives_its_check(pack: docrules.Pack) -> None:
    _, ruleset = pack.program(date(2026, 12, 1))
    for facts in CASES:
        if pack.facts_date(facts) is None:
            continue
        pack.check(facts)
        assert ruleset.live_sessions == 0
        assert ruleset.last_sid is not None and not ruleset.session_exists(ruleset.last_sid)


def test_a_rejected_check_leaves_no_session(pack: docrules.Pack) -> None:
    _, ruleset = pack.program(date(2026, 12, 1))
    before = ruleset.last_sid
    with pytest.raises(docrules.FactsError):
        pack.check({"application": {"signing_date": "2026-12-01"}, "parties": []})
    assert ruleset.last_sid == before and ruleset.live_sessions == 0


def _cycle(path: Path | None, close: bool) -> None:
    fresh = docrules.load_pack(path)
    fresh.check(CASES[0])
    if close:
        fresh.close()


def test_packs_side_by_side_and_reloaded_do_not_leak(pack_copy: Path, pack: docrules.Pack) -> None:
    """A second pack and reloaded packs live beside the first; closed or just dropped, an old pack's
    engine memory (~1.5 MiB each) is freed."""
    other = docrules.load_pack(pack_copy)
    assert other.check(CASES[0]) == pack.check(CASES[0])
    for close in (True, False):
        for _ in range(3):
            _cycle(pack_copy, close)
        gc.collect()
        start = rss_mib()
        for _ in range(50):
            _cycle(pack_copy, close)
        gc.collect()
        assert rss_mib() - start < 20, f"50 packs {'closed' if close else 'dropped'} kept their memory"
    assert other.check(CASES[0]) == pack.check(CASES[0])  # still working after all the others went
