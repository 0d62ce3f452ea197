"""Findings and test outcomes in the formats CI systems read: GitHub Actions workflow commands
(annotations on the pull request's lines), SARIF 2.1.0 (code scanning) and JUnit XML (test reports).

Each function takes plain values and returns text; nothing here reads files or knows about packs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import Diagnostic

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _escape_data(text: str) -> str:
    # GitHub's workflow-command encoding: the message ends at a newline unless it is escaped
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(level: str, message: str, *, file: str | None = None, line: int | None = None,
                      column: int | None = None, title: str | None = None) -> str:
    """One `::error file=...,line=...::message` line (level: error, warning or notice)."""
    props = [f"{name}={_escape_property(str(value))}"
             for name, value in (("file", file), ("line", line), ("col", column), ("title", title))
             if value is not None]
    return f"::{level} {','.join(props)}::{_escape_data(message)}" if props else f"::{level}::{_escape_data(message)}"


def github_diagnostics(diagnostics: Sequence[Diagnostic]) -> str:
    lines = [github_annotation(d.severity.value, d.message + (f"\nhelp: {d.hint}" if d.hint else ""), file=d.file,
                               line=d.line, column=d.column, title=f"docrules {d.code}") for d in diagnostics]
    return "".join(f"{line}\n" for line in lines)


def _uri(file: str) -> str:
    path = Path(file)
    return path.as_uri() if path.is_absolute() else path.as_posix()


def sarif(diagnostics: Sequence[Diagnostic], rules: dict[str, str], version: str) -> str:
    """A SARIF 2.1.0 log of one run; `rules` is every code the tool can report with its summary."""
    results = []
    for d in diagnostics:
        result: dict[str, object] = {"ruleId": d.code, "level": d.severity.value,
                                     "message": {"text": d.message + (f" (help: {d.hint})" if d.hint else "")}}
        if d.file is not None:
            region = {k: v for k, v in (("startLine", d.line), ("startColumn", d.column)) if v is not None}
            location: dict[str, object] = {"artifactLocation": {"uri": _uri(d.file)}}
            if region:
                location["region"] = region
            result["locations"] = [{"physicalLocation": location}]
        results.append(result)
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "docrules", "version": version, "rules": [
            {"id": code, "shortDescription": {"text": text}} for code, text in sorted(rules.items())]}},
        "results": results}]}
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


@dataclass(frozen=True)
class TestReport:
    """One test case's outcome, as CI formats need it."""

    name: str
    file: str
    problems: tuple[str, ...]


def github_tests(reports: Sequence[TestReport]) -> str:
    return "".join(github_annotation("error", "\n".join(r.problems), file=r.file, title=f"docrules test {r.name}")
                   + "\n" for r in reports if r.problems)


def junit_xml(reports: Sequence[TestReport], suite: str) -> str:
    """JUnit XML as Jenkins, GitLab and GitHub test reporters read it: one testsuite, a failure element per
    failed case with every difference in its text. No times: the same outcomes give the same bytes."""
    from xml.etree import ElementTree  # only this report needs it

    failures = sum(bool(r.problems) for r in reports)
    root = ElementTree.Element("testsuites", tests=str(len(reports)), failures=str(failures))
    node = ElementTree.SubElement(root, "testsuite", name=suite, tests=str(len(reports)), failures=str(failures),
                                  errors="0", skipped="0")
    for r in reports:
        case = ElementTree.SubElement(node, "testcase", name=r.name, classname=suite, file=r.file)
        if r.problems:
            failure = ElementTree.SubElement(case, "failure", message=r.problems[0])
            failure.text = "\n".join(r.problems)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"
