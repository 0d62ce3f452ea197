"""Batch and service at scale, measured (not a test): run it, read the figures.

    .venv/bin/python bench/scale.py                       # 100,000 rows, ~10-20 minutes on 2 busy cores
    .venv/bin/python bench/scale.py --rows 20000 --serve-seconds 20

1. The same JSONL file through `docrules batch --jobs 2` and `--engine dask` on a local cluster of 2
   worker processes: wall time, rows/s, CPU-seconds (this process's children and theirs, once they were
   waited for), and whether the outputs are byte-identical.
2. Fault runs: the same two, with one worker process killed (SIGKILL) mid-way; the output must be
   complete and identical to the clean run's.
3. `docrules serve --workers 1` and `--workers 2`: requests/s and latency under a bounded local load
   (keep-alive connections from threads, at most 64 at once, 127.0.0.1 only).

Every run is a `docrules` process of its own, as a user runs it. The load generator shares the machine's
cores with the server, so the serve figures understate what a separate client machine would see.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import applications  # noqa: E402

DOCRULES = [sys.executable, "-m", "docrules"]


def write_input(path: Path, rows: int) -> None:
    """Generated applications, a bad row every 1,000 (the batch checks past them)."""
    with path.open("w", encoding="utf-8") as f:
        done = 0
        seed = 0
        while done < rows:
            for app in applications(min(10_000, rows - done), seed=100 + seed):
                f.write(json.dumps(app, ensure_ascii=False) + "\n")
                done += 1
                if done % 1000 == 500:
                    f.write('{"parties": [\n')
            seed += 1


def sha256_of(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _descendants(pid: int) -> list[int]:
    """Every process below `pid`; children are listed per thread (dask's nannies start workers from
    the event loop's thread, not the main one)."""
    found: list[int] = []
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    for child in children:
        found += [child, *_descendants(child)]
    return found


def _tree_cpu(pid: int) -> float:
    """CPU-seconds used so far by a process and every process below it (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for each in [pid, *_descendants(pid)]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def _python_workers(pid: int) -> list[int]:
    """Descendant processes that run Python work (not multiprocessing's resource tracker)."""
    out = []
    for child in _descendants(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" not in cmdline:
            out.append(child)
    return out


def timed_run(argv: list[str], kill_when: Callable[[], bool] | None = None) -> dict[str, Any]:
    """Run a docrules command; optionally SIGKILL one worker process once `kill_when()` is true."""
    cpu_before, started = _children_cpu(), time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    killed, killed_cmd = None, b""
    if kill_when is not None:
        while process.poll() is None and killed is None:
            if kill_when():
                workers = _python_workers(process.pid)
                if workers:
                    killed = workers[-1]
                    killed_cmd = Path(f"/proc/{killed}/cmdline").read_bytes().replace(b"\0", b" ")[:120]
                    os.kill(killed, signal.SIGKILL)
            time.sleep(0.05)
    _, err = process.communicate()
    wall = time.perf_counter() - started
    return {"wall_s": wall, "cpu_s": _children_cpu() - cpu_before, "exit": process.returncode,
            "stderr_tail": err.strip().splitlines()[-2:], "killed_pid": killed,
            "killed_cmdline": killed_cmd.decode(errors="replace")}


def batch_runs(work: Path, rows: int, runs: set[str]) -> dict[str, Any]:
    source = work / "in.jsonl"
    write_input(source, rows)
    total = sum(1 for line in source.open("rb") if line.strip())
    results: dict[str, Any] = {"rows": total}

    local_out = work / "local.jsonl"
    clean = timed_run([*DOCRULES, "batch", str(source), "-o", str(local_out), "--jobs", "2"])
    reference = sha256_of([local_out])
    clean["identical"] = True
    results["local --jobs 2"] = clean

    def half_written(path: Path) -> Callable[[], bool]:
        target = local_out.stat().st_size // 3
        return lambda: path.exists() and path.stat().st_size > target

    faulty_out = work / "local-fault.jsonl"
    if "local-fault" in runs:
        fault = timed_run([*DOCRULES, "batch", str(source), "-o", str(faulty_out), "--jobs", "2"],
                          kill_when=half_written(faulty_out))
        fault["identical"] = sha256_of([faulty_out]) == reference
        results["local --jobs 2, a worker killed"] = fault
        faulty_out.unlink()

    parts = work / "dask"
    per_part = str(max(total // 20, 200))  # about 20 parts: a killed worker holds one of several
    dask_argv = [*DOCRULES, "batch", str(source), "--engine", "dask", "--jobs", "2", "--rows-per-part", per_part,
                 "-o", str(parts)]
    if "dask" in runs:
        dask_clean = timed_run(dask_argv)
        dask_clean["identical"] = _parts_sha(parts) == reference
        results["dask, 2-worker local cluster"] = dask_clean
        shutil.rmtree(parts)

    def third_of_parts() -> bool:
        return len(list(parts.glob("part-*.jsonl"))) >= 7

    if "dask-fault" in runs:
        dask_fault = timed_run(dask_argv, kill_when=third_of_parts)
        dask_fault["identical"] = _parts_sha(parts) == reference
        results["dask, a worker killed"] = dask_fault
        shutil.rmtree(parts)
    local_out.unlink()
    for run in results.values():
        if isinstance(run, dict):
            run["rows_per_s"] = total / run["wall_s"]
            run["cpu_s_per_1000_rows"] = run["cpu_s"] / total * 1000
    return results


def _parts_sha(folder: Path) -> str | None:
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except OSError:
        return None
    if not manifest["complete"]:
        return None
    return sha256_of([folder / p["file"] for p in manifest["parts"]])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load(port: int, bodies: list[bytes], concurrency: int, seconds: float) -> dict[str, Any]:
    """`concurrency` threads, each on one keep-alive connection, posting checks for `seconds`."""
    stop = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    failures = [0] * concurrency

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = n
        while time.perf_counter() < stop:
            body = bodies[i % len(bodies)]
            i += concurrency
            began = time.perf_counter()
            try:
                conn.request("POST", "/v1/check", body=body, headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            if ok:
                latencies[n].append(time.perf_counter() - began)
            else:
                failures[n] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    every = sorted(x for per in latencies for x in per)
    return {"requests": len(every), "failures": sum(failures), "requests_per_s": len(every) / elapsed,
            "p50_ms": statistics.median(every) * 1000 if every else None,
            "p99_ms": every[int(len(every) * 0.99) - 1] * 1000 if every else None}


def serve_runs(workers: list[int], concurrency: int, seconds: float) -> dict[str, Any]:
    bodies = [json.dumps(a).encode() for a in applications(500, seed=77)]
    results: dict[str, Any] = {}
    for count in workers:
        port = _free_port()
        server = subprocess.Popen([*DOCRULES, "serve", "--host", "127.0.0.1", "--port", str(port),
                                   "--workers", str(count)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start")
                time.sleep(0.2)
            load(port, bodies, min(concurrency, 8), 3)  # warm-up: every worker compiles its pack
            cpu_before, client_before = _tree_cpu(server.pid), time.process_time()
            measured = load(port, bodies, concurrency, seconds)
            measured["server_cpu_s"] = _tree_cpu(server.pid) - cpu_before
            measured["client_cpu_s"] = time.process_time() - client_before
            measured["server_cpu_ms_per_request"] = measured["server_cpu_s"] / max(measured["requests"], 1) * 1000
            results[f"serve --workers {count}"] = measured
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=16, choices=range(1, 65), metavar="1..64")
    parser.add_argument("--serve-seconds", type=float, default=30.0)
    parser.add_argument("--runs", default="local-fault,dask,dask-fault",
                        help="batch runs besides the clean local one (the reference): local-fault,dask,dask-fault")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--skip-serve", action="store_true")
    args = parser.parse_args()
    if args.serve_seconds > 60:
        parser.error("--serve-seconds: at most 60")
    report: dict[str, Any] = {"cores": os.cpu_count(), "load_average_at_start": os.getloadavg()}
    if not args.skip_batch:
        with tempfile.TemporaryDirectory(prefix="docrules-scale-") as work:
            report["batch"] = batch_runs(Path(work), args.rows, set(args.runs.split(",")))
    if not args.skip_serve:
        report["serve"] = serve_runs([1, 2], args.concurrency, args.serve_seconds)
    report["load_average_at_end"] = os.getloadavg()
    print(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
