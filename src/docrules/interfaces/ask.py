"""`docrules ask`: the question flow for a clerk at a terminal (or with answers piped in).

Check, ask the questions the result names (allowed answers offered), check again, until the rules need
nothing more; then offer to add parties (of the pack's roles) and go round again; finally print the
checklist. An empty answer leaves a fact unknown (not asked again); end of input stops asking.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import tomli_w

from ..api import Pack
from ..diagnostics import FactsError
from ..results import Result
from . import render as _render
from .render import Lang

_WORDS = {
    "intro": {"zh": "逐项回答;直接回车表示暂不清楚。", "en": "Answer each question; press Enter if not known."},
    "add": {"zh": "添加当事人?输入身份角色(回车结束)", "en": "Add a party? Type a role (Enter when done)"},
    "of": {"zh": "所属", "en": "Belongs to"},
    "id": {"zh": "称呼/编号", "en": "Name or id"},
    "saved": {"zh": "已保存", "en": "Saved"},
    "date": {"zh": "日期 YYYY-MM-DD", "en": "date YYYY-MM-DD"},
    "number": {"zh": "整数", "en": "whole number"},
}


_YES_NO = {"y": "true", "yes": "true", "是": "true", "n": "false", "no": "false", "否": "false"}


class _EndOfInput(Exception):
    pass


class _Session:
    def __init__(self, pack: Pack, lang: Lang, stdin: TextIO, stdout: TextIO) -> None:
        self.pack, self.lang, self.stdin, self.stdout = pack, lang, stdin, stdout
        principal = pack.vocabulary.principal
        self.facts: dict[str, Any] = {"application": {}, "parties": [{"id": principal, "role": principal}]}
        self.skipped: set[tuple[str | None, str]] = set()
        self.described = pack.describe()
        self.words = _render.Words.of(pack)

    def say(self, text: str) -> None:
        print(text, file=self.stdout)

    def read(self, prompt: str) -> str:
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            raise _EndOfInput
        return line.strip()

    def word(self, key: str) -> str:
        return _WORDS[key][self.lang] if key in _WORDS else self.words.word(key, self.lang)

    def choices(self, values: list[Any]) -> str:
        labels = self.described["values"]
        return "  ".join(f"{n}) {labels.get(str(v), {}).get(self.lang, v)} [{v}]" for n, v in enumerate(values, 1))

    def answer(self, spec: dict[str, Any], text: str) -> Any:
        """The answer as a fact value; ValueError when it is not one of the allowed answers."""
        values: list[str] | None = spec["values"]
        if spec["kind"] == "bool":
            values = ["true", "false"]
            text = _YES_NO.get(text.lower(), text)
        if values:
            picked = values[int(text) - 1] if text.isdigit() and 0 < int(text) <= len(values) else text
            if picked not in [str(v) for v in values]:
                raise ValueError(text)
            if spec["kind"] == "bool":
                return picked == "true"
            return int(picked) if spec["kind"] == "int" else picked
        if spec["kind"] in ("int", "decimal"):
            number = text.replace(",", "").replace("_", "")
            return int(number) if spec["kind"] == "int" else float(number)
        if spec["kind"] == "date":
            return date.fromisoformat(text).isoformat()
        return text

    def hint(self, spec: dict[str, Any]) -> str:
        values = ["true", "false"] if spec["kind"] == "bool" else spec["values"]
        if values:
            return self.choices(values)
        return {"int": self.word("number"), "date": self.word("date")}.get(spec["kind"], "")

    def ask_fact(self, party: str | None, fact: str, scope: str) -> None:
        spec = self.described[scope][fact]
        target = self.facts["application"] if party is None else next(
            p for p in self.facts["parties"] if p["id"] == party)
        who = self.words.who(party, self.lang)
        question = spec.get("question") or spec["label"]
        while True:
            hint = self.hint(spec)
            if hint:
                self.say(f"  {hint}")
            text = self.read(f"[{who}] {question[self.lang]} ")
            if not text:
                self.skipped.add((party, fact))
                return
            try:
                target[fact] = self.answer(spec, text)
                self.pack.facts(self.facts)
                return
            except ValueError:
                self.say(f"  ? {text!r}")
            except FactsError as exc:
                target.pop(fact, None)
                for diagnostic in exc.diagnostics:
                    self.say(f"  {diagnostic.message}")

    def round(self) -> Result:
        """Ask the first open question and check again (an answer may make other questions moot),
        until none is left that was not skipped."""
        while True:
            result = self.pack.check(self.facts)
            pending = [q for q in result.questions if (q.party, q.fact) not in self.skipped]
            if not pending:
                return result
            first = pending[0]
            self.ask_fact(first.party, first.fact, "application" if first.party is None else "party")

    def add_party(self) -> bool:
        roles = self.described["party"]["role"]["values"]
        self.say(f"  {self.choices(roles)}")
        text = self.read(f"{self.word('add')}: ")
        if not text:
            return False
        try:
            role = self.answer(self.described["party"]["role"], text)
        except ValueError:
            self.say(f"  ? {text!r}")
            return True
        taken = {p["id"] for p in self.facts["parties"]}
        default = next(f"{role}{n or ''}" for n in range(len(taken) + 1) if f"{role}{n or ''}" not in taken)
        party: dict[str, Any] = {"id": self.read(f"{self.word('id')} [{default}]: ") or default, "role": role}
        owner = self.described["roles"][role]["of"]
        if owner is not None:
            owners = [p["id"] for p in self.facts["parties"] if p["role"] == owner]
            party["of"] = owners[0] if owners else None
            if len(owners) > 1:
                party["of"] = self.read(f"{self.word('of')} ({', '.join(owners)}) [{owners[0]}]: ") or owners[0]
        self.facts["parties"].append(party)
        try:
            self.pack.facts(self.facts)
        except FactsError as exc:
            self.facts["parties"].pop()
            for diagnostic in exc.diagnostics:
                self.say(f"  {diagnostic.message}")
        return True

    def run(self) -> Result:
        self.say(self.word("intro"))
        result = self.pack.check(self.facts)
        try:
            result = self.round()
            while self.add_party():
                result = self.round()
        except _EndOfInput:
            self.say("")
            result = self.pack.check(self.facts)
        return result


def ask(pack: Pack, lang: Lang, stdin: TextIO, stdout: TextIO, save: Path | None) -> int:
    """Run the flow; print the checklist; exit code as `docrules check`."""
    session = _Session(pack, lang, stdin, stdout)
    result = session.run()
    stdout.write("\n" + _render.table(result, lang, _render.Words.of(pack, pack.facts(session.facts))))
    if save is not None:
        facts = pack.facts(session.facts).model_dump(mode="json", exclude_none=True)
        text = (tomli_w.dumps(facts) if save.suffix == ".toml"
                else json.dumps(facts, ensure_ascii=False, indent=2) + "\n")
        save.write_text(text, encoding="utf-8")
        session.say(f"{session.word('saved')}: {save}")
    return _render.STATUS_EXIT[result.status]
