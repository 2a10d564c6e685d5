"""orders' duty categories (its published contract) are the import categories rules prices:
a check across two services, so it lives here rather than in either service's tests."""

from __future__ import annotations

from typing import get_args

from orders_client.reference import DutyCategory

from rules.calculations.duties import ImportCategory


def test_duty_categories_are_the_rules_services() -> None:
    assert set(get_args(DutyCategory)) == {c.value for c in ImportCategory}
