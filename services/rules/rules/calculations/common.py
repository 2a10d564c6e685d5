"""What the calculations share: money and rates, refusals that name a field,
and periods read from deadline values."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Annotated

from panjereh_contract.types import non_negative_decimal
from pydantic import Field

from rules.exceptions import CalculationInputInvalid

# A bound far above any declaration (10^18 rials), so that no input can push the
# arithmetic beyond exact decimal precision.
MAX_IRR = 10**18
Rials = Annotated[int, Field(ge=0, le=MAX_IRR)]
"""An amount in rials: a whole number, 0 or more."""

ForeignAmount = non_negative_decimal(18, 6)
"""An amount in a foreign currency: a decimal string or number, 0 or more."""

_PRECISION = 80


def invalid(field: str, detail: str, kind: str = "value_error") -> CalculationInputInvalid:
    """A 422 that names the input field at fault."""
    return CalculationInputInvalid(
        detail, errors=[{"pointer": f"#/body/{field}", "detail": detail, "type": kind}]
    )


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


def rials(amount: Decimal | int) -> int:
    """Rounded half up to a whole rial."""
    with localcontext() as context:
        context.prec = _PRECISION
        return int(decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def rate_text(value: Decimal | int | str) -> str:
    """A rate as the API shows it: a decimal string without needless zeros."""
    number = decimal(value)
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


def months_of(period: dict[str, int]) -> int:
    """A deadline value ``{months: n}`` or ``{years: n}`` in months."""
    if "months" in period:
        return int(period["months"])
    if "years" in period:
        return 12 * int(period["years"])
    raise ValueError(f"a period in months or years was expected, not {period!r}")
