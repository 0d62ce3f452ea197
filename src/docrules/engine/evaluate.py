"""(compiled program, facts) → Result. durable-rules decides what matched; this turns matches into
checklist lines, issues and questions, merging lines that several rules ask for."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, partial
from itertools import repeat
from typing import Any, TypeVar

from pydantic import TypeAdapter
from pydantic_core import to_json

from ..diagnostics import Diagnostic, FactsError
from ..facts.model import Facts
from ..facts.vocabulary import Vocabulary, linked_parties
from ..pack.model import RulePack, Whose
from ..results import Issue, IssueSeverity, Item, Piece, Question, Result, Spliced, Status, Text, for_party
from .compile import PRINCIPAL_PREFIX, Program
from .durable import Ruleset
from .effects import REACH, SEVERITIES, SUBJECT, Effects, Share
from .memo import Memo
from .readings import Reading, Trace, trace_of
from .rows import Rows


def principal_positions(facts: Facts) -> list[int]:
    """For each party, the position of the principal it belongs to (a principal's own: it names no one)."""
    named = [p.of for p in facts.parties]
    if named.count(None) == len(named):  # most applications: no one belongs to anyone
        return list(range(len(named)))
    index = {p.id: i for i, p in enumerate(facts.parties)}
    return [i if of is None else index.get(of, i) for i, of in enumerate(named)]


def engine_facts(program: Program, vocabulary: Vocabulary, facts: Facts, day: date | None,
                 principals: list[int]) -> Rows:
    """The facts as durable-rules sees them: only what some rule names, parties by position, each
    party carrying its principal's facts that rules name (PRINCIPAL_PREFIX)."""
    application = vocabulary.reader("application", program.app_facts)
    linked = linked_parties(facts)  # what computed facts count, for each party once
    reader = vocabulary.reader("party", program.party_facts)
    rows, keys = reader.rows(facts, day, linked), reader.keys
    if program.principal_facts:
        of_principal = vocabulary.reader("party", program.principal_facts, PRINCIPAL_PREFIX)
        theirs = of_principal.rows(facts, day, linked, set(principals))
        rows = [own + theirs[principal] for own, principal in zip(rows, principals, strict=True)]
        keys += of_principal.keys
    return Rows({"app": application.keys, "party": keys},
                [("app", "a", application.row(facts.application)),
                 *zip(repeat("party"), _party_ids(len(rows)), rows)])


@cache
def _party_ids(count: int) -> tuple[str, ...]:
    """The engine's ids of `count` parties (a party's position is in its id: readings.trace_of)."""
    return tuple(f"p{n}" for n in range(count))


@dataclass
class _Line:
    originals: int = 0
    copies: int = 0
    pages: dict[Text, None] = field(default_factory=dict)  # ordered sets
    notes: dict[Text, None] = field(default_factory=dict)
    rules: dict[str, None] = field(default_factory=dict)
    sources: dict[str, None] = field(default_factory=dict)
    alternatives: tuple[tuple[int, ...], ...] | None = None  # a "one of these sets" line
    label: Text | None = None

    def cite(self, effects: Effects) -> None:
        self.rules[effects.rule] = None
        self.sources.update(dict.fromkeys(effects.sources))


_Key = tuple[int, int, int]  # (stage or severity, party position or -1, document or issue code)
_Listed = dict[tuple[int, int], list[dict[str, str | None]]]  # (severity, code) → the lines an issue lists


class _Builder:
    """Which rules fired on whom, kept as indices: each party's (and the application's) share of the
    result is merged from them only when the program's memo of shares has none for the same rules."""

    def __init__(self, pack: RulePack, program: Program, facts: Facts, principals: list[int]) -> None:
        self.pack, self.program, self.facts = pack, program, facts
        # by whose share it is (a party's position, -1 the application): what each subject's rules add
        # to it (rule * 8 + the REACH bits of the rule's lines and issue that are that share's, in rule
        # order), a subject at most once, in subject order
        self.shares: dict[int, list[tuple[int, ...]]] = {}
        self.minimums: dict[int, list[int]] = {}  # the rules setting a minimum of copies, by whose lines
        self.amounts: dict[str, tuple[str, str, Decimal]] = {}  # the first rule naming each amount
        self.principal = principals

    def gather(self, readings: list[tuple[int, Reading, dict[str, str] | None]]
               ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Each subject's share of what its rules add; the rules refusing the facts and the rules that
        hold and ask facts of their subject, as (rule, subject) in that order."""
        shares, principals = self.shares, self.principal
        rare: list[tuple[int, Reading]] = []
        for subject, reading, _ in readings:
            if subject < 0:
                if reading.own:
                    shares.setdefault(-1, []).append(reading.own)
            else:
                principal = principals[subject]  # a principal's is itself: its principal's lines are its own
                if principal == subject:
                    if reading.own:
                        shares.setdefault(subject, []).append(reading.own)
                else:
                    if reading.as_member:
                        shares.setdefault(subject, []).append(reading.as_member)
                    if reading.up:
                        shares.setdefault(principal, []).append(reading.up)
                if reading.to_application:
                    shares.setdefault(-1, []).append(reading.to_application)
            if reading.rare:
                rare.append((subject, reading))
        if not rare:
            return [], []
        # in (rule, subject) order, as the rules of a result are cited
        minimums, amounts, refusing, holding = [], [], [], []
        for subject, reading in rare:  # each kind is rarer still
            if reading.minimums:
                minimums += [(rule, subject, whose) for rule, whose in reading.minimums]
            if reading.amounts:
                amounts += [(rule, subject, amount) for rule, amount in reading.amounts]
            if reading.refusals:
                refusing += [(rule, subject) for rule in reading.refusals]
            if reading.holding:
                holding += [(rule, subject) for rule in reading.holding]
        for rule, subject, whose in _ordered(minimums):
            self.minimums.setdefault(-1 if whose is Whose.application or subject < 0 else
                                     principals[subject] if whose is Whose.principal else subject,
                                     []).append(rule)
        for _, _, amount in _ordered(amounts):
            self.amounts.setdefault(amount[0], amount)
        return _ordered(refusing), _ordered(holding)

    def codes(self, whose: int) -> tuple[int, ...] | list[int]:
        """What the rules add to one share, in (rule, subject) order."""
        added = self.shares.get(whose, ())
        if len(added) == 1:
            return added[0]
        return [code for _, _, code in sorted((code >> 3, n, code) for n, codes in enumerate(added) for code in codes)]

    def merge(self, whose: int) -> tuple[dict[tuple[int, int], _Line], dict[tuple[int, int], _Line]]:
        """One share's checklist lines (by stage and document) as every rule asking for each wants it —
        the most originals and copies, every page, note, rule and source in rule order, then the
        minimums of copies that apply — and its issues (by severity and code) with the rules raising them."""
        lines: dict[tuple[int, int], _Line] = {}
        issues: dict[tuple[int, int], _Line] = {}
        for code in self.codes(whose):
            effects = self.program.effects[code >> 3]
            for plan in effects.lines:
                if not code & REACH[plan.whose]:
                    continue
                line = lines.get((plan.stage, plan.document))
                if line is None:
                    line = lines[(plan.stage, plan.document)] = _Line()
                line.originals = max(line.originals, plan.originals)
                line.copies = max(line.copies, plan.copies)
                if plan.alternatives is not None:
                    line.alternatives, line.label = plan.alternatives, plan.label
                line.pages.update(dict.fromkeys(plan.pages))
                line.notes.update(dict.fromkeys(plan.notes))
                line.cite(effects)
            if effects.issue is not None and code & SUBJECT:
                issues.setdefault(effects.issue, _Line()).cite(effects)
        for rule_index in self.minimums.get(whose, ()):
            effects = self.program.effects[rule_index]
            assert effects.min_copies is not None
            _, copies, stages = effects.min_copies
            for (stage, _), line in lines.items():
                if line.copies > 0 and (stages is None or stage in stages):
                    line.copies = max(line.copies, copies)
                    line.cite(effects)
        return lines, issues

    def party_id(self, index: int) -> str | None:
        return None if index < 0 else self.facts.parties[index].id

    def mark_received(self, merged: dict[int, tuple[dict[tuple[int, int], _Line], dict[tuple[int, int], _Line]]]
                      ) -> tuple[dict[_Key, dict[str, int]], dict[_Key, bool], _Listed]:
        """What was handed in for each line, and whether it falls short; raises the pack's
        missing-documents issue (in the application's share) for short lines of its stages, with the
        lines it lists."""
        assert self.facts.received is not None
        documents = list(self.pack.documents)
        stage_names = list(self.pack.stages)
        rule = self.pack.meta.missing_documents
        default = rule.stages[0] if rule is not None else None  # None: it counts at every stage
        handed = {(got.party, got.document, got.stage or default): got for got in self.facts.received}

        def counts(party: int, doc: int, stage: int) -> tuple[int, int]:
            key = (self.party_id(party), documents[doc])
            got = handed.get((*key, stage_names[stage])) or handed.get((*key, None))
            return (got.originals, got.copies) if got is not None else (0, 0)

        received: dict[_Key, dict[str, int]] = {}
        missing: dict[_Key, bool] = {}
        for party, (lines, _) in merged.items():
            for (stage, doc), line in lines.items():
                # a line of alternatives is complete when any one set is: report the set that is, or
                # else the set closest to it, as the least handed in of its documents
                sets = line.alternatives or ((doc,),)
                got = [[counts(party, d, stage) for d in group] for group in sets]
                best = max(got, key=lambda g: (all(o >= line.originals and c >= line.copies for o, c in g),
                                               sum(min(o, line.originals) + min(c, line.copies) for o, c in g)))
                originals, copies = min(o for o, _ in best), min(c for _, c in best)
                received[(stage, party, doc)] = {"originals": originals, "copies": copies}
                missing[(stage, party, doc)] = originals < line.originals or copies < line.copies
        listed: _Listed = {}
        if rule is not None:
            stages = {list(self.pack.stages).index(s) for s in rule.stages}
            short = sorted(key for key, is_missing in missing.items() if is_missing and key[0] in stages)
            if short:
                definition = self.pack.issues[rule.issue]
                key = (SEVERITIES.index(definition.severity), list(self.pack.issues).index(rule.issue))
                merged.setdefault(-1, ({}, {}))[1][key] = _Line()
                listed[key] = [{"party": self.party_id(party), "document": documents[doc]} for _, party, doc in short]
        return received, missing, listed

    def finish(self) -> tuple[tuple[Item, ...], tuple[Issue, ...], list[str], list[str]]:
        """The result's items and issues in order, with their JSON, from every share: finished ones from
        the program's memo, the others merged and validated (and kept). Documents handed in change lines
        and issues, so a check that tracks them shares nothing."""
        if self.facts.received is not None:
            merged = {whose: self.merge(whose) for whose in self.shares}
            received, missing, listed = self.mark_received(merged)
            shares = [self.share(whose, *merged[whose], received, missing, listed) for whose in sorted(merged)]
        else:
            shares, kept = [], self.program.shares
            for whose in sorted(self.shares):
                key = (self.party_id(whose), *self.shares[whose], *self.minimums.get(whose, ()))
                share = kept.get(key)
                shares.append(share if share is not None else
                              _missed(kept, self.program.templates, key, partial(self.made, whose), _for_party))
        # in (stage, party, document) and (severity, party, code) order: shares are in party order
        items: list[Item] = []
        items_json: list[str] = []
        for stage in range(len(self.pack.stages)):
            for share in shares:
                if share.items[stage]:
                    items.extend(share.items[stage])
                    items_json.extend(share.items_json[stage])
        issues: list[Issue] = []
        issues_json: list[str] = []
        for severity in range(len(SEVERITIES)):
            for share in shares:
                if share.issues[severity]:
                    issues.extend(share.issues[severity])
                    issues_json.extend(share.issues_json[severity])
        return tuple(items), tuple(issues), items_json, issues_json

    def made(self, whose: int) -> Share:
        """One share merged and validated, for a check that tracks no documents handed in."""
        return self.share(whose, *self.merge(whose), {}, {}, {})

    def share(self, whose: int, lines: dict[tuple[int, int], _Line], issues: dict[tuple[int, int], _Line],
              received: dict[_Key, dict[str, int]], missing: dict[_Key, bool],
              listed: _Listed) -> Share:
        """One share's lines and issues as result models, validated together (one call into pydantic's
        core is much cheaper than a model per line)."""
        stage_names = list(self.pack.stages)
        party_id = self.party_id(whose)
        lines_in_order, issues_in_order = sorted(lines.items()), sorted(issues.items())
        item_data = []
        for (stage, doc), line in lines_in_order:
            document, label = self.program.documents[doc]
            alternatives = None if line.alternatives is None else [
                [self.program.documents[d][0] for d in group] for group in line.alternatives]
            item_data.append({"stage": stage_names[stage], "party": party_id, "document": document,
                              "label": line.label or label, "originals": line.originals,
                              "copies": line.copies, "pages": list(line.pages), "notes": list(line.notes),
                              "rules": list(line.rules), "sources": list(line.sources),
                              "received": received.get((stage, whose, doc)),
                              "missing": missing.get((stage, whose, doc)), "alternatives": alternatives})
        issue_data = []
        for (severity, code), line in issues_in_order:
            name, message = self.program.issues[code]
            issue_data.append({"code": name, "severity": SEVERITIES[severity], "party": party_id,
                               "message": message, "rules": list(line.rules), "sources": list(line.sources),
                               "documents": listed.get((severity, code)) if whose < 0 else None})
        items, issues_ = _share_adapter().validate_python((item_data, issue_data))
        by_stage: list[list[Item]] = [[] for _ in self.pack.stages]
        by_stage_json: list[list[str]] = [[] for _ in self.pack.stages]
        for ((stage, _), _), item in zip(lines_in_order, items, strict=True):
            kept, text = self.kept(item)
            by_stage[stage].append(kept)
            by_stage_json[stage].append(text)
        by_severity: list[list[Issue]] = [[] for _ in SEVERITIES]
        by_severity_json: list[list[str]] = [[] for _ in SEVERITIES]
        for ((severity, _), _), issue in zip(issues_in_order, issues_, strict=True):
            kept_issue, text = self.kept(issue)
            by_severity[severity].append(kept_issue)
            by_severity_json[severity].append(text)
        return Share(tuple(map(tuple, by_stage)), tuple(map(tuple, by_severity)),
                     tuple(map(tuple, by_stage_json)), tuple(map(tuple, by_severity_json)))

    def kept(self, piece: Piece) -> tuple[Piece, str]:
        """The piece the program keeps that is equal to `piece` (the same JSON), with its JSON. Pieces
        with documents handed in are one application's own: not kept."""
        text = piece.model_dump_json()
        if self.facts.received is not None:
            return piece, text
        found = self.program.pieces.get(text)
        if found is None:
            self.program.pieces.put(text, (piece, text))
            return piece, text
        assert isinstance(found[0], type(piece))  # the JSON of an item and of an issue never match
        return found[0], found[1]


def _for_party(share: Share, was: str, party: str) -> Share:
    """`share`, made for the party with id `was`, for the party with id `party`: a share depends on the
    rules that fired and on no id but its own."""
    ids = _ids(was, party)

    def moved(by_order: tuple[tuple[Piece, ...], ...], texts: tuple[tuple[str, ...], ...]
              ) -> tuple[tuple[tuple[Piece, ...], ...], tuple[tuple[str, ...], ...]]:
        pairs = [[_moved(piece, text, party, ids) for piece, text in zip(pieces, json, strict=True)]
                 for pieces, json in zip(by_order, texts, strict=True)]
        return (tuple(tuple(piece for piece, _ in pair) for pair in pairs),
                tuple(tuple(text for _, text in pair) for pair in pairs))

    (items, items_json), (issues, issues_json) = moved(share.items, share.items_json), moved(share.issues,
                                                                                            share.issues_json)
    return Share(items, issues, items_json, issues_json)


def _ids(was: str, party: str) -> tuple[str, str]:
    """The JSON text of the `party` key with the id `was`, and with the id `party`."""
    return f'"party":{to_json(was).decode()}', f'"party":{to_json(party).decode()}'


def _moved(piece: Piece, text: str, party: str, ids: tuple[str, str]) -> tuple[Piece, str]:
    """A piece and its JSON for the party with id `party` (`ids`: see `_ids`). The id is the JSON's
    first `"party":` key's value: a JSON string never holds an unescaped quote, so the text cannot
    occur inside one, and no field before it holds an object."""
    return for_party(piece, party), text.replace(*ids, 1)


_ONE = Decimal(1)
Row = TypeVar("Row", bound=tuple[Any, ...])


def _ordered(rows: list[Row]) -> list[Row]:
    """`rows` sorted (most are empty or one)."""
    return sorted(rows) if len(rows) > 1 else rows


def _amount(value: Decimal | int | float, rate: Decimal) -> int:
    """`value` * `rate` in whole units, half up (away from zero); a float by its text."""
    if type(value) is int:  # most bases (whole units): the same rounding in integers, five times cheaper
        numerator, denominator = _ratio(rate)
        exact = value * numerator
        whole = (2 * abs(exact) + denominator) // (2 * denominator)
        return whole if exact >= 0 else -whole
    product = (value if isinstance(value, Decimal) else Decimal(str(value))) * rate
    return int(product.quantize(_ONE, rounding=ROUND_HALF_UP))


@cache
def _ratio(rate: Decimal) -> tuple[int, int]:
    return rate.as_integer_ratio()


@cache
def _share_adapter() -> TypeAdapter[tuple[tuple[Item, ...], tuple[Issue, ...]]]:
    """Made on first use: it costs milliseconds that commands checking nothing need not pay."""
    return TypeAdapter(tuple[tuple[Item, ...], tuple[Issue, ...]])


def match(program: Program, ruleset: Ruleset, vocabulary: Vocabulary, facts: Facts, day: date | None) -> Trace:
    """What durable-rules matches for `facts`; `day` dates computed facts (None: unknown)."""
    principals = principal_positions(facts)
    asserted = engine_facts(program, vocabulary, facts, day, principals)
    return trace_of(program, asserted, principals, ruleset.run(asserted))


def _refusal(effects: Effects, subject: int) -> Diagnostic:
    """A rule of the pack refusing these facts (facts that cannot be true), naming its fact."""
    assert effects.reject is not None
    fact, why = effects.reject
    path = f"application.{fact}" if subject < 0 else f"parties[{subject}].{fact}"
    return Diagnostic(code="DR529", path=path, rule=effects.rule, message=f"{path}: {why.en}", zh=f"{path}: {why.zh}")


def build(pack: RulePack, program: Program, vocabulary: Vocabulary, facts: Facts, trace: Trace,
          day: date) -> Result:
    """The result of one check on its policy date `day` (a program serves a whole policy period).
    Raises `FactsError` when a rule of the pack refuses the facts."""
    b = _Builder(pack, program, facts, trace.principals)
    refusing, holding = b.gather(trace.readings)
    if refusing:
        raise FactsError([_refusal(program.effects[rule], subject) for rule, subject in refusing])
    items, issues, items_json, issues_json = b.finish()
    asked = _questions(program, vocabulary, facts, trace, holding)
    questions, questions_json = _kept_questions(program, asked) if asked else ((), [])
    amounts = {}
    for name, base, rate in b.amounts.values():
        amounts[name] = _amount(getattr(facts.application, base), rate)
    # Everything is validated already (the shares, the questions, the program's parts) or made here of
    # checked parts, and constructing the result costs a fraction of validating it again.
    return Result.assembled(
        Spliced(items, issues, questions, items_json, issues_json, questions_json),
        status=_status({issue.severity for issue in issues}, bool(questions)),
        amounts=dict(sorted(amounts.items())), pack=program.info, as_of=day, settings=dict(program.result_settings))


def _kept_questions(program: Program, asked: list[tuple[str | None, str, tuple[str, ...]]]
                    ) -> tuple[tuple[Question, ...], list[str]]:
    """The questions (party, fact, rules) as result models with their JSON, each kept by the program
    once validated (most checks ask the same few), or copied from the same question of another party."""
    questions, texts = [], []
    for key in asked:
        found = program.questions.get(key)
        question, text = found if found is not None else _missed(
            program.questions, program.question_templates, key, partial(_question, *key), _question_for_party)
        questions.append(question)
        texts.append(text)
    return tuple(questions), texts


def _question(party: str | None, fact: str, rules: tuple[str, ...]) -> tuple[Question, str]:
    question = Question.model_validate({"party": party, "fact": fact, "rules": rules})
    return question, question.model_dump_json()


def _question_for_party(kept: tuple[Question, str], was: str, party: str) -> tuple[Question, str]:
    return _moved(*kept, party, _ids(was, party))


Kept = TypeVar("Kept")


def _missed(memo: Memo[Hashable, Kept], templates: Memo[Hashable, tuple[Kept, str]], key: tuple[Any, ...],
            make: Callable[[], Kept], moved: Callable[[Kept, str, str], Kept]) -> Kept:
    """What `memo` does not keep under `key` (the party's id first, None for the application's, then
    what the thing is of): the same thing of another party, `moved` from its id to this one (kept for
    this party only when it comes again: ids are often an application's own); else made and kept,
    with the id it was made for. Callers look in `memo` first: most checks find it there."""
    party = key[0]
    template = None if party is None else templates.get(key[1:])
    if template is not None:
        found = moved(*template, party)
        memo.put_if_asked_again(key, found)
        return found
    found = make()
    memo.put(key, found)
    if party is not None:
        templates.put(key[1:], (found, party))
    return found


def _questions(program: Program, vocabulary: Vocabulary, facts: Facts, trace: Trace,
               holding: list[tuple[int, int]]) -> list[tuple[str | None, str, tuple[str, ...]]]:
    """For each rule the engine could not decide, the missing facts it names — or, for a computed
    fact such as an age, the given facts it is computed from that are missing; and for each rule that
    holds (`holding`: (rule, subject) in that order), the facts it asks to be known that are missing."""
    # (party or -1, fact) → the rules asking it (ids are unique), each ranked (0 undecided or 1 holding,
    # rule) where first seen: listed in that order, as if the rules were visited in (rule, subject) order
    asked: dict[tuple[int, int], dict[str, tuple[int, int]]] = {}
    # what a fact of one engine fact asks, by (engine fact id, property): many rules ask the same
    wanted: dict[tuple[str, str], list[tuple[int, int]]] = {}
    principals, order = trace.principals, vocabulary.order
    for subject, reading, frame in trace.readings:
        for (alias, prop, principal, scope, fact, given), ranked in reading.asking:
            if frame is not None:
                bound_by: Iterable[tuple[str | None, tuple[tuple[str, tuple[int, int]], ...]]] = (
                    (frame.get(alias), ranked),)
            else:  # the engine's own report: each rule's match has a frame of its own
                bound_by = [(trace.asks[(rank[1], subject)].get(alias), ((rule, rank),)) for rule, rank in ranked]
            for bound, rules in bound_by:
                if bound is None:
                    continue
                keys = wanted.get((bound, prop))
                if keys is None:
                    keys = wanted[(bound, prop)] = []
                    if trace.engine.value(bound, prop) is None:
                        owner = -1 if scope == "application" else int(bound[1:])
                        if principal:
                            owner = principals[owner]
                        keys += [(owner, given)] if given >= 0 else [
                            (target, order[("application" if target < 0 else "party", name)])
                            for target, name in vocabulary.inputs(scope, fact, owner, facts)]
                for key in keys:
                    listed = asked.get(key)
                    if listed is None:
                        asked[key] = dict(rules)
                    else:
                        for rule, rank in rules:
                            listed.setdefault(rule, rank)
    for rule_index, subject in holding:
        holder = facts.application if subject < 0 else facts.parties[subject]
        effects = program.effects[rule_index]
        for name in effects.ask:
            if getattr(holder, name) is None:
                key = (subject, order[("application" if subject < 0 else "party", name)])
                asked.setdefault(key, {}).setdefault(effects.rule, (1, rule_index))
    if not asked:
        return []
    names = list(vocabulary.facts)
    return [(None if target < 0 else facts.parties[target].id, names[n][1], tuple(sorted(rules, key=rules.__getitem__)))
            for (target, n), rules in sorted(asked.items())]


def _status(severities: set[IssueSeverity], questions: bool) -> Status:
    if IssueSeverity.block in severities:
        return Status.blocked
    if IssueSeverity.escalate in severities:
        return Status.needs_escalation
    if questions:
        return Status.incomplete
    return Status.ready
