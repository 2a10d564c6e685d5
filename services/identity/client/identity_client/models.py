"""Identity's request and response models."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from panjereh_contract.types import single_line


class Scope(StrEnum):
    """Scopes a machine client may hold; each service checks the ones it needs."""

    ADMIN = "admin"
    MIKHAK_FEED = "mikhak-feed"
    CLEARANCE_AGENT = "clearance-agent"
    EVENTS_READ = "events:read"
    GRANTS_READ = "grants:read"


SCOPES: dict[Scope, str] = {
    Scope.ADMIN: "Administer Panjereh: machine clients, officer roles, reference data.",
    Scope.MIKHAK_FEED: "Push approved car-import cases from the Mikhak consular system.",
    Scope.CLEARANCE_AGENT: "Clearance-agent software acting for merchants who granted it representation.",
    Scope.EVENTS_READ: "Follow the services' event feeds (`GET /v1/events`): notifications and other services.",
    Scope.GRANTS_READ: "Read the representation grants active today of given grantors "
    "(`GET /v1/representations/active-grants`): notifications, deciding who may receive an event.",
}


class TokenResponse(BaseModel):
    """RFC 6749 §5.1 access-token response."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds until the token expires.")
    scope: str | None = Field(default=None, description="Space-separated scopes granted.")
    refresh_token: str | None = Field(
        default=None,
        description="Login and refresh only: spend it once at `POST /v1/token` for the next pair.",
    )
    issued_token_type: str | None = Field(
        default=None,
        description="Token exchange only (RFC 8693): `urn:ietf:params:oauth:token-type:access_token`.",
    )


class Jwk(BaseModel):
    model_config = ConfigDict(extra="allow")

    kty: Literal["EC"]
    crv: Literal["P-256"]
    x: str
    y: str
    kid: str
    use: Literal["sig"] = "sig"
    alg: Literal["ES256"] = "ES256"


class JwkSet(BaseModel):
    keys: list[Jwk]


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: single_line(200) = Field(  # type: ignore[valid-type]
        description="Who runs the software, e.g. 'Arya clearance agency'.", examples=["Arya clearance agency"]
    )
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=len(Scope))] = Field(
        description="Scopes the client may ask for: " + "; ".join(f"`{k}`: {v}" for k, v in SCOPES.items()),
        examples=[["clearance-agent"]],
    )


class ClientOut(BaseModel):
    client_id: str
    name: str
    scopes: list[str]
    created_at: datetime
    disabled: bool


class ClientCreated(ClientOut):
    client_secret: str = Field(description="Shown once; only a hash is kept.")


MAX_SECRET_GRACE_SECONDS = 7 * 24 * 3600


class ClientSecretRotate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_seconds: int = Field(
        default=0,
        ge=0,
        le=MAX_SECRET_GRACE_SECONDS,
        description="How long the previous secret keeps working (seconds, at most 7 days); 0: stops at once.",
    )


class ClientSecretRotated(ClientCreated):
    previous_secret_valid_until: datetime | None = Field(
        description="Until when the previous secret still works; null when it stopped at once."
    )


class ClientPage(BaseModel):
    items: list[ClientOut]
    next: str | None = None
