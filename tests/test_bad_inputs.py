"""The bad-input corpus (tests/bad_inputs/facts.toml) against every entry point: `docrules check`, one
`docrules batch` row each, and `POST /v1/check` on the real server. Every input ends in a located error
(or, where marked valid, a result) within a time bound: no traceback, no 500, no hang."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .serving import running_server

CORPUS = Path(__file__).parent / "bad_inputs" / "facts.toml"
CASES: list[dict[str, Any]] = tomllib.loads(CORPUS.read_text(encoding="utf-8"))["case"]
SECONDS = 60  # per input; a hang fails the test instead of the run


def _bytes(case: dict[str, Any]) -> bytes:
    text = str(case.get("head", "") + case.get("middle", "") * case.get("times", 1) + case.get("tail", ""))
    return text.encode(case.get("encoding", "utf-8"), errors="surrogatepass")


def _cli(*argv: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "docrules", *argv], input=stdin, capture_output=True,
                          timeout=SECONDS, check=False)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_cli_check(case: dict[str, Any], tmp_path: Path) -> None:
    source = tmp_path / f"facts{case.get('suffix', '.json')}"
    source.write_bytes(_bytes(case))
    done = _cli("check", str(source), *(["--as-of", case["as_of"]] if "as_of" in case else []))
    err = done.stderr.decode("utf-8", errors="replace")
    assert "Traceback" not in err
    assert done.returncode == case.get("cli", 2), err
    if case["code"]:
        first = err.splitlines()[0]
        assert f"error[{case['code']}] {case['message']}" in first
        assert len(first) < 400  # a bad value is quoted by a short prefix only


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_cli_check_reads_devices_bounded(device: str) -> None:
    done = _cli("check", device)
    assert done.returncode == 2 and b"error[DR520] the input is larger than" in done.stderr


def test_cli_check_reads_stdin_bounded() -> None:
    done = _cli("check", "-", stdin=b"[" * 300_000)
    assert done.returncode == 2 and b"-: error[DR520]" in done.stderr


@pytest.mark.parametrize("port", ["99999", "0", "http", "-1"])
def test_serve_refuses_a_port_out_of_range(port: str) -> None:
    done = _cli("serve", "--port", port)
    assert done.returncode == 2 and b"not a port number 1-65535" in done.stderr and b"Traceback" not in done.stderr


def test_serve_on_an_address_it_cannot_take_exits_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = _cli("serve", "--port", str(taken.getsockname()[1]))
    assert done.returncode == 2 and b"error: cannot serve on 127.0.0.1:" in done.stderr
    assert b"Traceback" not in done.stderr


def test_serve_refuses_a_missing_or_short_reload_token(tmp_path: Path) -> None:
    short = tmp_path / "token"
    short.write_text("abc\n", encoding="utf-8")
    for path, message in ((tmp_path / "none", b"No such file or directory"), (short, b"at least 16 characters")):
        done = _cli("serve", "--port", "1", "--reload-token-file", str(path))
        assert done.returncode == 2 and message in done.stderr and b"Traceback" not in done.stderr


def test_batch_rows(tmp_path: Path) -> None:
    """Every one-line case as a row of one batch, between good rows: each bad row is its own error
    record, in order, and none is lost."""
    good = b'{"application": {"signing_date": "2026-12-01"}, "parties": [{"id": "b", "role": "buyer"}]}'
    rows = [c for c in CASES if c.get("batch", True) and "as_of" not in c]
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"".join(_bytes(c) + b"\n" + good + b"\n" for c in rows))
    done = _cli("batch", str(source), "--jobs", "1", "-o", str(tmp_path / "out.jsonl"))
    assert b"Traceback" not in done.stderr and done.returncode == 2
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in records] == list(range(1, 2 * len(rows) + 1))
    for case, record, after in zip(rows, records[::2], records[1::2], strict=True):
        assert "result" in after
        if case["code"]:
            first = record["error"][0]
            assert (first["code"], first["message"][:len(case["message"])]) == (case["code"], case["message"]), \
                case["name"]
        else:
            assert "result" in record, case["name"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_stops_on_a_line_without_end(jobs: str) -> None:
    """/dev/zero has no line end: the batch reads a bounded amount, then stops with a located error."""
    done = _cli("batch", "/dev/zero", "--jobs", jobs)
    assert done.returncode == 2 and b"Traceback" not in done.stderr
    assert done.stderr.startswith(b"error[DR520] line 1 is longer than")


def test_batch_csv_from_excel(tmp_path: Path) -> None:
    """Excel's "CSV UTF-8" (a byte order mark), a 200 KB cell and a price of 10^30: one error row each."""
    source = tmp_path / "in.csv"
    header = "application.signing_date,application.price,parties.0.id,parties.0.role\r\n"
    lines = ["2026-12-01,100,b,buyer", "2026-12-01,1000000000000000000000000000000,b,buyer",
             f"2026-12-01,100,{'x' * 200_000},buyer", "2026-12-01,100,b,buyer"]
    source.write_bytes(b"\xef\xbb\xbf" + (header + "\r\n".join(lines) + "\r\n").encode())
    done = _cli("batch", str(source), "--jobs", "1")
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert b"Traceback" not in done.stderr
    assert [r["line"] for r in records] == [2, 3, 4, 5]
    assert "result" in records[0] and "result" in records[3]
    assert records[1]["error"][0]["code"] == "DR524" and records[2]["error"][0]["code"] == "DR523"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running_server() as (base, _):
        yield base


def _post(url: str, body: bytes, headers: dict[str, str] | None = None, method: str = "POST") -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=SECONDS) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        assert exc.headers.get("content-type", "").startswith("application/json")
        return exc.code, json.loads(exc.read())


JSON_CASES = [c for c in CASES if c.get("suffix", ".json") == ".json"]


def _declared_only(url: str, size: int) -> tuple[int, Any]:
    """A request that declares a body over the limit: the answer comes before the body is sent."""
    host, _, port = url.removeprefix("http://").partition(":")
    with socket.create_connection((host, int(port)), timeout=SECONDS) as conn:
        conn.sendall(f"POST /v1/check HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {size}\r\n\r\n".encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
            head, _, body = answer.partition(b"\r\n\r\n")
            if body.endswith(b"}]}"):
                break
    return int(head.split()[1]), json.loads(body)


@pytest.mark.parametrize("case", JSON_CASES, ids=[c["name"] for c in JSON_CASES])
def test_http_check(case: dict[str, Any], server: str) -> None:
    query = f"?as_of={case['as_of']}" if "as_of" in case else ""
    data = _bytes(case)
    if len(data) > 1024 * 1024:
        status, body = _declared_only(server, len(data))
    else:
        status, body = _post(f"{server}/v1/check{query}", data)
    assert status == case["status"], body
    if case["code"]:
        first = body["errors"][0]
        assert first["code"] == case["code"] and first["message"].startswith(case["message"])


HTTP_ONLY = [
    ("GET", "/nowhere", b"", {}, 404, "DR534"),
    ("DELETE", "/v1/check", b"", {}, 405, "DR535"),
    ("POST", "/v1/check?as_of=yesterday", b"{}", {}, 422, "DR521"),
    ("POST", "/v1/check?as_of=2026-02-30", b'{"parties": [{"id": "b", "role": "buyer"}]}', {}, 422, "DR521"),
    ("POST", "/v1/explain?document=", b'{"parties": [{"id": "b", "role": "buyer"}]}', {}, 422, "DR521"),
    ("POST", "/v1/explain?document=nope", b'{"parties": [{"id": "b", "role": "buyer"}]}', {}, 422, "DR517"),
    ("POST", "/v1/reload", b"{}", {}, 403, "DR530"),  # no token configured: reload is off
    ("POST", "/v1/reload", b"x", {"content-type": "text/plain", "origin": "http://evil.example"}, 403, "DR530"),
    ("POST", "/v1/check", b"{}", {"content-length": "999999999"}, 413, "DR520"),
]


@pytest.mark.parametrize(("method", "path", "body", "headers", "status", "code"), HTTP_ONLY,
                         ids=[f"{m} {p} {s}" for m, p, _, _, s, _ in HTTP_ONLY])
def test_http_requests(method: str, path: str, body: bytes, headers: dict[str, str], status: int, code: str,
                       server: str) -> None:
    got, answer = _post(f"{server}{path}", body, headers, method)
    assert (got, answer["errors"][0]["code"]) == (status, code), answer
