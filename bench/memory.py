"""RSS over many checks with the bounded engine-answer cache: it must stay flat.

    .venv/bin/python bench/memory.py                      # 1,000,000 checks (long: ~10 minutes)
    .venv/bin/python bench/memory.py --checks 200000

Two workloads. `profiles` (default): applications made of parties drawn from a pool of 5,000 generated
buyers, the way real files repeat the same kinds of people; the cache fills up, keeps evicting and keeps
hitting. `generated`: every application drawn afresh by bench/generate.py, whose facts rarely repeat
as a whole (the groups of rules still do). Prints RSS every tenth of the run, the cache's size, bound
and hit rate, and the engine sessions the checks needed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docrules
from bench.generate import applications
from bench.run import rss_mib

TODAY = date(2026, 11, 27)


def profiled(count: int, pool: int, seed: int = 17) -> list[dict[str, Any]]:
    """Applications of one or two buyers drawn from `pool` generated buyers, some with a spouse."""
    rng = random.Random(seed)
    buyers: list[dict[str, Any]] = []
    n = 0
    while len(buyers) < pool:
        # born before the earliest signing date below (the pack refuses a birth after the signing)
        buyers += [p for d in applications(2_000, seed=seed + n) for p in d["parties"]
                   if p["role"] == "buyer" and p.get("birth_date", "") < "2026-06-01"]
        n += 1
    out = []
    for k in range(count):
        chosen = rng.sample(buyers[:pool], rng.choice([1, 1, 2]))
        parties = [{**b, "id": f"b{k}-{i}"} for i, b in enumerate(chosen)]
        if rng.random() < 0.4:
            parties.append({"id": f"s{k}", "role": "spouse", "of": parties[0]["id"]})
        out.append({"application": {"signing_date": str(date(2026, 6, 1) + timedelta(days=rng.randint(0, 90))),
                                    "payment": rng.choice(["full", "mortgage", "provident_fund"]),
                                    "price": rng.randrange(300_000, 5_000_000)}, "parties": parties})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checks", type=int, default=1_000_000)
    parser.add_argument("--apps", type=int, default=50_000, help="distinct applications the checks cycle through")
    parser.add_argument("--workload", choices=("profiles", "generated"), default="profiles")
    parser.add_argument("--pool", type=int, default=5_000, help="buyer profiles of the profiles workload")
    args = parser.parse_args()
    data = profiled(args.apps, args.pool) if args.workload == "profiles" else applications(args.apps, seed=17)
    pack = docrules.load_pack()
    step = max(args.checks // 10, 1)
    began = time.perf_counter()
    start = rss_mib()
    print(f"{args.checks:,} checks over {args.apps:,} applications ({args.workload}); RSS {start:.1f} MiB at start")
    readings = []
    for n in range(args.checks):
        pack.check(data[n % len(data)], today=TODAY).model_dump_json()
        if (n + 1) % step == 0:
            rulesets = [ruleset for _, ruleset in pack._programs.values()]  # one per policy period met
            every = [r.cache_stats() for r in rulesets]
            size, limit = sum(s.size for s in every), sum(s.limit for s in every)
            hits, looked = sum(s.hits for s in every), sum(s.hits + s.misses for s in every)
            readings.append(rss_mib())
            print(f"  {n + 1:>9,} checks: RSS {readings[-1]:6.1f} MiB; cache {size:,}/{limit:,} answers "
                  f"(whole facts and groups; {len(rulesets)} policy periods), hit rate {hits / max(looked, 1):.1%}, "
                  f"{sum(r.sessions for r in rulesets):,} engine sessions; {time.perf_counter() - began:.0f} s")
    settled = readings[len(readings) // 5:]  # after the cache has filled
    print(f"RSS after the first fifth: {min(settled):.1f}-{max(settled):.1f} MiB "
          f"(growth {max(settled) - settled[0]:+.1f} MiB over the last four fifths)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
