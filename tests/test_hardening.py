"""What the pack loader and the service refuse, and how: located errors and warnings, never a pack that
loads and then fails its checks, never a reload without the token."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import docrules
from docrules.engine import durable

GUARANTOR = 'party.identity in ["taiwan", "foreign"] and party.linked_guarantor == 0'
FOREIGN_BUYER = {"application": {"signing_date": "2026-12-01", "payment": "full"},
                 "parties": [{"id": "b", "role": "buyer", "identity": "foreign"}]}


def _edit(pack: Path, file: str, old: str, new: str) -> None:
    path = pack / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _errors(pack: Path) -> list[str]:
    with pytest.raises(docrules.PackError) as info:
        docrules.load_pack(pack)
    return [d.render().replace(f"{pack}/", "") for d in info.value.diagnostics]


def test_a_rule_file_that_is_not_utf8_is_refused_at_its_byte(pack_copy: Path) -> None:
    path = pack_copy / "blocking.toml"
    path.write_bytes(b"# caf\xe9\n" + path.read_bytes())
    assert _errors(pack_copy) == ["blocking.toml:1:6: error[DR105] not UTF-8 text: byte 0xe9 at byte offset 5\n"
                                  "  help: save the file as UTF-8"]


def test_folders_links_and_editor_files_named_toml_are_skipped_with_a_warning(pack_copy: Path) -> None:
    (pack_copy / "drafts.toml").mkdir()
    (pack_copy / "gone.toml").symlink_to(pack_copy / "nowhere.toml")
    (pack_copy / ".#signing.toml").write_text("not toml at all [", encoding="utf-8")
    (pack_copy / ".hidden.toml").write_text("not toml at all [", encoding="utf-8")
    pack = docrules.load_pack(pack_copy)
    assert pack.digest == docrules.load_pack(docrules.default_pack_path()).digest
    warnings = [d.render().replace(f"{pack_copy}/", "") for d in docrules.lint(pack_copy)]
    assert warnings == [
        ".#signing.toml: warning[DR106] skipped: a hidden or editor's lock file",
        ".hidden.toml: warning[DR106] skipped: a hidden or editor's lock file",
        "drafts.toml: warning[DR106] skipped: not a regular file (a folder or a dangling link)",
        "gone.toml: warning[DR106] skipped: not a regular file (a folder or a dangling link)"]


@pytest.mark.parametrize(("test", "price", "fires"), [
    ("app.price > 0.00001", 0, False), ("app.price > 0.00001", 5, True),
    ("app.price < 2.5e-7", 0, True), ("app.price < 2.5e-7", 5, False)])
def test_numbers_python_writes_with_an_exponent_reach_the_engine(pack_copy: Path, test: str, price: int,
                                                                 fires: bool) -> None:
    _edit(pack_copy, "blocking.toml", GUARANTOR, f"{GUARANTOR} and {test}")
    pack = docrules.load_pack(pack_copy)
    facts = json.loads(json.dumps(FOREIGN_BUYER))
    facts["application"]["price"] = price
    issues = {i.code for i in pack.check(facts).issues}
    assert ("GUARANTOR_MISSING" in issues) is fires


def test_a_pack_the_engine_cannot_take_is_refused_at_load(pack_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The smoke check at load: without the exponent fix, durable-rules refuses 1e-05 (error 204), and
    the pack must not load only to fail every check."""
    monkeypatch.setattr(durable, "engine_json", lambda data: json.dumps(data, sort_keys=True))
    _edit(pack_copy, "blocking.toml", GUARANTOR, f"{GUARANTOR} and app.price > 0.00001")
    [error] = _errors(pack_copy)
    assert error.startswith("error[DR307] policy period from 2000-01-01: durable-rules refused the compiled pack")


@pytest.mark.parametrize(("condition", "message"), [
    (" ".join(["not"] * 990) + " app.deposit_paid", "condition is longer than 4000 characters"),
    (" ".join(["not"] * 400) + " app.deposit_paid", "condition is nested more than 32 levels deep"),
    ("(app.deposit_paid and " * 40 + "app.deposit_paid" + ")" * 40, "condition is nested more than 32 levels deep"),
    ("app.price > 1e400", "number out of range"),
    ("app.price < 1e20", "number out of range"),
    ("app.price < -100000000000000000000", "number out of range"),
])
def test_conditions_too_long_or_deep_are_located_errors(pack_copy: Path, condition: str, message: str) -> None:
    _edit(pack_copy, "blocking.toml", GUARANTOR, f"{GUARANTOR} and {condition}")
    [error] = _errors(pack_copy)
    assert error.startswith("blocking.toml:") and f"error[DR201] rule 'guarantor-missing': {message}" in error


@pytest.mark.parametrize(("added", "message"), [
    ("x = " + "[" * 1000 + "]" * 1000, "invalid TOML: nested deeper than 32 levels"),
    ("[extra]\nx = " + "9" * 5000, "invalid TOML: a number has too many digits"),
])
def test_a_rule_file_too_deep_or_with_a_huge_number_is_a_located_error(pack_copy: Path, added: str,
                                                                       message: str) -> None:
    path = pack_copy / "blocking.toml"
    path.write_text(path.read_text(encoding="utf-8") + added + "\n", encoding="utf-8")
    [error] = _errors(pack_copy)
    assert error.startswith("blocking.toml:") and f"error[DR101] {message}" in error


pytest.importorskip("fastapi", reason="the serve extra is not installed")
pytest.importorskip("httpx2", reason="the test extra is not installed")

from fastapi.testclient import TestClient  # noqa: E402

from docrules.interfaces.server import BODY_SECONDS, HEADER_SECONDS, create_app, local_hosts  # noqa: E402

from .serving import running_server  # noqa: E402

TOKEN = "s3cret-token-for-tests"
GOOD = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json", "host": "127.0.0.1:8000"}


@pytest.fixture
def guarded() -> Iterator[TestClient]:
    with TestClient(create_app(reload_token=TOKEN, hosts=local_hosts("127.0.0.1", 8000))) as client:
        yield client


@pytest.mark.parametrize(("change", "status", "code"), [
    ({}, 200, None),
    ({"authorization": None}, 401, "DR531"),
    ({"authorization": "Bearer wrong-token-of-some-length"}, 401, "DR531"),
    ({"authorization": f"Basic {TOKEN}"}, 401, "DR531"),
    ({"content-type": "text/plain"}, 415, "DR532"),
    ({"content-type": "application/x-www-form-urlencoded"}, 415, "DR532"),
    ({"host": "evil.example"}, 403, "DR533"),  # DNS rebinding: a name that is not this service's
    ({"origin": "http://evil.example"}, 403, "DR533"),
    ({"origin": "http://127.0.0.1:8000"}, 200, None),  # the service's own page
])
def test_reload_needs_the_token_json_and_its_own_host_and_origin(guarded: TestClient, change: dict[str, str | None],
                                                                 status: int, code: str | None) -> None:
    headers = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    response = guarded.post("/v1/reload", headers=headers, content=b"{}")
    assert response.status_code == status, response.text
    if code is not None:
        assert response.json()["errors"][0]["code"] == code
        assert (response.headers.get("www-authenticate") == "Bearer") is (status == 401)
    else:
        assert response.json()["reloaded"] is True


def test_one_reload_at_a_time(guarded: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = guarded.app.state.holder  # type: ignore[attr-defined]
    real = holder.reload
    answers: list[int] = []

    def nested() -> object:  # a second request arrives while this reload runs
        answers.append(guarded.post("/v1/reload", headers=GOOD, content=b"{}").status_code)
        return real()

    monkeypatch.setattr(holder, "reload", nested)
    assert guarded.post("/v1/reload", headers=GOOD, content=b"{}").status_code == 200
    assert answers == [429]


def test_reload_is_off_without_a_token() -> None:
    with TestClient(create_app()) as client:
        response = client.post("/v1/reload", headers={"content-type": "application/json"})
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "DR530"


def test_a_fault_is_a_json_500_logged_by_type_only(guarded: TestClient, caplog: pytest.LogCaptureFixture,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("secret-person-name")

    monkeypatch.setattr(docrules.Pack, "check", broken)
    response = guarded.post("/v1/check", json={"parties": [{"id": "b", "role": "buyer"}]})
    assert response.status_code == 500 and response.headers["content-type"] == "application/json"
    assert response.json()["errors"][0]["code"] == "DR599"
    assert "ValueError" in caplog.text and "secret-person-name" not in caplog.text


def test_stalled_requests_are_let_go() -> None:
    """A request head that never ends is closed; a body that never comes is answered 408."""
    with running_server() as (base, _):
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=HEADER_SECONDS + 20) as head, \
                socket.create_connection((host, int(port)), timeout=BODY_SECONDS + 20) as body:
            head.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\n")  # and then nothing
            body.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100\r\n\r\n{")
            started = time.monotonic()
            assert head.recv(1024) == b""  # closed by the service, not by our timeout
            answer = b""
            while not answer.endswith(b"}]}") and (chunk := body.recv(4096)):  # head and body may come apart
                answer += chunk
            assert time.monotonic() - started < max(HEADER_SECONDS, BODY_SECONDS) + 15
    assert answer.startswith(b"HTTP/1.1 408 ") and b'"code":"DR528"' in answer

