"""Deterministic, varied applications for the default (Foshan) pack: the benchmark's input and a
source of valid facts for the fuzz tests.

Every enum value, missing facts, ages around 18 on the signing day, linked parties of every role and
every payment appear; the same seed always gives the same applications. Ids are role names with a
number (no personal data).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from docrules.facts.model import CreditCheck, Hukou, Identity, MaritalStatus, MortgageBank, Payment, Role

_SIGNING_FROM = date(2026, 1, 1)
_BOOL_FACTS = ("mortgage_contract_signed", "mortgage_eligibility_confirmed", "eligibility_verified",
               "deposit_paid", "down_payment_paid", "maintenance_fund_paid", "special_clauses",
               "signed_by_agent")
_LINKED = [r for r in Role if r is not Role.buyer]


def _maybe(rng: random.Random, value: Any, missing: float) -> Any:
    """`value`, or None (unknown) with probability `missing`."""
    return None if rng.random() < missing else value


def _birth_date(rng: random.Random, signing: date | None) -> date:
    """Half the time within a few days of the 18th birthday on the signing day (the edge of `minor`),
    else an adult or a child."""
    day = signing or _SIGNING_FROM
    if rng.random() < 0.5:
        try:
            eighteenth = day.replace(year=day.year - 18)
        except ValueError:  # 29 February
            eighteenth = date(day.year - 18, 3, 1)
        return eighteenth + timedelta(days=rng.randint(-3, 3))
    return day - timedelta(days=rng.randint(5 * 365, 70 * 365))


def _party(rng: random.Random, pid: str, role: Role, of: str | None, signing: date | None,
           missing: float) -> dict[str, Any]:
    identity = rng.choice(list(Identity)) if rng.random() < 0.5 else Identity.mainland
    facts: dict[str, Any] = {
        "identity": _maybe(rng, identity.value, missing),
        "marital_status": _maybe(rng, rng.choice(list(MaritalStatus)).value, missing),
        "birth_date": _maybe(rng, _birth_date(rng, signing).isoformat(), missing),
        "social_security_months": _maybe(rng, rng.choice([0, 6, 11, 12, 13, 36]), missing),
        "tax_months": _maybe(rng, rng.choice([0, 6, 11, 12, 13, 36]), missing),
        "local_residence_months": _maybe(rng, rng.choice([0, 11, 12, 24]), missing),
        "id_card_digits": _maybe(rng, rng.choice([15, 18, 18, 18]), missing),
        "phone": _maybe(rng, f"1380000{rng.randint(0, 9999):04d}", missing),
    }
    if identity is Identity.mainland and facts["identity"] is not None:
        facts["hukou"] = _maybe(rng, rng.choice(list(Hukou)).value, missing)
    out = {"id": pid, "role": role.value, **({"of": of} if of else {})}
    out.update({k: v for k, v in facts.items() if v is not None})
    return out


def application(rng: random.Random) -> dict[str, Any]:
    """One valid application as plain JSON-able data."""
    missing = rng.choice([0.0, 0.0, 0.1, 0.3, 0.7])
    signing = _maybe(rng, _SIGNING_FROM + timedelta(days=rng.randint(0, 730)), missing)
    app: dict[str, Any] = {
        "signing_date": None if signing is None else signing.isoformat(),
        "price": _maybe(rng, rng.randrange(300_000, 5_000_000, 50), missing),
        "payment": _maybe(rng, rng.choice(list(Payment)).value, missing),
        "credit_check": _maybe(rng, rng.choice(list(CreditCheck)).value, missing),
        "mortgage_bank": _maybe(rng, rng.choice(list(MortgageBank)).value, missing),
    }
    for name in _BOOL_FACTS:
        app[name] = _maybe(rng, rng.random() < 0.7, missing)
    parties: list[dict[str, Any]] = []
    buyers = [f"buyer{n}" for n in range(1, rng.choice([1, 1, 1, 2]) + 1)]
    for buyer in buyers:
        parties.append(_party(rng, buyer, Role.buyer, None, signing, missing))
        for role in _LINKED:
            for n in range(rng.choice([0, 0, 1, 1, 2])):
                parties.append(_party(rng, f"{buyer}-{role.value}{n}", role, buyer, signing, missing))
    rng.shuffle(parties)  # linked parties may come before their buyer
    return {"application": {k: v for k, v in app.items() if v is not None}, "parties": parties}


def applications(count: int, seed: int = 5) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [application(rng) for _ in range(count)]
