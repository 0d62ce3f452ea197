"""Serving many offices: pack archives named by digest, --expect-digest, the digest header and 409 on a
pinned digest, /healthz readiness, --workers with reload refused (and SIGHUP restarting every worker),
decision logs without personal data."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

import docrules
from docrules.interfaces.cli import _parser, run
from docrules.pack.archive import PackFiles

from .conftest import FIXTURES
from .serving import _free_port, running_server

pytest.importorskip("fastapi", reason="the serve extra is not installed")
pytest.importorskip("httpx2", reason="the test extra is not installed")

from fastapi.testclient import TestClient

from docrules.interfaces.server import DIGEST_HEADER, create_app

NAME, ID_NUMBER, PHONE = "ZhangSanfeng", "440602199001011234", "13800138000"


def _facts() -> dict[str, Any]:
    facts = docrules.read_facts(FIXTURES / "nonlocal-divorced-short.toml").model_dump(mode="json", exclude_none=True)
    facts["parties"][0]["id"] = f"{NAME}-{ID_NUMBER}"
    facts["parties"][0]["phone"] = PHONE
    for party in facts["parties"][1:]:
        if party.get("of"):
            party["of"] = facts["parties"][0]["id"]
    return facts


def _edit(pack: Path, old: str, new: str) -> None:
    path = pack / "pack.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def _build(folder: Path, out: Path) -> Path:
    stdout = io.StringIO()
    assert run(["pack", "build", str(folder), "-o", str(out)], stdout, io.StringIO()) == 0
    return Path(stdout.getvalue().strip())


def test_pack_build_names_the_archive_by_digest_and_is_deterministic(pack_copy: Path, tmp_path: Path) -> None:
    digest = docrules.load_pack(pack_copy).digest
    first = _build(pack_copy, tmp_path / "a")
    second = _build(pack_copy, tmp_path / "b")
    assert first.name == f"foshan-2026.11-{digest.replace(':', '-')}.tar.gz"
    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as tar:
        names = tar.getnames()
    assert "pack.toml" in names and any(n.startswith("tests/") for n in names)
    assert PackFiles.from_archive(first, expect=digest).digest == digest
    with pytest.raises(docrules.PackError, match="DR544"):
        PackFiles.from_archive(first, expect="sha256:0000000000000000")


@pytest.mark.parametrize("entry", ["../evil.toml", "/etc/x.toml", "deep/er/x.toml", "run.sh"])
def test_an_archive_with_other_entries_is_refused(tmp_path: Path, entry: str) -> None:
    archive = tmp_path / "x.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo(entry)
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    err = io.StringIO()
    assert run(["serve", "--pack", str(archive)], io.StringIO(), err) == 2
    assert "error[DR102]" in err.getvalue() and "Traceback" not in err.getvalue()


def test_a_pinned_digest_is_served_or_answered_409(pack_copy: Path) -> None:
    digest = docrules.load_pack(pack_copy).digest
    with TestClient(create_app(pack_copy, expect_digest=digest)) as client:
        response = client.post("/v1/check", json=_facts(), headers={DIGEST_HEADER: digest})
        assert response.status_code == 200 and response.headers[DIGEST_HEADER.lower()] == digest
        assert response.json()["pack"]["digest"] == digest
        other = client.post("/v1/check", json=_facts(), headers={DIGEST_HEADER: "sha256:0123456789abcdef"})
        assert other.status_code == 409 and other.headers[DIGEST_HEADER.lower()] == digest
        assert other.json()["errors"][0]["code"] == "DR545"
        assert client.get("/v1/pack", headers={DIGEST_HEADER: "sha256:x"}).status_code == 409
        for path in ("/healthz", "/v1/pack", "/v1/facts"):
            assert client.get(path).headers[DIGEST_HEADER.lower()] == digest
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json()["expected_digest"] == digest


def test_a_pinned_service_refuses_a_reload_to_another_digest(pack_copy: Path) -> None:
    digest = docrules.load_pack(pack_copy).digest
    token = "a-token-of-16-chars-or-more"
    with TestClient(create_app(pack_copy, expect_digest=digest, reload_token=token)) as client:
        _edit(pack_copy, 'version = "2026.11"', 'version = "2026.12"')
        refused = client.post("/v1/reload", json={}, headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "DR544"
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json()["pack"]["digest"] == digest


def test_healthz_is_not_ready_without_the_expected_pack(pack_copy: Path) -> None:
    digest = docrules.load_pack(pack_copy).digest
    app = create_app(pack_copy, expect_digest=digest)
    app.state.holder.expect = "sha256:ffffffffffffffff"  # as if the pack held were not the one expected
    with TestClient(app) as client:
        response = client.get("/healthz")
        assert response.status_code == 503 and response.json()["status"] == "wrong_pack"


def test_reload_is_refused_with_several_workers(pack_copy: Path) -> None:
    with TestClient(create_app(pack_copy, workers=2)) as client:
        response = client.post("/v1/reload")
        assert response.status_code == 409 and response.json()["errors"][0]["code"] == "DR546"


def test_the_server_binds_localhost_unless_told() -> None:
    assert _parser().parse_args(["serve"]).host == "127.0.0.1"


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, json.loads(exc.read())


def _post(url: str, body: Any = None) -> tuple[int, dict[str, str], Any]:
    data = json.dumps(body).encode() if body is not None else b""
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, json.loads(exc.read())


def test_an_archive_with_the_wrong_digest_does_not_start(pack_copy: Path, tmp_path: Path) -> None:
    archive = _build(pack_copy, tmp_path)
    done = subprocess.run([sys.executable, "-m", "docrules", "serve", "--port", str(_free_port()), "--pack",
                           str(archive), "--expect-digest", "sha256:0123456789abcdef", "--workers", "2"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2 and "error[DR544]" in done.stderr and "Traceback" not in done.stderr


def test_two_workers_serve_one_digest_log_decisions_without_personal_data(pack_copy: Path, tmp_path: Path) -> None:
    archive = _build(pack_copy, tmp_path)
    digest = docrules.load_pack(pack_copy).digest
    logs: list[str] = []
    with running_server(archive, "--workers", "2", "--expect-digest", digest, logs=logs) as (base, _):
        seen = {_get(f"{base}/healthz")[2]["pack"]["digest"] for _ in range(20)}
        assert seen == {digest}
        for _ in range(4):  # refused by whichever worker takes it, so no worker is left behind
            status, headers, body = _post(f"{base}/v1/reload")
            assert status == 409 and body["errors"][0]["code"] == "DR546" and headers[DIGEST_HEADER.lower()] == digest
        for _ in range(6):
            status, headers, body = _post(f"{base}/v1/check", _facts())
            assert status == 200 and body["pack"]["digest"] == digest == headers[DIGEST_HEADER.lower()]
        party = _facts()["parties"][0]["id"]
        status, _, _ = _post(f"{base}/v1/explain?party={party}&document=passport", _facts())
        assert status == 200
        status, _, _ = _post(f"{base}/v1/check", {"parties": [{"id": NAME, "role": "buyer", "phone": PHONE,
                                                               "marital_status": ID_NUMBER}]})
        assert status == 422
    [err] = logs
    decisions = [json.loads(line) for line in err.splitlines() if line.startswith('{"request_id"')]
    assert len(decisions) == 8
    assert {d["pack_digest"] for d in decisions} == {digest}
    assert [d["http_status"] for d in decisions] == [200] * 7 + [422]
    outcome, codes = _post_in_process(pack_copy)
    assert "NONLOCAL_TAX_SHORT" in codes and decisions[-1]["errors"] == ["DR506"]
    assert all((d["status"], d["issues"]) == (outcome, codes) for d in decisions[:6])
    assert decisions[6]["status"] == outcome and set(decisions[6]["issues"]) <= set(codes)  # explain: one party
    assert [d["route"] for d in decisions] == ["/v1/check"] * 6 + ["/v1/explain", "/v1/check"]
    assert len({d["request_id"] for d in decisions}) == 8
    assert all(d["total_ms"] >= d["check_ms"] > 0 for d in decisions[:7])
    for secret in (NAME, ID_NUMBER, PHONE, "passport"):
        assert secret not in err


def _post_in_process(pack: Path) -> tuple[str, list[str]]:
    with TestClient(create_app(pack)) as client:
        result = client.post("/v1/check", json=_facts()).json()
    return result["status"], [i["code"] for i in result["issues"]]


def test_sighup_restarts_every_worker_on_the_edited_pack(pack_copy: Path) -> None:
    """With several workers a reload is a restart of each worker by the supervisor, one at a time."""
    before = docrules.load_pack(pack_copy).digest
    with running_server(pack_copy, "--workers", "2") as (base, process):
        assert {_get(f"{base}/healthz")[2]["pack"]["digest"] for _ in range(10)} == {before}
        _edit(pack_copy, 'version = "2026.11"', 'version = "2026.12"')
        after = docrules.load_pack(pack_copy).digest
        process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 120
        while True:  # until 20 answers in a row name the new pack: both workers were replaced
            try:
                digests = [_get(f"{base}/healthz")[2]["pack"]["digest"] for _ in range(20)]
            except (urllib.error.URLError, ConnectionError):  # a retiring worker may drop a connection
                digests = []
            if set(digests) == {after}:
                break
            assert time.monotonic() < deadline, digests
            time.sleep(0.2)
        assert {_get(f"{base}/healthz")[2]["pack"]["digest"] for _ in range(20)} == {after}
