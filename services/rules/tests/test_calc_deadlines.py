"""Deadline calculations: appeal to the Court of Administrative Justice (CAL 146
n.4), temporary-import extension (CAL-EB), export of processed goods (CAL-EB 82).

Expectations are worked out by hand from RULES-REFERENCE.md (and, for the goods
groups of the original art. 82, its text in words), not read from the data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError
from rules_client.models import CalculationResult

from rules import data_files
from rules.calculations import REGISTRY
from rules.calculations.deadlines import (
    DAYS_PER_MONTH,
    AppealDeadlineInput,
    ProcessedGoodsExportInput,
    TemporaryImportExtensionInput,
)
from rules.catalogue import Catalogue
from rules.exceptions import CalculationInputInvalid, NotInForce


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    law = data_files.load()
    return Catalogue(law.rules, law.holidays)


def pair(gregorian: str, jalali: str) -> dict[str, str]:
    return {"gregorian": gregorian, "jalali": jalali}


def refused_field(exc: pytest.ExceptionInfo[CalculationInputInvalid]) -> str:
    return exc.value.extra["errors"][0]["pointer"]


def unverified_reasons(result: CalculationResult) -> list[str]:
    return [step.detail or "" for step in result.trace if step.step == "unverified"]


# ------------------------------------------------------------------ appeal deadline


def appeal(catalogue: Catalogue, **inputs: Any) -> CalculationResult:
    return REGISTRY["appeal-deadline"].run(catalogue, AppealDeadlineInput(**inputs))


def test_a_month_is_thirty_days() -> None:
    assert DAYS_PER_MONTH == 30


def test_original_thirty_days_moved_over_two_nowruz_holidays(catalogue: Catalogue) -> None:
    # 2012-03-01 + 30 days = 2012-03-31 = 1391/01/12 (Islamic Republic Day), then 1391/01/13
    # (Nature Day): the last day is Monday 1391/01/14. No lunar holiday nearby; the 30 days are verified.
    result = appeal(catalogue, notification_date="2012-03-01")
    assert result.result == {"last_day": pair("2012-04-02", "1391-01-14"), "days": 30, "moved_by_days": 2}
    assert result.verified is True


def test_the_day_before_the_1392_court_law(catalogue: Catalogue) -> None:
    # 2013-06-14 + 30 = 2013-07-14 (Sunday 1392/04/23): a working day.
    result = appeal(catalogue, notification_date="2013-06-14")
    assert result.result == {"last_day": pair("2013-07-14", "1392-04-23"), "days": 30, "moved_by_days": 0}
    assert result.verified is True


def test_on_the_1392_court_law_three_months_inside_iran(catalogue: Catalogue) -> None:
    # 2013-06-15 + 90 = 2013-09-13, a Friday: Saturday 1392/06/23. The 1392 start date is unverified.
    result = appeal(catalogue, notification_date="2013-06-15")
    assert result.result == {"last_day": pair("2013-09-14", "1392-06-23"), "days": 90, "moved_by_days": 1}
    assert result.verified is False


def test_six_months_abroad(catalogue: Catalogue) -> None:
    # 2024-01-01 + 180 = 2024-06-29 (Saturday 1403/04/09).
    result = appeal(catalogue, notification_date="2024-01-01", abroad=True)
    assert result.result == {"last_day": pair("2024-06-29", "1403-04-09"), "days": 180, "moved_by_days": 0}
    assert not unverified_reasons(result)


def test_jalali_notification_date(catalogue: Catalogue) -> None:
    # ۱۴۰۲/۱۰/۱۱ = 2024-01-01; + 90 = 2024-03-31 = 1403/01/12 (Islamic Republic Day, and 21 Ramadan),
    # 1403/01/13 (Nature Day): Tuesday 1403/01/14; unverified for the lunar holiday.
    result = appeal(catalogue, notification_date="۱۴۰۲/۱۰/۱۱", calendar="jalali")
    assert result.result == {"last_day": pair("2024-04-02", "1403-01-14"), "days": 90, "moved_by_days": 2}
    assert any("Martyrdom of Imam Ali" in reason for reason in unverified_reasons(result))


def test_nowruz_moves_the_last_day(catalogue: Catalogue) -> None:
    # 2017-12-21 + 90 = 2018-03-21 = 1397/01/01; 1397/01/01..04 are holidays: Sunday 1397/01/05.
    result = appeal(catalogue, notification_date="2017-12-21")
    assert result.result == {"last_day": pair("2018-03-25", "1397-01-05"), "days": 90, "moved_by_days": 4}
    assert not unverified_reasons(result)


def test_a_lunar_holiday_moves_the_last_day_unverified(catalogue: Catalogue) -> None:
    # 2012-10-24 + 30 = 2012-11-23: a Friday and Tasua, then Ashura (Saturday): Sunday 1391/09/05.
    # The 30-day period is verified; the lunar holidays make the answer unverified.
    result = appeal(catalogue, notification_date="2012-10-24")
    assert result.result == {"last_day": pair("2012-11-25", "1391-09-05"), "days": 30, "moved_by_days": 2}
    assert result.verified is False
    (reason,) = unverified_reasons(result)
    assert "Tasua" in reason
    assert "Ashura" in reason


def test_a_lunar_holiday_the_next_day_makes_it_unverified(catalogue: Catalogue) -> None:
    # 2012-10-23 + 30 = 2012-11-22 (Thursday, 8 Muharram): a working day, but Tasua is the next day.
    result = appeal(catalogue, notification_date="2012-10-23")
    assert result.result == {"last_day": pair("2012-11-22", "1391-09-02"), "days": 30, "moved_by_days": 0}
    assert result.verified is False
    assert unverified_reasons(result)


def test_last_day_of_safar(catalogue: Catalogue) -> None:
    # 2025-05-25 + 90 = 2025-08-23 = 1404/06/01, the last day of Safar 1447 (29 days):
    # the Martyrdom of Imam Reza; the next day, 1 Rabi al-Awwal, is a working Sunday.
    result = appeal(catalogue, notification_date="2025-05-25")
    assert result.result == {"last_day": pair("2025-08-24", "1404-06-02"), "days": 90, "moved_by_days": 1}
    assert any("Imam Reza" in reason for reason in unverified_reasons(result))


def test_appeal_before_the_law(catalogue: Catalogue) -> None:
    with pytest.raises(NotInForce):
        appeal(catalogue, notification_date="2011-11-12")


def test_appeal_beyond_the_lunar_tables(catalogue: Catalogue) -> None:
    with pytest.raises(CalculationInputInvalid) as exc:
        appeal(catalogue, notification_date="2077-10-01")
    assert refused_field(exc) == "#/body/notification_date"


def test_dates_outside_the_span_are_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        AppealDeadlineInput(notification_date="2300-01-01")
    assert exc.value.errors()[0]["loc"] == ("notification_date",)


# ------------------------------------------------------ temporary import extension


def extension(catalogue: Catalogue, **inputs: Any) -> CalculationResult:
    return REGISTRY["temporary-import-extension"].run(catalogue, TemporaryImportExtensionInput(**inputs))


def test_six_months_clamped_to_the_end_of_esfand(catalogue: Catalogue) -> None:
    # 1404/06/31 + 6 Jalali months = 1404/12/29 (Esfand 1404 has 29 days).
    result = extension(catalogue, permit_expiry="2025-09-22", request_date="2025-09-01")
    assert result.result["latest_expiry"] == pair("2026-03-20", "1404-12-29")
    assert result.result["extension"] == {"months": 6}
    assert result.verified is True


def test_request_on_the_expiry_day(catalogue: Catalogue) -> None:
    # 1404/01/15 + 6 months = 1404/07/15; 1404/07/01 is 2025-09-23.
    result = extension(catalogue, permit_expiry="2025-04-04", request_date="2025-04-04")
    assert result.result["latest_expiry"] == pair("2025-10-07", "1404-07-15")


def test_request_after_expiry_is_refused(catalogue: Catalogue) -> None:
    with pytest.raises(CalculationInputInvalid) as exc:
        extension(catalogue, permit_expiry="2025-04-04", request_date="2025-04-05")
    assert refused_field(exc) == "#/body/request_date"


def test_laboratory_equipment_two_years(catalogue: Catalogue) -> None:
    # 1404/01/15 + 24 Jalali months = 1406/01/15 = 2027-04-04; the 1393 decree's date is unverified.
    result = extension(
        catalogue, permit_expiry="2025-04-04", request_date="2025-04-01", laboratory_or_high_tech=True
    )
    assert result.result["latest_expiry"] == pair("2027-04-04", "1406-01-15")
    assert result.result["extension"] == {"years": 2}
    assert result.verified is False


def test_laboratory_equipment_before_the_1393_decree(catalogue: Catalogue) -> None:
    # Requested on 1392/12/29: the general 6 months; 1392/12/29 + 6 = 1393/06/29 = 2014-09-20.
    result = extension(
        catalogue, permit_expiry="2014-03-20", request_date="2014-03-20", laboratory_or_high_tech=True
    )
    assert result.result["latest_expiry"] == pair("2014-09-20", "1393-06-29")
    assert result.result["extension"] == {"months": 6}
    assert result.verified is True


def test_extension_before_the_bylaw(catalogue: Catalogue) -> None:
    with pytest.raises(NotInForce):
        extension(catalogue, permit_expiry="2013-04-01", request_date="2013-03-18")


# -------------------------------------------------- processed goods export deadline


def export(catalogue: Catalogue, **inputs: Any) -> CalculationResult:
    return REGISTRY["processed-goods-export-deadline"].run(catalogue, ProcessedGoodsExportInput(**inputs))


def test_one_year(catalogue: Catalogue) -> None:
    result = export(catalogue, clearance_date="2022-04-04")  # 1401/01/15
    assert result.result["deadline"] == pair("2023-04-04", "1402-01-15")
    assert result.result["months"] == 12
    assert result.verified is True


def test_one_year_plus_customs_plus_working_group(catalogue: Catalogue) -> None:
    result = export(
        catalogue, clearance_date="2022-04-04", customs_extension=True, working_group_extension=True
    )
    assert result.result["deadline"] == pair("2025-04-04", "1404-01-15")
    assert result.result["months"] == 36
    assert [(s["step"], s["months"], s["until"]["jalali"]) for s in result.result["steps"]] == [
        ("initial period", 12, "1402-01-15"),
        ("customs extension", 12, "1403-01-15"),
        ("working group extension", 12, "1404-01-15"),
    ]
    assert result.verified is False  # the 1400 decree's date is unverified


def test_before_1400_the_customs_extension_depends_on_the_goods_group(catalogue: Catalogue) -> None:
    # 1398/05/10: 1 year, + up to 2 more years for "other" goods, + 1 for health/food goods.
    other = export(catalogue, clearance_date="2019-08-01", customs_extension=True, goods_group="other")
    assert other.result["deadline"] == pair("2022-08-01", "1401-05-10")
    food = export(
        catalogue,
        clearance_date="2019-08-01",
        customs_extension=True,
        goods_group="health-cosmetic-pharmaceutical-tobacco-food",
    )
    assert food.result["deadline"] == pair("2021-08-01", "1400-05-10")
    assert food.verified is True
    with pytest.raises(CalculationInputInvalid) as exc:
        export(catalogue, clearance_date="2019-08-01", customs_extension=True)
    assert refused_field(exc) == "#/body/goods_group"


def test_before_1400_the_working_group_had_no_stated_length(catalogue: Catalogue) -> None:
    with pytest.raises(CalculationInputInvalid) as exc:
        export(catalogue, clearance_date="2019-08-01", working_group_extension=True)
    assert refused_field(exc) == "#/body/working_group_extension"


def test_agricultural_nine_plus_six_from_1400(catalogue: Catalogue) -> None:
    # 1401/01/15 + 9 = 1401/10/15 = 2023-01-05; + 6 = 1402/04/15 = 2023-07-06.
    plain = export(catalogue, clearance_date="2022-04-04", agricultural=True)
    assert plain.result["deadline"] == pair("2023-01-05", "1401-10-15")
    extended = export(catalogue, clearance_date="2022-04-04", agricultural=True, working_group_extension=True)
    assert extended.result["deadline"] == pair("2023-07-06", "1402-04-15")
    assert extended.result["months"] == 15


def test_agricultural_around_the_1400_decree(catalogue: Catalogue) -> None:
    # The day before (1400/02/21): 9 + 9 = 18 months = 1401/08/21; on 1400/02/22: 9 + 6 = 1401/05/22.
    before = export(catalogue, clearance_date="2021-05-11", agricultural=True, working_group_extension=True)
    assert before.result["deadline"] == pair("2022-11-12", "1401-08-21")
    on = export(catalogue, clearance_date="2021-05-12", agricultural=True, working_group_extension=True)
    assert on.result["deadline"] == pair("2022-08-13", "1401-05-22")


def test_agricultural_nine_plus_nine_under_the_1397_decree(catalogue: Catalogue) -> None:
    # 1398/10/11 + 9 = 1399/07/11; + 9 = 1400/04/11.
    result = export(catalogue, clearance_date="2020-01-01", agricultural=True, working_group_extension=True)
    assert result.result["deadline"] == pair("2021-07-02", "1400-04-11")
    assert [s["months"] for s in result.result["steps"]] == [9, 9]


def test_agricultural_before_the_1397_decree_follows_the_general_rule(catalogue: Catalogue) -> None:
    result = export(catalogue, clearance_date="2018-06-01", agricultural=True)  # 1397/03/11
    assert result.result["deadline"] == pair("2019-06-01", "1398-03-11")
    assert result.result["months"] == 12


def test_no_customs_extension_for_agricultural_goods(catalogue: Catalogue) -> None:
    with pytest.raises(CalculationInputInvalid) as exc:
        export(catalogue, clearance_date="2022-04-04", agricultural=True, customs_extension=True)
    assert refused_field(exc) == "#/body/customs_extension"


def test_export_before_the_bylaw(catalogue: Catalogue) -> None:
    with pytest.raises(NotInForce):
        export(catalogue, clearance_date="2013-03-18")


def test_date_types() -> None:
    assert ProcessedGoodsExportInput(
        clearance_date="1401/01/15", calendar="jalali"
    ).clearance_date == dt.date(2022, 4, 4)
