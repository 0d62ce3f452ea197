"""The Foshan pack's README says what each source section its rules cite says: a reader can follow a rule
without the source text."""

from __future__ import annotations

import re

import docrules


def test_every_cited_section_is_explained() -> None:
    pack = docrules.load_pack()
    readme = (docrules.default_pack_path() / "README.md").read_text(encoding="utf-8")
    explained = set(re.findall(r"^\s*- \*\*([A-Z][0-9.a-z]*)\*\* \(cited\)", readme, flags=re.MULTILINE))
    cited = {source for rule in pack.rules.rules for source in rule.sources}
    assert cited - explained == set(), "add these sections to rules/foshan/README.md"
    assert explained - cited == set(), "these sections are marked (cited) but no rule cites them"


def test_every_default_setting_is_named() -> None:
    pack = docrules.load_pack()
    readme = (docrules.default_pack_path() / "README.md").read_text(encoding="utf-8")
    numbers = [name for name in pack.rules.settings if f"`{name}`" not in readme]
    assert numbers == []
