"""Result → text for people: the clerk's table and Markdown. The only module that formats for a
terminal. Everything printed from rule files is plain text (no markup is interpreted)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import TYPE_CHECKING, Literal

from ..api import Pack
from ..facts.model import Facts
from ..results import Issue, IssueSeverity, Item, Result, Status, Text

if TYPE_CHECKING:  # explanations are rendered by `explain`, which imports them; `check` need not
    from ..tools.explain import Explanation, RuleReason

Lang = Literal["zh", "en"]

# Generic words; a pack's [words] table says them its own way.
_WORDS: dict[str, Text] = {
    "ready": Text(zh="可以办理", en="ready"),
    "blocked": Text(zh="受阻", en="blocked"),
    "needs_escalation": Text(zh="须上报", en="needs escalation"),
    "incomplete": Text(zh="尚缺信息", en="facts missing"),
    "block": Text(zh="受阻原因", en="Blocking"),
    "escalate": Text(zh="须上报", en="Needs escalation"),
    "warn": Text(zh="注意", en="Warnings"),
    "info": Text(zh="提示", en="Notes"),
    "application": Text(zh="本申请", en="The application"),
    "questions": Text(zh="尚需询问", en="Still to ask"),
    "originals": Text(zh="原件", en="originals"),
    "copies": Text(zh="复印件", en="copies"),
    "pages": Text(zh="页", en="pages"),
    "status": Text(zh="状态", en="Status"),
    "pack": Text(zh="规则包", en="Rule pack"),
    "as_of": Text(zh="政策日期", en="Policy date"),
    "amount_unit": Text(zh="", en=""),
    "document": Text(zh="资料", en="Document"),
    "notes": Text(zh="备注", en="Notes"),
    "rules": Text(zh="依据", en="Rules"),
}

_MARK = {IssueSeverity.block: "✗", IssueSeverity.escalate: "!", IssueSeverity.warn: "⚠",
         IssueSeverity.info: "i"}


@dataclass(frozen=True)
class Words:
    """What a printed result calls things: the pack's words, its stages and facts, and each party by
    role and id ("Parent p1"). Without a pack, ids are printed as they are."""

    words: dict[str, Text] = field(default_factory=dict)
    stages: dict[str, Text] = field(default_factory=dict)
    facts: dict[str, Text] = field(default_factory=dict)  # "party.NAME" / "application.NAME"
    parties: dict[str, Text] = field(default_factory=dict)

    @classmethod
    def of(cls, pack: Pack, facts: Facts | None = None) -> Words:
        vocabulary = pack.vocabulary
        parties = {}
        for party in facts.parties if facts is not None else ():
            role = vocabulary.role_label(party.role)
            parties[party.id] = Text(zh=f"{role.zh} {party.id}", en=f"{role.en} {party.id}")
        return cls(words=dict(pack.rules.words),
                   stages={s: vocabulary.stage_label(s) for s in pack.rules.stages},
                   facts={f"{scope}.{name}": vocabulary.label(scope, name) for scope, name in vocabulary.facts},
                   parties=parties)

    def word(self, key: str, lang: Lang) -> str:
        text = self.words.get(key) or _WORDS.get(key)
        return key if text is None else getattr(text, lang)

    def stage(self, stage: str, lang: Lang) -> str:
        text = self.stages.get(stage)
        return stage if text is None else getattr(text, lang)

    def who(self, party: str | None, lang: Lang) -> str:
        if party is None:
            return self.word("application", lang)
        text = self.parties.get(party)
        return party if text is None else getattr(text, lang)

    def fact(self, scope: str, name: str, lang: Lang) -> str:
        text = self.facts.get(f"{scope}.{name}")
        return name if text is None else getattr(text, lang)


PLAIN = Words()


def _t(text: Text, lang: Lang) -> str:
    return text.zh if lang == "zh" else text.en


def _counts(item: Item, lang: Lang, words: Words = PLAIN) -> str:
    parts = []
    if item.originals:
        parts.append(f"{words.word('originals', lang)} {item.originals}")
    if item.copies:
        parts.append(f"{words.word('copies', lang)} {item.copies}")
    return ", ".join(parts)


def box(item: Item) -> str:
    """A tick box: ticked once everything asked of this line is handed in (received is tracked)."""
    return "[x]" if item.missing is False else "[ ]"


def issue_documents(result: Result, issue: Issue, lang: Lang, words: Words = PLAIN) -> list[str]:
    """The checklist lines an issue lists (missing documents), as `who: label`."""
    labels = {(i.party, i.document): _t(i.label, lang) for i in result.items}
    return [f"{words.who(d.party, lang)}: {labels.get((d.party, d.document), d.document)}"
            for d in issue.documents or ()]


def _groups(result: Result) -> Iterator[tuple[str | None, str | None, list[Item]]]:
    """The items by (stage, party), in result order; the stage only where a new one begins."""
    stage: str | None = None
    for (item_stage, party), items in groupby(result.items, key=lambda i: (i.stage, i.party)):
        yield (item_stage if item_stage != stage else None), party, list(items)
        stage = item_stage


def _amount(value: int) -> str:
    return f"{value:,}"


def _question(words: Words, party: str | None, fact: str, lang: Lang) -> str:
    return f"[{words.who(party, lang)}] {words.fact('application' if party is None else 'party', fact, lang)}"


def table(result: Result, lang: Lang = "zh", words: Words = PLAIN) -> str:
    """The clerk's view: blocking issues first, then what each person brings, stage by stage. Codes
    are shown only in the English view, for the staff who look them up."""
    status = words.word(result.status.value, lang)
    out = [f"{words.word('status', lang)}: {status}" + (f" ({result.status.value})" if lang == "en" else "")]
    for severity in IssueSeverity:
        issues = [i for i in result.issues if i.severity is severity]
        if issues:
            out += ["", f"{words.word(severity.value, lang)}:"]
            for i in issues:
                code = f"  ({i.code})" if lang == "en" else ""
                out.append(f"  {_MARK[severity]} [{words.who(i.party, lang)}] {_t(i.message, lang)}{code}")
                out += [f"      - {line}" for line in issue_documents(result, i, lang, words)]
    if result.questions:
        out += ["", f"{words.word('questions', lang)}:"]
        out += [f"  ? {_question(words, q.party, q.fact, lang)}" for q in result.questions]
    for stage, party, items in _groups(result):
        if stage is not None:
            out += ["", f"== {words.stage(stage, lang)} =="]
        out.append(f"  {words.who(party, lang)}:")
        for item in items:
            line = f"    {box(item)} {_t(item.label, lang)}  —  {_counts(item, lang, words)}"
            extras = [_t(p, lang) for p in item.pages]
            if extras:
                line += f"; {words.word('pages', lang)}: {'、'.join(extras) if lang == 'zh' else ', '.join(extras)}"
            extras = [_t(n, lang) for n in item.notes]
            if extras:
                line += f"; {'; '.join(extras)}"
            out.append(line)
    for name, value in result.amounts.items():
        out += ["", f"{words.word(name, lang)}: {_amount(value)} {words.word('amount_unit', lang)}".rstrip()]
    out += ["", f"{words.word('pack', lang)}: {result.pack.name} {result.pack.version} ({result.pack.digest}); "
                f"{words.word('as_of', lang)}: {result.as_of.isoformat()}"]
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(result: Result, lang: Lang = "zh", words: Words = PLAIN) -> str:
    word = words.word
    out = [f"**{word('status', lang)}: {word(result.status.value, lang)}** (`{result.status.value}`)"]
    if result.issues:
        out += [""]
        for i in result.issues:
            out.append(f"- {_MARK[i.severity]} **{word(i.severity.value, lang)}** [{_cell(words.who(i.party, lang))}] "
                       f"{_cell(_t(i.message, lang))} (`{i.code}`)")
            out += [f"  - {_cell(line)}" for line in issue_documents(result, i, lang, words)]
    if result.questions:
        out += ["", f"**{word('questions', lang)}**", ""]
        out += [f"- {_cell(_question(words, q.party, q.fact, lang))} (`{q.fact}`)" for q in result.questions]
    for stage, party, items in _groups(result):
        if stage is not None:
            out += ["", f"### {words.stage(stage, lang)}"]
        out += ["", f"**{_cell(words.who(party, lang))}**", "",
                f"| {word('document', lang)} | {word('originals', lang)} | {word('copies', lang)} "
                f"| {word('notes', lang)} | {word('rules', lang)} |", "|---|---|---|---|---|"]
        for item in items:
            notes = [_t(p, lang) for p in item.pages] + [_t(n, lang) for n in item.notes]
            out.append(f"| {_cell(_t(item.label, lang))} | {item.originals} | {item.copies} "
                       f"| {_cell('; '.join(notes))} | {_cell(', '.join(item.sources))} |")
    for name, value in result.amounts.items():
        out += ["", f"**{word(name, lang)}**: {_amount(value)} {word('amount_unit', lang)}".rstrip()]
    out += ["", f"_{result.pack.name} {result.pack.version} ({result.pack.digest}), "
                f"{word('as_of', lang)} {result.as_of.isoformat()}_"]
    return "\n".join(out) + "\n"


STATUS_EXIT = {Status.ready: 0, Status.blocked: 1, Status.needs_escalation: 1, Status.incomplete: 3}


_HELD = {True: "✓", False: "✗", None: "?"}
_OUTCOME = {"holds": "holds", "fails": "does not hold", "undecided": "cannot be decided yet",
            "not in force": "is not in force on this date"}


def _reason_lines(reason: RuleReason) -> list[str]:
    who = f" for {reason.party}" if reason.party else ""
    out = [f"    rule '{reason.rule}'{who} ({', '.join(reason.sources)}): {_OUTCOME[reason.outcome]} — {reason.title}"]
    for test in reason.tests:
        seen = ", ".join(f"{k}: {'unknown' if v is None else v}" for k, v in test.values.items())
        out.append(f"      {_HELD[test.held]} {test.test}" + (f"   [{seen}]" if seen else ""))
    if reason.settings:
        out.append("      settings: " + ", ".join(f"{k} = {v}" for k, v in reason.settings.items()))
    return out


def explanation(expl: Explanation, lang: Lang = "zh", words: Words = PLAIN) -> str:
    """Why each line and issue is there, for a clerk: each rule with its tests, ✓ held, ✗ did not, ? unknown."""
    out: list[str] = []
    for found in expl.issues:
        issue = found.issue
        out.append(f"{_MARK[issue.severity]} {issue.code} [{words.who(issue.party, lang)}] {_t(issue.message, lang)}")
        for reason in found.because:
            out += _reason_lines(reason)
    for line in expl.items:
        item = line.item
        out.append(f"[{words.stage(item.stage, lang)}] {words.who(item.party, lang)}: {_t(item.label, lang)} "
                   f"({words.word('originals', lang)} {item.originals}, {words.word('copies', lang)} {item.copies})")
        for reason in line.because:
            out += _reason_lines(reason)
    if expl.why_not is not None:
        why = expl.why_not
        state = "is on the list" if why.on_the_list else "is not on the list"
        out.append(f"Why not {why.document}? It {state}." + ("" if why.rules else " No rule asks for it."))
        for reason in why.rules:
            out += _reason_lines(reason)
    return "\n".join(out) + "\n"
