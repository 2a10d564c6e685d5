"""What the rules service computes for a file: the order-registration fee (stored with its
trace) and the duties estimate per line (not stored). A rules failure is a 503 and, the
session being rolled back, nothing is stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from orders_client.files import DutiesEstimate, LineDuties
from rules_client import CalculationResult, RulesClient
from sqlalchemy.ext.asyncio import AsyncSession

from kit.money import decimal_string, rials
from orders.files import repository
from orders.files.exceptions import ExchangeRateUnknown, RulesUnavailable
from orders.files.models import OrderFee, OrderFile, OrderLine
from orders.reference import repository as reference
from orders.reference.models import Incoterm
from orders.reference.service import rate_on
from panjereh_contract.client import ServiceCallError

FEE = "order-registration-fee"
DUTIES = "import-duties-1404"
LEVY = "red-crescent-levy"
MOBILE_PHONES = "mobile-phones"
CARS = "cars"
PERSONAL_CAR_NOTE = (
    "Personal car of an Iranian living abroad (seed 001, registered without a currency transfer): the `cars` "
    "row of the 1404 duty table, 100% of the customs value (seed 003; unverified elsewhere, see the trace)."
)


async def calculate(rules: RulesClient, name: str, inputs: dict[str, Any]) -> CalculationResult:
    """The rules service's answer; ``RulesUnavailable`` (503) when it fails or refuses."""
    try:
        return await rules.calculate(name, inputs)
    except (ServiceCallError, httpx.HTTPError, ValueError) as exc:
        raise RulesUnavailable(name) from exc


@dataclass(frozen=True)
class ExchangeRates:
    """The stored rial rates (``orders.exchange_rates``), read once at start-up: only a
    migration writes them, and the service does not start behind its migrations."""

    by_currency: dict[str, list[tuple[dt.date, Decimal]]]  # newest first

    def on(self, currency: str, day: dt.date) -> Decimal | None:
        """Rials per unit of ``currency`` in force on ``day`` (the latest rate from that day back)."""
        for valid_from, rate in self.by_currency.get(currency, ()):
            if valid_from <= day:
                return rate
        return None


async def load_rates(session: AsyncSession) -> ExchangeRates:
    by_currency: dict[str, list[tuple[dt.date, Decimal]]] = {}
    for row in await repository.rates(session):
        by_currency.setdefault(row.currency, []).append((row.valid_from, row.rials_per_unit))
    return ExchangeRates(by_currency)


def rate_of(rates: ExchangeRates, currency: str, day: dt.date, pointer: str = "#/body/currency") -> Decimal:
    rate = rates.on(currency, day)
    if rate is None:
        raise ExchangeRateUnknown(currency, pointer)
    return rate


def usd_equivalent(rates: ExchangeRates, amount: Decimal, currency: str, day: dt.date) -> Decimal:
    """``amount`` of ``currency`` in US dollars, through the stored rial rates."""
    if currency == "USD":
        return amount
    return amount * rate_of(rates, currency, day) / rate_of(rates, "USD", day)


async def fee_base(session: AsyncSession, file: OrderFile) -> dict[str, str]:
    """The fee's value inputs: the proforma total, FOB (the total less freight when the rule's
    price includes the main carriage) and freight."""
    incoterm = await session.get(Incoterm, file.incoterm)
    includes_carriage = bool(incoterm and incoterm.seller_pays_main_carriage)
    fob = file.total_amount - file.freight_amount if includes_carriage else file.total_amount
    return {
        "proforma_value": decimal_string(file.total_amount),
        "fob": decimal_string(fob),
        "freight": decimal_string(file.freight_amount),
    }


async def register_fee(
    session: AsyncSession,
    rules: RulesClient,
    rates: ExchangeRates,
    file: OrderFile,
    day: dt.date,
    *,
    previous: dict[str, str] | None = None,
) -> OrderFee:
    """Compute the fee with the rules service and store it with its trace. ``previous``: the
    base before an amendment (the fee is then on the increase)."""
    rate = rate_of(rates, file.currency, day)
    base = await fee_base(session, file)
    inputs: dict[str, Any] = {"date": day.isoformat(), "exchange_rate": decimal_string(rate), **base}
    kind = "new"
    if previous is not None:
        kind = "amendment"
        inputs["kind"] = "amendment"
        # From 1403 the base is FOB + freight (+ other costs, none here): the previous value on it.
        inputs["previous_value"] = decimal_string(Decimal(previous["fob"]) + Decimal(previous["freight"]))
    result = await calculate(rules, FEE, inputs)
    fee = OrderFee(
        file_id=file.id,
        kind=kind,
        amount_rials=int(result.result),
        exchange_rate=rate,
        inputs=inputs,
        verified=result.verified,
        trace=[step.model_dump(mode="json") for step in result.trace],
    )
    session.add(fee)
    await session.flush()
    return fee


async def duties_estimate(
    session: AsyncSession,
    rules: RulesClient,
    rates: ExchangeRates,
    file: OrderFile,
    lines: list[OrderLine],
    day: dt.date,
) -> DutiesEstimate:
    """Each line at the stored rate: the 1404 duty table when the line is in it, else the
    tariff-book rate with the Red Crescent levy on it."""
    rate = rate_of(rates, file.currency, day, "#/path/file_id")
    eur = rates.on("EUR", day)
    out = [await _line_duties(session, rules, line, rate, eur, day) for line in lines]
    if file.kind == "personal-car":
        out = [
            line.model_copy(update={"note": PERSONAL_CAR_NOTE}) if line.duty_category == CARS else line
            for line in out
        ]
    return DutiesEstimate(
        file_id=str(file.id),
        currency=file.currency,
        exchange_rate=decimal_string(rate),
        lines=out,
        total_rials=sum(line.total or 0 for line in out),
        verified=all(line.verified for line in out),
    )


async def _line_duties(
    session: AsyncSession,
    rules: RulesClient,
    line: OrderLine,
    rate: Decimal,
    eur: Decimal | None,
    day: dt.date,
) -> LineDuties:
    value = rials(line.value * rate)
    common: dict[str, Any] = {
        "line_id": str(line.id),
        "hs_code": line.hs_code,
        "duty_category": line.duty_category,
        "customs_value_rials": value,
    }
    if line.duty_category is not None:
        inputs: dict[str, Any] = {
            "date": day.isoformat(),
            "category": line.duty_category,
            "customs_value": value,
        }
        if line.duty_category == MOBILE_PHONES:
            if eur is None:
                return _not_estimable(
                    common, "No EUR rate is stored: a phone's rate depends on its value in euros."
                )
            inputs["unit_value_eur"] = decimal_string(
                (line.value * rate / eur / line.quantity).quantize(Decimal("0.0001"))
            )
        try:
            result = await rules.calculate(DUTIES, inputs)
        except ServiceCallError as exc:
            if exc.status == 422:
                return _not_estimable(
                    common, f"The rules service cannot estimate it: {exc.problem.get('detail')}"
                )
            raise RulesUnavailable(DUTIES) from exc
        except (httpx.HTTPError, ValueError) as exc:
            raise RulesUnavailable(DUTIES) from exc
        amounts = result.result
        return LineDuties(
            **common,
            calculation=DUTIES,
            duties=amounts["duties"],
            vat=amounts["vat"],
            red_crescent_levy=amounts["red_crescent_levy"],
            total=amounts["total"],
            verified=result.verified,
            traces={DUTIES: [s.model_dump(mode="json") for s in result.trace]},
        )
    tariff = await reference.tariff_line(session, line.hs_code, on=day)
    book = rate_on(tariff.rates, day) if tariff is not None else None
    if book is None:
        return _not_estimable(
            common, "The line is in no row of the 1404 duty table and no tariff-book rate is known for it."
        )
    duties = rials(Decimal(value) * book.rate_percent / 100)
    levy = await calculate(rules, LEVY, {"date": day.isoformat(), "duties_and_profit": duties})
    own_step = {
        "step": "duties",
        "detail": f"Tariff-book rate {decimal_string(book.rate_percent)}% of the customs value (orders reference "
        "data), rounded half up to a whole rial. VAT is not estimated for lines outside the 1404 table.",
        "verified": book.verified,
        "parameters": {"customs_value": value, "rate_percent": decimal_string(book.rate_percent)},
        "result": duties,
    }
    return LineDuties(
        **common,
        calculation=LEVY,
        duties=duties,
        vat=None,
        red_crescent_levy=int(levy.result),
        total=duties + int(levy.result),
        verified=levy.verified and book.verified,
        note="Tariff-book rate and Red Crescent levy; VAT not estimated.",
        traces={"tariff-book-rate": [own_step], LEVY: [s.model_dump(mode="json") for s in levy.trace]},
    )


def _not_estimable(common: dict[str, Any], note: str) -> LineDuties:
    return LineDuties(
        **common,
        calculation=None,
        duties=None,
        vat=None,
        red_crescent_levy=None,
        total=None,
        verified=False,
        note=note,
        traces={},
    )
