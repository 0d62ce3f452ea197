"""`docrules ask` with answers piped in, as a clerk's terminal would send them."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import docrules
from docrules.interfaces.cli import run


def _ask(answers: list[str], *argv: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{a}\n" for a in answers)))
    out, err = io.StringIO(), io.StringIO()
    return run(["ask", *argv], out, err), out.getvalue(), err.getvalue()


def test_asks_only_what_the_rules_need_then_prints_the_checklist(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    answers = ["2026-12-01", "900000", "full",  # payment: full, so nothing about banks is asked
               "是", "y", "1", "no", "n", "n",  # eligibility verified, deposit, fund paid, clauses, unresolved, agent
               "1", "1", "unmarried", "1990-01-01", "18",  # mainland, local, by number or value
               ""]  # no more parties
    code, out, _ = _ask(answers, "--save", str(tmp_path / "facts.toml"), monkeypatch=monkeypatch)
    assert code == 0, out
    assert "向哪家银行办理按揭" not in out and "如何付款?" in out
    assert "状态: 可以签约" in out
    assert "1) 一次性付款 [full]" in out  # the allowed answers are offered
    saved = tomllib.loads((tmp_path / "facts.toml").read_text(encoding="utf-8"))
    assert saved["application"]["payment"] == "full" and saved["parties"][0]["hukou"] == "local"
    assert docrules.check(saved).status is docrules.Status.ready


def test_a_wrong_answer_is_asked_again_and_a_party_can_be_added(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    answers = ["", "", "sometimes", "mortgage", *[""] * 11,  # skip the date, price and the 11 loan questions
               "", "", "married", *[""] * 5,  # the buyer: only the marital status is known
               "spouse", ""]  # add a spouse with the offered id, then the input ends
    code, out, _ = _ask(answers, "--lang", "en", "--save", str(tmp_path / "f.json"), monkeypatch=monkeypatch)
    assert "? 'sometimes'" in out
    assert "Mortgage bank" in out
    saved = json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))
    assert saved["parties"][1] == {"id": "spouse", "role": "spouse", "of": "buyer"}
    assert code == 3 and "Status: Information missing" in out


def test_ask_works_with_a_pipe() -> None:
    done = subprocess.run([sys.executable, "-m", "docrules", "ask", "--lang", "en"], input="",
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 3 and "Status: Information missing" in done.stdout and not done.stderr


def test_serve_without_the_extra_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "docrules.interfaces.server", None)
    out, err = io.StringIO(), io.StringIO()
    assert run(["serve"], out, err) == 2
    assert err.getvalue().count("\n") == 1 and "pip install 'docrules[serve]'" in err.getvalue()
