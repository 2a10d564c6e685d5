"""Users' signature keys (the seed's "token") and checking a signed request against them."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession


async def verify_party_signature(
    session: AsyncSession, party_id: uuid.UUID, signature_header: str | None, body: bytes
) -> str:
    """Check the detached JWS ``signature_header`` (``Panjereh-Signature``) over the
    JCS form of the JSON ``body`` against ``party_id``'s active keys; returns the
    key's ``kid``. Raises a 4xx ProblemError naming what is wrong (missing,
    malformed, unknown or revoked key, tampered body)."""
    raise NotImplementedError
