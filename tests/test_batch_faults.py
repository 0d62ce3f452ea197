"""`docrules batch` under faults: a killed worker, SIGINT/SIGTERM and --resume, --shard, --only-changed.

The runs are real `docrules batch` processes; every one has a timeout, so a hang fails the test.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

import docrules
from bench.generate import applications
from docrules.interfaces.pool import ChunkFailed, Supervisor

ROWS = 2500
TIMEOUT = 180


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Valid applications, blank lines and bad rows, mixed."""
    path = tmp_path_factory.mktemp("faults") / "in.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i, app in enumerate(applications(ROWS, seed=23)):
            f.write(json.dumps(app) + "\n")
            if i % 400 == 5:
                f.write('{"parties": [\n\n[1]\n')
    return path


@pytest.fixture(scope="module")
def reference(source: Path) -> bytes:
    out = source.with_name("reference.jsonl")
    done = _run(source, "-o", str(out), "--jobs", "1")
    assert done.returncode == 2  # the bad rows
    return out.read_bytes()


@pytest.fixture(scope="module")
def long_source(source: Path) -> Path:
    """The source eight times over: a run that lasts several progress records (one a second at most)."""
    path = source.with_name("long.jsonl")
    path.write_bytes(source.read_bytes() * 8)
    return path


def _command(source: Path, *argv: str) -> list[str]:
    return [sys.executable, "-m", "docrules", "batch", str(source), "--as-of", "2026-12-01", *argv]


def _run(source: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_command(source, *argv), capture_output=True, text=True, timeout=TIMEOUT, check=False)


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def _wait_for_output(process: subprocess.Popen[str], out: Path, size: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not (out.exists() and out.stat().st_size > size):
        assert process.poll() is None, "the batch ended before the fault could be injected"
        assert time.monotonic() < deadline
        time.sleep(0.02)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds worker processes through /proc")
@pytest.mark.parametrize("attempt", range(3))
def test_a_killed_worker_loses_and_duplicates_no_row(source: Path, reference: bytes, tmp_path: Path,
                                                      attempt: int) -> None:
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen(_command(source, "-o", str(out), "--jobs", "2"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    _wait_for_output(process, out, 200_000 * attempt)
    victim = _children(process.pid)[attempt % 2]
    os.kill(victim, signal.SIGKILL)
    _, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 2, err  # 2: the bad rows, as in the reference
    assert out.read_bytes() == reference
    assert "worker process(es) died" in err and "Traceback" not in err


@pytest.mark.parametrize(("signum", "jobs"), [(signal.SIGTERM, "2"), (signal.SIGINT, "2"), (signal.SIGTERM, "1")])
def test_a_signal_stops_cleanly_and_resume_completes(source: Path, reference: bytes, tmp_path: Path,
                                                     signum: signal.Signals, jobs: str) -> None:
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen(_command(source, "-o", str(out), "--jobs", jobs), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    _wait_for_output(process, out, 100_000)
    process.send_signal(signum)
    _, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 128 + signum, err
    assert "Traceback" not in err and f"stopped by {signum.name}" in err
    partial = out.read_bytes()
    assert partial.endswith(b"\n") and reference.startswith(partial) and len(partial) < len(reference)
    record = json.loads((tmp_path / "out.jsonl.progress.json").read_text())
    assert record["complete"] is False and record["stopped"] == signum.name
    assert record["rows_done"] == len(partial.splitlines())
    resumed = _run(source, "-o", str(out), "--jobs", jobs, "--resume")
    assert resumed.returncode == 2, resumed.stderr
    assert out.read_bytes() == reference
    assert json.loads((tmp_path / "out.jsonl.progress.json").read_text())["complete"] is True


def test_resume_cuts_a_half_written_line(source: Path, reference: bytes, tmp_path: Path) -> None:
    """A parent killed outright may leave part of a line after the last progress record."""
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen(_command(source, "-o", str(out), "--jobs", "1"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    _wait_for_output(process, out, 100_000)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=TIMEOUT)
    with out.open("ab") as f:
        f.write(b'{"line": 99999, "resu')
    assert _run(source, "-o", str(out), "--resume").returncode == 2
    assert out.read_bytes() == reference


def test_a_run_killed_outright_is_recorded_incomplete_and_resumes(long_source: Path, tmp_path: Path) -> None:
    """SIGKILL to the batch itself: no handler runs, so only the records written while it ran remain."""
    whole = tmp_path / "whole.jsonl"
    assert _run(long_source, "-o", str(whole), "--jobs", "2").returncode == 2
    out = tmp_path / "out.jsonl"
    record_path = tmp_path / "out.jsonl.progress.json"
    process = subprocess.Popen(_command(long_source, "-o", str(out), "--jobs", "2"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + TIMEOUT
    while not (record_path.exists() and json.loads(record_path.read_text())["rows_done"] > 0):
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    process.kill()
    process.communicate(timeout=TIMEOUT)
    record = json.loads(record_path.read_text())
    assert record["complete"] is False and 0 < record["rows_done"] < 8 * ROWS
    assert _run(long_source, "-o", str(out), "--jobs", "2", "--resume").returncode == 2
    assert out.read_bytes() == whole.read_bytes()


def test_resume_refuses_another_input(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert _run(source, "-o", str(out), "--jobs", "1").returncode == 2
    other = tmp_path / "other.jsonl"
    other.write_bytes(source.read_bytes()[:5000].rsplit(b"\n", 1)[0] + b"\n")
    done = _run(other, "-o", str(out), "--resume")
    assert done.returncode == 2 and "error[DR541] cannot resume: input_sha256" in done.stderr
    missing = _run(source, "-o", str(tmp_path / "never.jsonl"), "--resume")
    assert missing.returncode == 2 and "nothing to resume" in missing.stderr


@pytest.mark.parametrize("count", [1, 3, 7])
def test_shards_concatenate_to_the_whole(source: Path, reference: bytes, tmp_path: Path, count: int) -> None:
    parts = []
    for index in range(1, count + 1):
        out = tmp_path / f"part{index}.jsonl"
        _run(source, "-o", str(out), "--jobs", "1", "--shard", f"{index}/{count}")
        parts.append(out.read_bytes())
    assert b"".join(parts) == reference
    if count > 1:
        assert all(parts)  # every shard got some rows


def test_csv_shards_concatenate_to_the_whole(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    rows = ["application.price,parties.0.id,parties.0.role,parties.0.phone"]
    rows += [f'{1000 + i},b,buyer,"13 {i}\nx"' for i in range(40)]  # a quoted cell over two lines
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    whole = _run(source, "--jobs", "1").stdout
    parts = [_run(source, "--jobs", "1", "--shard", f"{i}/3").stdout for i in (1, 2, 3)]
    assert "".join(parts) == whole and len(whole.splitlines()) == 40


@pytest.mark.parametrize("shard", ["0/2", "3/2", "x", "1/0"])
def test_a_bad_shard_is_a_usage_error(source: Path, shard: str) -> None:
    done = _run(source, "--shard", shard)
    assert done.returncode == 2 and "--shard" in done.stderr and "Traceback" not in done.stderr


def test_only_changed_writes_the_rows_that_differ(source: Path, reference: bytes, tmp_path: Path) -> None:
    same = _run(source, "--jobs", "2", "--only-changed", str(source.with_name("reference.jsonl")))
    assert same.stdout == "" and f"0 written, {ROWS + 14} unchanged" in same.stderr
    # another policy date: ages and dated settings move, so some rows change and others do not
    later = tmp_path / "later.jsonl"
    _run(source, "-o", str(later), "--jobs", "1", "--as-of", "2027-06-01")
    changed = _run(source, "--jobs", "2", "--as-of", "2027-06-01", "--only-changed",
                   str(source.with_name("reference.jsonl")))
    before = {json.loads(line)["line"]: json.loads(line) for line in reference.splitlines()}

    def key(record: dict[str, object]) -> object:
        result = record.get("result")
        return [result.get(k) for k in ("status", "items", "issues")] if isinstance(result, dict) else record["error"]

    expected = [line for line in later.read_text().splitlines()
                if key(json.loads(line)) != key(before[json.loads(line)["line"]])]
    assert 0 < len(expected) < ROWS
    assert changed.stdout.splitlines() == expected


def _die_on(chunk: list[int]) -> list[int]:
    if 13 in chunk:
        os._exit(9)
    return [n * 2 for n in chunk]


def _die_once(chunk: list[int]) -> list[int]:
    marker = Path(os.environ["DOCRULES_TEST_MARKER"])
    if 13 in chunk and not marker.exists():
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return [n * 2 for n in chunk]


def _nothing() -> None:
    pass


def test_a_worker_that_dies_once_has_its_chunk_done_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCRULES_TEST_MARKER", str(tmp_path / "died"))
    pool = Supervisor(_die_once, _nothing, (), jobs=2)
    chunks = [list(range(n, n + 5)) for n in range(0, 50, 5)]
    assert list(pool.run(chunks)) == [[n * 2 for n in c] for c in chunks]
    assert pool.deaths == 1


def test_a_chunk_that_always_kills_its_worker_ends_the_run_naming_it() -> None:
    pool = Supervisor(_die_on, _nothing, (), jobs=2, attempts=3)
    chunks = [list(range(n, n + 5)) for n in range(0, 50, 5)]
    got: list[list[int]] = []
    with pytest.raises(ChunkFailed) as failed:
        got.extend(pool.run(chunks))
    assert failed.value.chunk == [10, 11, 12, 13, 14] and "died 3 times" in failed.value.why
    assert got == [[n * 2 for n in c] for c in chunks[:2]]  # everything before it, in order, once


def test_a_local_worker_refuses_a_pack_that_changed_since_the_batch_began(pack_copy: Path) -> None:
    import docrules.interfaces.batch as batch

    digest = docrules.load_pack(pack_copy).digest
    batch._init(str(pack_copy), digest, date(2026, 12, 1), None)  # the same pack: accepted
    toml = pack_copy / "pack.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('version = "2026.11"', 'version = "2026.12"'),
                    encoding="utf-8")
    with pytest.raises(docrules.PackError, match="DR544"):
        batch._init(str(pack_copy), digest, date(2026, 12, 1), None)
