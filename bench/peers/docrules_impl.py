"""docrules: the policy as a TOML rule pack (docrules_pack/), compiled by docrules to durable-rules;
one `Pack.check` per application, as a docrules user calls it (a plain dict in, pydantic-validated
facts, a `Result` out).

The peer application is mapped to the pack's facts here, and the Result back to the peer output;
both mappings count in docrules' time. The pack declares the peer application's own facts:
- every peer party (buyer or co_buyer) is a docrules party with role "buyer" and id "0", "1", ...,
  with its `age`, months and `has_guarantor` / `has_contact_person` as they are; `hukou` "none" is
  left out (docrules allows a hukou only for mainland parties); `marital` is `marital_status`;
  credit_check "none" is "not_checked";
- docrules rounds amounts half up (its documented rule); the peers' fund is Python's round(),
  half-to-even, so a half-yuan fund whose integer part is even (price % 200 == 50) is one less.
The copy boost for minors is done by docrules (`min_copies`), so `finish` gets no minors.

(Until 2026-11-29 this pack said "has a guarantor" with a linked guarantor party and the age with a
birth date, as the Foshan pack does: 4.4 docrules parties per application instead of the peers' 1.7.
The peers' README and bench/peers/README.md here give the figures of both.)
"""
from __future__ import annotations

import os
from datetime import date
from operator import attrgetter
from typing import Any

from common import finish  # type: ignore[import-not-found]  # the peers folder's own module

import docrules

PACK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "docrules_pack")
SIGNING = "2026-12-01"
CREDIT = {"none": "not_checked", "passed": "passed", "failed": "failed"}


class _Positions(dict[str | None, int]):
    """A result's party id back to the peer's position: a look-up, cheaper than int() on every item."""

    def __missing__(self, party: str | None) -> int:
        self[party] = position = -1 if party is None else int(party)
        return position


POSITION = _Positions()
ITEM, ISSUE = attrgetter("party", "document", "copies"), attrgetter("party", "code")
pack: docrules.Pack | None = None


def load() -> None:
    global pack
    pack = docrules.load_pack(PACK)
    pack.program(date.fromisoformat(SIGNING))  # compile the policy period's program (else the first check does)


def facts(app: dict[str, Any]) -> dict[str, Any]:
    parties = []
    for i, p in enumerate(app["parties"]):
        party = {"id": str(i), "role": "buyer", "identity": p["identity"], "marital_status": p["marital"],
                 "age": p["age"], "social_security_months": p["social_security_months"],
                 "tax_months": p["tax_months"], "local_residence_months": p["local_residence_months"],
                 "has_guarantor": p["has_guarantor"], "has_contact_person": p["has_contact_person"]}
        if p["hukou"] != "none":
            party["hukou"] = p["hukou"]
        parties.append(party)
    return {"application": {"signing_date": SIGNING, "price": app["price"], "payment": app["payment"],
                            "credit_check": CREDIT[app["credit_check"]],
                            "special_clauses": app["special_clauses"]},
            "parties": parties}


def check(app: dict[str, Any]) -> Any:
    assert pack is not None, "load() first"
    result = pack.check(facts(app))
    docs = [(POSITION[party], document, copies) for party, document, copies in map(ITEM, result.items)]
    blocks = [(POSITION[party], code) for party, code in map(ISSUE, result.issues)]
    fund = result.amounts["maintenance_fund"]
    if app["price"] % 200 == 50:  # half up -> half to even (see above)
        fund -= 1
    return finish(docs, blocks, set(), fund)
