"""What makes a loaded pack wrong beyond its schema: references, types, derived-fact cycles, dates.

Each finding is a `Diagnostic` located in the rule file. `load` refuses a pack with any error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

from ..diagnostics import Diagnostic, Severity
from ..diagnostics import did_you_mean as _suggest
from ..facts.vocabulary import STRUCTURAL, FactSpec, Scope, Vocabulary
from ..results import Text
from ..tomlsource import SourceMap
from .conditions import Cmp, Expr, ExprError, Known, Ref, Truth, parse, refs
from .model import CountLinked, FactDef, MaxLinked, RuleDef, RulePack, SettingValue, YearsSince
from .texts import settings_named

ALIAS_SCOPE: dict[str, Scope] = {"party": "party", "principal": "party", "app": "application"}
# Names a pack cannot give a fact or a role: the engine's own fact keys and the condition aliases.
RESERVED = frozenset({*STRUCTURAL, "t", "sid", "party", "app", "setting", "principal"})


def derived_facts(pack: RulePack) -> dict[tuple[Scope, str], list[RuleDef]]:
    """Derived fact → the rules that derive it (their conditions are OR-ed)."""
    out: dict[tuple[Scope, str], list[RuleDef]] = {}
    for rule in pack.rules:
        if rule.derive is not None and rule.enabled:
            scope: Scope = "application" if rule.for_ == "application" else "party"
            out.setdefault((scope, rule.derive), []).append(rule)
    return out


@dataclass
class _Checker:
    pack: RulePack
    maps: Mapping[str, SourceMap]
    out: list[Diagnostic] = field(default_factory=list)

    def emit(self, code: str, message: str, rule: RuleDef | None = None,
             key: str | tuple[str | int, ...] | None = None, hint: str | None = None,
             ref: Ref | None = None, kind: str = "rule", name: str | None = None,
             needle: str | None = None, severity: Severity = Severity.error) -> None:
        origin = self.pack.origin(kind, rule.id if rule else (name or ""))
        file = line = column = None
        if origin is not None:
            file = origin.file
            smap = self.maps.get(origin.file)
            pos = None
            if smap is not None:
                keys = () if key is None else (key,) if isinstance(key, str) else key
                path = (*origin.path, *keys)
                if ref is not None:
                    pos = smap.value_offset(path, ref.line, ref.column)
                elif needle is not None:
                    pos = smap.find_text(path, f'"{needle}"')
                pos = pos or smap.find(path)
            if pos is not None:
                line, column = pos.line, pos.column
        self.out.append(Diagnostic(code=code, message=message, file=file, line=line, column=column,
                                   rule=rule.id if rule else None, hint=hint, severity=severity))

    def run(self) -> list[Diagnostic]:
        self.derived = derived_facts(self.pack)
        self.vocab = Vocabulary(self.pack)
        self.check_vocabulary()
        self.check_settings()
        self.check_meta()
        for rule in self.pack.rules:
            self.check_rule(rule)
        self.check_cycles()
        self.check_catalogs()
        return self.out

    def check_catalogs(self) -> None:
        """Governance: every label in both languages; nothing defined that no rule can use."""
        labelled = (("document", self.pack.documents), ("issue", self.pack.issues), ("setting", self.pack.settings))
        for kind, entries in labelled:
            for key, entry in entries.items():
                for lang in ("zh", "en"):
                    if not getattr(entry, lang).strip():
                        self.emit("DR403", f"{kind} '{key}' has no {lang} label", kind=kind, name=key,
                                  severity=Severity.warning)
        texts: list[tuple[str, str, Text]] = []
        for name, entry in self.pack.documents.items():
            texts += [("document", name, t) for t in (Text(zh=entry.zh, en=entry.en), *entry.pages, *entry.notes)]
        texts += [("issue", code, Text(zh=i.zh, en=i.en)) for code, i in self.pack.issues.items()]
        texts += [("rule", r.id, t) for r in self.pack.rules for req in r.require
                  for t in (*(req.pages or ()), *req.notes)]
        for kind, owner, text in texts:
            for setting in settings_named(text.zh) + settings_named(text.en):
                if setting not in self.pack.settings:
                    self.emit("DR204", f"{kind} '{owner}' names unknown setting '{setting}' in its text", kind=kind,
                              name=owner, rule=self.pack_rule(owner) if kind == "rule" else None,
                              hint=_suggest(setting, list(self.pack.settings)))
        enabled = [r for r in self.pack.rules if r.enabled]
        required = {d for r in enabled for req in r.require for d in req.named}
        for doc in self.pack.documents:
            if doc not in required:
                self.emit("DR313", f"no rule can require document '{doc}'", kind="document", name=doc,
                          hint="remove it from the catalog, or add a rule that requires it",
                          severity=Severity.warning)
        raised = {r.issue for r in enabled}
        if self.pack.meta.missing_documents is not None:  # the pack raises this one itself
            raised.add(self.pack.meta.missing_documents.issue)
        for code in self.pack.issues:
            if code not in raised:
                self.emit("DR314", f"no rule raises issue {code}", kind="issue", name=code,
                          severity=Severity.warning)

    # the vocabulary ---------------------------------------------------------------------------
    def check_vocabulary(self) -> None:
        roles = self.pack.roles
        principals = [name for name, role in roles.items() if role.of is None]
        if len(principals) != 1:
            names = ", ".join(principals) or "none"
            self.emit("DR215", f"the pack needs exactly one principal role (a role without 'of'); it has {names}",
                      kind="pack", name="", hint='declare one [roles.NAME] without "of", and of = "NAME" on the others')
        for name, role in roles.items():
            if name in RESERVED:
                self.emit("DR214", f"role '{name}' uses a reserved name", kind="role", name=name)
            if role.of is not None and role.of not in principals:
                self.emit("DR213", f"role '{name}' belongs to '{role.of}', which is not the principal role",
                          kind="role", name=name, key="of", hint=_suggest(role.of, principals), needle=role.of)
        for scope, table in (("application", self.pack.facts.application), ("party", self.pack.facts.party)):
            for name, fact in table.items():
                self.check_fact(scope, name, fact)  # type: ignore[arg-type]
        date_fact = self.pack.meta.date_fact
        if date_fact is not None:
            spec = self.vocab.spec("application", date_fact)
            if spec is None or spec.kind != "date" or spec.computed is not None:
                self.emit("DR217", f"[pack] date_fact '{date_fact}' is not a date fact of the application",
                          kind="pack", name="", key="date_fact", needle=date_fact,
                          hint=_suggest(date_fact, [n for (s, n), f in self.vocab.facts.items()
                                                    if s == "application" and f.kind == "date"]))

    def check_fact(self, scope: Scope, name: str, fact: FactDef) -> None:
        key = f"{scope}.{name}"

        def bad(message: str, field: str | None = None, hint: str | None = None) -> None:
            self.emit("DR214", f"fact '{key}': {message}", kind="fact", name=key, key=field, hint=hint)

        if name in RESERVED:
            bad(f"'{name}' is a reserved name")
        if fact.kind == "enum" and not fact.values:
            bad("an enum fact needs its values", "kind", "add [facts.SCOPE.NAME.values] with zh/en labels")
        if fact.values and fact.kind != "enum":
            bad(f"only an enum fact has values (this one is {fact.kind})", "values")
        if fact.choices and fact.kind != "int":
            bad("only a whole-number fact has choices", "choices")
        if (fact.min is not None or fact.max is not None) and fact.kind not in ("int", "decimal"):
            bad("only a number fact has min and max", "min" if fact.min is not None else "max")
        if fact.min is not None and fact.max is not None and fact.min > fact.max:
            bad(f"min {fact.min} is over max {fact.max}", "min")
        if fact.max_length is not None and fact.kind != "text":
            bad("only a text fact has max_length", "max_length")
        if fact.group is not None and fact.group not in self.pack.groups:
            self.emit("DR216", f"fact '{key}' names unknown group '{fact.group}'", kind="fact", name=key,
                      key="group", hint=_suggest(fact.group, list(self.pack.groups)), needle=fact.group)
        computed = fact.computed
        if computed is None:
            return
        if scope != "party":
            bad("only party facts can be computed", "computed")
            return
        if fact.kind != "int":
            bad("a computed fact is a whole number: kind = \"int\"", "kind")
        if isinstance(computed, CountLinked) and computed.excluding is not None:
            spec = self.vocab.spec("party", computed.excluding.fact)
            if spec is None or spec.computed is not None:
                self.emit("DR202", f"fact '{key}' excludes by '{computed.excluding.fact}', which is not a given fact "
                          "of the party", kind="fact", name=key, key="computed", needle=computed.excluding.fact)
            else:
                for value in computed.excluding.values:
                    if spec.kind == "enum" and value not in spec.values:
                        self.emit("DR206", f"fact '{key}': {computed.excluding.fact} has no value '{value}'",
                                  kind="fact", name=key, key="computed", needle=value,
                                  hint=_suggest(value, list(spec.values)))
        if isinstance(computed, CountLinked | MaxLinked):
            for role in [computed.role] if isinstance(computed, CountLinked) else computed.roles:
                if role not in self.pack.roles:
                    self.emit("DR213", f"fact '{key}' names unknown role '{role}'", kind="fact", name=key,
                              key="computed", hint=_suggest(role, list(self.pack.roles)), needle=role)
        if isinstance(computed, YearsSince | MaxLinked):
            wanted = ("date",) if isinstance(computed, YearsSince) else ("int", "decimal")
            source = self.vocab.spec("party", computed.fact)
            if source is None or source.computed is not None or source.kind not in wanted:
                kinds = " or ".join(wanted)
                self.emit("DR202", f"fact '{key}' is computed from '{computed.fact}', which is not a given "
                          f"{kinds} fact of the party", kind="fact", name=key, key="computed",
                          hint=_suggest(computed.fact, [n for (s, n), f in self.vocab.facts.items()
                                                        if s == "party" and f.kind in wanted]),
                          needle=computed.fact)

    # settings ---------------------------------------------------------------------------------
    def check_settings(self) -> None:
        for name, setting in self.pack.settings.items():
            spans = sorted(setting.values, key=lambda v: v.from_)
            for value in spans:
                if value.until is not None and value.until <= value.from_:
                    self.emit("DR303", f"setting '{name}': a value ends ({value.until}) before it starts "
                              f"({value.from_})", kind="setting", name=name)
            for before, after in pairwise(spans):
                if before.until is None or before.until > after.from_:
                    self.emit("DR303", f"setting '{name}': the value from {before.from_} overlaps the value "
                              f"from {after.from_}", kind="setting", name=name,
                              hint=f"end the first with until = {after.from_}")
                elif before.until < after.from_:
                    self.emit("DR402", f"setting '{name}' has no value from {before.until} to {after.from_}",
                              kind="setting", name=name, hint="checks signed in the gap cannot run",
                              severity=Severity.warning)
            kinds = {type(v.value).__name__ for v in setting.values}
            if len(kinds - {"int", "float"}) > 1 or ("str" in kinds and len(kinds) > 1):
                self.emit("DR207", f"setting '{name}': its values are of different types ({', '.join(sorted(kinds))})",
                          kind="setting", name=name)

    def setting_ref(self, rule: RuleDef, text: str, key: tuple[str | int, ...], numeric: bool) -> None:
        name = text.removeprefix("setting.")
        setting = self.pack.settings.get(name)
        if setting is None:
            self.emit("DR204", f"rule '{rule.id}' names unknown setting '{name}'", rule, key,
                      _suggest(name, list(self.pack.settings)), needle=text)
        elif numeric and not all(isinstance(v.value, int | float) and not isinstance(v.value, bool)
                                 for v in setting.values):
            self.emit("DR207", f"rule '{rule.id}': setting '{name}' is not a number", rule, key)

    def check_meta(self) -> None:
        missing = self.pack.meta.missing_documents
        if missing is not None and missing.issue not in self.pack.issues:
            self.emit("DR205", f"[pack] missing_documents raises unknown issue code '{missing.issue}'",
                      key=("missing_documents", "issue"), hint=_suggest(missing.issue, self.pack.issues),
                      kind="pack", name="", needle=missing.issue)
        for stage in missing.stages if missing is not None else ():
            if stage not in self.pack.stages:
                self.emit("DR211", f"[pack] missing_documents names unknown stage '{stage}'",
                          key=("missing_documents", "stages"), hint=_suggest(stage, self.pack.stages),
                          kind="pack", name="", needle=stage)

    def pack_rule(self, rule_id: str) -> RuleDef | None:
        return next((r for r in self.pack.rules if r.id == rule_id), None)

    def check_whose(self, rule: RuleDef, whose: str, key: tuple[str | int, ...]) -> None:
        allowed = ["party", "application", self.pack.principal]
        if whose not in allowed:
            self.emit("DR212", f"rule '{rule.id}': whose = '{whose}' names no one", rule, key,
                      _suggest(whose, allowed) or f"one of: {', '.join(allowed)}")

    # rules ------------------------------------------------------------------------------------
    def check_rule(self, rule: RuleDef) -> None:
        scope: Scope = "application" if rule.for_ == "application" else "party"
        if not rule.sources:
            self.emit("DR401", f"rule '{rule.id}' cites no source section", rule, "sources",
                      'add sources = ["..."] with the section ids of the policy text it follows',
                      severity=Severity.warning)
        if rule.from_ and rule.until and rule.until <= rule.from_:
            self.emit("DR303", f"rule '{rule.id}' ends ({rule.until}) before it starts ({rule.from_})",
                      rule, "until")
        effects = [bool(rule.require), rule.issue is not None, rule.derive is not None,
                   rule.min_copies is not None, rule.amount is not None, rule.reject is not None, bool(rule.ask)]
        if not any(effects):
            self.emit("DR302", f"rule '{rule.id}' has no effect", rule, None,
                      "give it require, issue, derive, min_copies, amount, reject or ask")
        for alone, word in ((rule.derive, "derives a fact"), (rule.reject, "refuses facts")):
            if alone is not None and sum(effects) > 1:
                self.emit("DR302", f"rule '{rule.id}' {word} and does something else", rule,
                          "derive" if rule.derive is not None else "reject", "split it in two rules")
        if rule.derive is not None and (scope, rule.derive) in self.vocab.facts:
            self.emit("DR209", f"rule '{rule.id}' derives '{rule.derive}', which is already a fact",
                      rule, "derive")
        for name in rule.ask:
            spec = self.vocab.spec(scope, name)
            if spec is None or spec.computed is not None:
                self.emit("DR202", f"rule '{rule.id}' asks for '{name}', which is not a given fact of the {scope}",
                          rule, "ask", _suggest(name, self.vocab.given(scope)), needle=name)
        if rule.reject is not None and not rule.when.strip():
            self.emit("DR302", f"rule '{rule.id}' refuses facts but has no condition: it would refuse every check",
                      rule, "reject", "give it the condition under which the facts cannot be true")
        if rule.reject is not None and self.vocab.spec(scope, rule.reject.fact) is None:
            self.emit("DR202", f"rule '{rule.id}' refuses unknown fact '{rule.reject.fact}'", rule, "reject",
                      _suggest(rule.reject.fact, [n for (s, n) in self.vocab.facts if s == scope]),
                      needle=rule.reject.fact)
        try:
            expr = parse(rule.when, self.pack.principal)
        except ExprError as exc:
            ref = Ref("", "", exc.line, exc.column)
            self.emit("DR201", f"rule '{rule.id}': {exc.message}", rule, "when", exc.hint, ref)
        else:
            self.check_expr(rule, scope, expr)
            if rule.amount is not None and not any(
                    r.alias == "app" and r.name == rule.amount.base for r in refs(expr)):
                self.emit("DR210", f"rule '{rule.id}' computes an amount from app.{rule.amount.base} but its "
                          "condition does not test it", rule, "amount",
                          f"add it to the condition, e.g. when = 'app.{rule.amount.base} >= 0', so that an "
                          "unknown value is asked for")
        for i, req in enumerate(rule.require):
            if bool(req.documents) == bool(req.one_of):
                self.emit("DR302", f"rule '{rule.id}': require[{i}] needs documents or one_of, not both",
                          rule, ("require", i), 'documents = ["a", "b"] asks for each; one_of = [["a", "b"], ["c"]] '
                          "for any one complete set")
            if len(req.one_of) == 1:
                self.emit("DR302", f"rule '{rule.id}': require[{i}] one_of lists one set: use documents",
                          rule, ("require", i, "one_of"))
            for doc in req.named:
                if doc not in self.pack.documents:
                    self.emit("DR203", f"rule '{rule.id}' names unknown document '{doc}'", rule,
                              ("require", i, "documents"), _suggest(doc, list(self.pack.documents)),
                              needle=doc)
            if req.stage not in self.pack.stages:
                self.emit("DR211", f"rule '{rule.id}' names unknown stage '{req.stage}'", rule,
                          ("require", i, "stage"), _suggest(req.stage, list(self.pack.stages)), needle=req.stage)
            self.check_whose(rule, req.whose, ("require", i, "whose"))
            if scope == "application" and req.whose != "application":
                self.emit("DR208", f"rule '{rule.id}' is for the application; its documents must be "
                          f"whose = \"application\"", rule, ("require", i))
            for field_name in ("originals", "copies"):
                count = getattr(req, field_name)
                if isinstance(count, str):
                    self.setting_ref(rule, count, ("require", i, field_name), numeric=True)
        if rule.issue is not None and rule.issue not in self.pack.issues:
            self.emit("DR205", f"rule '{rule.id}' raises unknown issue code '{rule.issue}'", rule, "issue",
                      _suggest(rule.issue, list(self.pack.issues)), needle=rule.issue)
        if rule.min_copies is not None:
            self.check_whose(rule, rule.min_copies.whose, ("min_copies", "whose"))
            for stage in rule.min_copies.stages:
                if stage not in self.pack.stages:
                    self.emit("DR211", f"rule '{rule.id}' names unknown stage '{stage}'", rule,
                              ("min_copies", "stages"), _suggest(stage, list(self.pack.stages)), needle=stage)
            if scope == "application":
                self.emit("DR208", f"rule '{rule.id}': min_copies needs a party rule", rule, "min_copies")
            if isinstance(rule.min_copies.copies, str):
                self.setting_ref(rule, rule.min_copies.copies, ("min_copies",), numeric=True)
        if rule.amount is not None:
            spec = self.vocab.spec("application", rule.amount.base)
            if spec is None or spec.kind not in ("int", "decimal"):
                self.emit("DR202", f"rule '{rule.id}': amount base '{rule.amount.base}' is not a number "
                          f"fact of the application", rule, "amount", _suggest(
                              rule.amount.base, [n for (s, n), f in self.vocab.facts.items()
                                                 if s == "application" and f.kind in ("int", "decimal")]))
            if isinstance(rule.amount.rate, str):
                self.setting_ref(rule, rule.amount.rate, ("amount",), numeric=True)

    def check_expr(self, rule: RuleDef, scope: Scope, expr: Expr) -> None:
        for node in _atoms(expr):
            ref = node.ref
            if ref.alias == "setting":  # a true/false setting standing alone: a switch in a condition
                setting = self.pack.settings.get(ref.name)
                if setting is None:
                    self.emit("DR204", f"rule '{rule.id}' names unknown setting '{ref.name}'", rule, "when",
                              _suggest(ref.name, list(self.pack.settings)), ref)
                elif not isinstance(node, Truth) or not all(isinstance(v.value, bool) for v in setting.values):
                    self.emit("DR207", f"rule '{rule.id}': only a true/false setting can stand alone "
                              f"('{ref}')", rule, "when", None, ref)
                continue
            if ref.alias not in ALIAS_SCOPE:
                shown = ref.written or ref.alias
                self.emit("DR202", f"rule '{rule.id}' names '{ref}', but '{shown}' is not a name a condition "
                          f"knows", rule, "when", f"use party.X, app.X, setting.X or {self.pack.principal}.X", ref)
                continue
            if ref.alias in ("party", "principal") and scope == "application":
                self.emit("DR208", f"rule '{rule.id}' is for the application and cannot name {ref}",
                          rule, "when", "use for = \"party\" to check each party", ref)
                continue
            spec, derived = self.fact(ref)
            if spec is None and not derived:
                fact_scope = ALIAS_SCOPE[ref.alias]
                names = [n for (s, n) in self.vocab.facts if s == fact_scope] + [
                    n for (s, n) in self.derived if s == fact_scope]
                self.emit("DR202", f"rule '{rule.id}' names unknown fact '{ref}'", rule, "when",
                          _suggest(ref.name, names), ref)
                continue
            if isinstance(node, Truth):
                if spec is not None and spec.kind != "bool":
                    self.emit("DR207", f"rule '{rule.id}': '{ref}' is not true/false; compare it",
                              rule, "when", None, ref)
            elif isinstance(node, Known):
                if derived:
                    self.emit("DR207", f"rule '{rule.id}': derived fact '{ref}' is never missing",
                              rule, "when", None, ref)
            else:
                self.check_cmp(rule, node, spec)

    def fact(self, ref: Ref) -> tuple[FactSpec | None, bool]:
        scope = ALIAS_SCOPE[ref.alias]
        return self.vocab.spec(scope, ref.name), (scope, ref.name) in self.derived

    def check_cmp(self, rule: RuleDef, cmp: Cmp, spec: FactSpec | None) -> None:
        ref = cmp.ref
        kind = "bool" if spec is None else spec.kind
        values: list[object]
        if isinstance(cmp.value, Ref):
            if cmp.value.alias != "setting" or cmp.value.name not in self.pack.settings:
                self.emit("DR204", f"rule '{rule.id}' names unknown setting '{cmp.value.name}'", rule,
                          "when", _suggest(cmp.value.name, list(self.pack.settings)), cmp.value)
                return
            raw: list[SettingValue] = [v.value for v in self.pack.settings[cmp.value.name].values]
            if cmp.op in ("in", "not in"):
                if not all(isinstance(v, list) for v in raw):
                    self.emit("DR207", f"rule '{rule.id}': setting '{cmp.value.name}' is not a list",
                              rule, "when", None, cmp.value)
                    return
                values = [x for v in raw if isinstance(v, list) for x in v]
            else:
                values = list(raw)
        else:
            values = list(cmp.value) if isinstance(cmp.value, tuple) else [cmp.value]
        ops = {"enum": ("==", "!=", "in", "not in"), "bool": ("==", "!="), "text": ("==", "!=", "in", "not in")}
        if kind in ops and cmp.op not in ops[kind]:
            self.emit("DR207", f"rule '{rule.id}': '{ref}' cannot be compared with {cmp.op}", rule, "when",
                      f"use one of {', '.join(ops[kind])}", ref)
            return
        for value in values:
            problem = _value_problem(kind, spec, value)
            if problem:
                message, hint = problem
                self.emit("DR206" if kind == "enum" else "DR207",
                          f"rule '{rule.id}': {ref} {message}", rule, "when", hint, ref)

    def check_cycles(self) -> None:
        graph: dict[tuple[Scope, str], set[tuple[Scope, str]]] = {}
        for key, rules in self.derived.items():
            deps: set[tuple[Scope, str]] = set()
            for rule in rules:
                try:
                    expr = parse(rule.when, self.pack.principal)
                except ExprError:
                    continue
                for ref in refs(expr):
                    if ref.alias in ALIAS_SCOPE and (ALIAS_SCOPE[ref.alias], ref.name) in self.derived:
                        deps.add((ALIAS_SCOPE[ref.alias], ref.name))
            graph[key] = deps
        for cycle in _cycles(graph):
            names = " → ".join(f"{n}" for _, n in cycle)
            first = self.derived[cycle[0]][0]
            self.emit("DR301", f"derived facts form a cycle: {names}", first, "derive",
                      "a derived fact cannot depend on itself; break the cycle")


def _atoms(expr: Expr) -> Iterator[Cmp | Truth | Known]:
    if isinstance(expr, Cmp | Truth | Known):
        yield expr
    elif hasattr(expr, "items"):
        for item in expr.items:
            yield from _atoms(item)
    elif hasattr(expr, "item"):
        yield from _atoms(expr.item)


def _value_problem(kind: str, spec: FactSpec | None, value: object) -> tuple[str, str | None] | None:
    if kind == "enum" and spec is not None:
        if value not in spec.values:
            return (f"has no value {value!r}", _suggest(str(value), list(spec.values))
                    or f"one of: {', '.join(spec.values)}")
    elif kind == "bool":
        if not isinstance(value, bool):
            return f"is true or false, not {value!r}", None
    elif kind in ("int", "decimal"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"is a number, not {value!r}", None
    elif kind == "date":
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return f"is a date; write \"YYYY-MM-DD\" (got {value!r})", None
    elif kind == "text" and not isinstance(value, str):
        return f"is text, not {value!r}", None
    return None


def _cycles(graph: dict[tuple[Scope, str], set[tuple[Scope, str]]]) -> list[list[tuple[Scope, str]]]:
    """One cycle per strongly tangled group, each listed from its smallest member and closed."""
    found: list[list[tuple[Scope, str]]] = []
    seen_cycles: set[frozenset[tuple[Scope, str]]] = set()

    def walk(node: tuple[Scope, str], stack: list[tuple[Scope, str]]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in stack:
                cycle = stack[stack.index(nxt):]
                members = frozenset(cycle)
                if members not in seen_cycles:
                    seen_cycles.add(members)
                    start = cycle.index(min(cycle))
                    ordered = cycle[start:] + cycle[:start]
                    found.append([*ordered, ordered[0]])
            elif len(stack) < 64:
                walk(nxt, [*stack, nxt])

    for node in sorted(graph):
        walk(node, [node])
    return found


def check_pack(pack: RulePack, maps: Mapping[str, SourceMap]) -> list[Diagnostic]:
    return _Checker(pack, maps).run()
