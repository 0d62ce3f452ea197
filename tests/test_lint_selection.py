"""Lint history and selection: expired policy is opt-in (the result never depends on the day unless
asked), ruff-style --select/--ignore, a pack's [lint] table, inline `# docrules: ignore[...]` comments.
Each test uses a small pack of its own under tests/packs/."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

import docrules
from docrules.pack.codes import LINT_CODES
from docrules.pack.select import Block, blocks

from .test_cli import _run

PACKS = Path(__file__).parent / "packs"
SRC = Path(docrules.__file__).parent


def _codes(found: list[docrules.Diagnostic]) -> list[tuple[str, str | None]]:
    return [(d.code, d.rule or d.message.split("'")[1]) for d in found]


@pytest.fixture
def untidy(tmp_path: Path) -> Path:
    target = tmp_path / "untidy"
    shutil.copytree(PACKS / "untidy", target)
    return target


def _edit(pack: Path, old: str, new: str) -> None:
    path = pack / "pack.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("today", [date(2019, 7, 1), date(2026, 11, 27), date(2040, 1, 1), None])
def test_a_pack_keeping_2019_policy_lints_clean_on_any_day(today: date | None) -> None:
    assert docrules.lint(PACKS / "history", today=today) == []


def test_expired_policy_shows_when_selected() -> None:
    found = docrules.lint(PACKS / "history", select=["DR405"], today=date(2026, 11, 27))
    assert [d.render().replace(f"{PACKS}/", "") for d in found] == [
        "history/pack.toml:31:1: warning[DR405] rule 'old-form' expired on 2019-07-01\n"
        "  help: remove it, or keep it for re-checking old cases",
        "history/pack.toml:15:1: warning[DR405] setting 'old_form_copies' has no value in force on 2026-11-27 "
        "or later"]
    # the day is pinned: before the end, nothing has expired
    assert docrules.lint(PACKS / "history", select=["DR405"], today=date(2019, 6, 30)) == []


def test_the_cli_lints_history_clean_and_shows_it_on_request() -> None:
    pack = str(PACKS / "history")
    assert _run("lint", pack) == (0, "All checks passed.\n", "")
    code, out, _ = _run("lint", pack, "--select", "DR405", "--today", "2026-11-27")
    assert code == 1
    assert "warning[DR405] rule 'old-form' expired on 2019-07-01" in out
    assert out.endswith("Found 0 error(s), 2 warning(s).\n")


@pytest.mark.parametrize("selector", [["DR4"], ["DR40"], ["ALL"], ["DR"]])
def test_a_prefix_does_not_turn_on_the_opt_in_code(selector: list[str]) -> None:
    assert docrules.lint(PACKS / "history", select=selector, today=date(2026, 11, 27)) == []


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, [("DR401", "buyer-id"), ("DR401", "buyer-passport"), ("DR403", "id_card"), ("DR403", "passport")]),
    ({"ignore": ["DR401"]}, [("DR403", "id_card"), ("DR403", "passport")]),
    ({"select": ["DR401"]}, [("DR401", "buyer-id"), ("DR401", "buyer-passport")]),
    ({"select": ["DR4"], "ignore": ["DR401"]}, [("DR403", "id_card"), ("DR403", "passport")]),
    # the more specific pattern wins, whichever list it is in
    ({"ignore": ["DR4"], "extend_select": ["DR401"]}, [("DR401", "buyer-id"), ("DR401", "buyer-passport")]),
    ({"select": ["DR3"]}, []),
])
def test_select_and_ignore(kwargs: dict[str, list[str]], expected: list[tuple[str, str]]) -> None:
    assert _codes(docrules.lint(PACKS / "untidy", **kwargs)) == expected  # type: ignore[arg-type]


def test_a_selector_that_names_no_code_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="'DR99'"):
        docrules.lint(PACKS / "untidy", select=["DR99"])
    code, out, _ = _run("lint", str(PACKS / "untidy"), "--ignore", "DR401,XX")
    assert (code, out) == (2, "")
    assert "--ignore: not a lint code or a prefix of one (e.g. DR405, DR4): 'XX'" in capsys.readouterr().err


def test_the_pack_lint_table(untidy: Path) -> None:
    _edit(untidy, 'version = "1"\n', 'version = "1"\n\n[lint]\nignore = ["DR403"]\n')
    assert _codes(docrules.lint(untidy)) == [("DR401", "buyer-id"), ("DR401", "buyer-passport")]
    # the command line's --ignore adds to the pack's; its --select starts afresh, as ruff's does
    assert _codes(docrules.lint(untidy, ignore=["DR401"])) == []
    assert _codes(docrules.lint(untidy, select=["DR403"])) == [("DR403", "id_card"), ("DR403", "passport")]


def test_the_lint_table_may_turn_on_expired_policy(tmp_path: Path) -> None:
    pack = tmp_path / "history"
    shutil.copytree(PACKS / "history", pack)
    _edit(pack, 'version = "1"\n', 'version = "1"\n\n[lint]\nextend_select = ["DR405"]\n')
    assert _codes(docrules.lint(pack, today=date(2026, 11, 27))) == [("DR405", "old-form"),
                                                                      ("DR405", "old_form_copies")]


def test_a_lint_table_naming_no_code(untidy: Path) -> None:
    _edit(untidy, 'version = "1"\n', 'version = "1"\n\n[lint]\nignore = ["DR999", "DR401"]\n')
    found = [d.render().replace(f"{untidy}/", "") for d in docrules.lint(untidy, select=["DR404"])]
    assert found == ["pack.toml:7:1: warning[DR404] [lint] names 'DR999', which is not a lint code or a prefix "
                     "of one"]
    _edit(untidy, '"DR999"', '"E501"')
    found = [d.render().replace(f"{untidy}/", "") for d in docrules.lint(untidy)]
    assert found == ["pack.toml:8:1: error[DR102] lint.ignore[0]: 'E501' is not a valid name here\n  help: ids are "
                     "lower-case words joined by - or _; issue codes are UPPER_CASE; settings are setting.NAME"]


def test_inline_ignore_on_the_rules_line_or_inside_the_table(untidy: Path) -> None:
    _edit(untidy, '[[rules]]\nid = "buyer-id"', '[[rules]]  # docrules: ignore[DR401]\nid = "buyer-id"')
    _edit(untidy, "documents = [\"passport\"]", "documents = [\"passport\"]  # docrules: ignore[DR4]")
    _edit(untidy, '[documents.passport]\nzh = "护照"',
          '[documents.passport]\n# docrules: ignore[DR403, DR313]\nzh = "护照"')
    assert _codes(docrules.lint(untidy)) == [("DR403", "id_card")]


def test_inline_ignore_names_a_code_and_stays_in_its_definition(untidy: Path) -> None:
    # comment lines right above a header belong to the definition below; a code is ignored only where named
    _edit(untidy, '[[rules]]\nid = "buyer-passport"', '# docrules: ignore[DR401]\n[[rules]]\nid = "buyer-passport"')
    _edit(untidy, 'id = "buyer-id"', 'id = "buyer-id"  # docrules: ignore[DR403]')
    assert _codes(docrules.lint(untidy)) == [("DR401", "buyer-id"), ("DR403", "id_card"), ("DR403", "passport")]


def test_errors_cannot_be_silenced(untidy: Path) -> None:
    _edit(untidy, 'documents = ["id_card"]', 'documents = ["id_crad"]  # docrules: ignore[DR203]')
    found = docrules.lint(untidy, ignore=["DR2"])
    assert [d.code for d in found if d.severity == "error"] == ["DR203"]


def test_lint_output_for_ci() -> None:
    pack = str(PACKS / "untidy")
    code, out, _ = _run("lint", pack, "--output-format", "github", "--select", "DR401")
    assert code == 1
    assert out.splitlines()[0] == (
        f"::warning file={pack}/pack.toml,line=15,col=1,title=docrules DR401::rule 'buyer-id' cites no source "
        'section%0Ahelp: add sources = ["..."] with the section ids of the policy text it follows')
    code, out, _ = _run("lint", pack, "--output-format", "sarif", "--select", "DR403")
    log = json.loads(out)
    assert log["version"] == "2.1.0" and code == 1
    run = log["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == set(LINT_CODES)
    assert [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"]) for r in run["results"]] == [
        ("DR403", "warning", {"startLine": 7, "startColumn": 1}), ("DR403", "warning", {"startLine": 11,
                                                                                       "startColumn": 1})]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "packs/untidy/pack.toml")


def test_every_code_lint_can_report_is_listed() -> None:
    """--select validates against LINT_CODES and SARIF lists them: a new code must be added there."""
    written = set()
    for path in SRC.rglob("*.py"):
        if path.name != "durable.py":  # the engine's run-time refusals (DR307-309) are not lint findings
            written |= set(re.findall(r'"(DR[1-4]\d\d)"', path.read_text(encoding="utf-8")))
    assert written - set(LINT_CODES) == set()


def test_definition_blocks_skip_multiline_strings_and_blank_lines() -> None:
    text = ("[[rules]]\nid = \"a\"\nwhen = '''\n[not.a.header]  # docrules: ignore[DR999]\n'''\n"
            "[[rules.require]]  # docrules: ignore[DR401]\n\n# docrules: ignore[DR311]\n\n[[rules]]\nid = \"b\"\n")
    assert blocks(text) == [Block(1, 9, ("DR401", "DR311"))]
