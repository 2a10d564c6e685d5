"""What the API answers for a signature key."""

from __future__ import annotations

from identity_client.signature_keys import (
    SignatureKeyOut,
)

from identity.signature_keys.models import SignatureKey


def key_out(key: SignatureKey) -> SignatureKeyOut:
    return SignatureKeyOut(
        kid=key.kid,
        name=key.name,
        alg=key.alg,  # type: ignore[arg-type]
        status=key.status,  # type: ignore[arg-type]
        jwk=key.public_jwk,
        created_at=key.created_at,
        activated_at=key.activated_at,
        revoked_at=key.revoked_at,
    )
