"""Commercial profit on converting temporary import for processing to definitive import (CAL-EB 87 note 3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import Field, RootModel, Tag

from kit.jalali import add_months, both
from kit.money import Rials, decimal_string, rials
from panjereh_contract.types import decimal_text, non_negative_decimal
from rules.calculations.base import CalculationInput, Outcome, Trace, calculation, tagged_by
from rules.calculations.common import invalid, multiply, percent_of
from rules.catalogue import Catalogue

COMMERCIAL_PROFIT_TABLE = "caleb-87-conversion-commercial-profit"
INCREMENT_PER_YEAR = "caleb-87-conversion-profit-increment-per-year"
PARTIAL_EXPORT_DISCOUNT = "caleb-87-partial-export-discount"


class _ConversionProfit(CalculationInput):
    hs_code: str = Field(
        pattern=r"^[0-9]{8}$", description="The goods' 8-digit tariff line, e.g. `10019910`."
    )
    temporary_import_date: dt.date = Field(description="The date of the temporary-import declaration.")
    conversion_date: dt.date = Field(description="The date of the conversion (the definitive declaration).")
    prohibited: bool = Field(
        default=False, description="The goods were import-prohibited at temporary import or at conversion."
    )
    tariff_commercial_profit_rate: non_negative_decimal(4, 4) | None = Field(  # type: ignore[valid-type]
        default=None,
        description="The tariff line's own commercial-profit rate in percent; needed for goods not in the table.",
    )
    value: Rials = Field(description="The value of the goods at temporary import, in rials.")


class WholeConversionInput(_ConversionProfit):
    """Nothing of the goods was exported: no discount."""

    exported_share: decimal_text(r"^0(\.0{1,8})?$", "0") = Field(  # type: ignore[valid-type]
        default=Decimal(0), description="0, or omitted: nothing was exported after processing."
    )
    import_duty_floor: Rials | None = Field(
        default=None, description="Not used without a partial export (accepted and ignored)."
    )


class PartialExportConversionInput(_ConversionProfit):
    """Part of the goods was exported after processing: a proportional discount, floored."""

    exported_share: decimal_text(  # type: ignore[valid-type]
        r"^(0\.(?=[0-9]*[1-9])[0-9]{1,8}|1(\.0{1,8})?)$", "0.25"
    ) = Field(description="The share (above 0, up to 1) of the goods exported after processing.")
    import_duty_floor: Rials = Field(
        description="The duties of the import tariff at the time of temporary import, in rials: the discount "
        "never brings the profit below it."
    )


def _exported(share: Any) -> str:
    """``partial`` for a share above 0 (a number or its text), else ``whole``."""
    try:
        return "partial" if Decimal(str(share)) > 0 else "whole"
    except InvalidOperation:
        return "whole"


class ConversionProfitInput(
    RootModel[
        Annotated[
            Annotated[WholeConversionInput, Tag("whole")]
            | Annotated[PartialExportConversionInput, Tag("partial")],
            tagged_by("exported_share", _exported),
        ]
    ]
):
    """By `exported_share`: a partial export (above 0) needs `import_duty_floor`."""


def _full_years(start: dt.date, end: dt.date) -> int:
    """Full Jalali years from ``start`` to ``end``."""
    years = max((end - start).days // 366 - 1, 0)
    while add_months(start, 12 * (years + 1)) <= end:
        years += 1
    return years


def _table_row(rows: list[dict[str, Any]], hs_code: str) -> dict[str, Any] | None:
    """The listed goods' row the tariff line falls under (the longest matching code wins)."""
    best: tuple[int, dict[str, Any]] | None = None
    for row in rows:
        for code in row.get("hs_codes") or ():
            code = str(code)
            if hs_code.startswith(code) and (best is None or len(code) > best[0]):
                best = (len(code), row)
    return best[1] if best else None


def _prohibited_row(rows: list[dict[str, Any]]) -> dict[str, Any]:
    found = [row for row in rows if not row.get("hs_codes")]
    if len(found) != 1:
        raise LookupError(f"{COMMERCIAL_PROFIT_TABLE}: expected one row without hs_codes (prohibited goods)")
    return found[0]


@calculation(
    "conversion-commercial-profit",
    "Commercial profit on converting temporary import for processing to definitive import (CAL-EB art. 87 note 3)",
    ConversionProfitInput,
)
def conversion_commercial_profit(
    catalogue: Catalogue, data: WholeConversionInput | PartialExportConversionInput, trace: Trace
) -> Outcome:
    """The rate comes from the note-3 table in force on the conversion date.
    Goods listed by tariff heading or line (wheat, sugar, milk powder, rice,
    barley, tomato paste, honey, fruits and olives) take their row's rate; the
    percentages are read from scrambled digits and are unverified. Other goods
    import-prohibited at temporary import or at conversion: 200%. Any other
    goods: the tariff line's own commercial-profit rate plus 10 points for each
    full (Jalali) year from the temporary import to the conversion. The profit
    is that rate on the value at temporary import. An importer who exported
    part of the goods gets a discount in proportion to the exported share, but
    the profit never falls below the import duties of the tariff at the time of
    temporary import (`import_duty_floor`). Rounded half up to a whole rial."""
    if data.conversion_date < data.temporary_import_date:
        raise invalid("conversion_date", "The conversion cannot come before the temporary import.")
    day = data.conversion_date
    in_force = catalogue.at(COMMERCIAL_PROFIT_TABLE, day)
    rows: list[dict[str, Any]] = in_force.period.value
    row = _table_row(rows, data.hs_code)
    if row is None and data.prohibited:
        row = _prohibited_row(rows)

    if row is not None:
        rate = Decimal(row["rate_percent"])
        listed = bool(row.get("hs_codes"))
        trace.use(
            in_force,
            "table row",
            f"Row {row.get('row')} ({row.get('goods')})"
            + (f", tariff line {data.hs_code} ({row.get('hs_note')})." if listed else "."),
            hs_code=data.hs_code,
            row=row.get("row"),
            rate_percent=row["rate_percent"],
            candidates=row.get("candidates"),
        )
        if listed and data.prohibited:
            trace.note(
                "prohibited", "The goods are listed in the table: their row applies, not the prohibited row."
            )
        if not row.get("verified", True):
            trace.unverified(
                f"Row {row.get('row')} ({row.get('goods')}): the rate is read from scrambled digits; the candidates "
                f"are {', '.join(row.get('candidates') or [])}% and {row['rate_percent']}% is served."
            )
    else:
        if data.tariff_commercial_profit_rate is None:
            raise invalid(
                "tariff_commercial_profit_rate",
                f"Tariff line {data.hs_code} is not in the table: give its own commercial-profit rate "
                "(tariff_commercial_profit_rate).",
                "missing",
            )
        increment = trace.use(
            catalogue.at(INCREMENT_PER_YEAR, day),
            "points per year",
            f"Tariff line {data.hs_code} is not in the table (other goods): points added per full year.",
            hs_code=data.hs_code,
        )
        years = _full_years(data.temporary_import_date, data.conversion_date)
        rate = data.tariff_commercial_profit_rate + multiply(increment, years)
        trace.note(
            "rate",
            f"The line's rate {decimal_string(data.tariff_commercial_profit_rate)}% + {increment} points × {years} "
            "full year(s) since the temporary import.",
            result=decimal_string(rate),
            temporary_import_date=both(data.temporary_import_date),
            conversion_date=both(data.conversion_date),
            full_years=years,
        )

    profit = rials(percent_of(data.value, rate))
    trace.note(
        "profit",
        f"{decimal_string(rate)}% of the value at temporary import, rounded half up to a whole rial.",
        result=profit,
        value=data.value,
        rate_percent=decimal_string(rate),
    )
    if isinstance(data, PartialExportConversionInput):
        trace.use(
            catalogue.at(PARTIAL_EXPORT_DISCOUNT, day),
            "partial export",
            "A discount proportional to the exported share, never below the import duties at temporary import.",
            exported_share=str(data.exported_share),
        )
        discounted = rials(multiply(profit, 1 - data.exported_share))
        floored = min(profit, max(discounted, data.import_duty_floor))
        trace.note(
            "discount",
            f"The profit × (1 − {data.exported_share})"
            + (f", raised to the floor of {data.import_duty_floor} IRR." if floored > discounted else "."),
            result=floored,
            discounted=discounted,
            import_duty_floor=data.import_duty_floor,
        )
        profit = floored
    return Outcome({"rate_percent": decimal_string(rate), "profit": profit}, "IRR")
