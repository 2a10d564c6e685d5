"""Contract of the Iranians-abroad car import (seed 001, cabinet resolution 158710 of 1404/09/19):
the Mikhak feed (cases and revocations), the eligibility stored on each case, and the applicant's
case-permit inquiry."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import pycountry
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from panjereh_contract.identifiers import NationalCode
from panjereh_contract.types import single_line

MIKHAK_CASE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$"
MikhakCaseId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=40, pattern=MIKHAK_CASE_ID_PATTERN),
    Field(
        description="The case's ID in Mikhak: letters, digits and dashes, 1 to 40.",
        examples=["MK-1404-000123"],
    ),
]
# ISO 3779 VIN: 17 characters, digits and capitals but I, O and Q.
VIN_PATTERN = r"^[A-HJ-NPR-Z0-9]{17}$"
Vin = Annotated[
    str,
    StringConstraints(min_length=17, max_length=17, pattern=VIN_PATTERN),
    Field(
        description="The car's VIN (ISO 3779): 17 capitals and digits, no I, O or Q.",
        examples=["JTDBR32E720123456"],
    ),
]
# Residence abroad: any ISO 3166-1 country but Iran.
ABROAD_COUNTRIES: tuple[str, ...] = tuple(sorted(c.alpha_2 for c in pycountry.countries if c.alpha_2 != "IR"))
AbroadCountry = Literal[ABROAD_COUNTRIES]  # type: ignore[valid-type]
CaseStatus = Literal["submitted", "approved", "rejected"]


class MikhakCar(BaseModel):
    """The car as entered in Mikhak."""

    model_config = ConfigDict(extra="forbid")

    brand: single_line(60) = Field(  # type: ignore[valid-type]
        examples=["Toyota"],
        description="The brand, as on the ministry's list (matched without case or punctuation).",
    )
    model: single_line(60) = Field(examples=["Corolla"])  # type: ignore[valid-type]
    vin: Vin
    manufacture_date: dt.date = Field(
        description="The date of manufacture on the car's papers (the 5-year limit counts from it)."
    )
    ownership_date: dt.date = Field(description="The day the applicant became the owner.")


class MikhakCaseIn(BaseModel):
    """One case message from Mikhak. The same `case_id` with the same content is a replay; the
    only change accepted under the same ID is the embassy's decision (`status` from `submitted` to
    `approved` or `rejected`, with `decided_on`)."""

    model_config = ConfigDict(extra="forbid")

    case_id: MikhakCaseId
    national_code: NationalCode
    first_name: single_line(100) = Field(examples=["Sara"])  # type: ignore[valid-type]
    last_name: single_line(100) = Field(examples=["Ahmadi"])  # type: ignore[valid-type]
    birth_date: dt.date
    residence_country: AbroadCountry = Field(  # type: ignore[valid-type]
        description="ISO 3166-1 alpha-2 code of the country of residence (not IR).", examples=["DE"]
    )
    residence_start_date: dt.date = Field(description="The day the residence abroad began.")
    confirming_mission: single_line(200) | None = Field(  # type: ignore[valid-type]
        description="The Iranian mission (embassy or consulate) that confirmed the residence; null: not confirmed.",
        examples=["Embassy of the I.R. of Iran, Berlin"],
    )
    days_abroad_in_1404: int = Field(
        ge=0, le=365, description="Days abroad in the Jalali year 1404, as the foreign ministry determines."
    )
    car: MikhakCar
    submitted_on: dt.date = Field(
        description="The day the case was entered in Mikhak: the application date the conditions are judged on."
    )
    status: CaseStatus = Field(
        description="The embassy's decision: `submitted` (none yet), `approved`, `rejected`."
    )
    decided_on: dt.date | None = Field(
        default=None, description="The day of the embassy's decision; required when approved or rejected."
    )


class RevocationIn(BaseModel):
    """Mikhak withdraws its approval of a case."""

    model_config = ConfigDict(extra="forbid")

    reason: single_line(500) = Field(examples=["Residence not confirmed on review"])  # type: ignore[valid-type]


class EligibilityReason(BaseModel):
    field: str = Field(description="The case field the failed condition is about, as a JSON pointer.")
    rule_id: str = Field(description="The rules service's rule.")
    detail: str


class Eligibility(BaseModel):
    """The rules service's `car-import-eligibility` answer for this case, with its trace."""

    eligible: bool
    reasons: list[EligibilityReason]
    brand_on_list: bool = Field(description="Whether brand and model were on the allowed list on arrival.")
    registration_open_until: dict[str, str] = Field(
        description="The last day an order may be registered (`gregorian`, `jalali`): 1404/12/29."
    )
    currency_transfer: str = Field(
        description='"none": the order is registered as "no currency transfer" (بدون انتقال ارز).'
    )
    verified: bool
    trace: list[dict[str, Any]]


class Revocation(BaseModel):
    reason: str
    revoked_at: dt.datetime


class MikhakMessage(BaseModel):
    """A message received from Mikhak about this case, whatever came of it."""

    kind: Literal["case", "revocation"]
    outcome: str = Field(
        description="created, replayed, amended, conflict, one-car-per-person, revoked, revocation-replayed."
    )
    received_at: dt.datetime
    request_id: str | None


class MikhakCaseOut(BaseModel):
    case: MikhakCaseIn
    eligibility: Eligibility
    revocation: Revocation | None
    received_at: dt.datetime
    updated_at: dt.datetime
    messages: list[MikhakMessage] = Field(description="Every message received for this case, oldest first.")


class CaseInquiryIn(BaseModel):
    """The applicant asks whether their Mikhak case permit has arrived. The national code is the
    caller's own, as identity knows it: it is not sent."""

    model_config = ConfigDict(extra="forbid")

    mikhak_case_id: MikhakCaseId


class CaseCar(BaseModel):
    brand: str
    model: str
    vin: str
    manufacture_date: dt.date


class CaseInquiryOut(BaseModel):
    """A successful case-permit inquiry (مجوز موردی واردات خودروی ایرانیان مقیم خارج)."""

    id: uuid.UUID
    mikhak_case_id: str
    result: Literal["succeeded"]
    car: CaseCar
    payment_method: Literal["no-currency-transfer"] = Field(
        description='The order is registered "without currency transfer".'
    )
    registration_open_until: dict[str, str]
    created_at: dt.datetime
