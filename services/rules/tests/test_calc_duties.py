"""Duty calculations: shortfall not claimed (CAL 135 n.1), guarantee (CAL 10 and the
1394 law), Red Crescent levy (CAL 163), import duties of 1404 (seed 003).

Expectations are worked out by hand from RULES-REFERENCE.md, not read from the data."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from rules_client.models import CalculationResult

from rules import data_files
from rules.calculations import REGISTRY
from rules.calculations.duties import GuaranteeInput, ImportDutiesInput, RedCrescentInput, ShortfallInput
from rules.catalogue import Catalogue
from rules.exceptions import CalculationInputInvalid, NotInForce


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    law = data_files.load()
    return Catalogue(law.rules, law.holidays)


def refused_field(exc: pytest.ExceptionInfo[CalculationInputInvalid]) -> str:
    return exc.value.extra["errors"][0]["pointer"]


# ------------------------------------------------------------------ shortfall


def shortfall(catalogue: Catalogue, **inputs: Any) -> CalculationResult:
    return REGISTRY["shortfall-claimable"].run(catalogue, ShortfallInput(**inputs))


@pytest.mark.parametrize(
    ("date", "threshold"),
    [
        ("2011-11-13", 1_000_000),  # the law
        ("2015-06-10", 1_000_000),
        ("2015-06-11", 2_000_000),  # decree 34932/ت51932هـ: ×2
        ("2018-07-21", 2_000_000),
        ("2018-07-22", 2_600_000),  # +30%
        ("2022-01-29", 2_600_000),
        ("2022-01-30", 5_400_000),  # ×5.4 of the original, notified 1400/11/10
        ("2025-08-18", 5_400_000),
        ("2025-08-19", 17_336_000),  # the 1404 decree (unverified)
    ],
)
def test_shortfall_threshold_by_period(catalogue: Catalogue, date: str, threshold: int) -> None:
    at = shortfall(catalogue, date=date, shortfall=threshold)
    assert at.result == {"claimable": True, "threshold": threshold}
    below = shortfall(catalogue, date=date, shortfall=threshold - 1)
    assert below.result == {"claimable": False, "threshold": threshold}


def test_shortfall_verified_flags(catalogue: Catalogue) -> None:
    assert shortfall(catalogue, date="2022-01-30", shortfall=0).verified is True
    assert shortfall(catalogue, date="2025-08-19", shortfall=0).verified is False


def test_shortfall_refusals(catalogue: Catalogue) -> None:
    with pytest.raises(NotInForce):
        shortfall(catalogue, date="2011-11-12", shortfall=1)
    with pytest.raises(ValidationError) as exc:
        ShortfallInput(date="2020-01-01", shortfall=-1)
    assert exc.value.errors()[0]["loc"] == ("shortfall",)
    with pytest.raises(ValidationError):
        ShortfallInput(date="2020-01-01", shortfall=1, extra=1)


# ------------------------------------------------------------------ guarantee


def guarantee(catalogue: Catalogue, **inputs: Any) -> CalculationResult:
    return REGISTRY["temporary-import-guarantee"].run(catalogue, GuaranteeInput(**inputs))


def test_permitted_goods_guarantee_the_duties(catalogue: Catalogue) -> None:
    result = guarantee(
        catalogue, date="2020-01-01", duties=5_000_000, goods_value=10_000_001, permitted_goods=True
    )
    assert result.result == 5_000_000
    assert result.unit == "IRR"
    assert result.verified is True


def test_other_goods_duties_plus_half_to_three_times_the_value(catalogue: Catalogue) -> None:
    # ½ × 10,000,001 = 5,000,000.5 -> 5,000,001 (half up); 3 × 10,000,001 = 30,000,003.
    result = guarantee(
        catalogue, date="2020-01-01", duties=5_000_000, goods_value=10_000_001, permitted_goods=False
    )
    assert result.result == {"min": 10_000_001, "max": 35_000_003}
    assert result.verified is True


def test_production_unit_from_the_1394_law(catalogue: Catalogue) -> None:
    # From 1394/02/01 (2015-04-21): only the duties; the law's effective date is unverified.
    on = guarantee(
        catalogue,
        date="2015-04-21",
        duties=5_000_000,
        goods_value=10_000_000,
        permitted_goods=False,
        production_unit=True,
    )
    assert on.result == 5_000_000
    assert on.verified is False
    before = guarantee(
        catalogue,
        date="2015-04-20",
        duties=5_000_000,
        goods_value=10_000_000,
        permitted_goods=False,
        production_unit=True,
    )
    assert before.result == {"min": 10_000_000, "max": 35_000_000}
    assert before.verified is True


def test_guarantee_before_the_law(catalogue: Catalogue) -> None:
    with pytest.raises(NotInForce):
        guarantee(catalogue, date="2011-11-12", duties=1, goods_value=1, permitted_goods=True)


# ------------------------------------------------------------------ Red Crescent levy


def levy(catalogue: Catalogue, **inputs: Any) -> CalculationResult:
    return REGISTRY["red-crescent-levy"].run(catalogue, RedCrescentInput(**inputs))


@pytest.mark.parametrize(
    ("date", "base", "expected", "verified"),
    [
        ("2011-11-13", 1_000_000, 5_000, True),  # 0.5%
        ("2017-03-20", 1_000_000, 5_000, True),  # 1395/12/30
        ("2017-03-21", 1_000_000, 10_000, False),  # 1%: the Sixth Plan (start unverified)
        ("2024-03-20", 1_000_000, 10_000, False),  # the Seventh Plan: unverified
        ("2016-01-01", 100, 1, True),  # 0.5 rial rounds half up
        ("2016-01-01", 99, 0, True),  # 0.495
        ("2020-01-01", 150, 2, False),  # 1.5 -> 2
        ("2020-01-01", 0, 0, False),
    ],
)
def test_red_crescent_levy(catalogue: Catalogue, date: str, base: int, expected: int, verified: bool) -> None:
    result = levy(catalogue, date=date, duties_and_profit=base)
    assert result.result == expected
    assert result.verified is verified


def test_red_crescent_levy_before_the_law(catalogue: Catalogue) -> None:
    with pytest.raises(NotInForce):
        levy(catalogue, date="2011-11-12", duties_and_profit=1)


# ------------------------------------------------------------------ import duties 1404


def duties(catalogue: Catalogue, **inputs: Any) -> CalculationResult:
    return REGISTRY["import-duties-1404"].run(catalogue, ImportDutiesInput.model_validate(inputs))


@pytest.mark.parametrize(
    ("category", "rate_percent"),
    [
        ("basic-goods", 1),
        ("medicine", 1),
        ("animal-feed", 1),
        ("production-machinery", 2),
        ("intermediate-raw-materials", 2),
        ("cars", 100),
    ],
)
def test_duties_by_category(catalogue: Catalogue, category: str, rate_percent: int) -> None:
    value = 1_000_000_000
    expected_duties = value * rate_percent // 100
    vat = (value + expected_duties) // 10  # 10% of customs value + duties
    red_crescent = expected_duties // 100  # 1% of the duties
    result = duties(catalogue, date="2025-07-23", category=category, customs_value=value)
    assert result.result == {
        "duties": expected_duties,
        "vat": vat,
        "red_crescent_levy": red_crescent,
        "total": expected_duties + vat + red_crescent,
    }
    assert result.verified is False  # the Red Crescent rate from 1403 is unverified


@pytest.mark.parametrize(
    ("unit_value_eur", "rate_percent"),
    [("600", 15), ("750.5", 15), ("1000", 15), ("1000.01", 30), ("5000", 30)],
)
def test_mobile_phones(catalogue: Catalogue, unit_value_eur: str | int, rate_percent: int) -> None:
    value = 100_000_000
    result = duties(
        catalogue,
        date="2025-07-23",
        category="mobile-phones",
        customs_value=value,
        unit_value_eur=unit_value_eur,
    )
    expected_duties = value * rate_percent // 100
    assert result.result["duties"] == expected_duties
    assert result.result["vat"] == (value + expected_duties) // 10


def test_rounding_of_each_step(catalogue: Catalogue) -> None:
    # 1% of 12,345 = 123.45 -> 123; 10% of 12,468 = 1,246.8 -> 1,247; 1% of 123 = 1.23 -> 1.
    result = duties(catalogue, date="2025-07-23", category="basic-goods", customs_value=12_345)
    assert result.result == {"duties": 123, "vat": 1_247, "red_crescent_levy": 1, "total": 1_371}
    # 1% of 50 = 0.5 -> 1 (half up, not to even).
    assert duties(catalogue, date="2025-07-23", category="medicine", customs_value=50).result["duties"] == 1


def test_each_step_is_traced(catalogue: Catalogue) -> None:
    result = duties(catalogue, date="2025-07-23", category="cars", customs_value=1_000)
    used = [step.rule_id for step in result.trace if step.rule_id]
    assert used == ["trade-import-duty-rates-1404", "trade-vat-rate", "cal-163-red-crescent-levy"]
    assert [step.step for step in result.trace if step.rule_id is None][-1] == "total"


def test_phone_refusals(catalogue: Catalogue) -> None:
    with pytest.raises(CalculationInputInvalid) as exc:
        duties(
            catalogue, date="2025-07-23", category="mobile-phones", customs_value=1, unit_value_eur="599.99"
        )
    assert refused_field(exc) == "#/body/unit_value_eur"
    assert "600" in exc.value.detail
    # Which category takes unit_value_eur is in the schema (a union by category): the input is invalid.
    for inputs in (
        {"category": "mobile-phones"},
        {"category": "cars", "unit_value_eur": "700"},
        {"category": "mobile-phones", "unit_value_eur": "-5"},
    ):
        with pytest.raises(ValidationError) as invalid:
            ImportDutiesInput.model_validate({"date": "2025-07-23", "customs_value": 1, **inputs})
        assert invalid.value.errors()[0]["loc"][1:] == ("unit_value_eur",)  # after the variant's tag
    with pytest.raises(ValidationError) as invalid:
        ImportDutiesInput.model_validate({"date": "2025-07-23", "category": "bananas", "customs_value": 1})
    assert invalid.value.errors()[0]["loc"][1:] == ("category",)


def test_duties_before_1404(catalogue: Catalogue) -> None:
    with pytest.raises(NotInForce):
        duties(catalogue, date="2025-03-20", category="basic-goods", customs_value=1)
    result = duties(catalogue, date="2025-03-21", category="basic-goods", customs_value=100)
    assert result.result["duties"] == 1
