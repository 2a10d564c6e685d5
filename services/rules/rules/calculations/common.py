"""What the calculations share: money and rates, refusals that name a field,
and periods read from deadline values."""

from __future__ import annotations

from decimal import Decimal, localcontext

from kit.errors import field_error, field_pointer
from panjereh_contract.types import non_negative_decimal
from rules.exceptions import CalculationInputInvalid

ForeignAmount = non_negative_decimal(18, 6)
"""An amount in a foreign currency: a decimal string or number, 0 or more."""

_PRECISION = 80


def invalid(field: str, detail: str, kind: str = "value_error") -> CalculationInputInvalid:
    """A 422 that names the input field at fault."""
    return CalculationInputInvalid(detail, errors=[field_error(field_pointer("body", field), detail, kind)])


def decimal(value: Decimal | int | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def multiply(*factors: Decimal | int | str) -> Decimal:
    """The exact product (well within the precision used)."""
    with localcontext() as context:
        context.prec = _PRECISION
        product = Decimal(1)
        for factor in factors:
            product *= decimal(factor)
        return product


def percent_of(amount: Decimal | int | str, rate_percent: Decimal | int | str) -> Decimal:
    """``rate_percent`` % of ``amount``, exactly."""
    with localcontext() as context:
        context.prec = _PRECISION
        return multiply(amount, rate_percent) / 100


def months_of(period: dict[str, int]) -> int:
    """A deadline value ``{months: n}`` or ``{years: n}`` in months."""
    if "months" in period:
        return int(period["months"])
    if "years" in period:
        return 12 * int(period["years"])
    raise ValueError(f"a period in months or years was expected, not {period!r}")
