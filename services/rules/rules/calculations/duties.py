"""Duties and what goes with them: the shortfall not claimed (CAL 135 n.1), the
guarantee for suspended duties (CAL 10 and the 1394 law), the Red Crescent
levy (CAL 163) and the import charges of 1404 (seed 003)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, RootModel, Tag

from kit.money import Rials, decimal_string, rials
from panjereh_contract.types import positive_decimal
from rules.calculations.base import CalculationInput, Outcome, Trace, calculation, tagged_by, today
from rules.calculations.common import invalid, multiply, percent_of
from rules.catalogue import Catalogue
from rules.exceptions import NotInForce

SHORTFALL_THRESHOLD = "cal-135-n1-shortfall-not-claimed"
GUARANTEE = "cal-10-guarantee"
PRODUCTION_UNIT_GUARANTEE = "cal-10-51-production-unit-guarantee"
RED_CRESCENT_LEVY = "cal-163-red-crescent-levy"
IMPORT_DUTY_RATES = "trade-import-duty-rates-1404"
VAT_RATE = "trade-vat-rate"


def _day(date: dt.date | None, trace: Trace) -> dt.date:
    if date is None:
        day = today()
        trace.note("date", "No date given: today in Asia/Tehran.", result=day.isoformat())
        return day
    return date


# ------------------------------------------------------------------ shortfall


class ShortfallInput(CalculationInput):
    date: dt.date | None = Field(default=None, description="The day of the declaration; today when omitted.")
    shortfall: Rials = Field(description="The duties short-collected on the declaration, in rials.")


@calculation(
    "shortfall-claimable",
    "Whether a shortfall in duties on a declaration is claimed (CAL art. 135 note 1)",
    ShortfallInput,
)
def shortfall_claimable(catalogue: Catalogue, data: ShortfallInput, trace: Trace) -> Outcome:
    """A shortfall (کسر دریافتی) below the threshold in force on the date is not
    claimed, per declaration; a shortfall at or above it is."""
    day = _day(data.date, trace)
    threshold = trace.use(
        catalogue.at(SHORTFALL_THRESHOLD, day), "threshold", f"The threshold in force on {day.isoformat()}."
    )
    claimable = data.shortfall >= threshold
    trace.note(
        "compare",
        f"{data.shortfall} IRR is {'at or above' if claimable else 'below'} the threshold of {threshold} IRR.",
        result=claimable,
        shortfall=data.shortfall,
        threshold=threshold,
    )
    return Outcome({"claimable": claimable, "threshold": threshold}, "IRR")


# ------------------------------------------------------------------ guarantee


class GuaranteeInput(CalculationInput):
    date: dt.date | None = Field(default=None, description="The day of the declaration; today when omitted.")
    duties: Rials = Field(description="The import duties due on the goods, in rials.")
    goods_value: Rials = Field(description="The customs value of the goods, in rials.")
    permitted_goods: bool = Field(description="The goods are permitted (مجاز) goods.")
    production_unit: bool = Field(
        default=False,
        description=(
            "Temporary import for processing (CAL 51) by a production unit holding an establishment or "
            "operating licence, or by another person under a processing contract with such a unit."
        ),
    )


def _guarantee_row(rows: list[dict[str, Any]], category: str) -> dict[str, Any]:
    for row in rows:
        if row["category"] == category:
            return row
    raise LookupError(f"{GUARANTEE} has no row for {category!r}")


@calculation(
    "temporary-import-guarantee",
    "Guarantee for suspended import duties (CAL art. 10; 1394 law for production units)",
    GuaranteeInput,
)
def temporary_import_guarantee(catalogue: Catalogue, data: GuaranteeInput, trace: Trace) -> Outcome:
    """Service fees are paid at once; the duties are guaranteed. Permitted
    goods: a guarantee equal to the duties. Other goods: the duties plus half
    to three times the value of the goods, as customs decides (a range
    `{min, max}`). From the Law on Removing Barriers to Competitive Production
    (1394/02/01), raw materials and goods temporarily imported for processing
    (CAL 51) by production units holding an establishment or operating licence,
    or by others under a processing contract with such a unit, count as
    permitted goods: the guarantee is only the duties and other charges of
    definitive import. Amounts are rounded half up to a whole rial."""
    day = _day(data.date, trace)
    rows = trace.use(
        catalogue.at(GUARANTEE, day), "guarantee rule", f"CAL art. 10 in force on {day.isoformat()}."
    )
    category = "permitted" if data.permitted_goods else "other"
    if data.production_unit:
        try:
            rule = trace.use(
                catalogue.at(PRODUCTION_UNIT_GUARANTEE, day),
                "production unit",
                "Temporary import for processing by a production unit: treated as permitted goods.",
            )
        except NotInForce:
            trace.note(
                "production unit",
                "The 1394 law was not yet in force on the date: CAL art. 10 applies as it stands.",
            )
        else:
            if not rule.get("treated_as_permitted_goods", False):
                raise LookupError(f"{PRODUCTION_UNIT_GUARANTEE} no longer treats these goods as permitted")
            category = "permitted"
    row = _guarantee_row(rows, category)
    low, high = Decimal(row["value_multiple_min"]), Decimal(row["value_multiple_max"])
    duties = data.duties if row.get("includes_duties", True) else 0
    if low == high == 0:
        trace.note("guarantee", "The duties due.", result=duties, duties=data.duties)
        return Outcome(duties, "IRR")
    amount = {
        "min": duties + rials(multiply(data.goods_value, low)),
        "max": duties + rials(multiply(data.goods_value, high)),
    }
    trace.note(
        "guarantee",
        f"The duties plus {decimal_string(low)} to {decimal_string(high)} times the value of the goods, as customs decides.",
        result=amount,
        duties=data.duties,
        goods_value=data.goods_value,
        value_multiple={"min": decimal_string(low), "max": decimal_string(high)},
    )
    return Outcome(amount, "IRR")


# ------------------------------------------------------------------ Red Crescent levy


class RedCrescentInput(CalculationInput):
    date: dt.date | None = Field(default=None, description="The day of the declaration; today when omitted.")
    duties_and_profit: Rials = Field(
        description="Total customs duties plus commercial profit due on the imported goods, in rials."
    )


def red_crescent(catalogue: Catalogue, day: dt.date, base: int, trace: Trace, base_name: str) -> int:
    """The CAL 163 levy on ``base``, traced; rounded half up to a whole rial."""
    rate = trace.use(
        catalogue.at(RED_CRESCENT_LEVY, day),
        "Red Crescent levy rate",
        f"CAL art. 163 rate in force on {day.isoformat()}.",
    )
    levy = rials(percent_of(base, rate))
    trace.note(
        "Red Crescent levy",
        f"{rate}% of {base_name}, rounded half up to a whole rial.",
        result=levy,
        base=base,
        rate_percent=rate,
    )
    return levy


@calculation(
    "red-crescent-levy",
    "Disaster-preparedness levy on imports paid for the Red Crescent (CAL art. 163)",
    RedCrescentInput,
)
def red_crescent_levy(catalogue: Catalogue, data: RedCrescentInput, trace: Trace) -> Outcome:
    """The rate in force on the date (0.5% originally; 1% from the Sixth
    Development Plan; whether 1% outlived that plan under the Seventh Plan is
    unverified) times the total customs duties plus commercial profit due on the
    imported goods, rounded half up to a whole rial. Paid to the treasury and
    allotted to the Red Crescent in the budget."""
    day = _day(data.date, trace)
    return Outcome(
        red_crescent(catalogue, day, data.duties_and_profit, trace, "duties and commercial profit"), "IRR"
    )


# ------------------------------------------------------------------ import duties 1404


class ImportCategory(StrEnum):
    BASIC_GOODS = "basic-goods"
    MEDICINE = "medicine"
    ANIMAL_FEED = "animal-feed"
    PRODUCTION_MACHINERY = "production-machinery"
    INTERMEDIATE_RAW_MATERIALS = "intermediate-raw-materials"
    CARS = "cars"
    MOBILE_PHONES = "mobile-phones"


class _ImportDuties(CalculationInput):
    date: dt.date | None = Field(default=None, description="The day of the declaration; today when omitted.")
    customs_value: Rials = Field(description="The customs value of the goods, in rials.")


class GoodsDutiesInput(_ImportDuties):
    """Goods of any category but mobile phones: the category decides the rate."""

    category: Literal[
        ImportCategory.BASIC_GOODS,
        ImportCategory.MEDICINE,
        ImportCategory.ANIMAL_FEED,
        ImportCategory.PRODUCTION_MACHINERY,
        ImportCategory.INTERMEDIATE_RAW_MATERIALS,
        ImportCategory.CARS,
    ] = Field(description="The goods' category in the 1404 duty table.")


class MobilePhoneDutiesInput(_ImportDuties):
    """Mobile phones: the rate depends on the value of one phone in euros."""

    category: Literal[ImportCategory.MOBILE_PHONES] = Field(
        description="The goods' category in the 1404 duty table."
    )
    unit_value_eur: positive_decimal(14, 4) = Field(  # type: ignore[valid-type]
        description="The value of one phone in euros (the rate depends on it)."
    )


class ImportDutiesInput(
    RootModel[
        Annotated[
            Annotated[GoodsDutiesInput, Tag("goods")]
            | Annotated[MobilePhoneDutiesInput, Tag("mobile-phones")],
            tagged_by("category", lambda value: "mobile-phones" if value == "mobile-phones" else "goods"),
        ]
    ]
):
    """By `category`: mobile phones need `unit_value_eur`, which no other category takes."""


def _fits(row: dict[str, Any], value: Decimal) -> bool:
    low, high = row.get("min_value_eur"), row.get("max_value_eur")
    if low is not None:
        low = Decimal(str(low))
        if value < low or (value == low and not row.get("min_inclusive", True)):
            return False
    if high is not None:
        high = Decimal(str(high))
        if value > high or (value == high and not row.get("max_inclusive", True)):
            return False
    return True


def _duty_row(rows: list[dict[str, Any]], data: GoodsDutiesInput | MobilePhoneDutiesInput) -> dict[str, Any]:
    category = data.category
    if not isinstance(data, MobilePhoneDutiesInput):
        for row in rows:
            if row["category"] == category:
                return row
        raise invalid("category", f"The duty table in force on the date has no row for {category}.", "enum")
    phones = [row for row in rows if row["category"].startswith(category)]
    for row in phones:
        if _fits(row, data.unit_value_eur):
            return row
    bounds = [Decimal(str(row["min_value_eur"])) for row in phones if row.get("min_value_eur") is not None]
    lowest = f" (the lowest band starts at EUR {min(bounds)})" if bounds else ""
    raise invalid(
        "unit_value_eur",
        f"No duty rate is known for a mobile phone worth EUR {data.unit_value_eur}{lowest}: "
        "the 1404 table (seed 003) gives none.",
        "out_of_range",
    )


@calculation(
    "import-duties-1404",
    "Import duties, VAT and Red Crescent levy of 1404 by goods category (seed 003)",
    ImportDutiesInput,
)
def import_duties_1404(
    catalogue: Catalogue, data: GoodsDutiesInput | MobilePhoneDutiesInput, trace: Trace
) -> Outcome:
    """Duties at the category's rate in the 1404 table on the customs value:
    basic goods, medicine and animal feed 1%; production machinery and
    intermediate raw materials 2%; cars 100% (unverified); mobile phones
    worth EUR 600–1000 15%, over EUR 1000 30% (no rate below EUR 600: refused).
    VAT (10%) on the customs value plus the duties; the Red Crescent levy (CAL
    163) on the duties. Each amount is rounded half up to a whole rial; `total`
    is what is payable: duties + VAT + levy."""
    day = _day(data.date, trace)
    in_force = catalogue.at(IMPORT_DUTY_RATES, day)
    row = _duty_row(in_force.period.value, data)
    rate = row["rate_percent"]
    trace.use(
        in_force,
        "duty rate",
        f"The rate for {row['category']} in the table in force on {day.isoformat()}.",
        category=row["category"],
        rate_percent=rate,
        **({"unit_value_eur": str(data.unit_value_eur)} if isinstance(data, MobilePhoneDutiesInput) else {}),
    )
    if not row.get("verified", True):
        trace.unverified(f"The {row['category']} row of the 1404 duty table ({rate}%) is not verified.")
    duties = rials(percent_of(data.customs_value, rate))
    trace.note(
        "duties",
        f"{rate}% of the customs value, rounded half up to a whole rial.",
        result=duties,
        customs_value=data.customs_value,
        rate_percent=rate,
    )
    vat_rate = trace.use(
        catalogue.at(VAT_RATE, day), "VAT rate", f"The VAT rate in force on {day.isoformat()}."
    )
    vat_base = data.customs_value + duties
    vat = rials(percent_of(vat_base, vat_rate))
    trace.note(
        "VAT",
        f"{vat_rate}% of the customs value plus the duties, rounded half up to a whole rial.",
        result=vat,
        base=vat_base,
        rate_percent=vat_rate,
    )
    levy = red_crescent(catalogue, day, duties, trace, "the duties")
    total = duties + vat + levy
    trace.note("total", "Duties + VAT + Red Crescent levy.", result=total)
    return Outcome({"duties": duties, "vat": vat, "red_crescent_levy": levy, "total": total}, "IRR")
