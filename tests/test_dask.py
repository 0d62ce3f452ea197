"""`docrules batch --engine dask` on a local cluster of two worker processes: the same bytes as the local
batch, a killed worker's parts checked again, the pack refused by a worker when its digest differs."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import docrules
from bench.generate import applications
from docrules.interfaces import batch as _batch
from docrules.interfaces.cli import run
from docrules.interfaces.ranges import scan
from docrules.pack.archive import PackFiles

if TYPE_CHECKING:
    from distributed import Client

distributed = pytest.importorskip("distributed")
dask_bag = pytest.importorskip("dask.bag")
docrules_dask = pytest.importorskip("docrules.dask")

ROWS = 3000
AS_OF = date(2026, 12, 1)
TODAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                       host="127.0.0.1", silence_logs=40)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Valid applications, some with no signing date (the pinned day applies), and bad rows of every kind."""
    path = tmp_path_factory.mktemp("dask") / "in.jsonl"
    bad = [b'{"parties": [', b'[1, 2]', b'{"parties": "\xff"}', json.dumps({"parties": []}).encode(),
           json.dumps({"application": {"price": "lots"}, "parties": [{"id": "b", "role": "buyer"}]}).encode()]
    with path.open("wb") as f:
        for i, app in enumerate(applications(ROWS, seed=41)):
            if i % 7 == 0:
                app["application"].pop("signing_date", None)
            f.write(json.dumps(app, ensure_ascii=False).encode() + b"\n")
            if i % 250 == 3:
                f.write(bad[i % len(bad)] + b"\n\n")
    return path


@pytest.fixture(scope="module")
def reference(source: Path) -> bytes:
    out = io.StringIO()
    with source.open("rb") as f:
        _batch.run_batch(_batch.read_rows(f, False), out, jobs=1, today=TODAY, as_of=None)
    return out.getvalue().encode("utf-8")


def _parts(folder: Path) -> bytes:
    manifest = json.loads((folder / "manifest.json").read_text())
    return b"".join((folder / p["file"]).read_bytes() for p in manifest["parts"])


def test_parts_are_byte_identical_to_the_local_batch(client: Client, source: Path, reference: bytes,
                                                     tmp_path: Path) -> None:
    manifest = docrules_dask.run_batch(source, tmp_path / "out", rows_per_part=400, today=TODAY, client=client)
    assert _parts(tmp_path / "out") == reference
    assert sorted((tmp_path / "out").glob("part-*.jsonl")) == [tmp_path / "out" / p["file"] for p in manifest["parts"]]
    lines = [json.loads(line) for line in reference.splitlines()]
    errors = [r["line"] for r in lines if "error" in r]
    assert manifest["complete"] is True and manifest["failures"] == []
    assert manifest["rows"] == len(lines) and manifest["counts"]["errors"] == len(errors) > 0
    assert [e["line"] for e in manifest["errors"]] == errors
    assert manifest["pack"]["digest"] == docrules.load_pack().digest and manifest["today"] == TODAY.isoformat()
    assert manifest["input_sha256"] == scan(source)[1]
    assert {r["result"]["as_of"] for r in lines if "result" in r and r["line"] < 60} >= {TODAY.isoformat()}


def test_a_killed_worker_has_its_parts_checked_again(client: Client, source: Path, reference: bytes,
                                                     tmp_path: Path) -> None:
    out = tmp_path / "out"
    pids = list(client.run(os.getpid).values())
    killed: list[int] = []

    def kill_when_started() -> None:
        deadline = time.monotonic() + 120
        while not list(out.glob("part-*.jsonl")) and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(pids[0], signal.SIGKILL)
        killed.append(pids[0])

    killer = threading.Thread(target=kill_when_started)
    killer.start()
    manifest = docrules_dask.run_batch(source, out, rows_per_part=100, today=TODAY, client=client)
    killer.join()
    assert killed and manifest["complete"] is True
    assert _parts(out) == reference  # every row once, in order
    client.wait_for_workers(2, timeout=60)  # the nanny started a fresh worker
    assert pids[0] not in client.run(os.getpid).values()


def test_a_worker_refuses_a_pack_whose_digest_differs(client: Client, pack_copy: Path) -> None:
    files = PackFiles.from_dir(pack_copy)
    edited = tuple((n, d.replace(b'version = "2026.11"', b'version = "2026.12"')) for n, d in files.files)
    forged = PackFiles(edited, files.digest)  # other bytes, claiming the first digest
    row = (1, json.dumps({"parties": [{"id": "b", "role": "buyer"}]}).encode())
    future = client.submit(docrules_dask.check_part, forged, [row], TODAY, None, pure=False)
    with pytest.raises(docrules.PackError, match="DR544"):
        future.result()
    good = client.submit(docrules_dask.check_part, files, [row], TODAY, None, pure=False).result()
    assert good["counts"] == {"incomplete": 1}


def test_a_refused_pack_fails_the_run_in_the_manifest(client: Client, source: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    real = PackFiles.from_dir

    def forging(folder: str | Path) -> PackFiles:
        files = real(folder)
        return PackFiles(files.files, "sha256:0000000000000000")

    monkeypatch.setattr(PackFiles, "from_dir", staticmethod(forging))
    with pytest.raises(docrules.PackError, match="DR544"):  # the client loads it first, and refuses it
        docrules_dask.run_batch(source, tmp_path / "out", client=client)


def test_check_bag_of_facts_dicts(client: Client) -> None:
    facts = [*applications(40, seed=2), {"parties": "none"}]
    results = docrules_dask.check_bag(dask_bag.from_sequence(facts, npartitions=4), as_of=AS_OF).compute()
    pack = docrules.load_pack()
    assert len(results) == len(facts)
    for got, app in zip(results[:-1], facts, strict=False):
        assert got == {"result": pack.check(app, as_of=AS_OF).model_dump(mode="json")}
    assert results[-1]["error"][0]["path"] == "parties"


def test_the_cli_runs_a_local_cluster(source: Path, reference: bytes, tmp_path: Path) -> None:
    small = tmp_path / "small.jsonl"
    small.write_bytes(b"".join(source.read_bytes().splitlines(keepends=True)[:300]))
    out, err = io.StringIO(), io.StringIO()
    code = run(["batch", str(small), "--engine", "dask", "--jobs", "2", "--rows-per-part", "64", "--as-of",
                "2026-12-01", "-o", str(tmp_path / "parts")], out, err)
    local = io.StringIO()
    assert run(["batch", str(small), "--jobs", "1", "--as-of", "2026-12-01"], local, io.StringIO()) == code == 2
    assert _parts(tmp_path / "parts").decode() == local.getvalue()
    assert "parts in" in err.getvalue() and "Traceback" not in err.getvalue()


@pytest.mark.parametrize("argv", [["--shard", "1/2"], ["--resume"], ["--only-changed", "x.jsonl"]])
def test_local_only_options_are_refused_with_dask(source: Path, tmp_path: Path, argv: list[str]) -> None:
    err = io.StringIO()
    code = run(["batch", str(source), "--engine", "dask", "-o", str(tmp_path), *argv], io.StringIO(), err)
    assert code == 2 and "local engine" in err.getvalue()


def test_dask_is_imported_by_the_dask_module_only() -> None:
    code = ("import sys, docrules, docrules.interfaces.cli, docrules.interfaces.batch, docrules.interfaces.server; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"
