"""Money: decimal strings written plainly, rials rounded half up to whole numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from kit.money import MAX_IRR, Rials, decimal_string, rials


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1000.5000"), "1000.5"),
        (Decimal("1E+3"), "1000"),  # no exponent
        (Decimal("100.00"), "100"),
        (Decimal("0.000"), "0"),
        (Decimal("0.500"), "0.5"),
        (Decimal("-12.30"), "-12.3"),
        (Decimal("1.5E-7"), "0.00000015"),
        (Decimal("123456789012345678901234567890.125"), "123456789012345678901234567890.125"),  # no rounding
        (9, "9"),
        ("12.50", "12.5"),
    ],
)
def test_decimal_string(value: Decimal | int | str, expected: str) -> None:
    assert decimal_string(value) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("2.5"), 3),  # half up, not to even
        (Decimal("3.5"), 4),
        (Decimal("2.4999"), 2),
        (Decimal("-2.5"), -3),  # half away from zero
        ("45600189.5", 45_600_190),
        (7, 7),
        (Decimal("123456789012345678901234567890.5"), 123456789012345678901234567891),  # beyond 28 digits
    ],
)
def test_rials_round_half_up(amount: Decimal | int | str, expected: int) -> None:
    assert rials(amount) == expected


def test_rials_in_a_model_are_whole_and_bounded() -> None:
    adapter = TypeAdapter(Rials)
    assert adapter.validate_python(MAX_IRR) == MAX_IRR
    for refused in (-1, MAX_IRR + 1, 1.5):
        with pytest.raises(ValidationError):
            adapter.validate_python(refused)
