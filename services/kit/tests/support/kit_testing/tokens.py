"""Access tokens for tests of kit's verifier, signed without identity: a fresh ES256 key
and a JWT with the claims ``kit.auth`` checks."""

from __future__ import annotations

import time
import uuid
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwt

from kit.auth import ACCESS_TOKEN_TYP, ALGORITHM
from kit.signatures import jwk_of, thumbprint


def new_es256_key() -> tuple[str, bytes, dict[str, str]]:
    """A fresh P-256 key: ``(kid, private PEM, public JWK)``; kid is the RFC 7638 thumbprint."""
    private = ec.generate_private_key(ec.SECP256R1())
    public = jwk_of(private)
    kid = thumbprint(public)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return kid, pem, {**public, "kid": kid, "use": "sig", "alg": ALGORITHM}


def sign_access_token(
    *,
    kid: str,
    private_pem: bytes,
    issuer: str,
    audience: str,
    subject: str,
    ttl_seconds: int,
    extra_claims: dict[str, Any],
) -> str:
    """An access token as identity issues it: ``extra_claims`` plus the registered ones."""
    now = int(time.time())
    claims = {
        **extra_claims,
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
        "typ": ACCESS_TOKEN_TYP,
    }
    return jwt.encode(
        claims, private_pem.decode(), algorithm=ALGORITHM, headers={"kid": kid, "typ": "at+jwt"}
    )
