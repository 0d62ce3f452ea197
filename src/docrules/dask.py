"""Checks on Dask (`pip install 'docrules[dask]'`): `docrules batch --engine dask` and a notebook API.

The only module that imports dask. The pack travels to the workers as data (`PackFiles`: its files
and the digest they must load to), once per worker; each worker process loads it once and refuses
files that do not load to that digest. Every row is checked by `batch.check_rows`, the function the
local batch uses, with the policy date pinned once by the client, so the part files concatenated in
order are byte for byte the local batch's output.

    import dask.bag, docrules.dask
    results = docrules.dask.check_bag(dask.bag.from_sequence(facts_dicts, npartitions=8)).compute()
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

import dask.bag
from dask.delayed import delayed
from distributed import Client, LocalCluster, as_completed

from .api import Pack, default_pack_path
from .diagnostics import DocrulesError
from .interfaces.batch import OUTCOMES, check_rows, read_rows
from .interfaces.ranges import Row, scan
from .pack.archive import PackFiles

MANIFEST = "manifest.json"
MAX_LISTED_ERRORS = 1000  # rows with errors named in the manifest; the counts cover them all

_packs: dict[str, Pack] = {}  # in each worker process: content hash of the files -> the loaded pack
_packs_lock = threading.Lock()


def worker_pack(files: PackFiles) -> Pack:
    """The pack these files load to, loaded once per process; `PackError` unless it has their digest."""
    key = files.content_hash
    with _packs_lock:
        pack = _packs.get(key)
        if pack is None:
            pack = _packs[key] = files.load()
        return pack


def check_part(files: PackFiles, rows: list[Row], today: date, as_of: date | None) -> dict[str, Any]:
    """One part, on a worker: its output text, counts per outcome and the rows that were errors."""
    pack = worker_pack(files)
    lines: list[str] = []
    counts: Counter[str] = Counter()
    errors: list[dict[str, Any]] = []
    for row, (outcome, line) in zip(rows, check_rows(pack, rows, today, as_of), strict=True):
        counts[outcome] += 1
        lines.append(line + "\n")
        if outcome == "errors":
            errors.append({"line": row[0], "codes": [e["code"] for e in json.loads(line)["error"]]})
    return {"text": "".join(lines), "counts": {k: counts[k] for k in OUTCOMES if counts[k]}, "errors": errors,
            "first_line": rows[0][0], "last_line": rows[-1][0]}


def _parts(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    it = iter(rows)
    while part := list(islice(it, size)):
        yield part


def _client(scheduler: str | None, workers: int) -> Client:
    if scheduler is not None:
        return Client(scheduler)
    # one thread per worker: the engine serialises a process's checks, so more threads only wait;
    # its HTTP routes on a free port (8787 may be taken), and only this machine can reach the scheduler
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                           host="127.0.0.1", silence_logs=logging.ERROR)
    return Client(cluster)


def run_batch(source: str | Path, outdir: str | Path, *, pack_path: str | Path | None = None,
              scheduler: str | None = None, rows_per_part: int = 10_000, workers: int = 2,
              as_of: date | None = None, today: date | None = None,
              client: Client | None = None, stderr: TextIO | None = None) -> dict[str, Any]:
    """Check a JSONL or CSV file on Dask; part files and `manifest.json` in `outdir`. Returns the
    manifest. With no `client` or `scheduler`, a local cluster of `workers` processes runs it."""
    source, out = Path(source), Path(outdir)
    csv_input = source.suffix == ".csv"
    files = PackFiles.from_dir(pack_path or default_pack_path())
    local = files.load()
    try:
        pinned = today or local.today()
        info = {"name": local.name, "version": local.version, "digest": local.digest}
    finally:
        local.close()
    _, input_sha = scan(source)
    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob("part-*.jsonl"), out / MANIFEST]:  # only names this function writes
        stale.unlink(missing_ok=True)
    manifest: dict[str, Any] = {
        "complete": False, "input": str(source), "input_sha256": input_sha, "pack": info,
        "today": pinned.isoformat(), "as_of": None if as_of is None else as_of.isoformat(),
        "rows_per_part": rows_per_part, "parts": [], "counts": dict.fromkeys(OUTCOMES, 0), "rows": 0,
        "errors": [], "failures": []}
    own = client is None
    client = client or _client(scheduler, workers)
    try:
        with source.open("rb") as f:
            _run(client, files, _parts(read_rows(f, csv_input), rows_per_part), out, pinned, as_of, manifest)
    finally:
        if own:
            cluster = client.cluster
            client.close()
            if cluster is not None and scheduler is None:
                cluster.close()
    manifest["parts"].sort(key=lambda p: p["index"])
    manifest["complete"] = not manifest["failures"]
    _save(out / MANIFEST, manifest)
    if stderr is not None:
        counts = manifest["counts"]
        print(f"{manifest['rows']} applications: " + ", ".join(f"{counts[k]} {k}" for k in OUTCOMES)
              + f"; {len(manifest['parts'])} parts in {out}", file=stderr)
    return manifest


def _run(client: Client, files: PackFiles, parts: Iterator[list[Row]], out: Path, today: date,
         as_of: date | None, manifest: dict[str, Any]) -> None:
    shipped = client.scatter(files, broadcast=True)  # once per worker, not once per task
    window = 2 * max(len(client.scheduler_info().get("workers", {})), 1) + 2
    index = 0
    pending = as_completed()
    for _ in range(window):
        part = next(parts, None)
        if part is None:
            break
        pending.add(client.submit(check_part, shipped, part, today, as_of, pure=False,
                                  key=f"docrules-part-{index}-{os.getpid()}-{id(manifest)}"))
        index += 1
    for future in pending:
        number = int(future.key.split("-")[2])
        try:
            done = future.result()
        except Exception as exc:  # a task's error (a refused pack, workers killed too often): named, not raised
            manifest["failures"].append({"part": number, "error": f"{type(exc).__name__}: {exc}"})
            for other in pending.futures:
                other.cancel()
            return
        _write_part(out, number, done, manifest)
        future.release()
        part = next(parts, None)
        if part is not None:
            pending.add(client.submit(check_part, shipped, part, today, as_of, pure=False,
                                      key=f"docrules-part-{index}-{os.getpid()}-{id(manifest)}"))
            index += 1


def _write_part(out: Path, index: int, done: dict[str, Any], manifest: dict[str, Any]) -> None:
    name = f"part-{index:06d}.jsonl"
    data = done["text"].encode("utf-8")
    temporary = out / (name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, out / name)  # a part file that exists is whole
    rows = sum(done["counts"].values())
    manifest["parts"].append({"index": index, "file": name, "rows": rows, "first_line": done["first_line"],
                              "last_line": done["last_line"], "sha256": hashlib.sha256(data).hexdigest(),
                              "counts": done["counts"]})
    manifest["rows"] += rows
    for outcome, count in done["counts"].items():
        manifest["counts"][outcome] += count
    room = MAX_LISTED_ERRORS - len(manifest["errors"])
    manifest["errors"].extend(done["errors"][:max(room, 0)])
    manifest["errors"].sort(key=lambda e: e["line"])


def _save(path: Path, manifest: dict[str, Any]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def _check_facts(facts_list: Iterable[Any], files: PackFiles, today: date, as_of: date | None) -> list[dict[str, Any]]:
    pack = worker_pack(files)
    out: list[dict[str, Any]] = []
    for facts in facts_list:
        try:
            out.append({"result": pack.check(facts, as_of=as_of, today=today).model_dump(mode="json")})
        except DocrulesError as exc:
            out.append({"error": [{"code": d.code, "path": d.path, "message": d.message} for d in exc.diagnostics]})
    return out


def check_bag(bag: dask.bag.Bag, pack: str | Path | PackFiles | None = None, *, as_of: date | None = None,
              today: date | None = None) -> dask.bag.Bag:
    """A bag of facts dicts -> a bag of `{"result": {...}}` or `{"error": [...]}`, in the same order.
    `today` is pinned here (the pack's date now) unless given, so every partition uses one date."""
    files = pack if isinstance(pack, PackFiles) else PackFiles.from_dir(pack or default_pack_path())
    if today is None:
        loaded = files.load()
        today = loaded.today()
        loaded.close()
    return bag.map_partitions(_check_facts, delayed(files), today, as_of)
