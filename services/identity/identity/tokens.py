"""Access-token signing. Every line of JWT signing lives here (verification: kit.auth)."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from jose import jwt

from kit.auth import ACCESS_TOKEN_TYP, ALGORITHM

if TYPE_CHECKING:
    from identity.state import IdentityState


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


async def issue_access_token(
    state: IdentityState, *, subject: str, claims: dict[str, Any]
) -> tuple[str, int]:
    """Sign an access token with the service's current key; returns ``(token, ttl_seconds)``."""
    settings = state.settings
    kid, pem = await state.signer.current()
    ttl = settings.access_token_ttl_seconds
    token = sign_access_token(
        kid=kid,
        private_pem=pem,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        subject=subject,
        ttl_seconds=ttl,
        extra_claims=claims,
    )
    return token, ttl
