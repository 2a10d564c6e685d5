"""Order-registration fee (seed 003): 0.5% of the proforma value until 1402/12/29,
0.05% of FOB + freight + other costs from 1403/01/01, on the increase for
amendments and renewals. Expectations are worked out by hand from
RULES-REFERENCE.md, not read from the data."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from rules_client.models import CalculationResult

from rules import data_files
from rules.calculations import REGISTRY
from rules.calculations.trade import OrderRegistrationInput
from rules.catalogue import Catalogue
from rules.exceptions import CalculationInputInvalid, NotInForce


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    law = data_files.load()
    return Catalogue(law.rules, law.holidays)


def fee(catalogue: Catalogue, **inputs: Any) -> CalculationResult:
    return REGISTRY["order-registration-fee"].run(catalogue, OrderRegistrationInput.model_validate(inputs))


def refused_field(exc: pytest.ExceptionInfo[CalculationInputInvalid]) -> str:
    return exc.value.extra["errors"][0]["pointer"]


def base_used(result: CalculationResult) -> str:
    return next(step.detail or "" for step in result.trace if step.step == "base used")


def test_last_day_of_the_proforma_rule(catalogue: Catalogue) -> None:
    # 1402/12/29: 0.5% × 10,000 × 600,000 = 30,000,000.
    result = fee(catalogue, date="2024-03-19", exchange_rate="600000", proforma_value="10000")
    assert result.result == 30_000_000
    assert result.unit == "IRR"
    assert result.verified is True
    assert base_used(result).startswith("proforma_value")


def test_first_day_of_the_fob_rule(catalogue: Catalogue) -> None:
    # 1403/01/01: 0.05% × (9,000 + 800 + 200) × 600,000 = 3,000,000.
    result = fee(
        catalogue, date="2024-03-20", exchange_rate="600000", fob="9000", freight="800", other_costs="200"
    )
    assert result.result == 3_000_000
    assert result.verified is False  # one secondary source
    assert base_used(result).startswith("fob + freight + other_costs")


def test_freight_and_other_costs_default_to_zero(catalogue: Catalogue) -> None:
    assert fee(catalogue, date="2025-01-01", exchange_rate="600000", fob="10000").result == 3_000_000


def test_inputs_of_the_other_period_are_ignored_and_said_so(catalogue: Catalogue) -> None:
    result = fee(catalogue, date="2025-01-01", exchange_rate="600000", fob="10000", proforma_value="99999")
    assert result.result == 3_000_000
    assert "ignored: proforma_value" in base_used(result)


def test_amendment_on_the_difference(catalogue: Catalogue) -> None:
    # (12,000 − 10,000) × 600,000 × 0.05% = 600,000.
    result = fee(
        catalogue,
        date="2025-01-01",
        exchange_rate="600000",
        fob="12000",
        kind="amendment",
        previous_value="10000",
    )
    assert result.result == 600_000


def test_renewal_with_a_lower_value_costs_nothing(catalogue: Catalogue) -> None:
    result = fee(
        catalogue,
        date="2025-01-01",
        exchange_rate="600000",
        fob="9000",
        kind="renewal",
        previous_value="10000",
    )
    assert result.result == 0


def test_amendment_before_1403_is_unverified(catalogue: Catalogue) -> None:
    # (12,000 − 10,000) × 600,000 × 0.5% = 6,000,000; the old rule says nothing on amendments.
    result = fee(
        catalogue,
        date="2023-01-01",
        exchange_rate="600000",
        proforma_value="12000",
        kind="amendment",
        previous_value="10000",
    )
    assert result.result == 6_000_000
    assert result.verified is False
    assert any(step.step == "unverified" for step in result.trace)


@pytest.mark.parametrize(
    ("fob", "exchange_rate", "expected"),
    [
        ("1", "1000", 1),  # 0.5 -> 1 (half up)
        ("1", "999", 0),  # 0.4995
        ("1", "1001", 1),  # 0.5005
        ("2.5", "615234.75", 769),  # 1,538,086.875 × 0.0005 = 769.04...
        ("1", "3000", 2),  # 1.5 -> 2
    ],
)
def test_rounding(catalogue: Catalogue, fob: str, exchange_rate: str, expected: int) -> None:
    assert fee(catalogue, date="2025-01-01", exchange_rate=exchange_rate, fob=fob).result == expected


def test_refusals(catalogue: Catalogue) -> None:
    with pytest.raises(CalculationInputInvalid) as exc:
        fee(catalogue, date="2024-03-20", exchange_rate="600000", proforma_value="10000")
    assert refused_field(exc) == "#/body/fob"
    with pytest.raises(CalculationInputInvalid) as exc:
        fee(catalogue, date="2024-03-19", exchange_rate="600000", fob="10000")
    assert refused_field(exc) == "#/body/proforma_value"
    # Which kind takes previous_value is in the schema (a union by kind): the input is invalid.
    for inputs in ({"kind": "renewal"}, {"previous_value": "1"}, {"kind": "new", "previous_value": "1"}):
        with pytest.raises(ValidationError) as invalid:
            fee(catalogue, date="2025-01-01", exchange_rate="600000", fob="1", **inputs)
        assert invalid.value.errors()[0]["loc"][1:] == ("previous_value",)  # after the variant's tag
    with pytest.raises(NotInForce):
        fee(catalogue, date="2018-04-20", exchange_rate="600000", proforma_value="1")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("exchange_rate", "0"),
        ("exchange_rate", "-1"),
        ("exchange_rate", "NaN"),
        ("exchange_rate", "1e40"),
        ("fob", "-1"),
        ("fob", "Infinity"),
        ("kind", "cancel"),
    ],
)
def test_bad_values_name_the_field(field: str, value: str) -> None:
    inputs = {"date": "2025-01-01", "exchange_rate": "600000", "fob": "1", field: value}
    with pytest.raises(ValidationError) as exc:
        OrderRegistrationInput.model_validate(inputs)
    assert exc.value.errors()[0]["loc"][1] == field


@pytest.mark.parametrize("exchange_rate", [600000, 1.5, "0", "1e5", "-3", ""])
def test_decimals_are_strings_and_positive(catalogue: Catalogue, exchange_rate: object) -> None:
    with pytest.raises(ValidationError) as exc:
        fee(catalogue, date="2025-01-01", exchange_rate=exchange_rate, fob="1")
    assert exc.value.errors()[0]["loc"][1:] == ("exchange_rate",)
