"""Roles contract: merchant, trader and officer roles assigned by an admin client."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from panjereh_contract.types import single_line

AssignableRole = Literal["merchant", "trader", "officer"]
RoleName = Literal["base-natural", "base-legal", "merchant", "trader", "officer"]
OfficeKind = Literal["customs-office", "issuing-authority"]


class CommercialCard(BaseModel):
    """A merchant's commercial card (کارت بازرگانی)."""

    model_config = ConfigDict(extra="forbid")

    number: Annotated[str, StringConstraints(pattern=r"^[0-9]{6,20}$")] = Field(
        description="The card number: 6 to 20 digits.", examples=["1234567890"]
    )
    issued_on: date = Field(description="Issue date (ISO); not in the future.")
    expires_on: date = Field(
        description="Expiry date (ISO): after the issue date, not already past (Asia/Tehran)."
    )


class CustomsOffice(BaseModel):
    """A customs office, by its 5-digit customs code (e.g. 10300, Tehran customs)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["customs-office"]
    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")] = Field(examples=["10300"])
    name: single_line(200) = Field(examples=["گمرک تهران"])  # type: ignore[valid-type]


class IssuingAuthority(BaseModel):
    """An authority that issues permits (standards, health...), by its code."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["issuing-authority"]
    code: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z-]{1,20}$")] = Field(examples=["isiri"])
    name: single_line(200) = Field(examples=["سازمان ملی استاندارد ایران"])  # type: ignore[valid-type]


Office = Annotated[CustomsOffice | IssuingAuthority, Field(discriminator="kind")]


class OfficeOut(BaseModel):
    """The customs office or issuing authority an officer belongs to."""

    kind: OfficeKind
    code: str
    name: str


class MerchantRoleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["merchant"]
    commercial_card: CommercialCard


class TraderRoleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["trader"]


class OfficerRoleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["officer"]
    office: Office


RoleCreate = Annotated[MerchantRoleCreate | TraderRoleCreate | OfficerRoleCreate, Field(discriminator="role")]


class CommercialCardOut(BaseModel):
    number: str
    issued_on: date | None = None
    expires_on: date
    valid: bool = Field(description="Whether the card is valid today (Asia/Tehran): merchant acts need it.")


class RoleOut(BaseModel):
    id: uuid.UUID
    party_id: uuid.UUID
    subject: str = Field(description="The party as tokens name it: `user:<id>` or `legal:<id>`.")
    role: RoleName
    commercial_card: CommercialCardOut | None = None
    office: OfficeOut | None = None
    assigned_by: str
    created_at: datetime
    revoked_at: datetime | None = None


class RoleList(BaseModel):
    items: list[RoleOut]


class PartySummary(BaseModel):
    id: uuid.UUID
    subject: str
    kind: Literal["natural", "legal"]
    status: Literal["pending", "active", "disabled"]


class PartyLookup(BaseModel):
    """The parties found: at most one per identifier given (identifiers are unique)."""

    items: list[PartySummary]
