"""The floor: the default (Foshan) policy hand-coded in plain Python, no rules engine.

It computes the same `Result` as docrules does with the default pack (the benchmark checks this on
every application), so the benchmark's ratio is the price of the rules engine. The conditions are
Python code with three-valued (Kleene) logic — `None` is unknown — which is what a hand-written checker
needs to ask for missing facts; the texts, document lines and counts are read from the pack's files
once, as a hand-written checker would keep them in a table. The result is validated into the same
pydantic `Result` as docrules builds, so both sides pay for the output contract.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from docrules import Facts, Result
from docrules.facts.model import Application, Party
from docrules.pack.model import Count, RulePack, Whose

Tri = bool | None  # None: unknown
Values = dict[str, Any]
Condition = Callable[[Values, Values, Values], Tri]

SETTINGS: dict[str, Any] = {
    "nonlocal_social_security_months": 12, "nonlocal_tax_months": 12, "foreign_residence_months": 12,
    "adult_age": 18, "minor_min_copies": 3, "maintenance_fund_rate": 0.01,
    "partner_banks": ["abc", "ccb", "rural_commercial"],
}
LOANS = ("mortgage", "provident_fund", "combination")
STAGES = ("eligibility", "signing", "mortgage")
SEVERITIES = ("block", "escalate", "warn", "info")
APP_FACTS = list(Application.model_fields)
PARTY_FACTS = [f for f in Party.model_fields if f not in ("id", "of")]
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


def minor(party: Values) -> Tri:
    return lt(party["age"], SETTINGS["adult_age"])


def loan(app: Values) -> Tri:
    return isin(app["payment"], LOANS)


def buyer_is(party: Values, *identities: str) -> Tri:
    return all3(eq(party["role"], "buyer"), isin(party["identity"], identities))


def partner_or_own(party: Values, identity: str) -> Tri:
    return all3(isin(party["role"], ("buyer", "spouse")), eq(party["identity"], identity))


def mainland_buyer_status(status: str) -> Condition:
    return lambda a, p, b: all3(buyer_is(p, "mainland"), eq(p["marital_status"], status))


def buyer_status(status: str) -> Condition:
    return lambda a, p, b: all3(eq(p["role"], "buyer"), eq(p["marital_status"], status))


def nonlocal_short(fact: str, setting: str) -> Condition:
    return lambda a, p, b: all3(buyer_is(p, "mainland"), eq(p["hukou"], "nonlocal"),
                                lt(p[fact], SETTINGS[setting]))


def party_with(*roles: str) -> Condition:
    return lambda a, p, b: isin(p["role"], roles)


def app_flag(fact: str, value: bool) -> Condition:
    return lambda a, p, b: eq(a[fact], value)


def loan_and(test: Callable[[Values], Tri]) -> Condition:
    return lambda a, p, b: all3(loan(a), test(a))


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
              lambda a, p, b: all3(buyer_is(p, "foreign"),
                                   lt(p["local_residence_months"], SETTINGS["foreign_residence_months"])),
              (_ROLE, _ID, ("p", "local_residence_months"))),
    FloorRule("guarantor-missing", True,
              lambda a, p, b: all3(buyer_is(p, "taiwan", "foreign"), p["linked_guarantor"] == 0), (_ROLE, _ID)),
    FloorRule("contact-person-missing", True,
              lambda a, p, b: all3(buyer_is(p, "hong_kong", "macau"), p["linked_contact_person"] == 0),
              (_ROLE, _ID)),
    FloorRule("contact-person-phone-missing", True,
              lambda a, p, b: all3(eq(p["role"], "contact_person"), isin(b["identity"], ("hong_kong", "macau")),
                                   p["phone"] is None), (_ROLE, ("b", "identity"))),
    FloorRule("spouse-missing", True,
              lambda a, p, b: all3(eq(p["role"], "buyer"), eq(p["marital_status"], "married"),
                                   p["linked_spouse"] == 0), (_ROLE, ("p", "marital_status"))),
    FloorRule("id-card-first-generation", True,
              lambda a, p, b: all3(eq(p["identity"], "mainland"), not3(eq(p["id_card_digits"], 18))),
              (_ID, ("p", "id_card_digits"))),
    FloorRule("minor-loan", True, lambda a, p, b: all3(eq(p["role"], "buyer"), minor(p), loan(a)),
              (_ROLE, ("p", "age"), ("a", "payment"))),
    FloorRule("guardian-missing", True,
              lambda a, p, b: all3(eq(p["role"], "buyer"), minor(p), p["linked_guardian"] == 0),
              (_ROLE, ("p", "age"))),
    FloorRule("eligibility-not-verified", False, app_flag("eligibility_verified", False),
              (("a", "eligibility_verified"),)),
    FloorRule("credit-not-checked", False, loan_and(lambda a: eq(a["credit_check"], "not_checked")),
              (("a", "payment"), ("a", "credit_check"))),
    FloorRule("credit-check-failed", False, loan_and(lambda a: eq(a["credit_check"], "failed")),
              (("a", "payment"), ("a", "credit_check"))),
    FloorRule("mortgage-eligibility-unconfirmed", False,
              loan_and(lambda a: all3(eq(a["mortgage_contract_signed"], False),
                                      eq(a["mortgage_eligibility_confirmed"], False))),
              (("a", "payment"), ("a", "mortgage_contract_signed"), ("a", "mortgage_eligibility_confirmed"))),
    FloorRule("deposit-not-paid", False, app_flag("deposit_paid", False), (("a", "deposit_paid"),)),
    FloorRule("down-payment-not-paid", False, loan_and(lambda a: eq(a["down_payment_paid"], False)),
              (("a", "payment"), ("a", "down_payment_paid"))),
    FloorRule("maintenance-fund-not-paid", False, app_flag("maintenance_fund_paid", False),
              (("a", "maintenance_fund_paid"),)),
    FloorRule("special-clauses", False, app_flag("special_clauses", True), (("a", "special_clauses"),)),
    FloorRule("signed-by-agent", False, app_flag("signed_by_agent", True), (("a", "signed_by_agent"),)),
    FloorRule("bank-not-partner", False,
              loan_and(lambda a: not3(isin(a["mortgage_bank"], tuple(SETTINGS["partner_banks"])))),
              (("a", "payment"), ("a", "mortgage_bank"))),
    FloorRule("loan-insurance", False, lambda a, p, b: loan(a), (("a", "payment"),)),
    FloorRule("eligibility-identity", True, lambda a, p, b: partner_or_own(p, "mainland"), (_ROLE, _ID)),
    FloorRule("eligibility-nonlocal", True,
              lambda a, p, b: all3(partner_or_own(p, "mainland"), eq(p["hukou"], "nonlocal")),
              (_ROLE, _ID, ("p", "hukou"))),
    FloorRule("eligibility-married", True, mainland_buyer_status("married"), _MARRIED),
    FloorRule("eligibility-unmarried", True, mainland_buyer_status("unmarried"), _MARRIED),
    FloorRule("eligibility-divorced", True, mainland_buyer_status("divorced"), _MARRIED),
    FloorRule("eligibility-widowed", True, mainland_buyer_status("widowed"), _MARRIED),
    FloorRule("mortgage-bank-papers", False, lambda a, p, b: loan(a), (("a", "payment"),)),
    FloorRule("signing-mainland-identity", True, lambda a, p, b: partner_or_own(p, "mainland"), (_ROLE, _ID)),
    FloorRule("signing-nonlocal", True,
              lambda a, p, b: all3(partner_or_own(p, "mainland"), eq(p["hukou"], "nonlocal")),
              (_ROLE, _ID, ("p", "hukou"))),
    FloorRule("signing-hong-kong-macau", True,
              lambda a, p, b: all3(isin(p["role"], ("buyer", "spouse")), isin(p["identity"], ("hong_kong", "macau"))),
              (_ROLE, _ID)),
    FloorRule("signing-contact-person", True,
              lambda a, p, b: all3(eq(p["role"], "contact_person"), isin(b["identity"], ("hong_kong", "macau"))),
              (_ROLE, ("b", "identity"))),
    FloorRule("signing-taiwan", True, lambda a, p, b: partner_or_own(p, "taiwan"), (_ROLE, _ID)),
    FloorRule("signing-foreign", True, lambda a, p, b: partner_or_own(p, "foreign"), (_ROLE, _ID)),
    FloorRule("signing-guarantor", True,
              lambda a, p, b: all3(eq(p["role"], "guarantor"), isin(b["identity"], ("taiwan", "foreign"))),
              (_ROLE, ("b", "identity"))),
    FloorRule("signing-married", True, buyer_status("married"), (_ROLE, ("p", "marital_status"))),
    FloorRule("signing-unmarried", True, buyer_status("unmarried"), (_ROLE, ("p", "marital_status"))),
    FloorRule("signing-divorced", True, buyer_status("divorced"), (_ROLE, ("p", "marital_status"))),
    FloorRule("signing-widowed", True, buyer_status("widowed"), (_ROLE, ("p", "marital_status"))),
    FloorRule("minor-documents", True, lambda a, p, b: all3(eq(p["role"], "buyer"), minor(p)),
              (_ROLE, ("p", "age"))),
    FloorRule("minor-copies", True, lambda a, p, b: all3(eq(p["role"], "buyer"), minor(p)), (_ROLE, ("p", "age"))),
    FloorRule("guardian-identity", True, lambda a, p, b: all3(eq(p["role"], "guardian"), minor(b)),
              (_ROLE, ("b", "age"))),
    FloorRule("buyer-inquiry-form", True, party_with("buyer"), (_ROLE,)),
    FloorRule("application-papers", False, lambda a, p, b: True, ()),
    FloorRule("loan-signing-papers", False, lambda a, p, b: loan(a), (("a", "payment"),)),
    FloorRule("loan-mortgage-contract", False, lambda a, p, b: all3(loan(a), eq(a["mortgage_contract_signed"], True)),
              (("a", "payment"), ("a", "mortgage_contract_signed"))),
    FloorRule("maintenance-fund", False, lambda a, p, b: None if a["price"] is None else a["price"] >= 0,
              (("a", "price"),)),
]


def age_on(birth: date, day: date) -> int:
    """Full years on `day`; the birthday itself does not yet count; 29 February counts as 1 March."""
    try:
        anniversary = birth.replace(year=day.year)
    except ValueError:
        anniversary = date(day.year, 3, 1)
    return max(day.year - birth.year - (day <= anniversary), 0)


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)  # enum members → their strings


@dataclass(frozen=True)
class _Line:
    stage: int
    whose: Whose
    document: int
    originals: int
    copies: int
    pages: tuple[dict[str, str], ...]
    notes: tuple[dict[str, str], ...]


class Floor:
    """The hand-coded checker. The pack is read once, for its texts and document table."""

    def __init__(self, pack: RulePack) -> None:
        defs = {r.id: r for r in pack.rules}
        docs = list(pack.documents)
        codes = list(pack.issues)
        self.pack = pack
        self.documents = [{"zh": d.zh, "en": d.en} for d in pack.documents.values()]
        self.document_names = docs
        self.codes = codes
        self.messages = [{"zh": i.zh, "en": i.en} for i in pack.issues.values()]
        self.lines: list[list[_Line]] = []
        self.issues: list[tuple[int, int] | None] = []
        self.sources = [defs[r.id].sources for r in RULES]
        for rule in RULES:
            d = defs[rule.id]
            lines = []
            for req in d.require:
                for doc in req.documents:
                    entry = pack.documents[doc]
                    pages = entry.pages if req.pages is None else req.pages
                    notes = dict.fromkeys((t.zh, t.en) for t in [*entry.notes, *req.notes])
                    lines.append(_Line(STAGES.index(req.stage), pack.whose(req.whose), docs.index(doc),
                                       self._count(req.originals), self._count(req.copies),
                                       tuple(t.model_dump() for t in pages),
                                       tuple({"zh": zh, "en": en} for zh, en in notes)))
            self.lines.append(lines)
            issue = None if d.issue is None else (SEVERITIES.index(pack.issues[d.issue].severity.value),
                                                  codes.index(d.issue))
            self.issues.append(issue)
        self.info = {"name": pack.meta.name, "version": pack.meta.version, "digest": pack.digest}

    @staticmethod
    def _count(value: Count) -> int:
        return int(SETTINGS[value.removeprefix("setting.")]) if isinstance(value, str) else value

    def check(self, facts: Facts, today: date) -> Result:
        return Result.model_validate(self.result_data(facts, today))

    def result_data(self, facts: Facts, today: date) -> dict[str, Any]:
        """The result as plain data, before it is validated into the `Result` model."""
        app_model = facts.application
        day: date | None = getattr(app_model, "signing_date", None)
        app = {name: _plain(getattr(app_model, name)) for name in APP_FACTS}
        index = {p.id: n for n, p in enumerate(facts.parties)}
        parties: list[Values] = []
        for p in facts.parties:
            values = {name: _plain(getattr(p, name)) for name in PARTY_FACTS}
            birth: date | None = getattr(p, "birth_date", None)
            values["age"] = None if birth is None or day is None else age_on(birth, day)
            values.update({f"linked_{role}": 0 for role in LINKED})
            parties.append(values)
        buyer_of = [n if p.of is None else index[p.of] for n, p in enumerate(facts.parties)]
        for n, p in enumerate(facts.parties):
            if p.of is not None:
                parties[buyer_of[n]][f"linked_{p.role}"] += 1

        items: dict[tuple[int, int, int], dict[str, Any]] = {}
        issues: dict[tuple[int, int, int], dict[str, Any]] = {}
        minimums: dict[int, list[int]] = {}  # party → rules that set a minimum of copies
        asked: dict[tuple[int, int], dict[str, None]] = {}  # (party or -1, fact order) → rules
        for r, rule in enumerate(RULES):
            subjects = range(len(parties)) if rule.party else (-1,)
            for s in subjects:
                own = parties[s] if s >= 0 else {}
                buyer = parties[buyer_of[s]] if s >= 0 else {}
                verdict = rule.when(app, own, buyer)
                if verdict:
                    self._fire(r, s, buyer_of, items, issues, minimums)
                elif verdict is None:
                    self._ask(rule, s, buyer_of, app, parties, facts, asked)
        min_copies = int(SETTINGS["minor_min_copies"])
        for (_, party, _), line in items.items():
            for r in minimums.get(party, []):
                line["copies"] = max(line["copies"], min_copies)
                self._cite(line, r)
        ids = [p.id for p in facts.parties]
        item_list = [{"stage": STAGES[st], "party": ids[party] if party >= 0 else None,
                      "document": self.document_names[doc], "label": self.documents[doc], **line}
                     for (st, party, doc), line in sorted(items.items())]
        issue_list = [{"code": self.codes[code], "severity": SEVERITIES[sev],
                       "party": ids[party] if party >= 0 else None, "message": self.messages[code], **line}
                      for (sev, party, code), line in sorted(issues.items())]
        order = [*APP_FACTS, *PARTY_FACTS]
        questions = [{"party": ids[party] if party >= 0 else None, "fact": order[fact], "rules": list(rules)}
                     for (party, fact), rules in sorted(asked.items())]
        severities = {i["severity"] for i in issue_list}
        status = ("blocked" if "block" in severities else "needs_escalation" if "escalate" in severities
                  else "incomplete" if questions else "ready")
        amounts = {}
        if app["price"] is not None:
            exact = Decimal(app["price"]) * Decimal(str(SETTINGS["maintenance_fund_rate"]))
            amounts["maintenance_fund"] = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return {"status": status, "items": item_list, "issues": issue_list, "questions": questions,
                "amounts": amounts, "pack": self.info, "as_of": day or today, "settings": SETTINGS}

    def _cite(self, line: dict[str, Any], rule: int) -> None:
        if RULES[rule].id not in line["rules"]:
            line["rules"].append(RULES[rule].id)
        for source in self.sources[rule]:
            if source not in line["sources"]:
                line["sources"].append(source)

    def _fire(self, r: int, s: int, buyer_of: list[int], items: dict[tuple[int, int, int], dict[str, Any]],
              issues: dict[tuple[int, int, int], dict[str, Any]], minimums: dict[int, list[int]]) -> None:
        for plan in self.lines[r]:
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
             facts: Facts, asked: dict[tuple[int, int], dict[str, None]]) -> None:
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
                    order = APP_FACTS.index(fact) if scope == "a" else len(APP_FACTS) + PARTY_FACTS.index(fact)
                    asked.setdefault((target, order), {})[rule.id] = None

