"""docrules: the policy as a TOML rule pack (docrules_pack/), compiled by docrules to durable-rules;
one `Pack.check` per application, as a docrules user calls it (a plain dict in, pydantic-validated
facts, a `Result` out).

The peer application is mapped to docrules' facts model here, and the Result back to the peer
output; both mappings count in docrules' time:
- every peer party (buyer or co_buyer) is a docrules party with role "buyer" and id "0", "1", ...;
- `has_guarantor` / `has_contact_person` become a party with role "guarantor" / "contact_person"
  whose `of` names that party (docrules counts them as `linked_guarantor` / `linked_contact_person`;
  it has no yes/no fact for them);
- `age` becomes a `birth_date` (1 June of 2026 - age) with signing date 2026-12-01, so docrules'
  own age in full years is `age`; `hukou` "none" is left out (docrules allows a hukou only for
  mainland parties); `marital` is `marital_status`; credit_check "none" is "not_checked";
- docrules rounds amounts half up (its documented rule); the peers' fund is Python's round(),
  half-to-even, so a half-yuan fund whose integer part is even (price % 200 == 50) is one less.
The copy boost for minors is done by docrules (`min_copies`), so `finish` gets no minors.
"""
from __future__ import annotations

import os
from datetime import date
from typing import Any

from common import finish  # type: ignore[import-not-found]  # the peers folder's own module

import docrules

PACK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "docrules_pack")
SIGNING = "2026-12-01"
CREDIT = {"none": "not_checked", "passed": "passed", "failed": "failed"}
pack: docrules.Pack | None = None


def load() -> None:
    global pack
    pack = docrules.load_pack(PACK)
    pack.program(date.fromisoformat(SIGNING))  # compile the policy period's program (else the first check does)


def facts(app: dict[str, Any]) -> dict[str, Any]:
    parties: list[dict[str, Any]] = []
    for i, p in enumerate(app["parties"]):
        pid = str(i)
        party = {"id": pid, "role": "buyer", "identity": p["identity"], "marital_status": p["marital"],
                 "birth_date": f"{2026 - p['age']:04d}-06-01",
                 "social_security_months": p["social_security_months"], "tax_months": p["tax_months"],
                 "local_residence_months": p["local_residence_months"]}
        if p["hukou"] != "none":
            party["hukou"] = p["hukou"]
        parties.append(party)
        if p["has_guarantor"]:
            parties.append({"id": pid + "g", "role": "guarantor", "of": pid})
        if p["has_contact_person"]:
            parties.append({"id": pid + "c", "role": "contact_person", "of": pid})
    return {"application": {"signing_date": SIGNING, "price": app["price"], "payment": app["payment"],
                            "credit_check": CREDIT[app["credit_check"]],
                            "special_clauses": app["special_clauses"]},
            "parties": parties}


def check(app: dict[str, Any]) -> Any:
    assert pack is not None, "load() first"
    result = pack.check(facts(app))
    docs = [(-1 if item.party is None else int(item.party), item.document, item.copies) for item in result.items]
    blocks = [(-1 if issue.party is None else int(issue.party), issue.code) for issue in result.issues]
    fund = result.amounts["maintenance_fund"]
    if app["price"] % 200 == 50:  # half up -> half to even (see above)
        fund -= 1
    return finish(docs, blocks, set(), fund)
