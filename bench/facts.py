"""The first phase of every check, `Pack.facts`: plain data in, validated facts out (the input boundary's
limits, the pack's facts model, the relations between parties, received documents the pack knows).

    .venv/bin/python bench/facts.py                              # the default pack only
    .venv/bin/python bench/facts.py --peers ../shared/bench/peers  # and the peer policy (its apps.jsonl)

Prints thread CPU medians (µs) per check, over every application `--rounds` times, after a warm-up:
`Pack.facts` itself, then its parts timed one by one on the same data: `check_data` (the boundary's
walk), `model` (the facts model's own validation), `bounded` (the bounded validator: the model held to
the limits in one pass), `parse_facts` (what `Pack.facts` does before checking received documents: the
bounded validator, or else the exact path), `relations` and `unknown`. The default pack's applications
are `bench.generate.applications(3000, 7)`; the peer policy's are the side-by-side run's, mapped by
`bench/peers/docrules_impl.py`. Each figure includes one reading of the clock (`empty`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/facts.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docrules
from bench.generate import applications
from docrules.facts.boundary import check_data
from docrules.facts.read import parse_facts, relation_problems, unknown_documents

HERE = Path(__file__).resolve().parent


def phases(pack: docrules.Pack, apps: list[dict[str, Any]], rounds: int) -> dict[str, float]:
    model, vocabulary, documents, stages = pack.facts_model, pack.vocabulary, pack.rules.documents, pack.rules.stages
    valid = [pack.facts(app) for app in apps]
    bounded = model.bounded
    parts: dict[str, Callable[[Any, Any], object]] = {
        "empty": lambda app, facts: None,
        "Pack.facts": lambda app, facts: pack.facts(app),
        "check_data": lambda app, facts: check_data(app),
        "model": lambda app, facts: model.model_validate(app),
        "bounded": lambda app, facts: bounded.validate_python(app) if bounded else None,
        "parse_facts": lambda app, facts: parse_facts(app, model, vocabulary),
        "relations": lambda app, facts: relation_problems(facts, vocabulary),
        "unknown": lambda app, facts: unknown_documents(facts, documents, stages),
    }
    clock = time.thread_time_ns
    times: dict[str, list[int]] = {name: [] for name in parts}
    for _ in range(rounds):
        for app, facts in zip(apps, valid, strict=True):
            for name, part in parts.items():
                start = clock()
                part(app, facts)
                times[name].append(clock() - start)
    return {name: round(statistics.median(ns) / 1000, 2) for name, ns in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peers", type=Path, help="the side-by-side folder (its apps.jsonl and common.py)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.peers is not None:
        sys.path[:0] = [str(args.peers.resolve()), str(HERE / "peers")]  # its `common`, then our adapter
        import docrules_impl as peers  # type: ignore[import-not-found]

        peers.load()
        with (args.peers / "apps.jsonl").open(encoding="utf-8") as lines:
            apps = [peers.facts(json.loads(line)) for line in lines][:3000]
        for app in apps[:1000]:
            peers.pack.facts(app)
        print("peers  ", phases(peers.pack, apps, args.rounds))
    pack = docrules.load_pack()
    good = []
    for app in applications(3000, 7, pack):
        try:
            pack.facts(app)
        except docrules.DocrulesError:
            continue
        good.append(app)
    print("default", phases(pack, good, args.rounds))


if __name__ == "__main__":
    main()
