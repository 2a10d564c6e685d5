"""Access-token signing. Every line of JWT signing lives here (verification: kit.auth)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from jose import jwt

from kit.auth import ACCESS_TOKEN_TYP, ALGORITHM


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
