"""Identity's request and response models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# Scopes a machine client may hold; each service checks the ones it needs.
SCOPES: dict[str, str] = {
    "admin": "Administer Panjereh: machine clients, officer roles, reference data.",
    "mikhak-feed": "Push approved car-import cases from the Mikhak consular system.",
    "clearance-agent": "Clearance-agent software acting for merchants who granted it representation.",
}

Scope = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,63}$")]


class TokenResponse(BaseModel):
    """RFC 6749 §5.1 access-token response."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds until the token expires.")
    scope: str = Field(description="Space-separated scopes granted.")


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

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="Who runs the software, e.g. 'Arya clearance agency'.", examples=["Arya clearance agency"]
    )
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=10)] = Field(
        description="Scopes the client may ask for.", examples=[["clearance-agent"]]
    )


class ClientOut(BaseModel):
    client_id: str
    name: str
    scopes: list[str]
    created_at: datetime
    disabled: bool


class ClientCreated(ClientOut):
    client_secret: str = Field(description="Shown once; only a hash is kept.")


class ClientPage(BaseModel):
    items: list[ClientOut]
    next: str | None = None
