"""DR406: a text of the pack (a rule title, a document's label, pages or notes, an issue message, a
setting's label) states a number that a setting owns, and the setting's value differs: "(1% of the price)"
after the rate moved to 0.02, "one year" after the months required became 6.

Two kinds of setting own numbers in text: a rate (a name ending in `_rate`, or values that are fractions)
is stated as a percent; a count of months (a name ending in `_months`) as a number of months or years
(Arabic or Chinese numerals: "12个月", "一年", "6 months", "one year").

Which setting a text speaks of: the settings its rule names (a title), or that the rules requiring the
document or raising the issue name; failing that, the setting of the same kind whose label shares the
most words with the text (with its document's label, for a note or page). The value compared is the one
in force on the last day the text applies (a rule's `until`, else the setting's latest value), so the
result does not depend on the day lint runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from ..diagnostics import Diagnostic, Severity
from ..results import Text
from .lint import locate
from .model import RuleDef, RulePack, SettingDef, SettingValue

_ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_EN_NUMBERS = {w: n for n, w in enumerate(
    ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"], start=1)}
_ZH = "[一二两三四五六七八九十]+"
_EN = "|".join(_EN_NUMBERS)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%|百分之(" + _ZH + r"|\d+(?:\.\d+)?)")
_MONTHS = re.compile(
    rf"(?<![\d.])(\d{{1,3}})\s*个月|(?<![\d.])(\d{{1,3}})\s*months?\b|({_ZH})个月|\b({_EN})(?:\s+[a-z]+)? months?\b"
    rf"|(?<![\d.])(\d{{1,2}})\s*年(?!\d)|(?<![\d.])(\d{{1,2}})\s*years?\b|({_ZH})年|\b({_EN})(?:\s+[a-z]+)? years?\b"
    r"|(半年|half a year)", re.IGNORECASE)


def _zh_number(text: str) -> int:
    """一..九十九 ("十二" = 12, "二十" = 20)."""
    if "十" not in text:
        return _ZH_DIGITS.get(text, 0)
    tens, _, ones = text.partition("十")
    return (_ZH_DIGITS.get(tens, 0) if tens else 1) * 10 + (_ZH_DIGITS.get(ones, 0) if ones else 0)


def _number(word: str) -> float:
    if word[0].isdigit():
        return float(word)
    return float(_EN_NUMBERS.get(word.lower()) or _zh_number(word))


def percents(text: str) -> list[tuple[float, str]]:
    """The percents a text states, as fractions, with the words that state them (1% → 0.01)."""
    return [(_number(m.group(1) or m.group(2)) / 100, m.group(0)) for m in _PERCENT.finditer(text)]


def months(text: str) -> list[tuple[float, str]]:
    """The spans of time a text states, in months, with the words that state them ("一年" → 12,
    "6 months" → 6, "半年" → 6)."""
    out = []
    for m in _MONTHS.finditer(text):
        groups = m.groups()
        if groups[8]:
            out.append((6.0, m.group(0)))
            continue
        index, word = next((i, g) for i, g in enumerate(groups) if g)
        out.append((_number(word) * (12 if index >= 4 else 1), m.group(0)))
    return out


def _kind(name: str, setting: SettingDef) -> str | None:
    values = [v.value for v in setting.values]
    if name.endswith("_rate") or all(isinstance(v, float) and 0 <= v < 1 for v in values):
        return "rate"
    if name.endswith("_months") and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "months"
    return None


def _words(text: str) -> set[str]:
    """Latin words cut to five letters ("residing" and "residence" meet) and pairs of Chinese characters."""
    latin = {w[:5] for w in re.findall(r"[a-z]{3,}", text.lower())}
    han = re.sub(r"[^\u4e00-\u9fff]", " ", text)
    pairs = {run[i:i + 2] for run in han.split() for i in range(len(run) - 1)}
    return latin | pairs


@dataclass(frozen=True)
class _Owner:
    """A text and where it stands: the definition, the key path inside it, and the settings it names."""

    kind: str
    key: str
    at: tuple[str | int, ...]
    text: str
    last_day: date | None  # the last day it applies (None: open-ended)
    named: frozenset[str]
    context: str = ""  # what else tells what the text is about: a note's document label


def _rule_settings(rule: RuleDef) -> set[str]:
    return set(re.findall(r"setting\.([a-z][a-z0-9_]*)", rule.model_dump_json()))


def _texts(pack: RulePack) -> Iterator[_Owner]:
    requiring: dict[str, set[str]] = {}
    raising: dict[str, set[str]] = {}
    for rule in pack.rules:
        names = _rule_settings(rule)
        for req in rule.require:
            for doc in req.named:
                requiring.setdefault(doc, set()).update(names)
        if rule.issue:
            raising.setdefault(rule.issue, set()).update(names)
        if rule.enabled:
            last = rule.until - timedelta(days=1) if rule.until else None
            yield _Owner("rule", rule.id, ("title",), rule.title, last, frozenset(names))
    for doc, d in pack.documents.items():
        named = frozenset(requiring.get(doc, ()))
        yield _Owner("document", doc, ("zh",), d.zh, None, named)
        yield _Owner("document", doc, ("en",), d.en, None, named)
        for key, texts in (("pages", d.pages), ("notes", d.notes)):
            for index, t in enumerate(texts):
                yield from _both("document", doc, (key, index), t, named, f"{d.zh} {d.en}")
    for code, i in pack.issues.items():
        named = frozenset(raising.get(code, ()))
        yield _Owner("issue", code, ("zh",), i.zh, None, named)
        yield _Owner("issue", code, ("en",), i.en, None, named)
    for name, s in pack.settings.items():
        yield _Owner("setting", name, ("zh",), s.zh, None, frozenset({name}))
        yield _Owner("setting", name, ("en",), s.en, None, frozenset({name}))


def _both(kind: str, key: str, at: tuple[str | int, ...], text: Text, named: frozenset[str],
          context: str) -> Iterator[_Owner]:
    yield _Owner(kind, key, at, text.zh, None, named, context)
    yield _Owner(kind, key, at, text.en, None, named, context)


def _value_on(setting: SettingDef, day: date | None) -> tuple[SettingValue, date] | None:
    """The value in force on `day` (None: the latest value) and the day it took effect."""
    if day is None:
        last = max(setting.values, key=lambda v: v.from_)
        return last.value, last.from_
    for v in setting.values:
        if v.from_ <= day and (v.until is None or day < v.until):
            return v.value, v.from_
    return None


def _same(kind: str, stated: float, value: SettingValue) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return True  # not a number: nothing to compare
    return abs(stated - value) < 1e-9 if kind == "rate" else stated == value


def _shown(kind: str, stated: float, words: str) -> str:
    value = f"{stated * 100:g}%" if kind == "rate" else f"{stated:g} months"
    return f"'{words}'" if words.replace(" ", "") == value.replace(" ", "") else f"'{words}' ({value})"


def _path(at: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in at).lstrip(".")


def stale_numbers(pack: RulePack) -> list[Diagnostic]:
    kinds = {name: k for name, s in pack.settings.items() if (k := _kind(name, s)) is not None}
    labels = {name: _words(pack.settings[name].zh) | _words(pack.settings[name].en) for name in kinds}
    out: list[Diagnostic] = []
    for owner in _texts(pack):
        for kind, stated_all in (("rate", percents(owner.text)), ("months", months(owner.text))):
            if not stated_all:
                continue
            candidates = sorted(n for n in owner.named if kinds.get(n) == kind)
            if not candidates:  # the text names no setting of this kind: the one whose label is closest
                mine = _words(f"{owner.text} {owner.context}")
                scored = {n: len(mine & labels[n]) for n, k in kinds.items() if k == kind}
                best = max(scored.values(), default=0)
                candidates = sorted(n for n, score in scored.items() if score == best and best > 0)
            for stated, words in dict(reversed(stated_all)).items():  # each number once, as first written
                found = [(n, _value_on(pack.settings[n], owner.last_day)) for n in candidates]
                values = [(n, v) for n, v in found if v is not None]
                if not values or any(_same(kind, stated, v[0]) for _, v in values):
                    continue
                name, (value, since) = values[0]
                out.append(locate(pack, owner.kind, owner.key, Severity.warning, "DR406",
                                  f"{owner.kind} '{owner.key}' {_path(owner.at)} states "
                                  f"{_shown(kind, stated, words)} but setting '{name}' is {value} from {since}",
                                  "update the text, or leave the number out of it", at=owner.at))
    return out
