"""An amount of an integer base is rounded in integers (evaluate._amount): the same whole units as
Decimal's half-up rounding, which bases of other types still take."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

import pytest

from docrules.engine.evaluate import _amount


def _decimal(value: Decimal | int | float, rate: Decimal) -> int:
    exact = (value if isinstance(value, Decimal | int) else Decimal(str(value))) * rate
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize("rate", ["0.01", "0.015", "-0.01", "0.333", "1", "0.5", "2.5", "0.00001", "7"])
def test_integer_bases_round_as_decimal_does(rate: str) -> None:
    generator = random.Random(rate)
    bases = [*range(-1000, 1001), 10**20 + 50, -(10**20) - 50,
             *(generator.randint(-10**12, 10**12) for _ in range(5000))]
    assert [_amount(base, Decimal(rate)) for base in bases] == [_decimal(base, Decimal(rate)) for base in bases]


def test_other_bases_keep_decimal_rounding() -> None:
    assert _amount(Decimal("2500000.5"), Decimal("0.001")) == 2500
    assert _amount(250.5, Decimal("0.01")) == 3  # a float by its text: 2.505 rounds up
    assert _amount(Decimal("-50"), Decimal("0.01")) == -1
