"""Where one check's time goes, phase by phase (thread CPU time, medians): the breakdown behind
bench/run.py's totals. Runs on any checkout (put its `src` first on PYTHONPATH), so a before/after table
is two runs of this script, alternated.

    .venv/bin/python bench/phases.py                       # the default pack, its generated applications
    .venv/bin/python bench/phases.py --pack bench/peers/docrules_pack --peers /path/to/peers/apps.jsonl

Phases: `validate` (Pack.facts: the input boundary, the pack's facts model, relations between parties),
`engine facts` (what durable-rules is given), `match` (durable-rules' answers, through the engine-answer
cache when it knows them), `trace` (what the answers mean for the pack's rules), `build` (the Result),
`json` (model_dump_json). Every application is checked a few times first, so the cache is warm, as
in a server that has been up a while; `sessions` says how many checks still asked the engine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docrules
from docrules.engine.evaluate import build, engine_facts, principal_positions
from docrules.engine.readings import trace_of

TODAY = date(2026, 11, 27)
PHASES = ("validate", "engine facts", "match", "trace", "build", "json")


def peer_applications(path: Path) -> list[dict[str, Any]]:
    """The peer benchmark's applications as docrules facts, mapped by bench/peers/docrules_impl.py."""
    peers = Path(__file__).resolve().parent / "peers"
    sys.path.insert(0, str(path.parent))  # the adapter imports the peers folder's `common`
    sys.path.insert(0, str(peers))
    import docrules_impl  # type: ignore[import-not-found]

    return [docrules_impl.facts(json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def phases(pack: docrules.Pack, apps: list[dict[str, Any]], rounds: int) -> dict[str, float]:
    clock = time.thread_time_ns
    took: dict[str, list[float]] = {name: [] for name in (*PHASES, "total")}
    for _ in range(rounds):
        for data in apps:
            t0 = clock()
            facts = pack.facts(data)
            signing = pack.facts_date(facts)
            day = signing or TODAY
            program, ruleset = pack.program(day)
            principals = principal_positions(facts)
            t1 = clock()
            asserted = engine_facts(program, pack.vocabulary, facts, signing, principals)
            t2 = clock()
            answers = ruleset.run(asserted)
            t3 = clock()
            trace = trace_of(program, asserted, principals, answers)
            t4 = clock()
            result = build(pack.rules, program, pack.vocabulary, facts, trace, day)
            t5 = clock()
            result.model_dump_json()
            t6 = clock()
            for name, spent in zip(took, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t6 - t0),
                                   strict=True):
                spent_us = spent / 1000
                took[name].append(spent_us)
    return {name: statistics.median(values) for name, values in took.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pack", help="a pack folder (default: the Foshan pack)")
    parser.add_argument("--peers", type=Path, help="the peer benchmark's apps.jsonl (with its pack)")
    parser.add_argument("--apps", type=int, default=3000, help="generated applications (default pack)")
    parser.add_argument("--warm", type=int, default=3, help="checks of every application before timing")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    pack = docrules.load_pack(args.pack)
    if args.peers:
        apps = peer_applications(args.peers)
    else:
        from bench.generate import applications

        apps = []
        for data in applications(args.apps, 7, pack):
            try:
                pack.check(data, today=TODAY)
            except docrules.DocrulesError:
                continue  # the pack's rules refuse it: not a check
            apps.append(data)
    for _ in range(args.warm):
        for data in apps:
            pack.check(data, today=TODAY)
    rulesets = [ruleset for _, ruleset in pack._programs.values()]
    before = sum(getattr(r, "sessions", 0) for r in rulesets)
    got = phases(pack, apps, args.rounds)
    sessions = sum(getattr(r, "sessions", 0) for r in rulesets) - before
    parties = statistics.mean(len(a["parties"]) for a in apps)
    print(f"{pack.name} {pack.version}: {len(apps)} applications ({parties:.1f} parties on average) x "
          f"{args.rounds} rounds, warm; engine sessions while timing: {sessions}")
    print(" | ".join(f"{name} {got[name]:.1f}" for name in (*PHASES, "total")) + "  (µs, thread CPU, medians)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
