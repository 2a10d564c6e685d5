"""Order registration (ثبت سفارش): the fee of the Trade Promotion Organisation (seed 003)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, RootModel, Tag

from kit.money import decimal_string, rials
from panjereh_contract.types import positive_decimal
from rules.calculations.base import CalculationInput, Outcome, Trace, calculation, tagged_by, today
from rules.calculations.common import (
    ForeignAmount,
    invalid,
    multiply,
    percent_of,
)
from rules.catalogue import Catalogue

ORDER_REGISTRATION_FEE = "trade-order-registration-fee"
ORDER_REGISTRATION_FEE_BASE = "trade-order-registration-fee-base"

# The parts of the base named in the data, and the input field that carries each.
_FIELDS = {
    "proforma-value": "proforma_value",
    "fob-value": "fob",
    "freight": "freight",
    "other-costs": "other_costs",
}
# Parts that count as 0 when not given (an order may have no freight or other costs).
_ZERO_WHEN_OMITTED = {"freight", "other_costs"}


class OrderKind(StrEnum):
    NEW = "new"
    AMENDMENT = "amendment"
    RENEWAL = "renewal"


class _OrderRegistration(CalculationInput):
    date: dt.date | None = Field(default=None, description="The registration date; today when omitted.")
    exchange_rate: positive_decimal(18, 6) = Field(  # type: ignore[valid-type]
        description="Rials per unit of the order's currency."
    )
    proforma_value: ForeignAmount | None = Field(
        default=None,
        description="The proforma invoice's total, in the order's currency (the base until 1402/12/29).",
    )
    fob: ForeignAmount | None = Field(
        default=None, description="The FOB value, in the order's currency (part of the base from 1403/01/01)."
    )
    freight: ForeignAmount | None = Field(
        default=None, description="Freight, in the order's currency (from 1403/01/01; 0 when omitted)."
    )
    other_costs: ForeignAmount | None = Field(
        default=None, description="Other costs, in the order's currency (from 1403/01/01; 0 when omitted)."
    )


class NewOrderRegistrationInput(_OrderRegistration):
    """A new order: the fee is on its whole value."""

    kind: Literal[OrderKind.NEW] = Field(default=OrderKind.NEW, description="A new order (the default).")


class OrderChangeRegistrationInput(_OrderRegistration):
    """An amendment or renewal of an order: the fee is on the increase over `previous_value`."""

    kind: Literal[OrderKind.AMENDMENT, OrderKind.RENEWAL] = Field(
        description="An amendment or renewal of an order."
    )
    previous_value: ForeignAmount = Field(
        description="The order's value before, on the same base and in the same currency; "
        "the fee is charged on the increase.",
    )


class OrderRegistrationInput(
    RootModel[
        Annotated[
            Annotated[NewOrderRegistrationInput, Tag("new")]
            | Annotated[OrderChangeRegistrationInput, Tag("change")],
            tagged_by("kind", lambda value: "new" if value in (None, OrderKind.NEW) else "change"),
        ]
    ]
):
    """By `kind`: an amendment or a renewal needs `previous_value`, which a new order does not take."""


@calculation(
    "order-registration-fee",
    "Order-registration fee (Trade Promotion Organisation), by the rule in force on the registration date",
    OrderRegistrationInput,
)
def order_registration_fee(
    catalogue: Catalogue, data: NewOrderRegistrationInput | OrderChangeRegistrationInput, trace: Trace
) -> Outcome:
    """The rate and base in force on the registration date decide: until
    1402/12/29, 0.5% of the proforma value; from 1403/01/01, 0.05% (1/2000)
    of FOB value + freight + other costs (unverified: one secondary source).
    The base, in the order's currency, is converted at `exchange_rate`. For an
    amendment or renewal the fee is on the increase over `previous_value`
    (nothing when the value did not grow); before 1403 the rule says nothing on
    amendments and renewals, so the same is done, unverified. Rounded half up
    to a whole rial."""
    if data.date is None:
        day = today()
        trace.note("date", "No date given: today in Asia/Tehran.", result=day.isoformat())
    else:
        day = data.date

    rate = trace.use(
        catalogue.at(ORDER_REGISTRATION_FEE, day), "rate", f"The fee's rate in force on {day.isoformat()}."
    )
    rule = trace.use(
        catalogue.at(ORDER_REGISTRATION_FEE_BASE, day),
        "base",
        f"What the rate applies to on {day.isoformat()}.",
    )
    parts = [_FIELDS[name] for name in rule["base"]]
    value = Decimal(0)
    used: dict[str, str] = {}
    for field in parts:
        amount = getattr(data, field)
        if amount is None:
            if field not in _ZERO_WHEN_OMITTED:
                raise invalid(
                    field,
                    f"On {day.isoformat()} the fee is on {' + '.join(parts)}: give {field}.",
                    "missing",
                )
            amount = Decimal(0)
        used[field] = str(amount)
        value += amount
    ignored = [field for field in _FIELDS.values() if field not in parts and getattr(data, field) is not None]
    trace.note(
        "base used",
        f"{' + '.join(parts)} (the base in force on {day.isoformat()})"
        + (f"; not part of it, ignored: {', '.join(ignored)}." if ignored else "."),
        result=str(value),
        **used,
    )

    if isinstance(data, OrderChangeRegistrationInput):
        on_difference = rule.get("charged_on_difference_for_amendments_and_renewals")
        if on_difference is False:
            trace.note("amendment", f"For an {data.kind.value} the fee is on the whole value.")
        else:
            if on_difference is None:
                trace.unverified(
                    f"The rule in force on {day.isoformat()} says nothing on amendments and renewals; "
                    "the fee is taken on the increase, as from 1403."
                )
            increase = value - data.previous_value
            value = max(increase, Decimal(0))
            trace.note(
                "difference",
                f"For an {data.kind.value} the fee is on the increase over the previous value"
                + ("; the value did not grow: no fee." if increase <= 0 else "."),
                result=str(value),
                previous_value=str(data.previous_value),
                difference=str(increase),
            )

    in_rials = multiply(value, data.exchange_rate)
    fee = rials(percent_of(in_rials, rate))
    trace.note(
        "fee",
        f"{decimal_string(rate)}% of {value} × {data.exchange_rate} IRR, rounded half up to a whole rial.",
        result=fee,
        value_irr=str(in_rials),
        exchange_rate=str(data.exchange_rate),
        rate_percent=rate,
    )
    return Outcome(fee, "IRR")
