"""Deadlines: appeal to the Court of Administrative Justice (CAL 146 n.4),
extension of a temporary-import permit (CAL-EB), export of processed goods (CAL-EB 82)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from kit.jalali import add_months, both
from rules.calculations.base import CalculationInput, Outcome, Trace, calculation
from rules.calculations.common import invalid, months_of
from rules.calculations.holidays import LunarCalendarOutOfRange, lunar_holidays_between, next_working_day
from rules.catalogue import Catalogue
from rules.exceptions import NotInForce

APPEAL_DEADLINE_INSIDE = "cal-146-n4-appeal-deadline-inside"
APPEAL_DEADLINE_ABROAD = "cal-146-n4-appeal-deadline-abroad"
TEMPORARY_IMPORT_EXTENSION = "caleb-temporary-import-extension"
TEMPORARY_IMPORT_EXTENSION_LAB = "caleb-temporary-import-extension-lab-equipment"
EXPORT_DEADLINE = "caleb-82-processed-goods-export-deadline"
EXPORT_CUSTOMS_EXTENSION = "caleb-82-processed-goods-export-extension"
EXPORT_WORKING_GROUP_EXTENSION = "caleb-82-processed-goods-export-working-group-extension"
AGRICULTURAL_EXPORT_DEADLINE = "caleb-82-agricultural-export-deadline"
AGRICULTURAL_EXPORT_EXTENSION = "caleb-82-agricultural-export-extension"

# Civil Procedure Code (قانون آیین دادرسی دادگاه‌های عمومی و انقلاب در امور مدنی),
# arts. 443–445: in counting a time limit, a month is thirty days.
DAYS_PER_MONTH = 30


# ---------------------------------------------------------------- appeal deadline


class AppealDeadlineInput(CalculationInput):
    notification_date: dt.date = Field(description="The day the appeal commission's ruling was notified.")
    abroad: bool = Field(
        default=False, description="The person resides abroad (6 months instead of 3 inside Iran)."
    )


def _days_of(period: dict[str, int]) -> int:
    if "days" in period:
        return int(period["days"])
    return months_of(period) * DAYS_PER_MONTH


@calculation(
    "appeal-deadline",
    "Last day to challenge an appeal-commission ruling before the Court of Administrative Justice (CAL art. 146 note 4)",
    AppealDeadlineInput,
)
def appeal_deadline(catalogue: Catalogue, data: AppealDeadlineInput, trace: Trace) -> Outcome:
    """Appeal-commission rulings are final; a complaint to the Court of
    Administrative Justice must be filed within the period in force on the
    notification date: 3 months inside Iran, 6 months for residents abroad
    (30 days before the 1392 Court law). Counted as the Civil Procedure Code
    (arts. 443–445) says: a month is 30 days (90 and 180 days); the day of
    notification is not counted, so the nominal last day is the notification
    date plus that many days; a last day that falls on a holiday (Friday or an
    official holiday of `calendar.yaml`) moves to the next working day. Lunar
    holidays are converted with the Umm al-Qura calendar, which can differ from
    Iran's official lunar calendar by a day: a result that a lunar holiday moved,
    or whose last day is within one day of one, is unverified. Where an earlier
    law gave a longer period the longer one stands, and the ruling must state
    the period."""
    rule_id = APPEAL_DEADLINE_ABROAD if data.abroad else APPEAL_DEADLINE_INSIDE
    in_force = catalogue.at(rule_id, data.notification_date)
    period = trace.use(
        in_force,
        "period",
        f"The period for a person {'residing abroad' if data.abroad else 'inside Iran'} "
        f"in force on {data.notification_date.isoformat()}.",
        notification_date=data.notification_date.isoformat(),
    )
    days = _days_of(period)
    if "days" not in period:
        trace.note(
            "months in days",
            f"A month counts as {DAYS_PER_MONTH} days (Civil Procedure Code arts. 443–445).",
            result=days,
            period=period,
        )
    nominal = data.notification_date + dt.timedelta(days=days)
    trace.note(
        "nominal last day",
        f"The notification day is not counted: {data.notification_date.isoformat()} + {days} days.",
        result=both(nominal),
        days=days,
    )
    try:
        last, passed = next_working_day(catalogue.holidays, nominal)
        nearby = lunar_holidays_between(
            catalogue.holidays, nominal - dt.timedelta(days=1), last + dt.timedelta(days=1)
        )
    except LunarCalendarOutOfRange as exc:
        raise invalid(
            "notification_date",
            f"The lunar holidays are only known from 1924-08-01 to 2077-11-16; the deadline falls outside ({exc}).",
        ) from exc
    moved = (last - nominal).days
    if passed:
        trace.note(
            "holidays",
            f"The last day falls on a holiday: moved {moved} day(s) to the next working day.",
            result=both(last),
            holidays=[h.describe() for h in passed],
        )
    else:
        trace.note("holidays", "The last day is a working day.", result=both(last))
    if nearby:
        names = ", ".join(f"{h.name} ({h.day.isoformat()})" for h in nearby)
        trace.unverified(
            f"A lunar holiday ({names}) moved the last day or falls within one day of it; Iran's official "
            "lunar calendar can differ by a day from the Umm al-Qura calendar used here."
        )
    return Outcome({"last_day": both(last), "days": days, "moved_by_days": moved}, None)


# ---------------------------------------------------------- temporary import extension


class TemporaryImportExtensionInput(CalculationInput):
    permit_expiry: dt.date = Field(description="The last day of the temporary-import permit as it stands.")
    request_date: dt.date = Field(description="The day the written request for an extension is made.")
    laboratory_or_high_tech: bool = Field(
        default=False,
        description=(
            "Laboratory or high-technology equipment approved by the science or health ministry "
            "or the vice-presidency for science and technology."
        ),
    )


@calculation(
    "temporary-import-extension",
    "Latest expiry of a temporary-import permit extended on request (CAL-EB)",
    TemporaryImportExtensionInput,
)
def temporary_import_extension(
    catalogue: Catalogue, data: TemporaryImportExtensionInput, trace: Trace
) -> Outcome:
    """On a written request made before the permit expires (the expiry day
    itself still counts), the permit may be extended by up to 6 months; beyond
    that only with Iran Customs' leave. Approved laboratory and high-technology
    equipment: 2 years. The periods are those in force on the request date,
    added in Jalali months to the permit's expiry (a day of month that the
    target month lacks becomes its last day)."""
    if data.request_date > data.permit_expiry:
        raise invalid(
            "request_date",
            f"The request ({data.request_date.isoformat()}) must be made before the permit expires "
            f"({data.permit_expiry.isoformat()}).",
        )
    in_force = catalogue.at(TEMPORARY_IMPORT_EXTENSION, data.request_date)
    if data.laboratory_or_high_tech:
        try:
            in_force = catalogue.at(TEMPORARY_IMPORT_EXTENSION_LAB, data.request_date)
        except NotInForce:
            trace.note(
                "laboratory equipment",
                "The rule for laboratory and high-technology equipment was not yet in force on the request "
                "date: the general period applies.",
            )
    period = trace.use(
        in_force,
        "extension",
        "The longest extension in force on the request date.",
        request_date=data.request_date.isoformat(),
    )
    months = months_of(period)
    latest = add_months(data.permit_expiry, months)
    trace.note(
        "latest expiry",
        f"{months} Jalali month(s) after the permit's expiry.",
        result=both(latest),
        permit_expiry=both(data.permit_expiry),
        months=months,
    )
    if not data.laboratory_or_high_tech:
        trace.note("further extension", "Any further extension needs Iran Customs' leave.")
    return Outcome(
        {"latest_expiry": both(latest), "extension": period, "permit_expiry": both(data.permit_expiry)}, None
    )


# ------------------------------------------------------ processed goods export deadline


class ProcessedGoodsExportInput(CalculationInput):
    clearance_date: dt.date = Field(description="The date of the clearance document of the temporary import.")
    agricultural: bool = Field(
        default=False,
        description="Agricultural goods under the Concentration of Agricultural Duties Law.",
    )
    customs_extension: bool = Field(
        default=False,
        description="Iran Customs extended the deadline (not for agricultural goods from 1397/10/12).",
    )
    working_group_extension: bool = Field(
        default=False, description="The article 82 working group extended the deadline further."
    )
    goods_group: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9-]{1,60}$",
        description=(
            "Only for a customs extension before 1400/02/22, when its length depended on the goods group: "
            "`health-cosmetic-pharmaceutical-tobacco-food` (1 year) or `other` (2 years)."
        ),
    )


def _customs_extension_row(
    catalogue: Catalogue, data: ProcessedGoodsExportInput, trace: Trace
) -> tuple[Any, dict[str, Any]]:
    in_force = catalogue.at(EXPORT_CUSTOMS_EXTENSION, data.clearance_date)
    rows: list[dict[str, Any]] = in_force.period.value
    if len(rows) == 1:
        return in_force, rows[0]
    groups = [row["goods_group"] for row in rows]
    if data.goods_group is None:
        raise invalid(
            "goods_group",
            f"On {data.clearance_date.isoformat()} the customs extension depended on the goods group: "
            f"give goods_group, one of {', '.join(groups)}.",
            "missing",
        )
    for row in rows:
        if row["goods_group"] == data.goods_group:
            return in_force, row
    raise invalid("goods_group", f"goods_group must be one of {', '.join(groups)}.", "enum")


@calculation(
    "processed-goods-export-deadline",
    "Deadline to export the products of temporary import for processing (CAL-EB art. 82)",
    ProcessedGoodsExportInput,
)
def processed_goods_export_deadline(
    catalogue: Catalogue, data: ProcessedGoodsExportInput, trace: Trace
) -> Outcome:
    """The products must be exported within the period in force on the date of
    the clearance document: 1 year; Iran Customs may extend it (1 more year from
    1400/02/22, for all goods but agricultural goods under the Concentration of
    Agricultural Duties Law; before that 1 year for health, cosmetic,
    pharmaceutical, tobacco and food goods and 2 years for others); the working
    group may add 1 more year (from 1400/02/22; before, its extension had no
    stated length). Agricultural goods (from 1397/10/12): 9 months, extended by
    the working group by 6 months from 1400/02/22 (9 months before). Each period
    is added in Jalali months to the clearance date; the steps list the deadline
    after each."""
    day = data.clearance_date
    steps: list[dict[str, Any]] = []
    total = 0

    def step(name: str, rule_id: str, months: int) -> None:
        nonlocal total
        total += months
        steps.append(
            {"step": name, "rule_id": rule_id, "months": months, "until": both(add_months(day, total))}
        )

    agricultural_rules = False
    if data.agricultural:
        try:
            in_force = catalogue.at(AGRICULTURAL_EXPORT_DEADLINE, day)
            agricultural_rules = True
        except NotInForce:
            trace.note(
                "agricultural goods",
                "Before the agricultural goods' own periods came into force they followed the general rule.",
            )
    if not agricultural_rules:
        in_force = catalogue.at(EXPORT_DEADLINE, day)
    period = trace.use(
        in_force, "initial period", "From the date of the clearance document.", clearance_date=day.isoformat()
    )
    step("initial period", in_force.rule.id, months_of(period))

    if data.customs_extension:
        if agricultural_rules:
            raise invalid(
                "customs_extension",
                "Iran Customs grants no extension to agricultural goods under the Concentration of Agricultural "
                "Duties Law; only the working group may extend their deadline.",
            )
        in_force, row = _customs_extension_row(catalogue, data, trace)
        trace.use(
            in_force,
            "customs extension",
            f"Granted by Iran Customs for the goods group {row['goods_group']}.",
            goods_group=row["goods_group"],
        )
        step("customs extension", in_force.rule.id, months_of(row["extension"]))
    elif data.goods_group is not None:
        trace.note("goods group", "goods_group only matters for a customs extension: not used.")

    if data.working_group_extension:
        rule_id = AGRICULTURAL_EXPORT_EXTENSION if agricultural_rules else EXPORT_WORKING_GROUP_EXTENSION
        try:
            in_force = catalogue.at(rule_id, day)
        except NotInForce as exc:
            raise invalid(
                "working_group_extension",
                f"On {day.isoformat()} the working group's extension had no stated length ({exc.detail}).",
            ) from exc
        period = trace.use(in_force, "working group extension", "Added by the article 82 working group.")
        step("working group extension", rule_id, months_of(period))

    deadline = add_months(day, total)
    trace.note(
        "deadline",
        f"{total} Jalali month(s) after the clearance date.",
        result=both(deadline),
        clearance_date=both(day),
        months=total,
    )
    return Outcome({"deadline": both(deadline), "months": total, "steps": steps}, None)
