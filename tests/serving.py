"""Start the real `docrules serve` on 127.0.0.1 and a free port, for the server and browser tests."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(pack: Path | None = None, *argv: str,
                   logs: list[str] | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """(base URL, process) once /healthz answers; the process is stopped (SIGINT, as a person would) on
    exit, and its standard error appended to `logs` if given. `argv`: more `docrules serve` options."""
    port = _free_port()
    command = [sys.executable, "-m", "docrules", "serve", "--port", str(port), *argv]
    server = subprocess.Popen(command + (["--pack", str(pack)] if pack else []),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # several workers each load the pack on a shared machine
        while True:
            if server.poll() is not None:
                raise AssertionError(f"the server exited: {server.stderr.read().decode() if server.stderr else ''}")
            try:
                get_json(f"{base}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.05)
        yield base, server
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
        try:
            err = server.communicate(timeout=30)[1]
        except subprocess.TimeoutExpired:
            server.kill()
            err = server.communicate()[1]
        if logs is not None:
            logs.append((err or b"").decode())
