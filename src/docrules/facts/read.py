"""Plain data (JSON, TOML, dict) → a pack's facts model, or every problem as a located diagnostic.

pydantic's own wording is replaced where a clerk or an integrator would not understand it; paths read
like the input (`parties[1].email`). Each message is in English, with the Chinese beside it
for the clerk's page.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from ..diagnostics import Diagnostic, FactsError, did_you_mean
from .boundary import check_data
from .model import Facts
from .vocabulary import Vocabulary


def parse_facts(data: object, model: type[Facts], vocabulary: Vocabulary, *, file: str | None = None) -> Facts:
    """Validate data into `model` (a pack's facts model), plain data within the input boundary's limits
    (`check_data`) first; raise `FactsError` listing every problem."""
    if isinstance(data, model):
        facts = data
    elif isinstance(data, BaseModel):  # facts of another model: Python objects, not input (no limits, as ever)
        facts = _validated(data.model_dump(exclude_none=True), model, file)
    else:
        facts = _plain(data, model, file)
    problems = relation_problems(facts, vocabulary, file)
    if problems:
        raise FactsError(problems)
    return facts


def _plain(data: object, model: type[Facts], file: str | None) -> Facts:
    """Plain data → facts. Good data takes one pass of pydantic-core (the model's bounded validator
    proves the limits as it validates); anything it refuses takes the exact path, which names every
    problem: the boundary's walk, then the model."""
    if model.bounded is not None:
        try:
            facts: Facts = model.bounded.validate_python(data)
            return facts
        except ValidationError:
            pass
    check_data(data, file)
    return _validated(data, model, file)


def _validated(data: object, model: type[Facts], file: str | None) -> Facts:
    if not isinstance(data, Mapping):
        raise FactsError([Diagnostic(code="DR503", file=file,
                                     message="facts must be an object with 'application' and 'parties'",
                                     zh="资料须是含 application 和 parties 的对象")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FactsError([_from_pydantic(err, file, model) for err in exc.errors()]) from None


def relation_problems(facts: Facts, vocabulary: Vocabulary, file: str | None = None) -> list[Diagnostic]:
    """What one party cannot say about itself: unique ids, `of` naming a party of the role its own
    role belongs to; and received documents naming a party of this application, each (party,
    document) once."""
    # Every check comes here, nearly always with good facts: one pass over the parties, and nothing
    # formatted until there is something to say.
    out: list[Diagnostic] = []
    roles = vocabulary.pack.roles
    parties = facts.parties
    by_id = {p.id: p.role for p in parties}
    seen: set[str] | None = set() if len(by_id) < len(parties) else None  # only when an id repeats
    principal = False
    for i, party in enumerate(parties):
        if seen is not None:
            if party.id in seen:
                at = f"parties[{i}]"
                out.append(Diagnostic(code="DR511", file=file, path=f"{at}.id",
                                      message=f"{at}.id: another party already has id {_short(party.id)}",
                                      zh=f"{at}.id: 编号 {_short(party.id)} 已被另一人使用"))
            seen.add(party.id)
        owner = roles[party.role].of
        if owner is None:
            principal = True
            if party.of is not None:
                at = f"parties[{i}]"
                out.append(Diagnostic(code="DR512", file=file, path=f"{at}.of",
                                      message=f"{at}.of: a {party.role} belongs to no one; remove 'of'",
                                      zh=f"{at}.of: {roles[party.role].zh}不属于任何人,请删除 of"))
        elif party.of is None:
            at = f"parties[{i}]"
            out.append(Diagnostic(code="DR512", file=file, path=f"{at}.of",
                                  message=f"{at}.of: a {party.role} must name the {owner} it belongs to",
                                  zh=f"{at}.of: 须写明所属的{roles[owner].zh}", hint=_one_of(facts, vocabulary)))
        elif by_id.get(party.of) != owner:
            at = f"parties[{i}]"
            out.append(Diagnostic(code="DR512", file=file, path=f"{at}.of",
                                  message=f"{at}.of: names no {owner} (got {_short(party.of)})",
                                  zh=f"{at}.of: 没有这位{roles[owner].zh}({_short(party.of)})",
                                  hint=_one_of(facts, vocabulary)))
    if not principal:  # said first
        principal_role = vocabulary.principal
        out.insert(0, Diagnostic(code="DR510", file=file, path="parties",
                                 message=f"parties: at least one party with role '{principal_role}' is required",
                                 zh=f"至少须有一位{roles[principal_role].zh}" if principal_role in roles else None))
    if not facts.received:
        return out
    handed: set[tuple[str | None, str, str | None]] = set()
    for i, got in enumerate(facts.received):
        at = f"received[{i}]"
        if got.party is not None and got.party not in by_id:
            out.append(Diagnostic(code="DR514", file=file, path=f"{at}.party",
                                  message=f"{at}.party: names no party (got {_short(got.party)})",
                                  zh=f"{at}.party: 没有这个人({_short(got.party)})",
                                  hint=f"one of: {', '.join(sorted(by_id))}, or null for the application"))
        if (got.party, got.document, got.stage) in handed:
            out.append(Diagnostic(code="DR515", file=file, path=f"{at}.document",
                                  message=f"{at}.document: {_short(got.document)} of "
                                          f"{_short(got.party) if got.party else 'the application'} "
                                          "is listed twice; give one entry with the totals",
                                  zh=f"{at}.document: {_short(got.document)} 重复登记,请合并为一条"))
        handed.add((got.party, got.document, got.stage))
    return out


def _one_of(facts: Facts, vocabulary: Vocabulary) -> str:
    """The parties that others may belong to, for a hint."""
    principals = sorted(p.id for p in facts.parties if vocabulary.pack.roles[p.role].of is None)
    return f"one of: {', '.join(_short(p) for p in principals) or '(none yet)'}"


def unknown_documents(facts: Facts, documents: Collection[str], stages: Collection[str]) -> list[Diagnostic]:
    """Received documents that the pack's catalog does not have, or for a stage it does not have
    (facts alone cannot know them)."""
    out = []
    for i, got in enumerate(facts.received or ()):
        if got.stage is not None and got.stage not in stages:
            at = f"received[{i}].stage"
            out.append(Diagnostic(code="DR519", path=at, message=f"{at}: the pack has no stage {_short(got.stage)}",
                                  zh=f"{at}: 规则包没有这一阶段 {_short(got.stage)}",
                                  hint=did_you_mean(got.stage, stages) or f"one of: {', '.join(stages)}"))
        if got.document not in documents:
            at = f"received[{i}].document"
            out.append(Diagnostic(code="DR516", path=at,
                                  message=f"{at}: the pack has no document {_short(got.document)}",
                                  zh=f"{at}: 规则包没有资料 {_short(got.document)}",
                                  hint=did_you_mean(got.document, documents)))
    return out


def _short(value: object, limit: int = 40) -> str:
    """A value quoted in a message: never more than a short prefix of what was sent."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _model_at(model: type[BaseModel], loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The model that holds the field at `loc` (`parties[0]` → the party model)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = current.model_fields if isinstance(current, type) and issubclass(current, BaseModel) else {}
        field = fields.get(part)
        if field is None:
            return None
        current = _inner_model(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    for arg in (annotation, *get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        for inner in get_args(arg):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None


def allowed_values(annotation: Any) -> list[str] | None:
    """The values a Literal field accepts, unwrapping `X | None`."""
    args = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)
    for arg in args:
        if get_origin(arg) is Literal:
            return [str(v) for v in get_args(arg)]
    return None


_KIND = {
    "int_type": ("a whole number", "整数"), "int_parsing": ("a whole number", "整数"),
    "int_from_float": ("a whole number", "整数"),
    "bool_type": ("true or false", "是或否"), "bool_parsing": ("true or false", "是或否"),
    "string_type": ("a string", "文字"), "date_type": ("a date YYYY-MM-DD", "日期 YYYY-MM-DD"),
    "date_parsing": ("a date YYYY-MM-DD", "日期 YYYY-MM-DD"),
    "date_from_datetime_parsing": ("a date YYYY-MM-DD", "日期 YYYY-MM-DD"),
    "date_from_datetime_inexact": ("a date YYYY-MM-DD", "日期 YYYY-MM-DD"),
    "decimal_type": ("a number", "数字"), "decimal_parsing": ("a number", "数字"), "value_error": ("a number", "数字"),
    "finite_number": ("a finite number", "有限的数字"),
    "list_type": ("a list", "列表"), "model_type": ("an object", "对象"),
    "model_attributes_type": ("an object", "对象"),
}


def _from_pydantic(err: Any, file: str | None, model: type[BaseModel]) -> Diagnostic:
    loc = tuple(err["loc"])
    path = _path(loc) or "facts"
    kind = err["type"]
    got = _short(err.get("input"))
    if kind == "extra_forbidden":
        holder = _model_at(model, loc[:-1])
        known = list(holder.model_fields) if holder else []
        hint = did_you_mean(str(loc[-1]), known) or (f"allowed fields: {', '.join(known)}" if known else None)
        return Diagnostic(code="DR504", file=file, path=path, message=f"{path}: unknown field",
                          zh=f"{path}: 没有这一项", hint=hint)
    if kind == "missing":
        return Diagnostic(code="DR505", file=file, path=path, message=f"{path}: is required",
                          zh=f"{path}: 必须填写")
    holder = _model_at(model, loc[:-1])
    field = holder.model_fields.get(str(loc[-1])) if holder is not None and isinstance(loc[-1], str) else None
    allowed = allowed_values(field.annotation) if field is not None else None
    if kind in ("enum", "literal_error") and allowed:
        message = f"{path}: must be one of {', '.join(allowed)} (got {got})"
        zh = f"{path}: 须为 {', '.join(allowed)} 之一(收到 {got})"
    elif kind in _KIND:
        en_kind, zh_kind = _KIND[kind]
        message, zh = f"{path}: must be {en_kind} (got {got})", f"{path}: 须为{zh_kind}(收到 {got})"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = next(iter(err.get("ctx", {}).values()), "")
        word = {"greater_than_equal": ("at least", "不能小于"), "less_than_equal": ("at most", "不能大于"),
                "greater_than": ("over", "须大于"), "less_than": ("under", "须小于")}[kind]
        message, zh = f"{path}: must be {word[0]} {bound} (got {got})", f"{path}: {word[1]} {bound}(收到 {got})"
    elif kind in ("string_too_short", "string_too_long"):
        message, zh = f"{path}: {err['msg'].lower()}", f"{path}: 长度不符"
    else:
        message, zh = f"{path}: {err['msg']} (got {got})", f"{path}: 无效(收到 {got})"
    return Diagnostic(code="DR506", file=file, path=path, message=message, zh=zh)
