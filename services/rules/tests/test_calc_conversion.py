"""Commercial profit on converting temporary import for processing to definitive
import (CAL-EB 87 note 3). Expectations from RULES-REFERENCE.md's table (the
"likely" readings, or the first candidate where it lists several), not read
from the data."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from rules_client.models import CalculationResult

from rules import data_files
from rules.calculations import REGISTRY
from rules.calculations.conversion import ConversionProfitInput
from rules.catalogue import Catalogue
from rules.exceptions import CalculationInputInvalid, NotInForce

VALUE = 1_000_000


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    law = data_files.load()
    return Catalogue(law.rules, law.holidays)


def profit(catalogue: Catalogue, **inputs: Any) -> CalculationResult:
    inputs = {
        "temporary_import_date": "2022-01-01",
        "conversion_date": "2022-06-01",
        "value": VALUE,
        **inputs,
    }
    return REGISTRY["conversion-commercial-profit"].run(
        catalogue, ConversionProfitInput.model_validate(inputs)
    )


def refused_field(exc: pytest.ExceptionInfo[CalculationInputInvalid]) -> str:
    return exc.value.extra["errors"][0]["pointer"]


@pytest.mark.parametrize(
    ("hs_code", "rate_percent"),
    [
        ("04021010", "100"),  # milk powder
        ("04022190", "100"),
        ("04022900", "100"),
        ("10063010", "100"),  # rice, heading 1006
        ("20029010", "100"),  # tomato paste
        ("04090000", "100"),  # honey, heading 0409
    ],
)
def test_rows_read_as_likely(catalogue: Catalogue, hs_code: str, rate_percent: str) -> None:
    result = profit(catalogue, hs_code=hs_code)
    assert result.result == {"rate_percent": rate_percent, "profit": VALUE * int(rate_percent) // 100}
    assert result.verified is False  # every percentage of the table is unverified


@pytest.mark.parametrize(
    ("hs_code", "rate_percent"),
    [
        ("10019910", "15"),  # wheat: 15, 55 or 75
        ("17011400", "81"),  # sugar: 81, 85 or 87
        ("10039000", "45"),  # barley: 45 or 65
        ("08051000", "110"),  # fruits: 110 or 150
        ("08130000", "110"),
    ],
)
def test_rows_with_candidates_say_so(catalogue: Catalogue, hs_code: str, rate_percent: str) -> None:
    result = profit(catalogue, hs_code=hs_code)
    assert result.result["rate_percent"] == rate_percent
    assert result.verified is False
    reasons = [step.detail or "" for step in result.trace if step.step == "unverified"]
    assert reasons
    assert "candidates" in reasons[0]


def test_prohibited_goods(catalogue: Catalogue) -> None:
    result = profit(catalogue, hs_code="84713000", prohibited=True)
    assert result.result == {"rate_percent": "200", "profit": 2 * VALUE}


def test_listed_goods_keep_their_row_even_when_prohibited(catalogue: Catalogue) -> None:
    assert profit(catalogue, hs_code="10063010", prohibited=True).result["rate_percent"] == "100"


def test_a_line_next_to_listed_lines_is_other_goods(catalogue: Catalogue) -> None:
    # 0402 10 90 is not one of the listed milk-powder lines.
    result = profit(catalogue, hs_code="04021090", tariff_commercial_profit_rate="4")
    assert result.result["rate_percent"] == "4"


@pytest.mark.parametrize(
    ("temporary_import", "conversion", "rate_percent"),
    [
        ("2021-05-22", "2021-06-01", "5"),  # 1400/03/01 -> same year: + 0
        ("2021-05-22", "2022-05-21", "5"),  # 1401/02/31: not yet a full year
        ("2021-05-22", "2022-05-22", "15"),  # 1401/03/01: one full year
        ("2021-05-22", "2023-05-21", "15"),  # 1402/02/31
        ("2021-05-22", "2023-05-22", "25"),  # 1402/03/01: two full years
        ("2015-01-01", "2025-01-01", "105"),  # ten years
    ],
)
def test_other_goods_ten_points_per_full_year(
    catalogue: Catalogue, temporary_import: str, conversion: str, rate_percent: str
) -> None:
    result = profit(
        catalogue,
        hs_code="84713000",
        tariff_commercial_profit_rate="5",
        temporary_import_date=temporary_import,
        conversion_date=conversion,
    )
    assert result.result == {"rate_percent": rate_percent, "profit": VALUE * int(rate_percent) // 100}


def test_decimal_tariff_rate_and_rounding(catalogue: Catalogue) -> None:
    # 4.5% of 1,000,001 = 45,000.045 -> 45,000; of 1,000,011 = 45,000.495 -> 45,000; of 1,000,012 = 45,000.54 -> 45,001.
    assert profit(
        catalogue, hs_code="84713000", tariff_commercial_profit_rate="4.5", value=1_000_012
    ).result == {
        "rate_percent": "4.5",
        "profit": 45_001,
    }


@pytest.mark.parametrize(
    ("floor", "expected"),
    [
        (100_000, 150_000),  # 25% of 1,000,000 = 250,000; 40% exported: 150,000
        (200_000, 200_000),  # never below the floor
        (300_000, 250_000),  # the floor does not raise the undiscounted profit
        (0, 150_000),
    ],
)
def test_partial_export_discount(catalogue: Catalogue, floor: int, expected: int) -> None:
    result = profit(
        catalogue,
        hs_code="84713000",
        tariff_commercial_profit_rate="5",
        temporary_import_date="2021-05-22",
        conversion_date="2023-05-22",
        exported_share="0.4",
        import_duty_floor=floor,
    )
    assert result.result == {"rate_percent": "25", "profit": expected}
    assert "caleb-87-partial-export-discount" in [step.rule_id for step in result.trace]


def test_refusals(catalogue: Catalogue) -> None:
    with pytest.raises(CalculationInputInvalid) as exc:
        profit(catalogue, hs_code="84713000")
    assert refused_field(exc) == "#/body/tariff_commercial_profit_rate"
    with pytest.raises(ValidationError) as invalid:  # a partial export needs the floor: in the schema
        profit(catalogue, hs_code="10063010", exported_share="0.5")
    assert invalid.value.errors()[0]["loc"][1:] == ("import_duty_floor",)  # after the variant's tag
    with pytest.raises(CalculationInputInvalid) as exc:
        profit(catalogue, hs_code="10063010", temporary_import_date="2022-06-02")
    assert refused_field(exc) == "#/body/conversion_date"
    with pytest.raises(NotInForce):
        profit(
            catalogue, hs_code="10063010", temporary_import_date="2020-01-01", conversion_date="2021-05-11"
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hs_code", "1006"),
        ("hs_code", "1006301a"),
        ("exported_share", "1.5"),
        ("exported_share", "-0.1"),
        ("value", -1),
        ("import_duty_floor", -1),
        ("tariff_commercial_profit_rate", "-1"),
    ],
)
def test_bad_values_name_the_field(field: str, value: Any) -> None:
    inputs = {
        "hs_code": "10063010",
        "temporary_import_date": "2022-01-01",
        "conversion_date": "2022-06-01",
        "value": 1,
        field: value,
    }
    with pytest.raises(ValidationError) as exc:
        ConversionProfitInput.model_validate(inputs)
    assert exc.value.errors()[0]["loc"][1:] == (field,)
