"""JSON Schemas for editors (`#:schema` in rule and case files) and other applications."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import ROOT
from .test_cli import _run


@pytest.mark.parametrize("what", ["pack", "case", "facts", "result"])
def test_the_shipped_schema_files_are_current(what: str) -> None:
    code, out, _ = _run("schema", what)
    assert code == 0
    assert json.loads(out) == json.loads((ROOT / "schema" / f"{what}.schema.json").read_text(encoding="utf-8")), (
        f"regenerate with: docrules schema {what} > schema/{what}.schema.json")


def test_every_rule_and_case_file_names_its_schema() -> None:
    pack = ROOT / "rules" / "foshan"
    for path in [*pack.glob("*.toml"), *pack.glob("tests/*.toml")]:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        target = (path.parent / first.removeprefix("#:schema ")).resolve()
        assert first.startswith("#:schema ") and target.is_file(), path
        assert target.name == ("case.schema.json" if path.parent.name == "tests" else "pack.schema.json")


def test_pre_commit_hooks_name_real_commands() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "entry: docrules lint" in text and "entry: docrules test" in text
    pyproject = Path(ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert pyproject.count('docrules = "docrules.interfaces.cli:main"') == 1
