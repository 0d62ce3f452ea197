"""Result → text for people: the clerk's table and Markdown. The only module that formats for a
terminal. Everything printed from rule files is plain text (no markup is interpreted)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Literal

from ..results import Issue, IssueSeverity, Item, Result, Stage, Status, Text
from ..tools.explain import Explanation, RuleReason

Lang = Literal["zh", "en"]

_WORDS: dict[str, Text] = {
    "ready": Text(zh="可以签约", en="ready to sign"),
    "blocked": Text(zh="不能签约", en="signing blocked"),
    "needs_escalation": Text(zh="须报销售经理", en="refer to the sales manager"),
    "incomplete": Text(zh="信息不全", en="information missing"),
    "block": Text(zh="阻止签约", en="Blocks signing"),
    "escalate": Text(zh="须上报", en="Needs the sales manager"),
    "warn": Text(zh="注意", en="Warnings"),
    "info": Text(zh="提示", en="Notes"),
    "eligibility": Text(zh="资格核查(行政服务中心)", en="Eligibility (administrative service centre)"),
    "signing": Text(zh="签约", en="Signing"),
    "mortgage": Text(zh="按揭(银行)", en="Mortgage (at the bank)"),
    "application": Text(zh="本次购房", en="This purchase"),
    "questions": Text(zh="尚需询问", en="Still to ask"),
    "originals": Text(zh="原件", en="originals"),
    "copies": Text(zh="复印件", en="copies"),
    "pages": Text(zh="页", en="pages"),
    "status": Text(zh="状态", en="Status"),
    "pack": Text(zh="规则包", en="Rule pack"),
    "as_of": Text(zh="政策日期", en="Policy date"),
    "maintenance_fund": Text(zh="物业维修资金", en="Maintenance fund"),
    "yuan": Text(zh="元", en="yuan"),
    "document": Text(zh="资料", en="Document"),
    "notes": Text(zh="备注", en="Notes"),
    "rules": Text(zh="依据", en="Rules"),
}

_MARK = {IssueSeverity.block: "✗", IssueSeverity.escalate: "!", IssueSeverity.warn: "⚠",
         IssueSeverity.info: "i"}


def word(key: str, lang: Lang) -> str:
    text = _WORDS.get(key)
    return key if text is None else getattr(text, lang)


def _t(text: Text, lang: Lang) -> str:
    return text.zh if lang == "zh" else text.en


def _who(party: str | None, lang: Lang) -> str:
    return word("application", lang) if party is None else party


def _counts(item: Item, lang: Lang) -> str:
    parts = []
    if item.originals:
        parts.append(f"{word('originals', lang)} {item.originals}")
    if item.copies:
        parts.append(f"{word('copies', lang)} {item.copies}")
    return ", ".join(parts)


def box(item: Item) -> str:
    """A tick box: ticked once everything asked of this line is handed in (received is tracked)."""
    return "[x]" if item.missing is False else "[ ]"


def issue_documents(result: Result, issue: Issue, lang: Lang) -> list[str]:
    """The checklist lines an issue lists (DOCUMENTS_MISSING), as `who: label`."""
    labels = {(i.party, i.document): _t(i.label, lang) for i in result.items}
    return [f"{_who(d.party, lang)}: {labels.get((d.party, d.document), d.document)}"
            for d in issue.documents or ()]


def _groups(result: Result) -> Iterator[tuple[Stage | None, str | None, list[Item]]]:
    """The items by (stage, party), in result order; the stage only where a new one begins."""
    stage: Stage | None = None
    for (item_stage, party), items in groupby(result.items, key=lambda i: (i.stage, i.party)):
        yield (item_stage if item_stage is not stage else None), party, list(items)
        stage = item_stage


def _amount(value: int) -> str:
    return f"{value:,}"


def table(result: Result, lang: Lang = "zh") -> str:
    """The clerk's view: blocking issues first, then what each person brings, stage by stage."""
    out = [f"{word('status', lang)}: {word(result.status.value, lang)} ({result.status.value})"]
    for severity in IssueSeverity:
        issues = [i for i in result.issues if i.severity is severity]
        if issues:
            out += ["", f"{word(severity.value, lang)}:"]
            for i in issues:
                out.append(f"  {_MARK[severity]} [{_who(i.party, lang)}] {_t(i.message, lang)}  ({i.code})")
                out += [f"      - {line}" for line in issue_documents(result, i, lang)]
    if result.questions:
        out += ["", f"{word('questions', lang)}:"]
        out += [f"  ? [{_who(q.party, lang)}] {q.fact}" for q in result.questions]
    for stage, party, items in _groups(result):
        if stage is not None:
            out += ["", f"== {word(stage.value, lang)} =="]
        out.append(f"  {_who(party, lang)}:")
        for item in items:
            line = f"    {box(item)} {_t(item.label, lang)}  —  {_counts(item, lang)}"
            extras = [_t(p, lang) for p in item.pages]
            if extras:
                line += f"; {word('pages', lang)}: {'、'.join(extras) if lang == 'zh' else ', '.join(extras)}"
            extras = [_t(n, lang) for n in item.notes]
            if extras:
                line += f"; {'; '.join(extras)}"
            out.append(line)
    for name, value in result.amounts.items():
        out += ["", f"{word(name, lang)}: {_amount(value)} {word('yuan', lang)}"]
    out += ["", f"{word('pack', lang)}: {result.pack.name} {result.pack.version} ({result.pack.digest}); "
                f"{word('as_of', lang)}: {result.as_of.isoformat()}"]
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(result: Result, lang: Lang = "zh") -> str:
    out = [f"**{word('status', lang)}: {word(result.status.value, lang)}** (`{result.status.value}`)"]
    if result.issues:
        out += [""]
        for i in result.issues:
            out.append(f"- {_MARK[i.severity]} **{word(i.severity.value, lang)}** [{_cell(_who(i.party, lang))}] "
                       f"{_cell(_t(i.message, lang))} (`{i.code}`)")
            out += [f"  - {_cell(line)}" for line in issue_documents(result, i, lang)]
    if result.questions:
        out += ["", f"**{word('questions', lang)}**", ""]
        out += [f"- [{_cell(_who(q.party, lang))}] `{q.fact}`" for q in result.questions]
    for stage, party, items in _groups(result):
        if stage is not None:
            out += ["", f"### {word(stage.value, lang)}"]
        out += ["", f"**{_cell(_who(party, lang))}**", "",
                f"| {word('document', lang)} | {word('originals', lang)} | {word('copies', lang)} "
                f"| {word('notes', lang)} | {word('rules', lang)} |", "|---|---|---|---|---|"]
        for item in items:
            notes = [_t(p, lang) for p in item.pages] + [_t(n, lang) for n in item.notes]
            out.append(f"| {_cell(_t(item.label, lang))} | {item.originals} | {item.copies} "
                       f"| {_cell('; '.join(notes))} | {_cell(', '.join(item.sources))} |")
    for name, value in result.amounts.items():
        out += ["", f"**{word(name, lang)}**: {_amount(value)} {word('yuan', lang)}"]
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


def explanation(expl: Explanation, lang: Lang = "zh") -> str:
    """Why each line and issue is there, for a clerk: each rule with its tests, ✓ held, ✗ did not, ? unknown."""
    out: list[str] = []
    for found in expl.issues:
        issue = found.issue
        out.append(f"{_MARK[issue.severity]} {issue.code} [{_who(issue.party, lang)}] {_t(issue.message, lang)}")
        for reason in found.because:
            out += _reason_lines(reason)
    for line in expl.items:
        item = line.item
        out.append(f"[{word(item.stage.value, lang)}] {_who(item.party, lang)}: {_t(item.label, lang)} "
                   f"({word('originals', lang)} {item.originals}, {word('copies', lang)} {item.copies})")
        for reason in line.because:
            out += _reason_lines(reason)
    if expl.why_not is not None:
        why = expl.why_not
        state = "is on the list" if why.on_the_list else "is not on the list"
        out.append(f"Why not {why.document}? It {state}." + ("" if why.rules else " No rule asks for it."))
        for reason in why.rules:
            out += _reason_lines(reason)
    return "\n".join(out) + "\n"
