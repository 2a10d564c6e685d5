"""Representation (اعطای نمایندگی): grants, their status and history, and acting-for tokens.

A grantor, acting in one of their roles, names a representative (a registered
natural or legal person), the scopes, an access level and the dates; the
grant is signed (``Panjereh-Signature``). The representative accepts or
rejects it; an accepted grant is active from ``starts_on`` through
``ends_on`` unless the grantor revokes it. While it is active the
representative gets acting-for tokens at ``POST /v1/token`` (RFC 8693 token
exchange): ``sub`` is the grantor, ``act.sub`` the representative.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from panjereh_contract.access_levels import AccessLevel
from panjereh_contract.identifiers import LegalNationalId, NationalCode
from panjereh_contract.types import single_line

# RFC 8693 token types of the token exchange at ``POST /v1/token``.
TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
REPRESENTATION_TOKEN_TYPE = "urn:panjereh:params:oauth:token-type:representation"
LEGAL_PERSON_TOKEN_TYPE = "urn:panjereh:params:oauth:token-type:legal-person"


class GrantorRole(StrEnum):
    """The role the grantor acts in (seed 001: grants are possible with every role)."""

    BASE_NATURAL = "base-natural"
    BASE_LEGAL = "base-legal"
    MERCHANT = "merchant"
    TRADER = "trader"


class RepresentationScope(StrEnum):
    """What a grant covers; which scopes each role may grant is told with a grant's `scopes`."""

    BASE = "base"
    # Merchant grants (seed 001: foreign-trade, currency and product-ID operations).
    FOREIGN_TRADE = "foreign-trade"
    CURRENCY = "currency"
    PRODUCT_ID = "product-id"
    # Trader grants: full, or ticked sections of domestic trade.
    FULL = "full"
    PURCHASES = "purchases"
    SALES = "sales"
    WAREHOUSES = "warehouses"
    DISTRIBUTION = "distribution"


MERCHANT_SCOPES = (
    RepresentationScope.FOREIGN_TRADE,
    RepresentationScope.CURRENCY,
    RepresentationScope.PRODUCT_ID,
)
# Seed 001 says a trader grants "full or limited access, ticking the sections"
# but does not name the sections. These are our reading of domestic trade's
# parts; they are defined here only, and ``full`` covers every one of them.
TRADER_SECTIONS: dict[RepresentationScope, str] = {
    RepresentationScope.PURCHASES: "خرید",
    RepresentationScope.SALES: "فروش",
    RepresentationScope.WAREHOUSES: "انبارها",
    RepresentationScope.DISTRIBUTION: "توزیع",
}
SCOPES_BY_ROLE: dict[GrantorRole, str] = {
    GrantorRole.BASE_NATURAL: '`["base"]`',
    GrantorRole.BASE_LEGAL: '`["base"]`',
    GrantorRole.MERCHANT: "a non-empty subset of " + ", ".join(f"`{s}`" for s in MERCHANT_SCOPES),
    GrantorRole.TRADER: '`["full"]` or a non-empty subset of the sections '
    + ", ".join(f"`{s}`" for s in TRADER_SECTIONS),
}


class RepresentationStatus(StrEnum):
    """The status of a grant today (Asia/Tehran), computed from its decision and dates."""

    PENDING = "pending"  # waiting for the representative
    REJECTED = "rejected"
    SCHEDULED = "scheduled"  # accepted, starts later
    ACTIVE = "active"  # accepted, today within [starts_on, ends_on]
    EXPIRED = "expired"  # ends_on has passed (accepted or never answered)
    REVOKED = "revoked"


class RepresentationSide(StrEnum):
    GRANTED = "granted"
    RECEIVED = "received"


class RepresentativeRef(BaseModel):
    """Who represents: a natural person by `national_code` or a legal person by
    `national_id`, exactly one of them."""

    # Exactly one member, and never null: the schema says so (min/maxProperties,
    # string types), so clients and schemathesis know it without a validator's word.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1, "maxProperties": 1})

    national_code: NationalCode = Field(default=None)  # type: ignore[valid-type, assignment]
    national_id: LegalNationalId = Field(default=None)  # type: ignore[valid-type, assignment]

    @model_validator(mode="after")
    def _exactly_one(self) -> RepresentativeRef:
        if (self.national_code is None) == (self.national_id is None):
            raise ValueError(
                "give exactly one of national_code (a natural person) or national_id (a legal one)"
            )
        return self


class RepresentationCreate(BaseModel):
    """A grant of representation. Sign exactly the body you send, with the method and path,
    a fresh ``iat`` and ``jti`` and no ``etag`` (``Panjereh-Signature``); a signature passes once."""

    model_config = ConfigDict(extra="forbid")

    grantor_role: GrantorRole = Field(
        description="The role you grant in; you must hold it (a merchant's card must be valid)."
    )
    legal_person_id: uuid.UUID | None = Field(
        default=None,
        description="Grant for a legal person you manage (it is then the grantor); omit to grant for yourself.",
    )
    representative: RepresentativeRef = Field(
        description="Who represents you: a registered, active person other than the grantor."
    )
    scopes: Annotated[list[RepresentationScope], Field(min_length=1, max_length=len(RepresentationScope))] = (
        Field(
            description="What the grant covers, by role: "
            + "; ".join(f"{role}: {text}" for role, text in SCOPES_BY_ROLE.items())
            + ".",
            examples=[["foreign-trade", "currency"]],
        )
    )
    access_level: AccessLevel = Field(
        description="The document access level the representative holds: a file of level F is "
        "visible to them only when F ≤ this level (very-limited < limited < medium < full)."
    )
    starts_on: date = Field(description="First day (Asia/Tehran), today or later.")
    ends_on: date = Field(
        description="Last day, on or after `starts_on`; for a merchant grant, before the commercial card expires."
    )


class PartyRef(BaseModel):
    """A side of a grant."""

    id: uuid.UUID
    subject: str = Field(description="`user:<id>` or `legal:<id>`, as tokens name the party.")
    kind: Literal["natural", "legal"]
    national_code: str | None = None
    national_id: str | None = None
    name: str


class RepresentationOut(BaseModel):
    id: uuid.UUID
    grantor: PartyRef
    grantor_role: GrantorRole
    representative: PartyRef
    scopes: list[str]
    access_level: AccessLevel
    starts_on: date
    starts_on_jalali: str = Field(description="`starts_on` in the Jalali calendar (YYYY-MM-DD).")
    ends_on: date
    ends_on_jalali: str = Field(description="`ends_on` in the Jalali calendar (YYYY-MM-DD).")
    status: RepresentationStatus
    signature_kid: str = Field(description="The grantor's signature key that signed the grant.")
    created_by: str = Field(description="The user who granted (a manager, for a legal grantor).")
    created_at: datetime
    decided_at: datetime | None = None
    revoked_at: datetime | None = None


class RepresentationPage(BaseModel):
    items: list[RepresentationOut]
    next: str | None = None


PartyTie = Literal["self", "manager", "representative"]


class PartyRelation(BaseModel):
    """How the caller stands today to another party (``GET /v1/me/relations/{subject}``): what a
    reviewer's independence is checked against (an officer never decides on a file of someone
    they are, manage or represent)."""

    subject: str = Field(description="The party asked about: `user:<id>` or `legal:<id>`.")
    relations: list[PartyTie] = Field(
        description=(
            "`self`: the caller is that party; `manager`: the caller manages that legal person; "
            "`representative`: that party has an active grant (today) to the caller or to a legal "
            "person the caller manages. Empty when none holds, also for an unknown party."
        )
    )


class DecisionReason(BaseModel):
    """An optional reason, kept in the grant's history."""

    model_config = ConfigDict(extra="forbid")

    reason: single_line(500) | None = None  # type: ignore[valid-type]


class RepresentationEventOut(BaseModel):
    event: Literal["granted", "accepted", "rejected", "revoked"]
    actor: str = Field(description="The user who acted.")
    on_behalf_of: str | None = Field(
        default=None, description="The legal person the user acted for, when they acted as its manager."
    )
    at: datetime
    request_id: str | None = None
    reason: str | None = None


class RepresentationHistory(BaseModel):
    items: list[RepresentationEventOut]


# How many grantors one ``GET /v1/representations/active-grants`` may name.
MAX_ACTIVE_GRANTORS = 100


class ActiveGrant(BaseModel):
    """A grant active today (Asia/Tehran), as services deciding who may see what read it."""

    id: uuid.UUID
    grantor: str = Field(description="The grantor as tokens name it (`user:…`, `legal:…`).")
    representative: str = Field(description="The representative as tokens name it.")
    role: GrantorRole = Field(description="The role the grant was made in.")
    scopes: list[str]
    access_level: AccessLevel
    starts_on: date
    ends_on: date


class ActiveGrantList(BaseModel):
    items: list[ActiveGrant]
