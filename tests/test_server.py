"""The HTTP API in-process (FastAPI's TestClient), hot reload, and the real server on a free port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import docrules

from .conftest import FIXTURES
from .serving import get_json, running_server

pytest.importorskip("fastapi", reason="the serve extra is not installed")
pytest.importorskip("httpx2", reason="the test extra is not installed")

from fastapi.testclient import TestClient

from docrules.interfaces.server import MAX_BODY, PackHolder, create_app

BROKEN = 'issue = "NONLOCAL_TAX_SHORT"'


def _facts(name: str) -> dict[str, Any]:
    return docrules.read_facts(FIXTURES / name).model_dump(mode="json", exclude_none=True)


@pytest.fixture
def client(pack_copy: Path) -> Iterator[TestClient]:
    with TestClient(create_app(pack_copy)) as c:
        yield c


def _edit(pack: Path, old: str, new: str) -> None:
    path = next(p for p in sorted(pack.glob("*.toml")) if old in p.read_text(encoding="utf-8"))
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def test_check_returns_the_result_contract(client: TestClient, pack: docrules.Pack) -> None:
    facts = _facts("local-couple-mortgage.toml")
    response = client.post("/v1/check", json=facts)
    assert response.status_code == 200
    assert response.text == pack.check(facts).model_dump_json()
    assert response.json()["pack"]["digest"] == pack.digest


def test_bad_facts_are_422_with_paths(client: TestClient) -> None:
    response = client.post("/v1/check", json={"parties": [{"id": "b", "role": "buyer", "marital_status": "single"}],
                                              "received": [{"party": "b", "document": "id_crad"}]})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error == {"code": "DR506", "path": "parties[0].marital_status", "hint": None,
                     "message": "parties[0].marital_status: must be one of unmarried, married, divorced, widowed "
                                "(got 'single')"}
    response = client.post("/v1/check", json={"parties": [{"id": "b", "role": "buyer"}],
                                              "received": [{"party": "b", "document": "id_crad"}]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "received[0].document"
    assert response.json()["errors"][0]["hint"] == "did you mean 'id_card'?"


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"{not json", 400, "DR502"), (b"[]", 422, "DR503"), (b" " * (MAX_BODY + 1), 413, "DR520")])
def test_unreadable_bodies(client: TestClient, body: bytes, status: int, code: str) -> None:
    response = client.post("/v1/check", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert response.json()["errors"][0]["code"] == code


def test_as_of_previews_another_day(client: TestClient) -> None:
    facts = _facts("first-visit-unknowns.json")
    assert client.post("/v1/check?as_of=2027-03-01", json=facts).json()["as_of"] == "2027-03-01"
    assert client.post("/v1/check?as_of=soon", json=facts).status_code == 422


def test_pack_schemas_health_and_openapi(client: TestClient, pack: docrules.Pack) -> None:
    info = client.get("/v1/pack").json()
    assert (info["name"], info["version"], info["digest"]) == (pack.name, pack.version, pack.digest)
    assert "maintenance_fund_rate" in info["settings"]
    assert client.get("/v1/schema/facts").json() == pack.facts_model.model_json_schema()
    assert client.get("/v1/schema/result").json() == docrules.Result.model_json_schema()
    assert client.get("/healthz").json() == {"status": "ok", "pack": {
        "name": pack.name, "version": pack.version, "digest": pack.digest}}
    described = client.get("/v1/facts").json()
    assert described["party"]["identity"]["values"] == list(pack.rules.facts.party["identity"].values)
    assert described["party"]["identity"]["gates"] > 0  # rules decide on it: a form asks it early
    assert described["values"]["hong_kong"] == {"zh": "香港居民", "en": "Hong Kong"}
    api = client.get("/openapi.json").json()
    assert {"/v1/check", "/v1/pack", "/v1/reload", "/healthz"} <= set(api["paths"])
    assert api["paths"]["/v1/check"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Facts"}
    assert {"Facts", "Party", "Received", "Result"} <= set(api["components"]["schemas"])
    assert client.get("/docs").status_code == 404  # Swagger UI would load from a CDN
    assert client.get("/").headers["content-type"].startswith("text/html")


def test_reload_swaps_a_good_edit_and_keeps_the_old_pack_on_a_bad_one(client: TestClient, pack_copy: Path) -> None:
    before = client.get("/healthz").json()["pack"]["digest"]
    _edit(pack_copy, 'version = "2026.11"', 'version = "2026.12"')
    response = client.post("/v1/reload")
    assert response.status_code == 200
    after = response.json()["pack"]
    assert after["version"] == "2026.12" and after["digest"] != before
    assert response.json()["previous"]["digest"] == before

    _edit(pack_copy, BROKEN, 'issue = "NONLOCAL_TAX_SHRT"')
    response = client.post("/v1/reload")
    assert response.status_code == 422
    body = response.json()
    assert body["reloaded"] is False and body["pack"]["digest"] == after["digest"]
    [error] = body["errors"]
    assert error["code"] == "DR205" and error["file"].endswith(".toml") and error["line"]
    assert error["hint"] == "did you mean 'NONLOCAL_TAX_SHORT'?"
    checked = client.post("/v1/check", json=_facts("nonlocal-divorced-short.toml")).json()
    assert checked["pack"]["digest"] == after["digest"]
    assert "NONLOCAL_TAX_SHORT" in {i["code"] for i in checked["issues"]}


def test_reload_refuses_a_pack_whose_test_cases_fail(client: TestClient, pack_copy: Path) -> None:
    before = client.get("/healthz").json()["pack"]["digest"]
    _edit(pack_copy / "tests", 'status = "blocked"', 'status = "ready"')  # the pack loads; a case fails
    response = client.post("/v1/reload")
    assert response.status_code == 422
    assert {e["code"] for e in response.json()["errors"]} == {"DR600"}
    assert client.get("/healthz").json()["pack"]["digest"] == before


def test_a_replaced_pack_is_closed_only_after_its_last_request(pack_copy: Path) -> None:
    holder = PackHolder(pack_copy)
    facts = _facts("minor-with-guardian.toml")
    with holder.use() as old:
        _edit(pack_copy, 'version = "2026.11"', 'version = "2026.12"')
        holder.reload()
        assert holder.current is not old
        assert old.check(facts).pack.version == "2026.11"  # still usable: the request holds it
    with pytest.raises(RuntimeError, match="closed"):
        old.check(facts)
    with holder.use() as new:
        assert new.check(facts).pack.version == "2026.12"


@pytest.fixture
def real_server(pack_copy: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    with running_server(pack_copy) as started:
        yield started


def test_the_real_server_checks_and_reloads_on_sighup(real_server: tuple[str, subprocess.Popen[bytes]],
                                                       pack_copy: Path) -> None:
    base, server = real_server
    facts = _facts("hong-kong-widowed-no-contact.toml")
    request = urllib.request.Request(f"{base}/v1/check?as_of=2026-12-01", data=json.dumps(facts).encode(),
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        result = json.loads(response.read())
    first = get_json(f"{base}/healthz")["pack"]["digest"]
    assert result["pack"]["digest"] == first and result["status"] == "blocked"

    _edit(pack_copy, BROKEN, 'issue = "NONLOCAL_TAX_SHRT"')
    os.kill(server.pid, signal.SIGHUP)
    time.sleep(1.0)
    assert get_json(f"{base}/healthz")["pack"]["digest"] == first  # broken edit: the old pack still answers

    _edit(pack_copy, 'issue = "NONLOCAL_TAX_SHRT"', BROKEN)
    _edit(pack_copy, 'version = "2026.11"', 'version = "2026.12"')
    os.kill(server.pid, signal.SIGHUP)
    for _ in range(100):
        if get_json(f"{base}/healthz")["pack"]["version"] == "2026.12":
            break
        time.sleep(0.05)
    assert get_json(f"{base}/healthz")["pack"]["version"] == "2026.12"
    server.send_signal(signal.SIGINT)
    out, err = server.communicate(timeout=10)
    log = (out + err).decode()  # uvicorn's access log is on stdout
    assert "reload refused" in log and "DR205" in log
    assert "hong" not in log.lower() and "as_of" not in log  # no facts, and no query strings, in the logs
    assert '"POST /v1/check HTTP/1.1" 200' in log


def test_explain_says_why(client: TestClient, pack: docrules.Pack) -> None:
    facts = _facts("minor-with-guardian.toml")
    response = client.post("/v1/explain?document=birth_certificate", json=facts)
    assert response.status_code == 200
    assert response.text == docrules.explain(facts, pack=pack, document="birth_certificate").model_dump_json()
    assert {r["item"]["document"] for r in response.json()["items"]} == {"birth_certificate"}
    why_not = client.post("/v1/explain?why_not=passport", json=facts).json()["why_not"]
    assert why_not["document"] == "passport" and why_not["on_the_list"] is False
    bad = client.post("/v1/explain?why_not=birth_certficate", json=facts)
    assert bad.status_code == 422
    assert bad.json()["errors"][0] | {"message": ""} == {
        "code": "DR517", "path": "why_not", "message": "", "hint": "did you mean 'birth_certificate'?"}
