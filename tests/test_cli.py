from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from docrules.interfaces.cli import run

from .conftest import FIXTURES


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        code = run(list(argv), out, err)
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(("case", "code"), [
    ("local-couple-mortgage.toml", 0), ("minor-loan-no-guardian.toml", 1),
    ("widowed-special-clauses-by-agent.toml", 1), ("first-visit-unknowns.json", 3)])
def test_exit_codes_follow_status(case: str, code: int) -> None:
    assert _run("check", str(FIXTURES / case), "--format", "json")[0] == code


def test_json_is_the_result_contract() -> None:
    _, out, _ = _run("check", str(FIXTURES / "minor-with-guardian.toml"), "--format", "json")
    expected = json.loads((FIXTURES / "expected" / "minor-with-guardian.result.json").read_text(encoding="utf-8"))
    got = json.loads(out)
    assert got["pack"].pop("digest").startswith("sha256:")  # a golden is not failed by the digest alone
    expected["pack"].pop("digest")
    assert got == expected


def test_table_puts_blocking_issues_first_in_chinese() -> None:
    _, out, _ = _run("check", str(FIXTURES / "minor-loan-no-guardian.toml"))
    lines = out.splitlines()
    assert lines[0] == "状态: 不能签约"
    assert lines[2] == "阻止签约:"
    assert "  ✗ [购房人 minor] 未成年业主须一次性付款,不能办理贷款" in lines
    assert out.index("阻止签约") < out.index("== 签约(资料二) ==")
    assert "    [ ] 出生医学证明  —  复印件 3" in lines


def test_english_and_markdown() -> None:
    _, out, _ = _run("check", str(FIXTURES / "hong-kong-widowed-no-contact.toml"), "--lang", "en",
                     "--format", "markdown")
    assert "| Home Return Permit | 1 | 1 |  | L2.1b |" in out


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"parties": [{"id": "b", "role": "buyer", "marital_status": "single"}]}', encoding="utf-8")
    code, out, err = _run("check", str(bad))
    assert (code, out) == (2, "")
    assert err == (f"{bad}: error[DR506] parties[0].marital_status: must be one of unmarried, married, "
                   "divorced, widowed (got 'single')\n")


def test_bad_pack_is_exit_2(tmp_path: Path) -> None:
    code, _, err = _run("check", str(FIXTURES / "local-couple-mortgage.toml"), "--pack", str(tmp_path))
    assert code == 2 and "DR100" in err


def test_bad_arguments_are_exit_2() -> None:
    assert _run("check", "x.json", "--as-of", "tomorrow")[0] == 2
    assert _run("check", "x.json", "--format", "yaml")[0] == 2


def test_stdin_and_the_installed_command() -> None:
    facts = (FIXTURES / "first-visit-unknowns.json").read_text(encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "docrules", "check", "-", "--format", "json"], input=facts,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 3, done.stderr
    assert json.loads(done.stdout)["status"] == "incomplete"


def test_docrules_test_runs_the_pack_cases_with_coverage() -> None:
    code, out, _ = _run("test", "--coverage", "--min-coverage", "100")
    assert code == 0
    assert out.splitlines()[-2:] == ["coverage: 100.0% of outcomes (187/187)", "28 passed, 0 failed"]


def test_docrules_test_fails_on_a_wrong_expectation_and_low_coverage(tmp_path: Path) -> None:
    case = tmp_path / "one.toml"
    case.write_text('[facts]\nparties = [{ id = "b", role = "buyer" }]\n[expect]\nstatus = "ready"\n',
                    encoding="utf-8")
    code, out, _ = _run("test", "--cases", str(case), "--min-coverage", "90")
    assert code == 1
    assert out.splitlines()[0] == f"FAIL {case}: status: expected ready, got incomplete"
    assert "warning[DR603] no case makes rule 'special-clauses' hold" in out
    assert out.splitlines()[-1] == "0 passed, 1 failed"


def test_docrules_test_update_writes_the_expectation(tmp_path: Path) -> None:
    case = tmp_path / "one.toml"
    case.write_text('description = "d"\n[facts]\nparties = [{ id = "b", role = "buyer", identity = "taiwan" }]\n',
                    encoding="utf-8")
    assert _run("test", "--cases", str(case), "--update")[1].splitlines()[-1] == "0 unchanged, 1 updated"
    text = case.read_text(encoding="utf-8")
    assert 'issues = [\n    "GUARANTOR_MISSING",\n]' in text or 'issues = ["GUARANTOR_MISSING"]' in text
    assert _run("test", "--cases", str(case))[0] == 0
