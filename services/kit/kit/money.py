"""Money and rates as every service writes them.

Amounts, rates and quantities travel as decimal strings, never binary floats, written plainly:
no exponent, no needless zeros (``Decimal('1000.5000')`` -> ``'1000.5'``, ``Decimal('1E+3')``
-> ``'1000'``). Rials are whole numbers, rounded half up (``Rials`` in a model).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Annotated

from pydantic import Field

# A bound far above any declaration (10^18 rials), so that no input can push the
# arithmetic beyond exact decimal precision.
MAX_IRR = 10**18
Rials = Annotated[int, Field(ge=0, le=MAX_IRR)]
"""An amount in rials: a whole number, 0 or more."""

_PRECISION = 80  # digits: enough for any amount times any rate, exactly


def decimal_string(value: Decimal | int | str) -> str:
    """``value`` written plainly: ``Decimal('10.500')`` -> ``'10.5'``, ``Decimal('100.00')`` -> ``'100'``."""
    with localcontext() as context:
        context.prec = _PRECISION
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        return format(number.normalize(), "f")


def rials(amount: Decimal | int | str) -> int:
    """``amount`` rounded half up to a whole rial."""
    with localcontext() as context:
        context.prec = _PRECISION
        number = amount if isinstance(amount, Decimal) else Decimal(str(amount))
        return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
