"""The floor: a Foshan policy hand-coded in plain Python, no rules engine.

The policy it codes is the Foshan pack's first reading, kept as it was in `bench/floor_pack/` (the
default pack has since taken the second reading: more rules, alternatives, stage-scoped copies and
asked facts, which this floor does not code). It computes the same result as docrules does with
`bench/floor_pack/` (the benchmark checks this on every application), so the benchmark's ratio is the
price of the rules engine. The conditions are Python code with three-valued (Kleene) logic — `None` is
unknown — which is what a hand-written checker needs to ask for missing facts; the texts, document
lines, counts and the settings in force on each day are read from the pack's files, as a hand-written
checker would keep them in a table.

`result_json` is plain Python from end to end: a dict in (as `json.loads` gives it), a JSON text out,
no pydantic. `check` is the same behind pydantic on both sides (facts validated by the pack's facts
model, a validated `Result` out): the price of typed input and output contracts, for the second ratio
of bench/run.py.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from docrules import Pack, Result
from docrules.pack.model import RulePack, Whose

Tri = bool | None  # None: unknown
Values = dict[str, Any]
Condition = Callable[[Values, Values, Values, Values], Tri]  # (application, party, its buyer, settings)

LOANS = ("mortgage", "provident_fund", "combination")
STAGES = ("eligibility", "signing", "mortgage")
SEVERITIES = ("block", "escalate", "warn", "info")
# The facts, each list in the order questions about them are sorted (the pack's declaration order,
# where `role` comes first of all).
APP_FACTS = ["signing_date", "price", "payment", "credit_check", "mortgage_bank", "mortgage_contract_signed",
             "mortgage_eligibility_confirmed", "eligibility_verified", "deposit_paid", "down_payment_paid",
             "maintenance_fund_paid", "special_clauses", "signed_by_agent"]
PARTY_FACTS = ["identity", "hukou", "marital_status", "birth_date", "social_security_months",
               "tax_months", "local_residence_months", "id_card_digits", "phone"]
QUESTION_ORDER = [("p", "role"), *(("a", f) for f in APP_FACTS), *(("p", f) for f in PARTY_FACTS)]
LINKED = ("spouse", "guardian", "guarantor", "contact_person")


def eq(value: Any, want: Any) -> Tri:
    return None if value is None else value == want


def isin(value: Any, wanted: tuple[Any, ...]) -> Tri:
    return None if value is None else value in wanted


def lt(value: Any, limit: Any) -> Tri:
    return None if value is None else value < limit


def all3(*tests: Tri) -> Tri:
    if False in tests:
        return False
    return None if None in tests else True


def not3(test: Tri) -> Tri:
    return None if test is None else not test


def minor(party: Values, settings: Values) -> Tri:
    return lt(party["age"], settings["adult_age"])


def loan(app: Values) -> Tri:
    return isin(app["payment"], LOANS)


def buyer_is(party: Values, *identities: str) -> Tri:
    return all3(eq(party["role"], "buyer"), isin(party["identity"], identities))


def partner_or_own(party: Values, identity: str) -> Tri:
    return all3(isin(party["role"], ("buyer", "spouse")), eq(party["identity"], identity))


def mainland_buyer_status(status: str) -> Condition:
    return lambda a, p, b, s: all3(buyer_is(p, "mainland"), eq(p["marital_status"], status))


def buyer_status(status: str) -> Condition:
    return lambda a, p, b, s: all3(eq(p["role"], "buyer"), eq(p["marital_status"], status))


def nonlocal_short(fact: str, setting: str) -> Condition:
    return lambda a, p, b, s: all3(buyer_is(p, "mainland"), eq(p["hukou"], "nonlocal"),
                                lt(p[fact], s[setting]))


def party_with(*roles: str) -> Condition:
    return lambda a, p, b, s: isin(p["role"], roles)


def app_flag(fact: str, value: bool) -> Condition:
    return lambda a, p, b, s: eq(a[fact], value)


def loan_and(test: Callable[[Values, Values], Tri]) -> Condition:
    return lambda a, p, b, s: all3(loan(a), test(a, s))


@dataclass(frozen=True)
class FloorRule:
    id: str
    party: bool  # for each party, or once for the application
    when: Condition
    # the facts (alias a/p/b, name) the condition compares: asked for when it is undecided
    needs: tuple[tuple[str, str], ...]


_ROLE, _ID = ("p", "role"), ("p", "identity")
_MARRIED = (_ROLE, _ID, ("p", "marital_status"))

# In the pack's order (its files by name, then rules in each file): the order of `rules` lists.
RULES = [
    FloorRule("nonlocal-social-security-short", True,
              nonlocal_short("social_security_months", "nonlocal_social_security_months"),
              (_ROLE, _ID, ("p", "hukou"), ("p", "social_security_months"))),
    FloorRule("nonlocal-tax-short", True, nonlocal_short("tax_months", "nonlocal_tax_months"),
              (_ROLE, _ID, ("p", "hukou"), ("p", "tax_months"))),
    FloorRule("foreign-residence-short", True,
              lambda a, p, b, s: all3(buyer_is(p, "foreign"),
                                   lt(p["local_residence_months"], s["foreign_residence_months"])),
              (_ROLE, _ID, ("p", "local_residence_months"))),
    FloorRule("guarantor-missing", True,
              lambda a, p, b, s: all3(buyer_is(p, "taiwan", "foreign"), p["linked_guarantor"] == 0), (_ROLE, _ID)),
    FloorRule("contact-person-missing", True,
              lambda a, p, b, s: all3(buyer_is(p, "hong_kong", "macau"), p["linked_contact_person"] == 0),
              (_ROLE, _ID)),
    FloorRule("contact-person-phone-missing", True,
              lambda a, p, b, s: all3(eq(p["role"], "contact_person"), isin(b["identity"], ("hong_kong", "macau")),
                                   p["phone"] is None), (_ROLE, ("b", "identity"))),
    FloorRule("spouse-missing", True,
              lambda a, p, b, s: all3(eq(p["role"], "buyer"), eq(p["marital_status"], "married"),
                                   p["linked_spouse"] == 0), (_ROLE, ("p", "marital_status"))),
    FloorRule("id-card-first-generation", True,
              lambda a, p, b, s: all3(eq(p["identity"], "mainland"), not3(eq(p["id_card_digits"], 18))),
              (_ID, ("p", "id_card_digits"))),
    FloorRule("minor-loan", True, lambda a, p, b, s: all3(eq(p["role"], "buyer"), minor(p, s), loan(a)),
              (_ROLE, ("p", "age"), ("a", "payment"))),
    FloorRule("guardian-missing", True,
              lambda a, p, b, s: all3(eq(p["role"], "buyer"), minor(p, s), p["linked_guardian"] == 0),
              (_ROLE, ("p", "age"))),
    FloorRule("eligibility-not-verified", False, app_flag("eligibility_verified", False),
              (("a", "eligibility_verified"),)),
    FloorRule("credit-not-checked", False, loan_and(lambda a, s: eq(a["credit_check"], "not_checked")),
              (("a", "payment"), ("a", "credit_check"))),
    FloorRule("credit-check-failed", False, loan_and(lambda a, s: eq(a["credit_check"], "failed")),
              (("a", "payment"), ("a", "credit_check"))),
    FloorRule("mortgage-eligibility-unconfirmed", False,
              loan_and(lambda a, s: all3(eq(a["mortgage_contract_signed"], False),
                                      eq(a["mortgage_eligibility_confirmed"], False))),
              (("a", "payment"), ("a", "mortgage_contract_signed"), ("a", "mortgage_eligibility_confirmed"))),
    FloorRule("deposit-not-paid", False, app_flag("deposit_paid", False), (("a", "deposit_paid"),)),
    FloorRule("down-payment-not-paid", False, loan_and(lambda a, s: eq(a["down_payment_paid"], False)),
              (("a", "payment"), ("a", "down_payment_paid"))),
    FloorRule("maintenance-fund-not-paid", False, app_flag("maintenance_fund_paid", False),
              (("a", "maintenance_fund_paid"),)),
    FloorRule("special-clauses", False, app_flag("special_clauses", True), (("a", "special_clauses"),)),
    FloorRule("signed-by-agent", False, app_flag("signed_by_agent", True), (("a", "signed_by_agent"),)),
    FloorRule("bank-not-partner", False,
              loan_and(lambda a, s: not3(isin(a["mortgage_bank"], tuple(s["partner_banks"])))),
              (("a", "payment"), ("a", "mortgage_bank"))),
    FloorRule("loan-insurance", False, lambda a, p, b, s: loan(a), (("a", "payment"),)),
    FloorRule("eligibility-identity", True, lambda a, p, b, s: partner_or_own(p, "mainland"), (_ROLE, _ID)),
    FloorRule("eligibility-nonlocal", True,
              lambda a, p, b, s: all3(partner_or_own(p, "mainland"), eq(p["hukou"], "nonlocal")),
              (_ROLE, _ID, ("p", "hukou"))),
    FloorRule("eligibility-married", True, mainland_buyer_status("married"), _MARRIED),
    FloorRule("eligibility-unmarried", True, mainland_buyer_status("unmarried"), _MARRIED),
    FloorRule("eligibility-divorced", True, mainland_buyer_status("divorced"), _MARRIED),
    FloorRule("eligibility-widowed", True, mainland_buyer_status("widowed"), _MARRIED),
    FloorRule("mortgage-bank-papers", False, lambda a, p, b, s: loan(a), (("a", "payment"),)),
    FloorRule("signing-mainland-identity", True, lambda a, p, b, s: partner_or_own(p, "mainland"), (_ROLE, _ID)),
    FloorRule("signing-nonlocal", True,
              lambda a, p, b, s: all3(partner_or_own(p, "mainland"), eq(p["hukou"], "nonlocal")),
              (_ROLE, _ID, ("p", "hukou"))),
    FloorRule("signing-hong-kong-macau", True,
              lambda a, p, b, s: all3(isin(p["role"], ("buyer", "spouse")),
                                      isin(p["identity"], ("hong_kong", "macau"))),
              (_ROLE, _ID)),
    FloorRule("signing-contact-person", True,
              lambda a, p, b, s: all3(eq(p["role"], "contact_person"), isin(b["identity"], ("hong_kong", "macau"))),
              (_ROLE, ("b", "identity"))),
    FloorRule("signing-taiwan", True, lambda a, p, b, s: partner_or_own(p, "taiwan"), (_ROLE, _ID)),
    FloorRule("signing-foreign", True, lambda a, p, b, s: partner_or_own(p, "foreign"), (_ROLE, _ID)),
    FloorRule("signing-guarantor", True,
              lambda a, p, b, s: all3(eq(p["role"], "guarantor"), isin(b["identity"], ("taiwan", "foreign"))),
              (_ROLE, ("b", "identity"))),
    FloorRule("signing-married", True, buyer_status("married"), (_ROLE, ("p", "marital_status"))),
    FloorRule("signing-unmarried", True, buyer_status("unmarried"), (_ROLE, ("p", "marital_status"))),
    FloorRule("signing-divorced", True, buyer_status("divorced"), (_ROLE, ("p", "marital_status"))),
    FloorRule("signing-widowed", True, buyer_status("widowed"), (_ROLE, ("p", "marital_status"))),
    FloorRule("minor-documents", True, lambda a, p, b, s: all3(eq(p["role"], "buyer"), minor(p, s)),
              (_ROLE, ("p", "age"))),
    FloorRule("minor-copies", True, lambda a, p, b, s: all3(eq(p["role"], "buyer"), minor(p, s)),
              (_ROLE, ("p", "age"))),
    FloorRule("guardian-identity", True, lambda a, p, b, s: all3(eq(p["role"], "guardian"), minor(b, s)),
              (_ROLE, ("b", "age"))),
    FloorRule("buyer-inquiry-form", True, party_with("buyer"), (_ROLE,)),
    FloorRule("application-papers", False, lambda a, p, b, s: True, ()),
    FloorRule("loan-signing-papers", False, lambda a, p, b, s: loan(a), (("a", "payment"),)),
    FloorRule("loan-mortgage-contract", False,
              lambda a, p, b, s: all3(loan(a), eq(a["mortgage_contract_signed"], True)),
              (("a", "payment"), ("a", "mortgage_contract_signed"))),
    FloorRule("maintenance-fund", False, lambda a, p, b, s: None if a["price"] is None else a["price"] >= 0,
              (("a", "price"),)),
]


def age_on(birth: date, day: date) -> int:
    """Full years on `day`; the birthday itself does not yet count; 29 February counts as 1 March."""
    try:
        anniversary = birth.replace(year=day.year)
    except ValueError:
        anniversary = date(day.year, 3, 1)
    return max(day.year - birth.year - (day <= anniversary), 0)


@dataclass(frozen=True)
class _Line:
    stage: int
    whose: Whose
    document: int
    originals: int
    copies: int
    pages: tuple[dict[str, str], ...]
    notes: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class _Period:
    """What the pack's settings make of the policy between two of their dates."""

    settings: Values
    lines: list[list[_Line]]  # per rule of RULES
    min_copies: int
    fund_rate: Decimal


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


class Floor:
    """The hand-coded checker. The pack is read once, for its texts, document table and settings."""

    def __init__(self, loaded: Pack) -> None:
        pack: RulePack = loaded.rules
        defs = {r.id: r for r in pack.rules}
        self.pack = pack
        self.facts_model = loaded.facts_model
        self.defs = [defs[r.id] for r in RULES]
        self.documents = [{"zh": d.zh, "en": d.en} for d in pack.documents.values()]
        self.document_names = list(pack.documents)
        self.codes = list(pack.issues)
        self.messages = [{"zh": i.zh, "en": i.en} for i in pack.issues.values()]
        self.sources = [d.sources for d in self.defs]
        self.issues = [None if d.issue is None else (SEVERITIES.index(pack.issues[d.issue].severity.value),
                                                     self.codes.index(d.issue)) for d in self.defs]
        self.info = {"name": pack.meta.name, "version": pack.meta.version, "digest": pack.digest}
        self._changes = sorted({d for s in pack.settings.values() for v in s.values for d in (v.from_, v.until) if d})
        self._periods: dict[int, _Period] = {}

    def settings_on(self, day: date) -> Values:
        """Each setting's value in force on `day`, in the pack's order (as the result lists them)."""
        out: Values = {}
        for name, setting in self.pack.settings.items():
            for value in setting.values:
                if value.from_ <= day and (value.until is None or day < value.until):
                    out[name] = value.value
                    break
        return out

    def period(self, day: date) -> _Period:
        key = bisect_right(self._changes, day)
        found = self._periods.get(key)
        if found is None:
            settings = self.settings_on(day)

            def count(value: int | str) -> int:
                return int(settings[value.removeprefix("setting.")]) if isinstance(value, str) else value

            lines = []
            for d in self.defs:
                rule_lines = []
                for req in d.require:
                    for doc in req.documents:
                        entry = self.pack.documents[doc]
                        pages = entry.pages if req.pages is None else req.pages
                        notes = dict.fromkeys((t.zh, t.en) for t in [*entry.notes, *req.notes])
                        rule_lines.append(_Line(STAGES.index(req.stage), self.pack.whose(req.whose),
                                                self.document_names.index(doc), count(req.originals),
                                                count(req.copies), tuple({"zh": t.zh, "en": t.en} for t in pages),
                                                tuple({"zh": zh, "en": en} for zh, en in notes)))
                lines.append(rule_lines)
            found = self._periods[key] = _Period(settings, lines, int(settings["minor_min_copies"]),
                                                 Decimal(str(settings["maintenance_fund_rate"])))
        return found

    def check(self, facts: Values, today: date) -> Result:
        """Behind pydantic: facts validated by the pack's facts model, a validated `Result`."""
        valid = self.facts_model.model_validate(facts)
        return Result.model_validate(self.result_data(valid.model_dump(mode="json"), today))

    def result_json(self, data: Values, today: date) -> str:
        """Plain Python from end to end: valid facts as JSON data in, the result's JSON text out."""
        return json.dumps(self.result_data(data, today), ensure_ascii=False, separators=(",", ":"))

    def result_data(self, data: Values, today: date) -> Values:
        """The result as plain JSON data, from facts as plain JSON data (assumed valid)."""
        app = {name: data.get("application", {}).get(name) for name in APP_FACTS}
        day = _date(app["signing_date"])
        period = self.period(day or today)
        settings = period.settings
        raw_parties = data["parties"]
        index = {p["id"]: n for n, p in enumerate(raw_parties)}
        parties: list[Values] = []
        for p in raw_parties:
            values = {name: p.get(name) for name in PARTY_FACTS}
            values["role"] = p["role"]
            birth = _date(values["birth_date"])
            values["age"] = None if birth is None or day is None else age_on(birth, day)
            values.update({f"linked_{role}": 0 for role in LINKED})
            parties.append(values)
        buyer_of = [n if p.get("of") is None else index[p["of"]] for n, p in enumerate(raw_parties)]
        for n, p in enumerate(raw_parties):
            if p.get("of") is not None:
                parties[buyer_of[n]][f"linked_{p['role']}"] += 1

        items: dict[tuple[int, int, int], dict[str, Any]] = {}
        issues: dict[tuple[int, int, int], dict[str, Any]] = {}
        minimums: dict[int, list[int]] = {}  # party → rules that set a minimum of copies
        asked: dict[tuple[int, int], dict[str, None]] = {}  # (party or -1, fact order) → rules
        for r, rule in enumerate(RULES):
            subjects = range(len(parties)) if rule.party else (-1,)
            for s in subjects:
                own = parties[s] if s >= 0 else {}
                buyer = parties[buyer_of[s]] if s >= 0 else {}
                verdict = rule.when(app, own, buyer, settings)
                if verdict:
                    self._fire(period, r, s, buyer_of, items, issues, minimums)
                elif verdict is None:
                    self._ask(rule, s, buyer_of, app, parties, asked)
        for (_, party, _), line in items.items():
            for r in minimums.get(party, []):
                if line["copies"] > 0:  # a line of originals only stays so
                    line["copies"] = max(line["copies"], period.min_copies)
                    self._cite(line, r)
        ids = [p["id"] for p in raw_parties]
        item_list = [{"stage": STAGES[st], "party": ids[party] if party >= 0 else None,
                      "document": self.document_names[doc], "label": self.documents[doc], **line,
                      "received": None, "missing": None, "alternatives": None}
                     for (st, party, doc), line in sorted(items.items())]
        issue_list = [{"code": self.codes[code], "severity": SEVERITIES[sev],
                       "party": ids[party] if party >= 0 else None, "message": self.messages[code], **line,
                       "documents": None}
                      for (sev, party, code), line in sorted(issues.items())]
        questions = [{"party": ids[party] if party >= 0 else None, "fact": QUESTION_ORDER[fact][1],
                      "rules": list(rules)}
                     for (party, fact), rules in sorted(asked.items())]
        severities = {i["severity"] for i in issue_list}
        status = ("blocked" if "block" in severities else "needs_escalation" if "escalate" in severities
                  else "incomplete" if questions else "ready")
        amounts = {}
        if app["price"] is not None:
            exact = Decimal(app["price"]) * period.fund_rate
            amounts["maintenance_fund"] = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return {"status": status, "items": item_list, "issues": issue_list, "questions": questions,
                "amounts": amounts, "pack": self.info, "as_of": (day or today).isoformat(), "settings": settings}

    def _cite(self, line: dict[str, Any], rule: int) -> None:
        if RULES[rule].id not in line["rules"]:
            line["rules"].append(RULES[rule].id)
        for source in self.sources[rule]:
            if source not in line["sources"]:
                line["sources"].append(source)

    def _fire(self, period: _Period, r: int, s: int, buyer_of: list[int],
              items: dict[tuple[int, int, int], dict[str, Any]],
              issues: dict[tuple[int, int, int], dict[str, Any]], minimums: dict[int, list[int]]) -> None:
        for plan in period.lines[r]:
            party = -1 if plan.whose is Whose.application or s < 0 else (
                buyer_of[s] if plan.whose is Whose.principal else s)
            line = items.setdefault((plan.stage, party, plan.document), {
                "originals": 0, "copies": 0, "pages": [], "notes": [], "rules": [], "sources": []})
            line["originals"] = max(line["originals"], plan.originals)
            line["copies"] = max(line["copies"], plan.copies)
            line["pages"] += [t for t in plan.pages if t not in line["pages"]]
            line["notes"] += [t for t in plan.notes if t not in line["notes"]]
            self._cite(line, r)
        issue = self.issues[r]
        if issue is not None:
            line = issues.setdefault((issue[0], s, issue[1]), {"rules": [], "sources": []})
            self._cite(line, r)
        if RULES[r].id == "minor-copies":
            minimums.setdefault(s, []).append(r)

    def _ask(self, rule: FloorRule, s: int, buyer_of: list[int], app: Values, parties: list[Values],
             asked: dict[tuple[int, int], dict[str, None]]) -> None:
        for alias, name in rule.needs:
            owner = -1 if alias == "a" else s if alias == "p" else buyer_of[s]
            values = app if owner < 0 else parties[owner]
            if values[name] is not None:
                continue
            # age is computed: ask for what it is computed from
            wanted = [("p", "birth_date"), ("a", "signing_date")] if name == "age" else [(alias, name)]
            for scope, fact in wanted:
                target = -1 if scope == "a" else owner
                holder = app if target < 0 else parties[target]
                if holder[fact] is None:
                    order = QUESTION_ORDER.index(("a" if scope == "a" else "p", fact))
                    asked.setdefault((target, order), {})[rule.id] = None
