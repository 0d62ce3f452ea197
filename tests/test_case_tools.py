"""The reviewer's tools around `docrules test` and `docrules diff`: --update keeps a case file's comments and
layout, -k, JSON/GitHub/JUnit output, diff --as-of and its note, --version and --help."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest

import docrules
from docrules.interfaces.cli import _parser

from .test_cli import _run

CASES = docrules.default_pack_path() / "tests"

COMMENTED = '''#:schema ../../../schema/case.schema.json
# A Taiwan buyer with no guarantor: signing is blocked until one is named.
description = "Taiwan buyer, no guarantor"  # the short form

[facts.application]
signing_date = "2026-12-01"  # a Tuesday
payment = "full"

[[facts.parties]]
id = "b"
role = "buyer"
identity = "taiwan"

[expect]
# blocked: the guarantor is missing
status = "ready"

# the permit comes first
[[expect.items]]
stage = "signing"
party = "b"
document = "taiwan_compatriot_permit"  # 台胞证
copies = 7

[[expect.absent]]
party = "b"
document = "household_register"  # a Taiwan buyer has none

[[expect.absent]]
party = "b"
document = "taiwan_compatriot_permit"
'''


def test_update_keeps_comments_and_layout(tmp_path: Path) -> None:
    case = tmp_path / "taiwan.toml"
    case.write_text(COMMENTED, encoding="utf-8")
    assert _run("test", "--cases", str(case))[0] == 1
    assert _run("test", "--cases", str(case), "--update")[1].splitlines()[-1] == "0 unchanged, 1 updated"
    text = case.read_text(encoding="utf-8")
    before_expect = COMMENTED[:COMMENTED.index("status = ")]
    assert text.startswith(before_expect.replace('status = "ready"', ""))  # #:schema, comments, facts as written
    assert 'status = "blocked"\nissues = ["GUARANTOR_MISSING"]\n\n# the permit comes first\n[[expect.items]]' in text
    assert 'party = "b"\ndocument = "taiwan_compatriot_permit"  # 台胞证\ncopies = 1\noriginals = 1\n' in text
    # the absent claim that still holds stays with its comment; the one the result contradicts goes
    assert 'document = "household_register"  # a Taiwan buyer has none\n' in text
    assert text.count("[[expect.absent]]") == 1
    assert "\n\n\n" not in text
    assert _run("test", "--cases", str(case))[0] == 0
    # a second update changes nothing
    assert _run("test", "--cases", str(case), "--update")[1].splitlines()[-1] == "1 unchanged, 0 updated"
    assert case.read_text(encoding="utf-8") == text


def test_update_of_the_pack_cases_changes_no_byte(tmp_path: Path) -> None:
    cases = tmp_path / "tests"
    shutil.copytree(CASES, cases)
    assert _run("test", "--cases", str(cases), "--update")[1].splitlines()[-1] == "28 unchanged, 0 updated"
    for path in CASES.glob("*.toml"):
        assert (cases / path.name).read_bytes() == path.read_bytes()


def test_update_adds_an_expect_table_to_a_case_without_one(tmp_path: Path) -> None:
    case = tmp_path / "one.toml"
    case.write_text('# a first visit\n[facts]\nparties = [{ id = "b", role = "buyer" }]\n', encoding="utf-8")
    _run("test", "--cases", str(case), "--update")
    text = case.read_text(encoding="utf-8")
    assert text.startswith('# a first visit\n[facts]\nparties = [{ id = "b", role = "buyer" }]\n')
    assert '[expect]\nstatus = "incomplete"\n' in text
    assert _run("test", "--cases", str(case))[0] == 0


@pytest.mark.parametrize(("keyword", "names"), [
    ("taiwan or hong", ["hong-kong-widowed-no-contact", "second-reading-03-papers-follow-own-identity",
                        "second-reading-03b-contact-person-not-mainland", "taiwan-divorced-no-guarantor"]),
    ("minor and not loan", ["minor-with-guardian", "second-reading-01-minor-copies-at-signing-only",
                            "second-reading-03-papers-follow-own-identity"]),
    ("GUARANTOR", ["foreign-short-residence", "second-reading-03c-whose-papers", "second-reading-08-party-not-needed",
                   "taiwan-divorced-no-guarantor"]),  # descriptions too, any case
])
def test_k_selects_cases(keyword: str, names: list[str]) -> None:
    code, out, _ = _run("test", "-k", keyword, "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert [Path(c["case"]).stem for c in report["cases"]] == names
    assert (report["passed"], report["failed"]) == (len(names), 0)


def test_k_that_selects_nothing_is_exit_2() -> None:
    assert _run("test", "-k", "no such case") == (2, "", "no test cases found matching -k 'no such case'\n")


def test_json_github_and_junit_reports(tmp_path: Path) -> None:
    case = tmp_path / "one.toml"
    case.write_text('[facts]\nparties = [{ id = "b", role = "buyer" }]\n[expect]\nstatus = "ready"\n',
                    encoding="utf-8")
    junit = tmp_path / "report.xml"
    code, out, _ = _run("test", "--cases", str(case), str(CASES / "price-unknown.toml"), "--format", "json",
                        "--coverage", "--junit-xml", str(junit))
    report = json.loads(out)
    assert code == 1 and (report["passed"], report["failed"]) == (1, 1)
    assert report["cases"][0]["problems"] == ["status: expected ready, got incomplete"]
    assert report["coverage"]["percent"] < 100 and report["coverage"]["gaps"][0]["code"] == "DR603"
    suite = ElementTree.parse(junit).getroot().find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("2", "1")
    failure = suite.find("testcase[@name='one']/failure")
    assert failure is not None and failure.get("message") == "status: expected ready, got incomplete"
    code, out, _ = _run("test", "--cases", str(case), "--format", "github")
    assert code == 1
    assert out.splitlines() == [f"::error file={case},title=docrules test one::status: expected ready, got "
                                "incomplete", "0 passed, 1 failed"]


FUND = ('values = [{ from = 2000-01-01, value = 0.01 }]',
        'values = [{ from = 2000-01-01, until = 2027-01-01, value = 0.01 }, { from = 2027-01-01, value = 0.02 }]')


def test_diff_as_of_shows_a_fund_rate_change_that_starts_later(pack_copy: Path) -> None:
    settings = pack_copy / "settings.toml"
    text = settings.read_text(encoding="utf-8")
    assert FUND[0] in text
    settings.write_text(text.replace(*FUND), encoding="utf-8")
    old, new, cases = str(docrules.default_pack_path()), str(pack_copy), str(CASES)
    # the cases sign in 2026: nothing changes, and the note says why
    code, out, _ = _run("diff", old, new, cases, "--today", "2026-11-27")
    assert code == 0 and "28 cases, **0 changed**" in out
    assert ("> **Note:** The change touches the policy from 2027-01-01. 28 of 28 cases were checked on a day it "
            "does not touch, so it cannot show in them. Re-run with `--as-of 2027-01-01`") in out
    code, out, _ = _run("diff", old, new, cases, "--as-of", "2027-01-02", "--format", "json")
    report = json.loads(out)
    assert report["as_of"] == "2027-01-02" and report["touched"] == [{"from": "2027-01-01", "until": None}]
    assert report["untouched"] == 0
    priced = {Path(c["case"]).stem: c["amounts"] for c in report["changed"]}
    # every case with a known price pays twice the fund; the case without a price is not reported
    assert len(priced) == 25 and "price-unknown" not in priced
    assert priced["local-couple-mortgage"] == [{"name": "maintenance_fund", "before": 12346, "after": 24691}]
    assert all(a[0]["after"] in (2 * a[0]["before"] - 1, 2 * a[0]["before"], 2 * a[0]["before"] + 1)
               for a in priced.values())
    code, out, _ = _run("diff", old, new, cases, "--as-of", "2027-01-02")
    assert "- amount maintenance_fund: 12346 → 24691" in out and "Note" not in out


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("--version")[0] == 0
    assert re.fullmatch(r"docrules \d+\.\d+\S*\n", capsys.readouterr().out)
    parser = _parser()
    assert parser._subparsers is not None
    commands = parser._subparsers._group_actions[0].choices
    assert isinstance(commands, dict)
    for name, command in commands.items():
        assert "exit codes:" in command.format_help(), name
        undocumented = [a.dest for a in command._actions if not a.help]
        assert undocumented == [], name


def test_a_case_file_that_is_not_utf8_is_one_located_line(tmp_path: Path) -> None:
    case = tmp_path / "bad.toml"
    case.write_bytes(b'description = "caf\xe9"\n[facts]\nparties = []\n')
    code, out, err = _run("test", "--cases", str(case))
    assert code == 2 and out == "" and err.startswith(f"{case}:1:") and "DR526" in err and "Traceback" not in err
