"""A pack folder → `RulePack`, or every problem found, located by file, line and column.

Loading validates: schema here, references and logic in `_check`. A pack with any error is never
returned, so a bad edit never replaces a pack that is already in use.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..diagnostics import Diagnostic, PackError, Severity
from ..facts.boundary import long_number, too_deep
from ..tomlsource import SourceMap, SourceMaps, syntax_error
from .lint import logic_problems
from .model import FactDef, FactsDecl, LintSettings, Origin, PackFile, PackMeta, RulePack
from .validate import check_pack

MAX_DEPTH = 32  # arrays and tables in a rule file; the deepest real one is 4


def load_rule_pack(folder: str | Path) -> RulePack:
    """Read and validate a pack folder; raise `PackError` with every error found."""
    pack, diagnostics = read_rule_pack(folder)
    errors = [d for d in diagnostics if d.severity is Severity.error]
    if pack is None or errors:
        raise PackError(errors or diagnostics)
    return pack


def read_rule_pack(folder: str | Path) -> tuple[RulePack | None, list[Diagnostic]]:
    """The pack (None when its files cannot be read or merged) and every diagnostic about it."""
    root = Path(folder)
    if not root.is_dir():
        return None, [Diagnostic(code="DR100", file=str(root), message="rule pack folder not found")]
    paths, skipped = _rule_files(root)
    if not paths:
        return None, [Diagnostic(code="DR100", file=str(root), message="no .toml files in this folder")]
    diagnostics: list[Diagnostic] = []
    files: list[tuple[str, PackFile]] = []
    maps = SourceMaps()
    for path in paths:
        shown = str(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:  # removed or locked between the listing and the read
            diagnostics.append(Diagnostic(code="DR100", file=shown, message=f"cannot read: {exc.strerror}"))
            continue
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:  # never "repaired": a replaced byte could change a rule's meaning
            line = raw.count(b"\n", 0, exc.start) + 1
            column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            diagnostics.append(Diagnostic(code="DR105", file=shown, line=line, column=column,
                                          message=f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at byte offset "
                                                  f"{exc.start}", hint="save the file as UTF-8"))
            continue
        deep = too_deep(text, toml=True, max_depth=MAX_DEPTH)
        if deep is not None:  # tomllib recurses into nested arrays: refuse before it runs out of stack
            diagnostics.append(Diagnostic(code="DR101", file=shown, line=deep[0], column=deep[1],
                                          message=f"invalid TOML: nested deeper than {MAX_DEPTH} levels"))
            continue
        maps.add(shown, text)
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            diagnostics.append(syntax_error("DR101", shown, exc))
            continue
        except ValueError:  # tomllib converts integers itself, and Python refuses more than 4,300 digits
            at = long_number(text)
            diagnostics.append(Diagnostic(code="DR101", file=shown, line=at and at[0], column=at and at[1],
                                          message="invalid TOML: a number has too many digits"))
            continue
        try:
            files.append((shown, PackFile.model_validate(data)))
        except ValidationError as exc:
            diagnostics.extend(_schema_errors(shown, maps[shown], data, exc.errors()))
    if diagnostics:
        return None, skipped + diagnostics
    pack, merge_errors = _merge(files, maps, str(root))
    if pack is None:
        return None, skipped + merge_errors
    found = skipped + merge_errors + check_pack(pack, maps)
    if not any(d.severity is Severity.error for d in found):
        found += logic_problems(pack)
    return pack, found


def _rule_files(root: Path) -> tuple[list[Path], list[Diagnostic]]:
    """The pack's rule files, and a warning for each `*.toml` name that is not one: a folder, a dangling
    link, or an editor's lock, backup or hidden file (`.#signing.toml`, `#signing.toml#` is no match)."""
    paths: list[Path] = []
    skipped: list[Diagnostic] = []
    for path in sorted(root.glob("*.toml")):
        if path.name.startswith((".", "#", "~")):
            why = "a hidden or editor's lock file"
        elif not path.is_file():
            why = "not a regular file (a folder or a dangling link)"
        else:
            paths.append(path)
            continue
        skipped.append(Diagnostic(code="DR106", severity=Severity.warning, file=str(path),
                                  message=f"skipped: {why}"))
    return paths, skipped


def _schema_errors(file: str, smap: SourceMap, data: Any, errors: list[Any]) -> list[Diagnostic]:
    """One diagnostic per location: a value that fits no member of a union (a count that is neither a
    number nor setting.NAME) is one problem, not one per member."""
    by_loc: dict[tuple[str | int, ...], list[Any]] = {}
    for err in errors:
        by_loc.setdefault(tuple(p for p in err["loc"] if not _is_union_tag(p)), []).append(err)
    return [_schema_error(file, smap, data, loc, errs) for loc, errs in by_loc.items()]


_UNION_EXPECTED = {"originals": "a whole number or \"setting.NAME\"",
                   "copies": "a whole number or \"setting.NAME\"",
                   "rate": "a number or \"setting.NAME\"", "value": "true/false, a number, text or a list of text"}


def _where(data: Any, loc: Sequence[str | int]) -> str:
    """`rules[3].require[0]` reads better as `rule 'some-rule' require[0]`."""
    rule = _rule_id(data, loc)
    rest = loc[2:] if rule is not None else loc
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest).lstrip(".")
    return f"rule '{rule}'" + (f" {text}" if text else "") if rule is not None else text or "the file"


def _schema_error(file: str, smap: SourceMap, data: Any, loc: tuple[str | int, ...],
                  errs: list[Any]) -> Diagnostic:
    err = errs[0]
    pos = smap.find(loc)
    where = _where(data, loc)
    rule = _rule_id(data, loc)
    kind = err["type"]
    hint: str | None = None
    if len(errs) > 1:
        expected = _UNION_EXPECTED.get(str(loc[-1]), "a value of another kind")
        message = f"{where}: must be {expected} (got {err.get('input')!r})"
    elif kind == "extra_forbidden":
        message, hint = f"unknown key '{loc[-1]}' in {_where(data, loc[:-1])}", _keys_hint(loc)
    elif kind == "missing":
        message = f"{where}: is required"
    elif kind == "string_pattern_mismatch":
        message = f"{where}: {err['input']!r} is not a valid name here"
        hint = "ids are lower-case words joined by - or _; issue codes are UPPER_CASE; settings are setting.NAME"
    else:
        message = f"{where}: {err['msg'].lower()} (got {err.get('input')!r})"
    return Diagnostic(code="DR102", file=file, line=pos.line if pos else None,
                      column=pos.column if pos else None, path=".".join(map(str, loc)), rule=rule,
                      message=message, hint=hint)


def _is_union_tag(part: str | int) -> bool:
    # pydantic adds the member type to the location of a union error: rules.0.require.0.copies.int
    return isinstance(part, str) and (part in ("int", "str", "float", "bool", "list[str]")
                                      or part.startswith(("constrained-", "function-")))


def _rule_id(data: Any, loc: Sequence[str | int]) -> str | None:
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        try:
            rid = data["rules"][loc[1]].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            return None
        return rid if isinstance(rid, str) else None
    return None


def _keys_hint(loc: Sequence[str | int]) -> str | None:
    from ..pack import model as models

    section = {"documents": models.DocumentDef, "settings": models.SettingDef, "issues": models.IssueDef,
               "rules": models.RuleDef, "pack": models.PackMeta, "roles": models.RoleDef,
               "stages": models.StageDef, "facts": models.FactsDecl, "lint": models.LintSettings}
    parents = [p for p in loc[:-1] if isinstance(p, str)]
    model: Any = models.PackFile
    if parents:
        model = section.get(parents[0])
        nested = {"require": models.Require, "min_copies": models.MinCopies, "amount": models.Amount,
                  "values": models.DatedValue, "missing_documents": models.MissingDocuments,
                  "reject": models.Reject, "application": models.FactDef, "party": models.FactDef}
        for name in parents[1:]:
            model = nested.get(name, model)
    if model is None:
        return None
    names = [f.alias or n for n, f in model.model_fields.items()]
    return f"allowed keys: {', '.join(names)}"


def meaning_digest(pack: RulePack) -> str:
    """A hash of what the pack means: its merged, parsed content. Comments, layout, the order of keys
    in a table and how definitions are spread over files change nothing; the order of catalogs and
    rules does (it orders checklists and citations)."""
    # which warnings lint reports is no part of what a check means
    content = pack.model_dump(mode="json", by_alias=True, exclude={"digest", "origins", "lint"})
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return f"sha256:{hashlib.sha256(text.encode()).hexdigest()[:16]}"


_SECTIONS = ("role", "group", "stage", "word", "document", "setting", "issue")


def _merge(files: list[tuple[str, PackFile]], maps: Mapping[str, SourceMap],
           root: str) -> tuple[RulePack | None, list[Diagnostic]]:
    diagnostics: list[Diagnostic] = []
    meta: PackMeta | None = None
    lint: LintSettings | None = None
    merged: dict[str, dict[str, Any]] = {kind: {} for kind in _SECTIONS}
    facts: dict[str, dict[str, FactDef]] = {"application": {}, "party": {}}
    rules = []
    origins: dict[str, Origin] = {}

    def place(kind: str, key: str, file: str, path: tuple[str | int, ...]) -> bool:
        name = f"{kind}:{key}"
        if name in origins:
            first = origins[name]
            pos = maps[file].find(path)
            diagnostics.append(Diagnostic(
                code="DR104", file=file, line=pos.line if pos else None, column=pos.column if pos else None,
                rule=key if kind == "rule" else None,
                message=f"{kind} '{key}' is defined twice", hint=f"the first is in {first.file}"))
            return False
        origins[name] = Origin(file=file, path=path)
        return True

    for file, content in files:
        if content.pack is not None:
            if meta is not None:
                diagnostics.append(Diagnostic(code="DR104", file=file, message="[pack] is defined twice"))
            meta = content.pack
            origins["pack:"] = Origin(file=file, path=("pack",))
        if content.lint is not None:
            if lint is not None:
                diagnostics.append(Diagnostic(code="DR104", file=file, message="[lint] is defined twice"))
            lint = content.lint
            origins["lint:"] = Origin(file=file, path=("lint",))
        for kind in _SECTIONS:
            plural = f"{kind}s"
            for key, value in getattr(content, plural).items():
                if place(kind, key, file, (plural, key)):
                    merged[kind][key] = value
        for scope in ("application", "party"):
            for key, value in getattr(content.facts, scope).items():
                if place("fact", f"{scope}.{key}", file, ("facts", scope, key)):
                    facts[scope][key] = value
        for index, rule in enumerate(content.rules):
            if place("rule", rule.id, file, ("rules", index)):
                rules.append(rule)
    if meta is None:
        diagnostics.append(Diagnostic(code="DR103", file=root, message="the pack has no [pack] table",
                                      hint='add pack.toml with [pack] name = "...", version = "..."'))
    if diagnostics or meta is None:
        return None, diagnostics
    pack = RulePack(meta=meta, facts=FactsDecl(**facts), roles=merged["role"], groups=merged["group"],
                    stages=merged["stage"], words=merged["word"], documents=merged["document"],
                    settings=merged["setting"], issues=merged["issue"], rules=rules, digest="", origins=origins,
                    lint=lint or LintSettings())
    return pack.model_copy(update={"digest": meaning_digest(pack)}), []
