"""Accounts contract: registration of natural persons, legal persons and their managers,
the user's profile, change of mobile, and the sandbox's SMS outbox and ownership answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from identity_client.roles import RoleOut
from panjereh_contract.identifiers import (
    DIGIT,
    IranianMobile,
    IranianPostalCode,
    LegalNationalId,
    NationalCode,
)
from panjereh_contract.types import single_line

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 128
_CONTROL = "\x00-\x1f\x7f-\x9f"
_VISIBLE_OR_SPACE = f"[^{_CONTROL}]"
PASSWORD_SYMBOL = f"[^A-Za-z0-9 {_CONTROL}]"
PASSWORD_PATTERN = (
    f"^(?={_VISIBLE_OR_SPACE}*[A-Z])(?={_VISIBLE_OR_SPACE}*[a-z])(?={_VISIBLE_OR_SPACE}*[0-9])"
    f"(?={_VISIBLE_OR_SPACE}*{PASSWORD_SYMBOL}){_VISIBLE_OR_SPACE}{{{PASSWORD_MIN_LENGTH},{PASSWORD_MAX_LENGTH}}}$"
)
"""The composition rules of seed 001 as one regular expression. identity checks them itself,
naming each failed rule, and also refuses common passwords and ones holding the national code
or mobile number, which no pattern can say."""

_PASSWORD_SCHEMA: dict[str, Any] = {
    "type": "string",
    "format": "password",
    "pattern": PASSWORD_PATTERN,
    "description": (
        f"{PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters with at least one upper-case and one "
        "lower-case Latin letter, one digit (0-9) and one symbol (any other visible character but a space). "
        "Not a common password, and not containing the national code or the mobile number."
    ),
    "examples": ["Kavir-Lut-2041!"],
}
Password = Annotated[str, WithJsonSchema(_PASSWORD_SCHEMA)]
CodeText = Annotated[str, StringConstraints(pattern=f"^{DIGIT}{{4,8}}$")]


class RegistrationCreate(BaseModel):
    """A natural person's registration. The mobile must be registered to the national code
    (mobile-ownership inquiry, Shahkar); a code is then sent to it by SMS."""

    model_config = ConfigDict(extra="forbid")

    national_code: NationalCode
    mobile: IranianMobile
    postal_code: IranianPostalCode
    first_name: single_line(100) = Field(examples=["مریم"])  # type: ignore[valid-type]
    last_name: single_line(100) = Field(examples=["احمدی"])  # type: ignore[valid-type]
    password: Password


class Registration(BaseModel):
    """A registration attempt: ``pending`` until its SMS code is confirmed, then ``active``.
    Each attempt has its own ID, details and codes."""

    id: uuid.UUID = Field(description="The registration's ID (not the person's: see `subject`).")
    status: Literal["pending", "active"]
    mobile: str = Field(description="The mobile number the code went to, masked.", examples=["0912***4567"])
    code_expires_at: datetime | None = Field(
        default=None, description="Until when the last code sent works (pending only)."
    )
    subject: str | None = Field(
        default=None, description="Once active: the person as tokens name them, `user:<id>`."
    )


class SmsCodeConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: CodeText = Field(description="The code received by SMS (Persian or Arabic digits are accepted).")


class LegalPersonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    national_id: LegalNationalId
    name: single_line(200) | None = Field(  # type: ignore[valid-type]
        default=None,
        examples=["شرکت بازرگانی پارس"],
        description="Ignored: the name is the companies registry's.",
    )


class LegalPersonSummary(BaseModel):
    id: uuid.UUID
    subject: str = Field(description="The legal person as tokens name it: `legal:<id>`.")
    national_id: str
    name: str
    status: Literal["pending", "active", "disabled"] = Field(
        description="`pending` until verified against the companies registry: a pending legal person "
        "holds no roles, grants nothing and cannot be acted as."
    )
    registration_number: str | None = Field(default=None, description="The companies registry's number.")
    verified_at: datetime | None = Field(
        default=None, description="When the companies registry last confirmed it and its managers."
    )
    created_at: datetime


class Manager(BaseModel):
    """A natural person who manages (acts as) the legal person."""

    id: uuid.UUID
    subject: str
    first_name: str | None
    last_name: str | None
    added_by: str = Field(description="The subject who added this manager.")
    added_at: datetime


class LegalPerson(LegalPersonSummary):
    managers: list[Manager]
    roles: list[RoleOut]


class LegalPersonPage(BaseModel):
    items: list[LegalPersonSummary]
    next: str | None = None


class ManagerAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    national_code: NationalCode = Field(
        description="The national code of a registered, active natural person."
    )


class Me(BaseModel):
    """The logged-in natural person's own profile."""

    id: uuid.UUID
    subject: str
    kind: Literal["natural"]
    national_code: str
    first_name: str | None
    last_name: str | None
    mobile: str | None = Field(description="The confirmed mobile number, masked.", examples=["0912***4567"])
    postal_code: str | None
    status: Literal["active"]
    roles: list[RoleOut] = Field(description="The roles held now (unrevoked assignments).")
    two_factor: Literal["none", "sms", "totp"] = Field(description="The second factor asked at every login.")
    created_at: datetime


class MobileChangeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mobile: IranianMobile = Field(description="The new number; it must be registered to your national code.")


class MobileChange(BaseModel):
    """A change of mobile waiting for the code sent to the new number."""

    id: uuid.UUID
    mobile: str = Field(description="The new number, masked.", examples=["0935***1234"])
    expires_at: datetime


class SandboxSms(BaseModel):
    id: int
    mobile: str
    body: str
    purpose: str
    created_at: datetime


class SandboxSmsList(BaseModel):
    items: list[SandboxSms] = Field(description="Newest first.")


class SandboxMobileOwnerSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    national_code: NationalCode = Field(
        description="Whom the sandbox ownership inquiry says owns the number."
    )


class SandboxMobileOwner(BaseModel):
    mobile: str
    national_code: str


class SandboxCompanySet(BaseModel):
    """What the sandbox companies registry answers for a national ID."""

    model_config = ConfigDict(extra="forbid")

    name: single_line(200) = Field(examples=["شرکت بازرگانی پارس"])  # type: ignore[valid-type]
    registration_number: single_line(40) = Field(examples=["123456"])  # type: ignore[valid-type]
    status: Literal["active", "dissolved", "suspended"] = "active"
    managers: list[NationalCode] = Field(
        max_length=50, description="The national codes of its managers (board members, managing director)."
    )


class SandboxCompany(SandboxCompanySet):
    national_id: str
