"""Car import by Iranians living abroad (cabinet resolution 158710 of 1404/09/19,
seed 001). Expectations from RULES-REFERENCE.md and seed 001, not read from the data."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from rules_client.models import CalculationResult

from rules import data_files
from rules.calculations import REGISTRY
from rules.calculations.car_import import CarImportInput
from rules.catalogue import Catalogue
from rules.exceptions import CalculationInputInvalid, NotInForce

ELIGIBLE = {
    "birth_date": "1990-05-01",
    "residence_start_date": "2020-01-01",
    "days_abroad_in_1404": 30,
    "residence_confirmed_by_mission": True,
    "car_manufacture_date": "2022-01-01",
    "ownership_date": "2024-06-01",
    "brand_allowed": True,
    "application_date": "2025-12-15",
}
OPEN_UNTIL = {"gregorian": "2026-03-20", "jalali": "1404-12-29"}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    law = data_files.load()
    return Catalogue(law.rules, law.holidays)


def check(catalogue: Catalogue, **changes: Any) -> CalculationResult:
    return REGISTRY["car-import-eligibility"].run(catalogue, CarImportInput(**{**ELIGIBLE, **changes}))


def failed(result: CalculationResult) -> list[str]:
    return [reason["field"] for reason in result.result["reasons"]]


def test_eligible(catalogue: Catalogue) -> None:
    result = check(catalogue)
    assert result.result == {
        "eligible": True,
        "reasons": [],
        "registration_open_until": OPEN_UNTIL,
        "currency_transfer": "none",
    }
    assert result.verified is True


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        # 18 full years: born 1386/09/25 (2007-12-16), 18 on 1404/09/25 (2025-12-16).
        ({"birth_date": "2007-12-16", "application_date": "2025-12-15"}, ["birth_date"]),
        ({"birth_date": "2007-12-16", "application_date": "2025-12-16"}, []),
        # Residence begun on or before 1404/03/21 (2025-06-11).
        ({"residence_start_date": "2025-06-11"}, []),
        ({"residence_start_date": "2025-06-12"}, ["residence_start_date"]),
        # At least one day abroad in 1404.
        ({"days_abroad_in_1404": 1}, []),
        ({"days_abroad_in_1404": 0}, ["days_abroad_in_1404"]),
        ({"residence_confirmed_by_mission": False}, ["residence_confirmed_by_mission"]),
        # At most 5 years from manufacture: made 1399/09/25 (2020-12-15), 5 years old on 1404/09/25 (2025-12-16).
        ({"car_manufacture_date": "2020-12-15", "application_date": "2025-12-16"}, []),
        ({"car_manufacture_date": "2020-12-15", "application_date": "2025-12-17"}, ["car_manufacture_date"]),
        # Owned before 1404/09/12 (2025-12-03): the day itself does not qualify.
        ({"ownership_date": "2025-12-02"}, []),
        ({"ownership_date": "2025-12-03"}, ["ownership_date"]),
        ({"brand_allowed": False}, ["brand_allowed"]),
        # Registration open until 1404/12/29 (2026-03-20).
        ({"application_date": "2026-03-20"}, []),
        ({"application_date": "2026-03-21"}, ["application_date"]),
        (
            {"days_abroad_in_1404": 0, "brand_allowed": False, "ownership_date": "2025-12-05"},
            ["days_abroad_in_1404", "ownership_date", "brand_allowed"],
        ),
    ],
)
def test_each_condition(catalogue: Catalogue, changes: dict[str, Any], fields: list[str]) -> None:
    result = check(catalogue, **changes)
    assert failed(result) == fields
    assert result.result["eligible"] is (not fields)
    assert result.result["registration_open_until"] == OPEN_UNTIL


def test_each_condition_is_traced_against_its_rule(catalogue: Catalogue) -> None:
    result = check(catalogue)
    assert {step.rule_id for step in result.trace if step.rule_id} == {
        "car-abroad-min-age",
        "car-abroad-residence-start-deadline",
        "car-abroad-min-days-abroad-1404",
        "car-abroad-requirements",
        "car-abroad-max-car-age",
        "car-abroad-ownership-before",
        "car-abroad-order-registration-deadline",
        "car-abroad-order-registration-method",
    }
    assert [step.step for step in result.trace if step.step.startswith("check ")] == [
        "check birth_date",
        "check residence_start_date",
        "check days_abroad_in_1404",
        "check residence_confirmed_by_mission",
        "check car_manufacture_date",
        "check ownership_date",
        "check brand_allowed",
        "check application_date",
    ]


def test_reasons_name_their_rule(catalogue: Catalogue) -> None:
    (reason,) = check(catalogue, ownership_date="2025-12-03").result["reasons"]
    assert reason["rule_id"] == "car-abroad-ownership-before"
    assert "1404-09-12" in reason["detail"]


def test_jalali_dates(catalogue: Catalogue) -> None:
    jalali = {
        **ELIGIBLE,
        "calendar": "jalali",
        "birth_date": "1369/02/11",
        "residence_start_date": "1404/03/21",
        "car_manufacture_date": "1400/10/11",
        "ownership_date": "1404/09/11",
        "application_date": "۱۴۰۴/۰۹/۲۴",
    }
    result = REGISTRY["car-import-eligibility"].run(catalogue, CarImportInput(**jalali))
    assert result.result["eligible"] is True


def test_before_the_resolution(catalogue: Catalogue) -> None:
    with pytest.raises(NotInForce):
        check(catalogue, application_date="2025-12-09")


def test_refusals(catalogue: Catalogue) -> None:
    with pytest.raises(CalculationInputInvalid) as exc:
        check(catalogue, birth_date="2025-12-16")
    assert exc.value.extra["errors"][0]["pointer"] == "#/body/birth_date"
    with pytest.raises(CalculationInputInvalid) as exc:
        check(catalogue, car_manufacture_date="2026-01-01")
    assert exc.value.extra["errors"][0]["pointer"] == "#/body/car_manufacture_date"
    with pytest.raises(ValidationError) as invalid:
        CarImportInput(**{**ELIGIBLE, "days_abroad_in_1404": -1})
    assert invalid.value.errors()[0]["loc"] == ("days_abroad_in_1404",)
    with pytest.raises(ValidationError):
        CarImportInput(**{k: v for k, v in ELIGIBLE.items() if k != "brand_allowed"})
