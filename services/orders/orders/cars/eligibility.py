"""Eligibility of a Mikhak case, from the rules service's `car-import-eligibility`.

The rules service holds every dated condition of cabinet resolution 158710 of 1404/09/19
(residence begun by 1404/03/21, a day abroad in 1404, 18 or older, car at most 5 years old,
owned before 1404/09/12, order registration "no currency transfer" until 1404/12/29); this
module only adds what orders knows: whether brand and model are on the allowed list.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from orders_client.cars import MikhakCaseIn
from rules_client import RulesClient
from sqlalchemy.ext.asyncio import AsyncSession

from orders.cars.exceptions import InvalidMikhakCase, PeerUnavailable, field_error
from orders.reference.repository import car_model_on_list
from panjereh_contract.client import ServiceCallError

CALCULATION = "car-import-eligibility"

# The calculation's input fields -> the case fields they come from.
POINTERS = {
    "birth_date": "#/body/birth_date",
    "residence_start_date": "#/body/residence_start_date",
    "days_abroad_in_1404": "#/body/days_abroad_in_1404",
    "residence_confirmed_by_mission": "#/body/confirming_mission",
    "car_manufacture_date": "#/body/car/manufacture_date",
    "ownership_date": "#/body/car/ownership_date",
    "brand_allowed": "#/body/car/model",
    "application_date": "#/body/submitted_on",
}


def slug(text: str) -> str:
    """``Mercedes-Benz`` -> ``mercedes-benz``, ``C Class`` -> ``c-class``: the list's ids."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


async def judge(
    session: AsyncSession, rules: RulesClient, case: MikhakCaseIn, *, include_sandbox: bool
) -> dict[str, Any]:
    """The eligibility stored on the case: the calculation's result with its trace, reasons
    pointing at the case's own fields. The application date is the day the case was entered in
    Mikhak (``submitted_on``)."""
    on_list = await car_model_on_list(
        session, slug(case.car.brand), slug(case.car.model), include_sandbox=include_sandbox
    )
    inputs = {
        "birth_date": case.birth_date.isoformat(),
        "residence_start_date": case.residence_start_date.isoformat(),
        "days_abroad_in_1404": case.days_abroad_in_1404,
        "residence_confirmed_by_mission": case.confirming_mission is not None,
        "car_manufacture_date": case.car.manufacture_date.isoformat(),
        "ownership_date": case.car.ownership_date.isoformat(),
        "brand_allowed": on_list,
        "application_date": case.submitted_on.isoformat(),
    }
    try:
        answer = await rules.calculate(CALCULATION, inputs)
    except ServiceCallError as exc:
        if exc.status >= 500:
            raise PeerUnavailable("rules") from exc
        raise InvalidMikhakCase(_rules_errors(exc.problem)) from exc
    except httpx.HTTPError as exc:
        raise PeerUnavailable("rules") from exc
    result = answer.result
    return {
        "eligible": bool(result["eligible"]),
        "reasons": [
            {"field": POINTERS.get(r["field"], "#/body"), "rule_id": r["rule_id"], "detail": r["detail"]}
            for r in result["reasons"]
        ],
        "brand_on_list": on_list,
        "registration_open_until": result["registration_open_until"],
        "currency_transfer": result["currency_transfer"],
        "verified": answer.verified,
        "trace": [step.model_dump(mode="json", exclude_none=True) for step in answer.trace],
    }


def _rules_errors(problem: dict[str, Any]) -> list[dict[str, str]]:
    """The rules service's refusal (a date before the resolution applies, a birth date after the
    application...) as errors on the case's fields."""
    detail = str(problem.get("detail") or "The rules service refused the case's dates.")
    errors = []
    for error in problem.get("errors") or []:
        name = str(error.get("pointer", "")).removeprefix("#/body/")
        errors.append(
            field_error(POINTERS.get(name, "#/body/submitted_on"), str(error.get("detail", detail)), "rules")
        )
    return errors or [field_error("#/body/submitted_on", detail, str(problem.get("code", "rules")))]
