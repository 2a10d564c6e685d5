"""Signature keys contract: a user's public keys (the seed's signature "token")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from panjereh_contract.jwk import PRIVATE_JWK_MEMBERS
from panjereh_contract.types import single_line

# 32 bytes in unpadded, canonical base64url: a P-256 coordinate or an Ed25519 public key.
_B64URL = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$")]
KeyStatus = Literal["pending", "active", "revoked"]
KeyAlgorithm = Literal["ES256", "EdDSA"]


# Which members go together, in the schema itself (the service checks the same
# in kit.signatures and names the field): EC P-256 keys sign ES256 and have `y`;
# OKP Ed25519 keys sign EdDSA.
_KEY_TYPES = [
    {
        "title": "EcP256Key",
        "properties": {
            "kty": {"const": "EC"},
            "crv": {"const": "P-256"},
            "alg": {"enum": ["ES256", None]},
            "y": {"type": "string"},
        },
        "required": ["y"],
    },
    {
        "title": "OkpEd25519Key",
        "properties": {
            "kty": {"const": "OKP"},
            "crv": {"const": "Ed25519"},
            "alg": {"enum": ["EdDSA", None]},
        },
    },
]


class PublicJwkIn(BaseModel):
    """A public JWK (RFC 7517): EC P-256 for ES256 or OKP Ed25519 for EdDSA
    (RFC 8037). Private members (`d`...) are refused: the private key never
    leaves the signer. Only the public members are kept."""

    # Extra members are allowed so that a private one (`d`...) is named in the refusal.
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "oneOf": _KEY_TYPES,
            # Private members named in the schema too: none may be present.
            "not": {"anyOf": [{"required": [member]} for member in PRIVATE_JWK_MEMBERS]},
            "examples": [
                {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
            ],
        },
    )

    kty: Literal["EC", "OKP"]
    crv: Literal["P-256", "Ed25519"]
    x: _B64URL
    y: _B64URL | None = Field(default=None, description="EC keys only.")
    alg: KeyAlgorithm | None = None
    use: Literal["sig"] | None = None


class SignatureKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: single_line(100) = Field(  # type: ignore[valid-type]
        description="A name the user recognises, e.g. 'office laptop'.", examples=["office laptop"]
    )
    jwk: PublicJwkIn


class SignatureKeyRegistered(BaseModel):
    """The key is pending: confirm it with the SMS code at
    `POST /v1/me/signature-keys/{kid}/confirm` before `code_expires_at`."""

    kid: str = Field(description="The key's RFC 7638 thumbprint (SHA-256): the `kid` of its signatures.")
    name: str
    alg: KeyAlgorithm
    status: Literal["pending"] = "pending"
    code_expires_at: datetime


class SignatureKeyConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(pattern=r"^[0-9\u06f0-\u06f9\u0660-\u0669]{4,8}$")] = Field(
        description="The code sent by SMS to the account's mobile.", examples=["1234"]
    )


class SignatureKeyOut(BaseModel):
    kid: str
    name: str
    alg: KeyAlgorithm
    status: KeyStatus
    jwk: dict[str, str] = Field(description="The public key (its RFC 7638 members).")
    created_at: datetime
    activated_at: datetime | None = None
    revoked_at: datetime | None = None


class SignatureKeyPage(BaseModel):
    items: list[SignatureKeyOut]
    next: str | None = None


class PublicSignatureJwk(BaseModel):
    """An active signature key as published: verify `Panjereh-Signature` with it."""

    kty: Literal["EC", "OKP"]
    crv: Literal["P-256", "Ed25519"]
    x: str
    y: str | None = None
    kid: str
    alg: KeyAlgorithm
    use: Literal["sig"] = "sig"


class SignatureJwkSet(BaseModel):
    keys: list[PublicSignatureJwk]
